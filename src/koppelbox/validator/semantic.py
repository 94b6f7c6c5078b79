"""Rules a JSON Schema cannot express, chosen from the contract itself so they apply to any API.

A field gets a check from (1) an `x-koppelbox-check` hint on its schema, (2) its name (`pgn`, `postcode`,
`brin`, `geboortedatum`, ...), or (3) its `format` when that names one of the kinds (`format: pgn`, `date`).
Objects get checks from their shape: a value with a sibling naming its type (`userId` + `userIdType:
eckId`), or a begin/end pair. What needs one API's knowledge is
registered per API and operation or schema (see `koppelbox.validator.api_rules`).

The checks themselves live in `koppelbox.rules` (the same functions the sandbox's handlers call); this
module only decides where they apply. The choice is made once per schema (a *plan*), so checking a
payload walks only the fields that have a rule.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from koppelbox.rules import dutch
from koppelbox.validator.findings import rule

Path = tuple[str | int, ...]

BSN = rule("KBX-NL-BSN", "A BSN is not 9 digits or fails the 11-proof.", "dutch")
ONDERWIJSNUMMER = rule(
    "KBX-NL-ONDERWIJSNUMMER",
    "An onderwijsnummer is not 9 digits starting with 10, or fails its check.",
    "dutch",
)
PGN = rule("KBX-NL-PGN", "A PGN is neither a valid BSN nor a valid onderwijsnummer.", "dutch")
BRIN = rule(
    "KBX-NL-BRIN", "A BRIN is not 2 digits and 2 capital letters (or, where allowed, a BRIN6).", "dutch"
)
BRIN6 = rule("KBX-NL-BRIN6", "A BRIN6 (vestigingscode) is not a BRIN followed by 2 digits.", "dutch")
POSTCODE = rule(
    "KBX-NL-POSTCODE",
    "A Dutch postcode is not like 1234 AB, or uses letters never issued (SA, SD, SS).",
    "dutch",
)
ECK_ID = rule("KBX-NL-ECK-ID", "An ECK iD is not https://ketenid.nl/201703/ plus 128 lowercase hex.", "dutch")
DATE_REAL = rule("KBX-DATE-REAL", "A date has the right form but does not exist (2023-02-30).", "dates")
DATE_FUTURE = rule("KBX-DATE-FUTURE", "A birth date lies in the future.", "dates")
DATE_ORDER = rule("KBX-DATE-ORDER", "An end date is not after its begin date.", "dates")


@dataclass(frozen=True)
class Context:
    today: date = field(default_factory=date.today)


@dataclass(frozen=True)
class Problem:
    path: Path  # from the payload root
    rule: str
    message: str


# --- field checks: a value (and its parent object) → (rule, message) or None ------------------------------

FieldCheck = Callable[[str, Mapping[str, Any], Context], "tuple[str, str] | None"]


def _simple(rule_id: str, problem_of: Callable[[str], str | None]) -> FieldCheck:
    def check(value: str, parent: Mapping[str, Any], context: Context) -> tuple[str, str] | None:
        problem = problem_of(value)
        return (rule_id, problem) if problem else None

    return check


_MEANS_NETHERLANDS = frozenset({"", "nederland", "nl", "nld", "528", "the netherlands", "netherlands"})
_COUNTRY_FIELDS = frozenset({"land", "country", "landcode", "countrycode"})  # names as `_normal` gives them


def _postcode(value: str, parent: Mapping[str, Any], context: Context) -> tuple[str, str] | None:
    # A foreign address has a foreign postcode: only check it as Dutch when no other country is named.
    # The sibling is found by its normal name, like any field (`countryCode`, `country_code`, `Land`).
    for name, country in parent.items():
        if (
            isinstance(country, str)
            and _normal(name) in _COUNTRY_FIELDS
            and country.strip().casefold() not in _MEANS_NETHERLANDS
        ):
            return None
    problem = dutch.postcode_problem(value)
    return (POSTCODE, problem) if problem else None


_DATE_FORM = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _real_date(value: str, parent: Mapping[str, Any], context: Context) -> tuple[str, str] | None:
    # Only "looks like a date but is not one": a wrong form is already the schema's `format` finding.
    if _DATE_FORM.fullmatch(value) and dutch.date_problem(value):
        return DATE_REAL, f"must be a real calendar date ({value} does not exist)"
    return None


def _birth_date(value: str, parent: Mapping[str, Any], context: Context) -> tuple[str, str] | None:
    if not _DATE_FORM.fullmatch(value) or dutch.date_problem(value):
        return _real_date(value, parent, context)
    if date.fromisoformat(value) > context.today:
        return DATE_FUTURE, f"is a birth date in the future ({value} is after {context.today.isoformat()})"
    return None


KINDS: dict[str, FieldCheck] = {
    "bsn": _simple(BSN, dutch.bsn_problem),
    "onderwijsnummer": _simple(ONDERWIJSNUMMER, dutch.onderwijsnummer_problem),
    "pgn": _simple(PGN, dutch.pgn_problem),
    "brin": _simple(BRIN, dutch.brin_problem),
    "brin-or-brin6": _simple(BRIN, dutch.brin_or_brin6_problem),
    "brin6": _simple(BRIN6, dutch.brin6_problem),
    "postcode": _postcode,
    "eck-id": _simple(ECK_ID, dutch.eck_id_problem),
    "date": _real_date,
    "birth-date": _birth_date,
}

# Field names (lower case, without `_` and `-`) that say what a value is. `brin` alone accepts a BRIN6
# too: the sector uses the name for both, and the sandbox's handlers accept both.
NAMES: dict[str, str] = {
    "bsn": "bsn",
    "burgerservicenummer": "bsn",
    "onderwijsnummer": "onderwijsnummer",
    "pgn": "pgn",
    "persoonsgebondennummer": "pgn",
    "brin": "brin-or-brin6",
    "brin4": "brin",
    "brin6": "brin6",
    "vestigingscode": "brin6",
    "brinvestiging": "brin6",
    "postcode": "postcode",
    "eckid": "eck-id",
    "geboortedatum": "birth-date",
    "birthdate": "birth-date",
    "dateofbirth": "birth-date",
}

# Values of a sibling `<name>Type` / `type` field that say what `<name>` holds.
TYPED_IDS: dict[str, str] = {
    "eckid": "eck-id",
    "bsn": "bsn",
    "pgn": "pgn",
    "onderwijsnummer": "onderwijsnummer",
    "brin": "brin",
    "brin6": "brin6",
    "oiecode": "brin",  # Edu-V: OnderwijsInstellingserkenningcode, the school's BRIN
    "vid": "brin6",  # Edu-V: VestigingsId, BRIN6 form
}

# Begin/end pairs: (begin, end, end may equal begin).
DATE_PAIRS: tuple[tuple[str, str, bool], ...] = (
    ("beginDate", "endDate", False),
    ("startDate", "endDate", False),
    ("begindatum", "einddatum", False),
    ("startdatum", "einddatum", False),
    ("ingangsdatum", "einddatum", False),
    ("validFrom", "validTo", False),
    ("dateCreated", "dateLastModified", True),
)


def _normal(name: str) -> str:
    return name.replace("_", "").replace("-", "").casefold()


def field_kind(name: str | None, schema: Mapping[str, Any]) -> str | None:
    """Which kind of value a field holds: from its hint, else its name, else its format."""
    hint = schema.get("x-koppelbox-check")
    if isinstance(hint, str):
        return hint if hint in KINDS else None
    if name is not None and _normal(name) in NAMES:
        return NAMES[_normal(name)]
    fmt = schema.get("format")
    return fmt if isinstance(fmt, str) and fmt in KINDS else None


# --- object checks: siblings in one object, chosen from the object schema's property names -----------------

ObjectCheck = Callable[[Mapping[str, Any], Context], Iterator[tuple[str, str, str]]]  # (field, rule, msg)
ObjectCheckFactory = Callable[[Mapping[str, Mapping[str, Any]]], Iterable[ObjectCheck]]


def _typed_id_pairs(properties: Mapping[str, Mapping[str, Any]]) -> Iterator[tuple[str, str]]:
    """(value field, type field) pairs: `userId` + `userIdType`, or `organisationId` + `type`."""
    for name in properties:
        if name.endswith(("Type", "type")) and len(name) > 4 and name[:-4] in properties:
            yield name[:-4], name
    if "type" in properties:
        ids = [name for name in properties if name != "type" and _normal(name).endswith("id")]
        if len(ids) == 1:
            yield ids[0], "type"


def typed_ids(properties: Mapping[str, Mapping[str, Any]]) -> Iterator[ObjectCheck]:
    for value_key, type_key in _typed_id_pairs(properties):

        def check(
            obj: Mapping[str, Any], context: Context, value_key: str = value_key, type_key: str = type_key
        ) -> Iterator[tuple[str, str, str]]:
            declared, value = obj.get(type_key), obj.get(value_key)
            if not isinstance(declared, str) or not isinstance(value, str):
                return
            kind = TYPED_IDS.get(_normal(declared))
            found = KINDS[kind](value, obj, context) if kind else None
            if found:
                yield value_key, found[0], f"{found[1]} (its {type_key} is {declared})"

        yield check


def _parse_moment(value: Any) -> date | datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return None


def date_order(properties: Mapping[str, Mapping[str, Any]]) -> Iterator[ObjectCheck]:
    pairs = [(b, e, eq) for b, e, eq in DATE_PAIRS if b in properties and e in properties]
    # A contract can name a pair the table does not know: `x-koppelbox-after: <begin field>` on the end field.
    pairs += [
        (str(schema["x-koppelbox-after"]), name, False)
        for name, schema in properties.items()
        if schema.get("x-koppelbox-after") in properties
    ]
    for begin_key, end_key, may_equal in pairs:

        def check(
            obj: Mapping[str, Any],
            context: Context,
            b: str = begin_key,
            e: str = end_key,
            eq: bool = may_equal,
        ) -> Iterator[tuple[str, str, str]]:
            begin, end = _parse_moment(obj.get(b)), _parse_moment(obj.get(e))
            if begin is None or end is None or type(begin) is not type(end):
                return
            try:
                wrong = end < begin or (end == begin and not eq)
            except TypeError:  # a timestamp with a zone against one without: the schema's finding
                return
            if wrong:
                relation = "on or after" if eq else "after"
                yield e, DATE_ORDER, f"({obj[e]}) must be {relation} `{b}` ({obj[b]})"

        yield check


OBJECT_CHECKS: list[ObjectCheckFactory] = [typed_ids, date_order]


def register_object_check(factory: ObjectCheckFactory) -> ObjectCheckFactory:
    """Add checks chosen from an object schema's properties (for shapes any API may use, like documents)."""
    OBJECT_CHECKS.append(factory)
    return factory


# --- payload checks: one API's rules over a whole payload ---------------------------------------------------

PayloadCheck = Callable[[Any, Context], Iterable[Problem]]


@dataclass(frozen=True)
class PayloadRule:
    api: str
    key: str  # an operationId or a component schema name
    part: str | None  # request/response/query/schema; None: any part the key names
    check: PayloadCheck


PAYLOAD_RULES: list[PayloadRule] = []


def register_payload_check(api: str, key: str, check: PayloadCheck, part: str | None = None) -> None:
    PAYLOAD_RULES.append(PayloadRule(api, key, part, check))


def payload_checks(api: str, operation: str | None, schema_name: str | None, part: str) -> list[PayloadCheck]:
    return [
        r.check
        for r in PAYLOAD_RULES
        if r.api == api and r.key in {operation, schema_name} and r.part in {None, part}
    ]


# --- plans ---------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """Which checks apply where under one schema; built once, walked for every payload."""

    value_check: FieldCheck | None = None
    object_checks: list[ObjectCheck] = field(default_factory=list)
    properties: dict[str, Plan] = field(default_factory=dict)
    additional: Plan | None = None
    items: Plan | None = None
    live: bool = True  # False when nothing below has a check: the walk skips it

    def settle(self) -> None:
        self.properties = {key: sub for key, sub in self.properties.items() if sub.live}
        if self.additional is not None and not self.additional.live:
            self.additional = None
        if self.items is not None and not self.items.live:
            self.items = None
        self.live = bool(
            self.value_check or self.object_checks or self.properties or self.additional or self.items
        )


_plans: dict[tuple[int, str | None], tuple[Mapping[str, Any], Plan]] = {}
_plans_lock = threading.RLock()


def plan(schema: Mapping[str, Any], name: str | None = None) -> Plan:
    key = (id(schema), name)
    entry = _plans.get(key)
    if entry is None:
        with _plans_lock:
            entry = _plans.get(key)
            if entry is None:
                result = Plan()  # registered live before it is built: a recursive schema finds itself
                _plans[key] = entry = (schema, result)
                _build(result, schema, name)
    return entry[1]


def _alternatives(schema: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield schema
    for keyword in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(keyword) or []:
            if isinstance(sub, Mapping):
                yield from _alternatives(sub)


def _build(result: Plan, schema: Mapping[str, Any], name: str | None) -> None:
    all_properties: dict[str, Mapping[str, Any]] = {}
    for sub in _alternatives(schema):
        kind = field_kind(name, sub)
        if kind is not None and result.value_check is None:
            result.value_check = KINDS[kind]
        properties = sub.get("properties")
        if isinstance(properties, Mapping):
            for prop, prop_schema in properties.items():
                if isinstance(prop_schema, Mapping):
                    all_properties.setdefault(prop, prop_schema)
                    result.properties.setdefault(prop, plan(prop_schema, prop))
        additional = sub.get("additionalProperties")
        if isinstance(additional, Mapping) and result.additional is None:
            result.additional = plan(additional)
        items = sub.get("items")
        if isinstance(items, Mapping) and result.items is None:
            result.items = plan(items, name)  # the items of `pgns: [...]` are PGNs too
    for factory in OBJECT_CHECKS:
        result.object_checks.extend(factory(all_properties))
    result.settle()


def problems(schema: Mapping[str, Any], instance: Any, context: Context) -> list[Problem]:
    found: list[Problem] = []
    root = plan(schema)
    if root.live:
        _walk(root, instance, [], {}, context, found)
    return found


def _walk(
    node: Plan,
    value: Any,
    path: list[str | int],
    parent: Mapping[str, Any],
    context: Context,
    found: list[Problem],
) -> None:
    # Hot path: payloads come from JSON, so exact dict/list/str checks (not the slower ABC ones), and one
    # path list that grows and shrinks instead of a new tuple per field.
    if isinstance(value, str):
        if node.value_check is not None:
            hit = node.value_check(value, parent, context)
            if hit:
                found.append(Problem(tuple(path), hit[0], hit[1]))
    elif isinstance(value, dict):
        for check in node.object_checks:
            for key, rule_id, text in check(value, context):
                found.append(Problem((*path, key), rule_id, text))
        for key, sub in node.properties.items():
            if key in value:
                path.append(key)
                _walk(sub, value[key], path, value, context, found)
                path.pop()
        if node.additional is not None:
            for key, child in value.items():
                if key not in node.properties:
                    path.append(key)
                    _walk(node.additional, child, path, value, context, found)
                    path.pop()
    elif isinstance(value, list) and node.items is not None:
        for index, item in enumerate(value):
            path.append(index)
            _walk(node.items, item, path, parent, context, found)
            path.pop()
