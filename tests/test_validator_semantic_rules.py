"""The semantic rules a vendor is judged on, one by one: every field name and type value the tables know,
every begin/end pair, the descent into combined schemas and maps, and where each finding points."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from koppelbox.validator import api_rules
from koppelbox.validator.semantic import DATE_PAIRS, NAMES, TYPED_IDS, Context, payload_checks, problems

TODAY = Context(today=date(2026, 3, 2))
ECK = "https://ketenid.nl/201703/" + "ab" * 64
STRING: dict[str, Any] = {"type": "string"}


def obj(*names: str, **schemas: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {**dict.fromkeys(names, STRING), **schemas}}


def found(schema: dict[str, Any], payload: Any) -> list[tuple[tuple[str | int, ...], str]]:
    return [(p.path, p.rule) for p in problems(schema, payload, TODAY)]


# --- field names ---

# Per kind: a value that passes, and one that breaks exactly that kind's rule.
KIND_VALUES = {
    "bsn": ("111222333", "111222334", "KBX-NL-BSN"),
    "onderwijsnummer": ("104205551", "111222333", "KBX-NL-ONDERWIJSNUMMER"),  # a BSN is no onderwijsnummer
    "pgn": ("104205551", "104205552", "KBX-NL-PGN"),
    "brin": ("16SK", "16SK00", "KBX-NL-BRIN"),  # brin4: a BRIN6 is wrong here
    "brin-or-brin6": ("16SK00", "16SK0", "KBX-NL-BRIN"),
    "brin6": ("16SK00", "16SK", "KBX-NL-BRIN6"),
    "postcode": ("8861 BK", "8861 SA", "KBX-NL-POSTCODE"),
    "eck-id": (ECK, ECK.upper(), "KBX-NL-ECK-ID"),
    "birth-date": ("2014-02-11", "2014-02-30", "KBX-DATE-REAL"),
}


@pytest.mark.parametrize(("name", "kind"), sorted(NAMES.items()))
def test_every_field_name_in_the_table_gets_its_kinds_rule(name: str, kind: str) -> None:
    good, bad, rule_id = KIND_VALUES[kind]
    assert found(obj(name), {name: good}) == []
    assert found(obj(name), {name: bad}) == [((name,), rule_id)]


@pytest.mark.parametrize(
    ("name", "value", "rule_id"),
    [
        ("eckId", ECK.upper(), "KBX-NL-ECK-ID"),
        ("eck_id", ECK + "0", "KBX-NL-ECK-ID"),
        ("BRIN4", "16SK00", "KBX-NL-BRIN"),
        ("brin_vestiging", "16SK", "KBX-NL-BRIN6"),
        ("Onderwijsnummer", "111222333", "KBX-NL-ONDERWIJSNUMMER"),
        ("date-of-birth", "2027-01-01", "KBX-DATE-FUTURE"),
    ],
)
def test_field_names_match_whatever_their_case_dashes_or_underscores(
    name: str, value: str, rule_id: str
) -> None:
    assert found(obj(name), {name: value}) == [((name,), rule_id)]


@pytest.mark.parametrize("name", ["geboortedatum", "birthDate", "dateOfBirth"])
@pytest.mark.parametrize("value", ["2013-02-30", "2012-02-30", "2013-13-01", "2013-04-31"])
def test_an_impossible_date_in_a_birth_date_field_is_not_a_real_date(name: str, value: str) -> None:
    result = problems(obj(name), {name: value}, TODAY)
    assert [(p.path, p.rule) for p in result] == [((name,), "KBX-DATE-REAL")]
    assert result[0].message == f"must be a real calendar date ({value} does not exist)"


@pytest.mark.parametrize("value", ["2012-02-29", "2026-03-02"])
def test_a_real_birth_date_up_to_today_is_fine(value: str) -> None:
    assert found(obj("geboortedatum"), {"geboortedatum": value}) == []


def test_a_birth_date_in_the_future_says_so() -> None:
    (problem,) = problems(obj("geboortedatum"), {"geboortedatum": "2026-03-03"}, TODAY)
    assert problem.rule == "KBX-DATE-FUTURE"
    assert problem.message == "is a birth date in the future (2026-03-03 is after 2026-03-02)"


@pytest.mark.parametrize("value", ["13-02-2013", "2013-2-3", "20130203", "2013-02-03T00:00:00"])
def test_a_date_in_the_wrong_form_is_left_to_the_schemas_format_finding(value: str) -> None:
    assert found(obj("geboortedatum"), {"geboortedatum": value}) == []
    assert found(obj(when={"type": "string", "format": "date"}), {"when": value}) == []


def test_a_value_that_is_not_a_string_is_left_to_the_schema() -> None:
    assert found(obj("pgn", "geboortedatum"), {"pgn": 944117715, "geboortedatum": None}) == []


# --- postcodes and the country beside them ---


@pytest.mark.parametrize(
    "land", ["NLD", "nld", " NL ", "528", "The Netherlands", "Netherlands", "", "nederland"]
)
def test_an_address_in_the_netherlands_has_its_postcode_checked(land: str) -> None:
    address = {"postcode": "8861 SA", "land": land}
    assert found(obj("postcode", "land"), address) == [(("postcode",), "KBX-NL-POSTCODE")]


@pytest.mark.parametrize("country_field", ["land", "country", "landcode", "countrycode"])
@pytest.mark.parametrize("country", ["BEL", "België", "DE"])
def test_an_address_abroad_has_a_foreign_postcode(country_field: str, country: str) -> None:
    address = {"postcode": "B-2000", country_field: country}
    assert found(obj("postcode", country_field), address) == []


@pytest.mark.parametrize("country_field", ["countryCode", "country_code", "Land", "LandCode", "land-code"])
def test_country_fields_are_recognised_whatever_their_case_dashes_or_underscores(country_field: str) -> None:
    address = {"postcode": "B-2000", country_field: "BE"}
    assert found(obj("postcode", country_field), address) == []


def test_a_country_that_is_not_text_does_not_make_an_address_foreign() -> None:
    assert found(obj("postcode", "land"), {"postcode": "8861 SA", "land": 528}) == [
        (("postcode",), "KBX-NL-POSTCODE")
    ]


# --- typed identifiers ---

TYPED_VALUES = {
    "eck-id": (ECK, "470113"),
    "bsn": ("111222333", "111222334"),
    "pgn": ("104205551", "104205552"),
    "onderwijsnummer": ("104205551", "111222333"),
    "brin": ("16SK", "16SK00"),
    "brin6": ("16SK00", "16SK"),
}
KIND_RULES = {
    "eck-id": "KBX-NL-ECK-ID",
    "bsn": "KBX-NL-BSN",
    "pgn": "KBX-NL-PGN",
    "onderwijsnummer": "KBX-NL-ONDERWIJSNUMMER",
    "brin": "KBX-NL-BRIN",
    "brin6": "KBX-NL-BRIN6",
}


@pytest.mark.parametrize(("declared", "kind"), sorted(TYPED_IDS.items()))
def test_every_id_type_in_the_table_checks_the_id_beside_it(declared: str, kind: str) -> None:
    good, bad = TYPED_VALUES[kind]
    schema = obj("userId", "userIdType")
    assert found(schema, {"userId": good, "userIdType": declared}) == []
    result = problems(schema, {"userId": bad, "userIdType": declared.upper()}, TODAY)
    assert [(p.path, p.rule) for p in result] == [(("userId",), KIND_RULES[kind])]
    assert result[0].message.endswith(f"(its userIdType is {declared.upper()})")


def test_a_lone_id_beside_a_type_field_is_typed_by_it() -> None:
    schema = obj("organisationId", "type", "name")
    assert found(schema, {"organisationId": "16SK00", "type": "OIECODE", "name": "x"}) == [
        (("organisationId",), "KBX-NL-BRIN")
    ]
    assert found(schema, {"organisationId": "16SK00", "type": "vid"}) == []


@pytest.mark.parametrize(("value_key", "type_key"), [("schoolid", "schoolidtype"), ("a", "aType")])
def test_a_type_field_is_found_by_its_lower_or_upper_case_suffix(value_key: str, type_key: str) -> None:
    schema = obj(value_key, type_key)
    assert found(schema, {value_key: "16SK00", type_key: "brin"}) == [((value_key,), "KBX-NL-BRIN")]


def test_a_type_field_beside_two_ids_types_neither() -> None:
    schema = obj("organisationId", "parentId", "type")
    assert found(schema, {"organisationId": "16SK00", "parentId": "16SK00", "type": "brin"}) == []


def test_a_field_called_type_is_not_the_type_of_a_field_with_no_name() -> None:
    schema = obj("", "type")
    assert found(schema, {"": "111222334", "type": "bsn"}) == []


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"userId": "470113", "userIdType": "ASI"}, []),  # a type the tables do not know
        ({"userId": "470113"}, []),
        ({"userId": "470113", "userIdType": 7}, []),
        ({"userId": 470113, "userIdType": "bsn"}, []),
        ({"userId": "470113", "userIdType": "eck_id"}, [(("userId",), "KBX-NL-ECK-ID")]),
    ],
)
def test_a_typed_id_is_checked_only_when_both_are_text_and_the_type_is_known(
    payload: dict[str, Any], expected: list[Any]
) -> None:
    assert found(obj("userId", "userIdType"), payload) == expected


# --- begin/end pairs ---


@pytest.mark.parametrize(("begin", "end", "may_equal"), DATE_PAIRS)
def test_every_begin_end_pair_must_be_in_order(begin: str, end: str, may_equal: bool) -> None:
    schema = obj(begin, end)
    dates = ("2025-01-01T10:00:00Z", "2025-01-01T10:00:01Z") if may_equal else ("2024-08-01", "2024-08-02")
    assert found(schema, {begin: dates[0], end: dates[1]}) == []
    assert found(schema, {begin: dates[1], end: dates[0]}) == [((end,), "KBX-DATE-ORDER")]
    same = found(schema, {begin: dates[0], end: dates[0]})
    assert same == ([] if may_equal else [((end,), "KBX-DATE-ORDER")])


@pytest.mark.parametrize(
    ("begin", "end"),
    [
        ("startDate", "endDate"),
        ("startdatum", "einddatum"),
        ("ingangsdatum", "einddatum"),
        ("validFrom", "validTo"),
    ],
)
def test_an_end_equal_to_its_begin_is_a_finding_that_says_after(begin: str, end: str) -> None:
    (problem,) = problems(obj(begin, end), {begin: "2024-08-01", end: "2024-08-01"}, TODAY)
    assert problem.path == (end,)
    assert problem.message == f"(2024-08-01) must be after `{begin}` (2024-08-01)"


def test_modified_before_created_says_on_or_after() -> None:
    payload = {"dateCreated": "2025-01-02", "dateLastModified": "2025-01-01"}
    (problem,) = problems(obj("dateCreated", "dateLastModified"), payload, TODAY)
    assert problem.message == "(2025-01-01) must be on or after `dateCreated` (2025-01-02)"


def test_a_contract_names_its_own_pair_with_x_koppelbox_after() -> None:
    schema = obj("opening", closing={"type": "string", "x-koppelbox-after": "opening"})
    assert found(schema, {"opening": "2024-08-01", "closing": "2024-08-02"}) == []
    assert found(schema, {"opening": "2024-08-01", "closing": "2024-08-01"}) == [
        (("closing",), "KBX-DATE-ORDER")
    ]
    assert found(schema, {"opening": "2024-08-02", "closing": "2024-08-01"}) == [
        (("closing",), "KBX-DATE-ORDER")
    ]


def test_x_koppelbox_after_naming_a_field_that_is_not_there_checks_nothing() -> None:
    schema = obj(closing={"type": "string", "x-koppelbox-after": "opening"})
    assert found(schema, {"opening": "2024-08-02", "closing": "2024-08-01"}) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"beginDate": "2024-08-02", "endDate": "2024-08-01T00:00:00"},  # a date against a timestamp
        {"beginDate": "2024-08-02T10:00:00+02:00", "endDate": "2024-08-01T00:00:00"},  # zone against none
        {"beginDate": "2024-08-02", "endDate": "someday"},
        {"beginDate": 20240802, "endDate": "2024-08-01"},
    ],
)
def test_pairs_that_cannot_be_compared_are_left_to_the_schema(payload: dict[str, Any]) -> None:
    assert found(obj("beginDate", "endDate"), payload) == []


def test_timestamps_are_compared_as_moments() -> None:
    payload = {"beginDate": "2024-08-01T10:00:00+02:00", "endDate": "2024-08-01T09:00:00+00:00"}
    assert found(obj("beginDate", "endDate"), payload) == []


# --- where the walk goes ---


@pytest.mark.parametrize("keyword", ["allOf", "anyOf", "oneOf"])
def test_rules_apply_inside_combined_schemas(keyword: str) -> None:
    schema = {
        keyword: [
            {"type": "object", "properties": {"naam": STRING}},
            {"anyOf": [{"type": "object", "properties": {"pgn": STRING}}]},
            "not-a-schema",
        ]
    }
    assert found(schema, {"naam": "x", "pgn": "944117716"}) == [(("pgn",), "KBX-NL-PGN")]


def test_a_field_kind_inside_a_combined_schema_applies_to_the_value() -> None:
    schema = obj(geboren={"allOf": [{"type": "string"}, {"format": "birth-date"}]})
    assert found(schema, {"geboren": "2030-01-01"}) == [(("geboren",), "KBX-DATE-FUTURE")]


def test_pairs_split_over_combined_schemas_are_still_pairs() -> None:
    schema = {"allOf": [obj("beginDate"), obj("endDate")]}
    assert found(schema, {"beginDate": "2024-08-02", "endDate": "2024-08-01"}) == [
        (("endDate",), "KBX-DATE-ORDER")
    ]


def test_map_values_are_checked_with_their_key_in_the_path() -> None:
    schema = {
        "type": "object",
        "properties": {"school": obj("brin")},
        "additionalProperties": obj("pgn"),
    }
    payload = {
        "school": {"brin": "16SK", "pgn": "944117716"},  # a named property: not a map value
        "a/b": {"pgn": "944117716"},
        "ok": {"pgn": "944117715"},
        "c~d": {"pgn": "944117716"},
    }
    assert found(schema, payload) == [(("a/b", "pgn"), "KBX-NL-PGN"), (("c~d", "pgn"), "KBX-NL-PGN")]


def test_a_map_of_plain_values_is_checked_by_the_value_schema() -> None:
    schema = {"type": "object", "additionalProperties": {"type": "string", "format": "pgn"}}
    assert found(schema, {"x": "944117715", "y": "944117716", "z": "1"}) == [
        (("y",), "KBX-NL-PGN"),
        (("z",), "KBX-NL-PGN"),
    ]


def test_a_finding_after_a_map_value_keeps_its_own_path() -> None:
    schema = {
        "type": "object",
        "properties": {
            "kinderen": {"type": "object", "additionalProperties": obj("pgn")},
            "postcode": STRING,
        },
    }
    payload = {"kinderen": {"k1": {"pgn": "944117716"}}, "postcode": "0861 BK"}
    assert found(schema, payload) == [
        (("kinderen", "k1", "pgn"), "KBX-NL-PGN"),
        (("postcode",), "KBX-NL-POSTCODE"),
    ]


def test_items_of_a_named_list_share_its_name_and_findings_their_index() -> None:
    schema = obj(pgn={"type": "array", "items": STRING}, rest=STRING)
    payload = {"pgn": ["944117715", "944117716", "1"], "rest": "x"}
    assert found(schema, payload) == [(("pgn", 1), "KBX-NL-PGN"), (("pgn", 2), "KBX-NL-PGN")]


def test_a_list_where_an_object_was_expected_is_left_to_the_schema() -> None:
    assert found(obj("pgn"), [{"pgn": "944117716"}]) == []
    assert found({"type": "array", "items": obj("pgn")}, {"pgn": "944117716"}) == []


def test_map_values_without_a_rule_are_passed_over_beside_fields_with_one() -> None:
    schema = {**obj("pgn"), "additionalProperties": STRING}
    assert found(schema, {"pgn": "944117716", "extra": "x", "more": {"pgn": "1"}}) == [
        (("pgn",), "KBX-NL-PGN")
    ]


def test_a_postcode_map_value_sees_the_map_as_its_address() -> None:
    schema = {
        "type": "object",
        "properties": {"land": STRING},
        "additionalProperties": {"type": "string", "x-koppelbox-check": "postcode"},
    }
    assert found(schema, {"thuis": "8861 SA"}) == [(("thuis",), "KBX-NL-POSTCODE")]
    assert found(schema, {"land": "BE", "thuis": "B-2000"}) == []


def test_birth_dates_in_lists_and_maps_are_judged_against_today() -> None:
    schema = obj(
        geboortedatum={"type": "array", "items": STRING},
        verjaardagen={"type": "object", "additionalProperties": {"type": "string", "format": "birth-date"}},
    )
    payload = {"geboortedatum": ["2014-02-11", "2030-01-01"], "verjaardagen": {"anna": "2031-05-05"}}
    assert found(schema, payload) == [
        (("geboortedatum", 1), "KBX-DATE-FUTURE"),
        (("verjaardagen", "anna"), "KBX-DATE-FUTURE"),
    ]


def test_postcodes_in_a_list_see_the_object_holding_the_list_as_their_address() -> None:
    schema = obj(
        "land", codes={"type": "array", "items": {"type": "string", "x-koppelbox-check": "postcode"}}
    )
    assert found(schema, {"codes": ["8861 BK", "8861 SA"]}) == [(("codes", 1), "KBX-NL-POSTCODE")]
    assert found(schema, {"land": "BE", "codes": ["B-2000"]}) == []


def test_a_payload_that_is_one_value_is_checked_as_that_value() -> None:
    schema = {"type": "string", "x-koppelbox-check": "postcode"}
    assert found(schema, "8861 SA") == [((), "KBX-NL-POSTCODE")]
    assert found(schema, "8861 BK") == []


def test_list_items_without_a_rule_are_passed_over_under_a_schema_with_one() -> None:
    schema = {"properties": {"pgn": STRING}, "items": STRING}  # no `type`: an object or a list
    assert found(schema, ["944117716", {"pgn": "1"}]) == []
    assert found(schema, {"pgn": "1"}) == [(("pgn",), "KBX-NL-PGN")]


def test_a_schema_without_any_rule_finds_nothing_in_any_payload() -> None:
    schema = {"type": "object", "properties": {"naam": STRING}, "additionalProperties": STRING}
    assert found(schema, {"naam": "x", "pgn": "944117716"}) == []


# --- one API's payload rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "operation", "schema_name", "part", "expected"),
    [
        ("eduv", "listSchoolEmployees", None, "query", [api_rules._eduv_query]),
        ("eduv", "listSchoolEmployees", None, "response", []),  # registered for the query only
        ("eduv", "listSchoolEmployees", None, "request", []),
        ("wimpel", "listSchoolEmployees", None, "query", []),  # another API's operation of that name
        ("eduv", "getEmployee", None, "query", []),
        ("aanmeld", None, "Aanmelding", "schema", [api_rules._aanmeld_enrolment]),  # any part
        ("aanmeld", "submitAanmelding", "Aanmelding", "request", [api_rules._aanmeld_enrolment]),
        ("aanmeld", "submitAanmelding", None, "request", []),
    ],
)
def test_payload_rules_apply_to_their_api_key_and_part(
    api: str, operation: str | None, schema_name: str | None, part: str, expected: list[Any]
) -> None:
    api_rules.register_all()  # idempotent: what `koppelbox validate` does before it checks anything
    assert payload_checks(api, operation, schema_name, part) == expected
