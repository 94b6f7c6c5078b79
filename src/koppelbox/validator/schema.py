"""JSON Schema checks (OpenAPI 3.0 flavour) that report every problem with its location and a plain message.

A schema is compiled once and reused; the message for each JSON Schema keyword is written for a vendor,
not for someone who reads JSON Schema ("`boards[0].id` must be a whole number", not "is not of type
'integer'").
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema
from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema.protocols import Validator

# A few OpenAPI-only formats jsonschema does not know; given here so a message can show an example.
FORMAT_EXAMPLES = {
    "date": "a date like 2012-05-31",
    "date-time": "a timestamp with time zone like 2025-04-18T10:02:28Z",
    "email": "an e-mail address like naam@example.nl",
    "uri": "an absolute URI like https://example.nl/pad",
    "uuid": "a UUID like 123e4567-e89b-12d3-a456-426614174000",
}

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


@dataclass(frozen=True)
class SchemaFinding:
    pointer: str  # RFC 6901 pointer to the offending value ("" is the whole document)
    field: str  # the same location for people: `leerling.ouders[1].postcode`
    keyword: str  # the JSON Schema keyword that failed (`required`, `format`, ...)
    message: str


_draft4_type = Draft4Validator.VALIDATORS["type"]


def _nullable_type(validator: Any, types: Any, instance: Any, schema: Mapping[str, Any]) -> Iterator[Any]:
    # OpenAPI 3.0 expresses "may be null" with `nullable: true` beside `type`.
    if instance is None and schema.get("nullable"):
        return
    yield from _draft4_type(validator, types, instance, schema)


OpenAPI30Validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    Draft4Validator, {"type": _nullable_type}
)

_FORMAT_CHECKER = FormatChecker()
_cache: dict[int, tuple[Mapping[str, Any], Validator]] = {}
_cache_lock = threading.Lock()


def compiled(schema: Mapping[str, Any]) -> Validator:
    """The validator for `schema`, built on first use. Keyed by identity: the specs that hold these
    schemas live as long as the process, and the cache keeps each one alive so its id is never reused."""
    key = id(schema)
    entry = _cache.get(key)
    if entry is None:
        with _cache_lock:
            entry = _cache.get(key)
            if entry is None:
                entry = (schema, OpenAPI30Validator(schema, format_checker=_FORMAT_CHECKER))
                _cache[key] = entry
    return entry[1]


def check(schema: Mapping[str, Any], instance: Any, *, root: str = "") -> list[SchemaFinding]:
    """Every way `instance` breaks `schema`, ordered by location. `root` prefixes field names."""
    errors = compiled(schema).iter_errors(instance)
    findings = [_finding(error, root) for error in _leaves(errors)]
    findings.sort(key=lambda f: (f.pointer, f.keyword, f.message))
    return findings


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    # For oneOf/anyOf the best explanation is the deepest one jsonschema can single out.
    for error in errors:
        if error.validator in {"oneOf", "anyOf"} and error.context:
            yield jsonschema.exceptions.best_match(error.context) or error
        else:
            yield error


def pointer(path: Sequence[str | int]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def field_name(path: Sequence[str | int], root: str = "") -> str:
    text = root
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _finding(error: ValidationError, root: str) -> SchemaFinding:
    path = list(error.absolute_path)
    keyword = str(error.validator)
    value = error.validator_value
    if keyword == "required":
        # jsonschema reports a missing property at its parent; point at the property itself.
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        path.append(missing)
        return SchemaFinding(pointer(path), field_name(path, root), keyword, "is required")
    if keyword == "additionalProperties":
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        known = set(schema.get("properties", {}))
        extras = sorted(set(error.instance if isinstance(error.instance, Mapping) else {}) - known)
        allowed = ", ".join(sorted(known)) or "none"
        name = extras[0] if len(extras) == 1 else None
        if name is not None:
            path.append(name)
            return SchemaFinding(
                pointer(path), field_name(path, root), keyword, f"is not allowed here (allowed: {allowed})"
            )
        listed = ", ".join(extras)
        message = f"has fields that are not allowed here: {listed} (allowed: {allowed})"
        return SchemaFinding(pointer(path), field_name(path, root) or "body", keyword, message)
    return SchemaFinding(
        pointer(path), field_name(path, root) or "body", keyword, _message(keyword, value, error)
    )


def _message(keyword: str, value: Any, error: ValidationError) -> str:
    match keyword:
        case "type":
            wanted = value if isinstance(value, list) else [value]
            return "must be " + " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in wanted)
        case "format":
            return "must be " + FORMAT_EXAMPLES.get(str(value), f"in {value} format")
        case "enum":
            return "must be one of: " + ", ".join(str(v) for v in value)
        case "pattern":
            return f"does not have the expected form (pattern {value})"
        case "minLength":
            return "must not be empty" if value == 1 else f"must be at least {value} characters long"
        case "maxLength":
            return f"must be at most {value} characters long"
        case "minimum":
            return f"must be {value} or more"
        case "maximum":
            return f"must be {value} or less"
        case "minItems":
            return f"must have at least {value} item(s)"
        case "maxItems":
            return f"must have at most {value} item(s)"
        case "uniqueItems":
            return "must not contain the same item twice"
        case "minProperties":
            return f"must have at least {value} field(s)"
        case _:
            return str(error.message)
