"""koppelbox: sandbox server, validator and conformance toolkit for Dutch school data exchange.

The public Python API is `koppelbox.Sandbox` (docs/python.md). It and `__version__` are looked up on
first use, so that `import koppelbox` stays cheap (the CLI and the pytest plugin import it first).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not imported from `typing`: the root imports nothing at all
if TYPE_CHECKING:
    from koppelbox.sandbox import Sandbox

    __version__: str

__all__ = ["Sandbox", "__version__"]


def __getattr__(name: str) -> object:
    if name == "__version__":
        from koppelbox.version import version

        return version()
    if name == "Sandbox":
        from koppelbox.sandbox import Sandbox

        return Sandbox
    raise AttributeError(f"module 'koppelbox' has no attribute {name!r}")
