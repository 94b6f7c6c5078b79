"""The server's Connexion integration: what Connexion would otherwise redo on every request, done once,
through its own extension points (README.md; docs/performance.md has the figures).

It also imports Connexion first (`server/app.py` imports this package before anything else): Connexion
3.3 imports jsonschema's deprecated `RefResolver` and `RefResolutionError` at import time, and jsonschema
warns about that once, from `connexion.json_schema`. The warning is Connexion's to fix and says nothing
about koppelbox, so exactly it is silenced here, around that one import, and `python -W error` can import
and serve koppelbox. Any other warning still surfaces.

The same import loads `starlette.testclient` (`connexion.apps.abstract` imports it for `test_client()`,
which koppelbox never calls). Starlette's test client now prefers the `httpx2` package and warns when it
falls back to `httpx`, which Connexion itself requires. Installing a second HTTP client only to quiet an
import koppelbox does not use is no fix (docs/dependencies.md): that one message is silenced here too.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore",
        message=r"jsonschema\.(RefResolver|exceptions\.RefResolutionError) is deprecated",
        category=DeprecationWarning,
        module=r"connexion\.json_schema",
    )
    # Issued by starlette.testclient at import; the warning's frame is the importer's, so match the text.
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated")
    import connexion.json_schema  # noqa: F401
