"""JSON Schema checks (OpenAPI 3.0 flavour) that report every problem with its location and a plain message.

A schema is compiled once and reused; the message for each JSON Schema keyword is written for a vendor,
not for someone who reads JSON Schema ("`boards[0].id` must be a whole number", not "is not of type
'integer'").

Two engines, one verdict. jsonschema-rs (compiled Rust) checks and explains most payloads; its errors
are turned into the same plain messages. Where the explanation needs judgement (oneOf/anyOf/not: which
alternative did the sender mean?) the Python `jsonschema` package explains instead, with `best_match`.
The engines share every format function (the fast engine calls back into the ones below) and the
ECMA-262 pattern semantics, and OpenAPI 3.0 `nullable` is rewritten for the fast engine into a JSON
Schema type list; tests/test_validator_schema.py holds them to the same verdict and the same words on
every variant of every example in the contracts.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema.protocols import Validator

from koppelbox.rules.text import LINE_BREAKS_AND_TABS, control_characters, control_message

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


_patterns: dict[str, Any] = {}


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]) -> Iterator[Any]:
    # JSON Schema patterns are ECMA-262 regular expressions. Python's `re` differs where it matters for
    # identifiers: its `$` also matches before a final newline, so `^[0-9]{2}[A-Z]{2}$` would accept
    # "16SK\n". The fast engine implements ECMA-262, so the explainer asks it (one compiled regex per
    # pattern) and both engines agree by construction.
    if isinstance(instance, str) and not _pattern_accepts(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_accepts(pattern: str, text: str) -> bool:
    checker = _patterns.get(pattern)
    if checker is None:
        checker = _patterns.setdefault(pattern, jsonschema_rs.Draft4Validator({"pattern": pattern}))
    return bool(checker.is_valid(text))


OpenAPI30Validator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    Draft4Validator, {"type": _nullable_type, "pattern": _ecma_pattern}
)

_FORMAT_CHECKER = FormatChecker()
# jsonschema's own e-mail check only asks for an "@"; a vendor deserves to hear about `naam@` too (and no
# control character is part of an address: rules/text.py).
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s.\x00-\x1f\x7f-\x9f]+$")


@_FORMAT_CHECKER.checks("email")
def _is_email(instance: object) -> bool:
    return not isinstance(instance, str) or bool(_EMAIL.match(instance))


def _format_function(name: str) -> Callable[[str], bool]:
    def conforms(value: str) -> bool:
        return _FORMAT_CHECKER.conforms(value, name)

    return conforms


_SHARED_FORMATS = {name: _format_function(name) for name in _FORMAT_CHECKER.checkers}


def _for_fast_engine(schema: Any) -> Any:
    """A copy of `schema` in plain JSON Schema: `type: X, nullable: true` becomes `type: [X, "null"]`.
    Only `type` changes, exactly as `_nullable_type` reads it (an `enum` still has to list null)."""
    if isinstance(schema, list):
        return [_for_fast_engine(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    copy = {key: _for_fast_engine(value) for key, value in schema.items()}
    if schema.get("nullable") is True and isinstance(schema.get("type"), str):
        copy["type"] = [schema["type"], "null"]
    return copy


class CompiledSchema:
    """Both engines for one schema, built once."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema  # held so that `id(schema)` stays unique while cached
        self.explainer: Validator = OpenAPI30Validator(schema, format_checker=_FORMAT_CHECKER)
        self.fast: Any = None
        # A schema the fast engine cannot take (e.g. one that contains itself) is still checked, just slower.
        with contextlib.suppress(ValueError, RecursionError, jsonschema_rs.ReferencingError):
            self.fast = jsonschema_rs.Draft4Validator(
                _for_fast_engine(schema), formats=_SHARED_FORMATS, validate_formats=True
            )

    def is_valid(self, instance: Any) -> bool:
        if self.fast is not None and self.fast.is_valid(instance):
            return True
        return not any(True for _ in self.explainer.iter_errors(instance))

    def problems(self, instance: Any) -> list[_Problem]:
        """What is wrong with `instance`, engine-neutral; [] when it is valid."""
        if self.fast is not None:
            if self.fast.is_valid(instance):
                return []
            from_fast = _fast_problems(self.schema, self.fast.iter_errors(instance), instance)
            if from_fast is not None:
                return from_fast
        return [_python_problem(error) for error in _leaves(self.explainer.iter_errors(instance))]


_cache: dict[int, CompiledSchema] = {}
_cache_lock = threading.Lock()


def compiled(schema: Mapping[str, Any]) -> CompiledSchema:
    """The engines for `schema`, built on first use. Keyed by identity: the specs that hold these
    schemas live as long as the process, and the cache keeps each one alive so its id is never reused."""
    key = id(schema)
    entry = _cache.get(key)
    if entry is None:
        with _cache_lock:
            entry = _cache.get(key)
            if entry is None:
                entry = CompiledSchema(schema)
                _cache[key] = entry
    return entry


def check(schema: Mapping[str, Any], instance: Any, *, root: str = "") -> list[SchemaFinding]:
    """Every way `instance` breaks `schema`, ordered by location. `root` prefixes field names."""
    findings = [_finding(problem, root) for problem in compiled(schema).problems(instance)]
    findings.sort(key=lambda f: (f.pointer, f.keyword, f.message))
    return findings


@dataclass(frozen=True)
class _Problem:
    """One failed keyword, as either engine reports it; the message is written from this alone."""

    path: list[str | int]  # to the offending value
    keyword: str  # the Draft 4 keyword (exclusiveMinimum is `minimum`, as Draft 4 defines it)
    value: Any  # the keyword's value in the schema
    schema: Mapping[str, Any]  # the (sub)schema holding the keyword
    instance: Any  # the offending value
    missing: str | None = None  # for `required`: the absent property
    text: str = ""  # the engine's own wording, for keywords without a plain message


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    # For oneOf/anyOf the best explanation is the deepest one jsonschema can single out.
    for error in errors:
        if error.validator in {"oneOf", "anyOf"} and error.context:
            yield jsonschema.exceptions.best_match(error.context) or error
        else:
            yield error


def _python_problem(error: ValidationError) -> _Problem:
    keyword = str(error.validator)
    missing = None
    if keyword == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    return _Problem(
        list(error.absolute_path),
        keyword,
        error.validator_value,
        schema,
        error.instance,
        missing,
        error.message,
    )


# Keywords whose errors the fast engine reports exactly as `jsonschema` does (the same keyword, at the same
# place, once per problem). Anything else (oneOf/anyOf/not, where `jsonschema` picks the best branch to
# explain, or keywords OpenAPI 3.0 does not have) is explained by `jsonschema` itself.
_FAST_KEYWORDS = {
    "type": "type",
    "required": "required",
    "additionalProperties": "additionalProperties",
    "enum": "enum",
    "format": "format",
    "pattern": "pattern",
    "minLength": "minLength",
    "maxLength": "maxLength",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "minimum",
    "exclusiveMaximum": "maximum",
    "multipleOf": "multipleOf",
    "minItems": "minItems",
    "maxItems": "maxItems",
    "uniqueItems": "uniqueItems",
    "minProperties": "minProperties",
    "maxProperties": "maxProperties",
}


def _fast_problems(schema: Mapping[str, Any], errors: Iterable[Any], instance: Any) -> list[_Problem] | None:
    """The fast engine's errors as problems, or None when `jsonschema` must explain this instance."""
    problems = []
    for error in errors:
        schema_path = list(error.schema_path)
        keyword = _FAST_KEYWORDS.get(str(schema_path[-1])) if schema_path else None
        node = _follow(schema, schema_path[:-1])
        if keyword is None or not isinstance(node, Mapping) or keyword not in node:
            return None
        path = list(error.instance_path)
        value = _follow(instance, path)
        missing = getattr(error.kind, "property", None) if keyword == "required" else None
        problems.append(_Problem(path, keyword, node[keyword], node, value, missing, str(error.message)))
    return problems


_NOWHERE = object()


def _follow(document: Any, path: Sequence[Any]) -> Any:
    for part in path:
        try:
            document = document[part]
        except (KeyError, IndexError, TypeError):
            return _NOWHERE
    return document


def pointer(path: Sequence[str | int]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def field_name(path: Sequence[str | int], root: str = "") -> str:
    text = root
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _finding(problem: _Problem, root: str) -> SchemaFinding:
    path = list(problem.path)
    keyword = problem.keyword
    if keyword == "required":
        # A missing property is reported at its parent; point at the property itself.
        path.append(problem.missing or "?")
        return SchemaFinding(pointer(path), field_name(path, root), keyword, "is required")
    if keyword == "additionalProperties":
        known = set(problem.schema.get("properties", {}))
        extras = sorted(set(problem.instance if isinstance(problem.instance, Mapping) else {}) - known)
        allowed = ", ".join(sorted(known)) or "none"
        if len(extras) == 1:
            path.append(extras[0])
            return SchemaFinding(
                pointer(path), field_name(path, root), keyword, f"is not allowed here (allowed: {allowed})"
            )
        listed = ", ".join(extras)
        message = f"has fields that are not allowed here: {listed} (allowed: {allowed})"
        return SchemaFinding(pointer(path), field_name(path, root) or "body", keyword, message)
    return SchemaFinding(pointer(path), field_name(path, root) or "body", keyword, _message(problem))


def _pattern_message(pattern: str, schema: Mapping[str, Any], instance: Any) -> str:
    # The contract's own example says more to a vendor than the regular expression does.
    example = schema.get("example")
    like = f", like {example}" if isinstance(example, str) and example else ""
    form = f"does not have the expected form{like} (pattern {pattern})"
    controls = control_characters(instance) if isinstance(instance, str) else []
    # A control character the pattern takes where it would take a letter is not what it refused.
    refused = [c for c in controls if not _pattern_accepts(pattern, f"a{c}a")]
    if not refused:
        return form
    kept = "".join(c for c in instance if c not in refused)
    line_breaks = all(_pattern_accepts(pattern, f"a{c}a") for c in LINE_BREAKS_AND_TABS)
    message = control_message(refused, line_breaks_allowed=line_breaks)
    return message if _pattern_accepts(pattern, kept) else f"{message}; and it {form}"


def _message(problem: _Problem) -> str:
    value, schema = problem.value, problem.schema
    match problem.keyword:
        case "type":
            wanted = value if isinstance(value, list) else [value]
            if schema.get("nullable") is True:
                wanted = [*wanted, "null"]
            return "must be " + " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in wanted)
        case "format":
            return "must be " + FORMAT_EXAMPLES.get(str(value), f"in {value} format")
        case "enum":
            return "must be one of: " + ", ".join(str(v) for v in value)
        case "pattern":
            return _pattern_message(str(value), schema, problem.instance)
        case "minLength":
            return "must not be empty" if value == 1 else f"must be at least {value} characters long"
        case "maxLength":
            return f"must be at most {value} characters long"
        case "minimum":
            return (
                f"must be more than {value}" if schema.get("exclusiveMinimum") else f"must be {value} or more"
            )
        case "maximum":
            return (
                f"must be less than {value}" if schema.get("exclusiveMaximum") else f"must be {value} or less"
            )
        case "multipleOf":
            return f"must be a multiple of {value}"
        case "minItems":
            return f"must have at least {value} item(s)"
        case "maxItems":
            return f"must have at most {value} item(s)"
        case "uniqueItems":
            return "must not contain the same item twice"
        case "minProperties":
            return f"must have at least {value} field(s)"
        case "maxProperties":
            return f"must have at most {value} field(s)"
        case "oneOf":
            return "matches more than one of the allowed shapes; it must match exactly one"
        case "anyOf":
            return "matches none of the allowed shapes"
        case "not":
            return "has a shape that is not allowed here"
        case _:
            return problem.text
