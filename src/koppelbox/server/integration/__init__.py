"""The server's Connexion integration: what Connexion would otherwise redo on every request, done once,
through its own extension points (README.md; docs/performance.md has the figures)."""
