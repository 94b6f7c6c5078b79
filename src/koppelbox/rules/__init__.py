"""Domain rules: pure functions and value types. Imports no web framework and does no I/O."""
