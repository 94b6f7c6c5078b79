"""The server's Connexion integration: what Connexion would otherwise redo on every request, done once,
through its own extension points (README.md; docs/performance.md has the figures).

It also imports Connexion first (`server/app.py` imports this package before anything else): Connexion
3.3 imports jsonschema's deprecated `RefResolver` and `RefResolutionError` at import time, and jsonschema
warns about that once, from `connexion.json_schema`. The warning is Connexion's to fix and says nothing
about koppelbox, so exactly it is silenced here, around that one import, and `python -W error` can import
and serve koppelbox. Any other warning still surfaces.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore",
        message=r"jsonschema\.(RefResolver|exceptions\.RefResolutionError) is deprecated",
        category=DeprecationWarning,
        module=r"connexion\.json_schema",
    )
    import connexion.json_schema  # noqa: F401
