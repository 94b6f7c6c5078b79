"""Compiled validators for the schemas Connexion hands to validators.

Connexion inlines every `$ref` and then attaches the spec's whole `components` object to each body and
response schema (`with_definitions`), so a schema that is itself a component ends up containing itself.
The pure-Python validator never looks at `components`, but the compiled engine cannot take a schema with a
cycle and the shared checker (`validator.schema.compiled`) would quietly fall back to pure Python on every
call. Here each such schema is compiled once without the attached `components` (every reference in it is
already inlined, so nothing is lost).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koppelbox.validator.schema import CompiledSchema, compiled

_by_schema: dict[int, tuple[Any, CompiledSchema]] = {}


def for_contract(schema: Mapping[str, Any]) -> CompiledSchema:
    """The compiled checker for `schema` as Connexion passes it (kept alive with it, keyed by identity:
    Connexion's schemas live as long as the app)."""
    entry = _by_schema.get(id(schema))
    if entry is None:
        attached = schema.get("components")
        bare = _without(schema, attached) if attached is not None else schema
        entry = _by_schema.setdefault(id(schema), (schema, compiled(bare)))
    return entry[1]


def _without(value: Any, attached: Any) -> Any:
    """A copy of `value` with every `components` entry that is the attached spec components dropped."""
    if isinstance(value, Mapping):
        return {
            k: _without(v, attached) for k, v in value.items() if not (k == "components" and v is attached)
        }
    if isinstance(value, list):
        return [_without(item, attached) for item in value]
    return value
