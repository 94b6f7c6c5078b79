"""Copies of stored JSON documents handed out to callers, so that no caller can change the store.

This copy is on the path of every read and write, and stored documents are plain JSON (dicts, lists,
strings, numbers, booleans, None). `copy.deepcopy` pays for what JSON never has (memo table, cycles,
`__deepcopy__` hooks); `marshal` round-trips exactly the built-in types, in C. Anything it refuses is
walked. Measured in docs/performance.md.
"""

from __future__ import annotations

import copy
import marshal
from typing import Any, TypeVar

T = TypeVar("T")

_IMMUTABLE = (str, int, float, bool, type(None))


def json_copy(value: T) -> T:
    """A deep copy of a JSON-shaped value; anything that is not JSON is copied by `copy.deepcopy`."""
    plain: Any = value
    try:
        return marshal.loads(marshal.dumps(plain))  # type: ignore[no-any-return]
    except ValueError:  # a type marshal does not take (a dict subclass, a datetime): walk it
        return _copy(value)  # type: ignore[no-any-return]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)
