"""Where the contracts (`openapi/`) and seed data (`fixtures/`) live.

Both sit at the repository root as the single source of truth. An editable install reads them there;
a wheel carries copies under `koppelbox/_data/` (see `pyproject.toml`).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    variable = f"KOPPELBOX_{name.upper()}_DIR"
    override = os.environ.get(variable)
    if override:  # for contract authors trying a changed or extra spec without reinstalling
        if not Path(override).is_dir():  # never a silent fall back to the shipped copy
            raise FileNotFoundError(f"{variable} names {override}, which is not a directory")
        return Path(override)
    candidates = (_PACKAGE / "_data" / name, _PACKAGE.parents[1] / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    looked = " and ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"koppelbox cannot find its {name}/ directory (looked in {looked}): a broken install?"
    )


def openapi_dir() -> Path:
    return _locate("openapi")


def fixtures_dir() -> Path:
    return _locate("fixtures")


def schemathesis_settings() -> Path:
    """The project's `schemathesis.toml`: per-operation facts of the contracts that JSON Schema cannot state
    (a schema-valid request a documented rule still refuses). Shipped in the wheel beside the contracts,
    because `conformance` and `fuzz` would otherwise fail a correct server (see docs/conformance.md)."""
    path = openapi_dir().parent / "schemathesis.toml"
    if not path.is_file():
        raise FileNotFoundError(f"koppelbox cannot find its schemathesis.toml (looked in {path.parent})")
    return path
