"""koppelbox: sandbox server, validator and conformance toolkit for Dutch school data exchange."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("koppelbox")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
