"""What the validator reports: a Finding, and the catalogue of rules every finding points into.

Rule ids are stable: vendors filter on them in CI and cite them in support tickets. One id per kind of
problem; `docs/validator.md` shows the catalogue, generated from `RULES` (a test keeps it current).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"  # the receiving system refuses the payload, or stores something wrong
    WARNING = "warning"  # accepted, but likely not what the sender meant


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str  # one line for the catalogue
    group: str  # section of the catalogue: json, schema, dutch, dates, documents, api, target, lint


@dataclass(frozen=True)
class Finding:
    file: str  # as the user named it; "-" for stdin
    pointer: str  # RFC 6901 pointer into the payload ("" = the whole payload)
    field: str  # the same place for people: `leerling.ouders[1].postcode`
    rule: str
    severity: Severity
    message: str  # complete sentence fragment after the field: "must be a date like 2012-05-31"
    line: int | None = None  # only where the position in the text is known (JSON syntax errors)
    column: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return {key: value for key, value in data.items() if value is not None}


RULES: dict[str, Rule] = {}


def rule(rule_id: str, title: str, group: str, severity: Severity = Severity.ERROR) -> str:
    """Register a rule once (at import time) and return its id, so a module can keep the id it owns."""
    existing = RULES.get(rule_id)
    if existing is not None and existing != Rule(rule_id, severity, title, group):
        raise ValueError(f"rule {rule_id} registered twice with different meanings")
    RULES[rule_id] = Rule(rule_id, severity, title, group)
    return rule_id


def finding(file: str, pointer: str, field: str, rule_id: str, message: str, **where: int) -> Finding:
    return Finding(file, pointer, field, rule_id, RULES[rule_id].severity, message, **where)


# The payload as text, before any contract is involved.
JSON_SYNTAX = rule("KBX-JSON-SYNTAX", "The file is not valid JSON (line and column given).", "json")
JSON_ENCODING = rule("KBX-JSON-ENCODING", "The file is not UTF-8 text.", "json")
JSON_DUPLICATE_KEY = rule(
    "KBX-JSON-DUPLICATE-KEY",
    "An object names the same field twice; receivers keep one of the values, unpredictably.",
    "json",
    Severity.WARNING,
)

# Which contract the payload is checked against, when it is guessed.
TARGET_AMBIGUOUS = rule(
    "KBX-TARGET-AMBIGUOUS",
    "No operation or schema was named and the payload fits several equally well; name one.",
    "target",
)

# Schema keywords (the contract in openapi/); one id per kind of problem, several keywords may share one.
SCHEMA_RULES: dict[str, str] = {}


def _schema_rule(rule_id: str, title: str, *keywords: str) -> str:
    rule(rule_id, title, "schema")
    for keyword in keywords:
        SCHEMA_RULES[keyword] = rule_id
    return rule_id


SCHEMA_REQUIRED = _schema_rule("KBX-SCHEMA-REQUIRED", "A required field is missing.", "required")
SCHEMA_TYPE = _schema_rule("KBX-SCHEMA-TYPE", "A value has the wrong type (text, number, list, ...).", "type")
SCHEMA_FORMAT = _schema_rule(
    "KBX-SCHEMA-FORMAT", "A value is not in its declared format (date, timestamp, e-mail, URI).", "format"
)
SCHEMA_ENUM = _schema_rule("KBX-SCHEMA-ENUM", "A value is not one of the allowed values.", "enum")
SCHEMA_PATTERN = _schema_rule("KBX-SCHEMA-PATTERN", "A text does not have the expected form.", "pattern")
SCHEMA_LENGTH = _schema_rule(
    "KBX-SCHEMA-LENGTH", "A text is empty, too short or too long.", "minLength", "maxLength"
)
SCHEMA_RANGE = _schema_rule(
    "KBX-SCHEMA-RANGE",
    "A number is too small, too large or not a multiple of its step.",
    "minimum",
    "maximum",
    "multipleOf",
)
SCHEMA_ITEMS = _schema_rule(
    "KBX-SCHEMA-ITEMS",
    "A list has too few or too many items, or repeats one.",
    "minItems",
    "maxItems",
    "uniqueItems",
)
SCHEMA_UNKNOWN_FIELD = _schema_rule(
    "KBX-SCHEMA-UNKNOWN-FIELD",
    "A field the contract does not define (typo, or sent to the wrong operation).",
    "additionalProperties",
)
SCHEMA_PROPERTIES = _schema_rule(
    "KBX-SCHEMA-PROPERTIES", "An object has too few or too many fields.", "minProperties", "maxProperties"
)
SCHEMA_SHAPE = _schema_rule(
    "KBX-SCHEMA-SHAPE",
    "A value matches none, or more than one, of the alternative shapes the contract allows.",
    "oneOf",
    "anyOf",
    "not",
)
SCHEMA_OTHER = rule("KBX-SCHEMA-OTHER", "Any other schema rule the contract states.", "schema")


def schema_rule(keyword: str) -> str:
    return SCHEMA_RULES.get(keyword, SCHEMA_OTHER)


GROUPS = {
    "json": "The file itself",
    "target": "Choosing the contract",
    "schema": "The contract's schema",
    "dutch": "Dutch identifiers",
    "dates": "Dates",
    "documents": "Documents",
    "api": "API-specific rules",
    "http": "The HTTP exchange (`validate --har`, `koppelbox proxy`)",
    "lint": "The OpenAPI files (`koppelbox lint`)",
}


def catalogue_markdown() -> str:
    """The rule tables for docs/validator.md: one per group, rules in the order they were registered.
    Call it after importing every module that registers rules (`koppelbox.validator.catalogue`)."""
    out: list[str] = []
    for group, heading in GROUPS.items():
        rules = [r for r in RULES.values() if r.group == group]
        if not rules:
            continue
        out += [f"### {heading}", "", "| rule id | severity | what it means |", "| --- | --- | --- |"]
        out += [f"| `{r.id}` | {r.severity} | {r.title} |" for r in rules]
        out.append("")
    return "\n".join(out)
