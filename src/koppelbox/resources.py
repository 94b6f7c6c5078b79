"""Where the contracts (`openapi/`) and seed data (`fixtures/`) live.

Both sit at the repository root as the single source of truth. An editable install reads them there;
a wheel carries copies under `koppelbox/_data/` (see `pyproject.toml`).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    override = os.environ.get(f"KOPPELBOX_{name.upper()}_DIR")
    if override:  # for contract authors trying a changed or extra spec without reinstalling
        return Path(override)
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"koppelbox cannot find its {name}/ directory (looked next to {_PACKAGE})")


def openapi_dir() -> Path:
    return _locate("openapi")


def fixtures_dir() -> Path:
    return _locate("fixtures")
