"""The validator's results rendered for people (text), machines (JSON) and CI (JUnit).

The results themselves are `koppelbox.validator.results`; nothing in the validator imports this package,
so it can be read (and changed) on its own.
"""
