"""Each contract parsed once per process, with libyaml.

Start-up used to parse every contract four times with PyYAML's pure-Python loader (spec discovery, the
route table, Connexion itself, and discovery again for the journal): about 80 % of the time to first 200.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

# libyaml is part of every PyYAML wheel; the pure-Python loader is the fallback for a source build.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=64)
def _parsed(path: Path, mtime_ns: int) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # a safe loader (libyaml)


def document(path: Path) -> Any:
    """The parsed contract at `path`, shared: read it, never change it (use `private_copy` for that).
    An edited file is parsed again (the cache key includes its modification time)."""
    resolved = path.resolve()
    return _parsed(resolved, resolved.stat().st_mtime_ns)


def private_copy(path: Path) -> Any:
    """A copy of the contract that the caller may change (Connexion fills in defaults in place)."""
    return copy.deepcopy(document(path))
