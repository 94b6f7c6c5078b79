"""koppelbox: sandbox server, validator and conformance toolkit for Dutch school data exchange."""

from __future__ import annotations

import functools

__all__ = ["__version__"]


@functools.cache
def _version() -> str:
    # Looked up on first use, not at import: reading the installed metadata costs tens of milliseconds of
    # the sandbox's start-up, and serving needs the version only when someone asks for it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("koppelbox")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'koppelbox' has no attribute {name!r}")
