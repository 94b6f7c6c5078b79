"""The schema layer: two engines that must agree, OpenAPI 3.0 `nullable`, formats really checked."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from koppelbox.validator import contracts
from koppelbox.validator.schema import _finding, _leaves, _python_problem, check, compiled

EXAMPLE_DATES = {
    "date": "2012-05-31",
    "date-time": "2025-04-18T10:02:28Z",
    "email": "a@b.nl",
    "uri": "https://x.nl",
}


def _variants(value: Any) -> Iterator[Any]:
    """The value itself and, for each field below it, the edge cases engines are known to differ on."""
    yield value
    if isinstance(value, dict):
        for key, child in value.items():
            without = dict(value)
            del without[key]
            yield without
            for variant in _variants(child):
                yield {**value, key: variant}
            yield {**value, key + "_extra": 1}
    elif isinstance(value, list):
        yield []
        yield [*value, *value]
        for index, item in enumerate(value[:2]):
            for variant in _variants(item):
                yield [*value[:index], variant, *value[index + 1 :]]
    elif isinstance(value, bool):
        yield 1
    elif isinstance(value, int):
        yield from (float(value), value + 0.5, -1, 0, True, str(value), None)
    elif isinstance(value, str):
        yield from (
            "",
            value + "\n",
            " " + value,
            value.upper(),
            "2023-02-30",
            "2025-04-18T10:02:28",
            "2025-04-18 10:02:28Z",
            "naam@",
            "relative/path",
            "😀" * 3,
            None,
            7,
        )


def _examples(contract: contracts.Contract) -> Iterator[tuple[str, Any, Any]]:
    """(where, schema, example) for every request and response example in a contract."""
    for route, path_item in contract.raw["paths"].items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict):
                continue
            resolved = contract.resolve(operation)
            parts = {"request": resolved.get("requestBody") or {}, **(resolved.get("responses") or {})}
            for part, body in parts.items():
                for media in (body.get("content") or {}).values():
                    examples = [e["value"] for e in (media.get("examples") or {}).values()]
                    examples += [media["example"]] if "example" in media else []
                    for index, example in enumerate(examples):
                        yield (
                            f"{contract.name} {method.upper()} {route} {part} #{index}",
                            media["schema"],
                            example,
                        )


CASES = [
    pytest.param(schema, example, id=where)
    for contract in contracts.load()
    for where, schema, example in _examples(contract)
]


@pytest.mark.parametrize(("schema", "example"), CASES)
def test_fast_engine_and_explainer_agree_on_every_variant_of_every_example(schema: Any, example: Any) -> None:
    engines = compiled(schema)
    assert engines.fast is not None
    disagreements = []
    for variant in _variants(copy.deepcopy(example)):
        fast = engines.fast.is_valid(variant)
        explained = not any(True for _ in engines.explainer.iter_errors(variant))
        if fast != explained:
            disagreements.append((variant, fast, explained))
    assert disagreements == []


@pytest.mark.parametrize(("schema", "example"), CASES)
def test_both_engines_explain_every_variant_in_the_same_words(schema: Any, example: Any) -> None:
    """The sandbox's 400 bodies do not depend on which engine explained the problem."""
    engines = compiled(schema)
    for variant in _variants(copy.deepcopy(example)):
        by_jsonschema = sorted(
            (f.pointer, f.keyword, f.message)
            for f in (
                _finding(_python_problem(e), "") for e in _leaves(engines.explainer.iter_errors(variant))
            )
        )
        assert sorted((f.pointer, f.keyword, f.message) for f in check(schema, variant)) == by_jsonschema


def test_agreement_is_checked_on_enough_examples() -> None:
    assert len(CASES) >= 10
    assert {str(c.id).split()[0] for c in CASES} >= {"wimpel", "eduv", "aanmeld"}
    assert any("GET /v1/employees/school 200" in str(c.id) for c in CASES)


NULLABLE = {
    "type": "object",
    "properties": {
        "prefix": {"type": "string", "nullable": True},
        "name": {"type": "string"},
        "kind": {"type": "string", "nullable": True, "enum": ["a", "b"]},
    },
}


@pytest.mark.parametrize(
    ("instance", "problems"),
    [
        ({"prefix": None}, []),
        ({"name": None}, [("/name", "must be text")]),
        ({"prefix": 3}, [("/prefix", "must be text or null")]),
        # As in OpenAPI 3.0: `nullable` opens `type`, not `enum`; an enum has to list null itself.
        ({"kind": None}, [("/kind", "must be one of: a, b")]),
    ],
)
def test_nullable_as_openapi_30_defines_it(instance: Any, problems: list[tuple[str, str]]) -> None:
    assert [(f.pointer, f.message) for f in check(NULLABLE, instance)] == problems
    assert compiled(NULLABLE).is_valid(instance) is (not problems)


@pytest.mark.parametrize(
    ("fmt", "bad", "message"),
    [
        ("date", "2023-02-30", "must be a date like 2012-05-31"),
        ("date", "31-05-2012", "must be a date like 2012-05-31"),
        ("date-time", "2025-04-18T10:02:28", "must be a timestamp with time zone like 2025-04-18T10:02:28Z"),
        ("date-time", "2025-04-18 10:02:28Z", "must be a timestamp with time zone like 2025-04-18T10:02:28Z"),
        ("email", "naam@", "must be an e-mail address like naam@example.nl"),
        ("email", "naam.example.nl", "must be an e-mail address like naam@example.nl"),
        ("uri", "pad/zonder/schema", "must be an absolute URI like https://example.nl/pad"),
    ],
)
def test_formats_are_really_checked(fmt: str, bad: str, message: str) -> None:
    schema = {"type": "object", "properties": {"value": {"type": "string", "format": fmt}}}
    assert [(f.field, f.keyword, f.message) for f in check(schema, {"value": bad})] == [
        ("value", "format", message)
    ]
    assert check(schema, {"value": EXAMPLE_DATES[fmt]}) == []


@pytest.mark.parametrize(
    ("schema", "instance", "message"),
    [
        ({"type": "integer", "minimum": 5, "exclusiveMinimum": True}, 5, "must be more than 5"),
        ({"type": "integer", "maximum": 5}, 6, "must be 5 or less"),
        ({"type": "number", "multipleOf": 0.5}, 0.3, "must be a multiple of 0.5"),
        ({"type": "object", "maxProperties": 1}, {"a": 1, "b": 2}, "must have at most 1 field(s)"),
        (
            {"oneOf": [{"type": "string"}, {"minLength": 1}]},
            "ab",
            "matches more than one of the allowed shapes",
        ),
        ({"not": {"enum": ["red"]}}, "red", "has a shape that is not allowed here"),
        (
            {"pattern": "^[0-9]{2}[A-Z]{2}$", "example": "16SK"},
            "16sk",
            "does not have the expected form, like 16SK",
        ),
        # ECMA-262's `$` does not match before a final newline; the message names the character.
        ({"pattern": "^[0-9]{2}[A-Z]{2}$"}, "16SK\n", "must not contain control characters (found U+000A)"),
        (
            {"pattern": "^[0-9]{2}[A-Z]{2}$"},
            "16s\x00",
            "must not contain control characters (found U+0000); and",
        ),
        ({"pattern": "^[^\\x00-\\x1F]*$"}, "a\tb", "must not contain control characters (found U+0009)"),
        (
            {"pattern": "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]*$"},
            "a\n\x1b",
            "must not contain control characters other than line breaks and tabs (found U+001B)",
        ),
        ({"pattern": "^[a-z]+$"}, "", "does not have the expected form (pattern"),
    ],
)
def test_keyword_messages_are_plain(schema: dict[str, Any], instance: Any, message: str) -> None:
    (finding,) = check(schema, instance)
    assert finding.message.startswith(message)


def test_every_format_the_contracts_use_is_checked() -> None:
    """jsonschema skips a format it has no checker for, silently: the checkers come with
    `jsonschema[format-nongpl]` (date-time, uri), and an install without them must fail here."""
    import re

    from koppelbox.contracts import discover
    from koppelbox.validator.schema import _FORMAT_CHECKER

    used = {
        match
        for spec in discover()
        for match in re.findall(r"format:\s*([\w-]+)", spec.path.read_text(encoding="utf-8"))
    }
    assert {"date-time", "uuid", "date", "email"} <= used
    # binary and byte describe an encoding in OpenAPI 3.0, not a string's form.
    assert used - {"binary", "byte"} <= set(_FORMAT_CHECKER.checkers)
