"""One payload against one target: the schema from the contract, then the rules the schema cannot state.

Both layers report in one list, one finding per problem: where a semantic rule explains a value better
than the schema keyword that also caught it (a BSN that breaks `pattern`), the semantic finding replaces
the keyword's; an API rule that repeats a field already reported is dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from koppelbox.validator import api_rules, semantic
from koppelbox.validator.contracts import Target
from koppelbox.validator.findings import (
    JSON_DUPLICATE_KEY,
    JSON_ENCODING,
    JSON_SYNTAX,
    Finding,
    finding,
    schema_rule,
)
from koppelbox.validator.schema import check, field_name, pointer

api_rules.register_all()

# Keywords about a value's form: a rule that knows what the value is says it better.
_SUPERSEDED = frozenset({"pattern", "format", "minLength", "maxLength"})


def validate(target: Target, instance: Any, file: str, context: semantic.Context) -> list[Finding]:
    findings: list[Finding] = []
    explained: set[str] = set()
    for problem in semantic.problems(target.schema, instance, context):
        where = pointer(problem.path)
        if where not in explained:
            explained.add(where)
            findings.append(_finding(file, problem))
    for found in check(target.schema, instance):
        if found.pointer in explained and found.keyword in _SUPERSEDED:
            continue
        explained.add(found.pointer)
        findings.append(finding(file, found.pointer, found.field, schema_rule(found.keyword), found.message))
    # An API's own rules come last: a field the schema or a generic rule already explained is not repeated.
    for extra in semantic.payload_checks(target.api, target.operation, target.schema_name, target.part):
        for problem in extra(instance, context):
            where = pointer(problem.path)
            if where not in explained:
                explained.add(where)
                findings.append(_finding(file, problem))
    findings.sort(key=lambda f: (_order(f.pointer), f.rule))
    return findings


def _finding(file: str, problem: semantic.Problem) -> Finding:
    return finding(
        file, pointer(problem.path), field_name(problem.path) or "body", problem.rule, problem.message
    )


def _order(where: str) -> tuple[tuple[int, int | str], ...]:
    # Array indexes sort as numbers: items[2] before items[10].
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in where.split("/"))


# --- reading a payload ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    value: Any
    findings: list[Finding]
    text: str = ""  # the decoded text, for locating findings in it

    @property
    def ok(self) -> bool:
        return not any(f.rule in {JSON_SYNTAX, JSON_ENCODING} for f in self.findings)


def parse(raw: bytes, file: str) -> Parsed:
    """The JSON in `raw`, or findings saying why there is none (with line and column)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"is not UTF-8 text (byte {exc.start} cannot be decoded); save the file as UTF-8"
        return Parsed(None, [finding(file, "", "file", JSON_ENCODING, message)])
    duplicates: list[str] = []
    try:
        value = json.loads(text, object_pairs_hook=_pairs(duplicates))
    except json.JSONDecodeError as exc:
        message = f"is not valid JSON: {exc.msg}"
        return Parsed(
            None, [finding(file, "", "file", JSON_SYNTAX, message, line=exc.lineno, column=exc.colno)]
        )
    except RecursionError:
        return Parsed(None, [finding(file, "", "file", JSON_SYNTAX, "is nested too deeply to read")])
    except ValueError:  # Python's limit on converting long integer literals (`sys.get_int_max_str_digits`)
        return Parsed(
            None, [finding(file, "", "file", JSON_SYNTAX, "holds a number with too many digits to read")]
        )
    return Parsed(
        value,
        [
            finding(file, "", "body", JSON_DUPLICATE_KEY, f"names the field `{key}` twice in one object")
            for key in dict.fromkeys(duplicates)
        ],
        text,
    )


def _pairs(duplicates: list[str]) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):  # rare: only then find out which names repeat
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    duplicates.append(key)
                seen.add(key)
        return result

    return hook
