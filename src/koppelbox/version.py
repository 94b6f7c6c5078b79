"""The installed version of koppelbox, looked up on first use.

Its own module at the bottom, so that whoever needs the version (the control plane's health answer, the
CLI, report provenance) imports it without importing the root package, which offers the public API.
"""

from __future__ import annotations

import functools

__all__ = ["version"]


@functools.cache
def version() -> str:
    # Looked up on first use, not at import: reading the installed metadata costs tens of milliseconds of
    # the sandbox's start-up, and serving needs the version only when someone asks for it.
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("koppelbox")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"
