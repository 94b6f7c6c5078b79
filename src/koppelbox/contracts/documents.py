"""Each contract parsed once per process, with libyaml, and shared read-only.

Parsing every contract several times with PyYAML's pure-Python loader (discovery, the route table,
Connexion, the validator, the conformance runner) made start-up slow (docs/performance.md).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

# libyaml is part of every PyYAML wheel; the pure-Python loader is the fallback for a source build.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The keys of an OpenAPI path item that are operations (the rest are parameters, summary, servers, ...).
OPERATION_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


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


def operations(contract: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(path template, method, operation) for every operation of a parsed contract, in file order."""
    for template, item in (contract.get("paths") or {}).items():
        for method in OPERATION_METHODS:
            operation = item.get(method) if isinstance(item, Mapping) else None
            if isinstance(operation, Mapping):
                yield template, method, operation
