"""The sandbox's fast path: what Connexion would otherwise redo on every request (or on every start-up),
done once, through Connexion's own extension points. See docs/performance.md for the figures."""
