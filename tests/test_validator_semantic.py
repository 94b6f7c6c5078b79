"""Where the semantic rules apply (chosen from the contract), and how a target is chosen or guessed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from koppelbox.rules import dutch
from koppelbox.validator import contracts
from koppelbox.validator.payload import validate
from koppelbox.validator.selection import Selection, SelectionError
from koppelbox.validator.semantic import PAYLOAD_RULES, Context, field_kind, problems

TODAY = Context(today=date(2026, 3, 2))
ECK = "https://ketenid.nl/201703/" + "ab" * 64


@pytest.mark.parametrize(
    ("name", "schema", "kind"),
    [
        ("pgn", {"type": "string"}, "pgn"),
        ("PGN", {"type": "string"}, "pgn"),
        ("brin", {"type": "string"}, "brin-or-brin6"),
        ("vestigingscode", {"type": "string"}, "brin6"),
        ("geboortedatum", {"type": "string", "format": "date"}, "birth-date"),
        ("date_of_birth", {"type": "string"}, "birth-date"),
        ("beginDate", {"type": "string", "format": "date"}, "date"),
        ("code", {"type": "string", "format": "bsn"}, "bsn"),
        ("code", {"type": "string", "x-koppelbox-check": "postcode"}, "postcode"),
        ("postcode", {"type": "string", "x-koppelbox-check": "unknown-kind"}, None),
        ("name", {"type": "string"}, None),
    ],
)
def test_a_field_gets_its_rule_from_hint_then_name_then_format(
    name: str, schema: dict[str, Any], kind: str | None
) -> None:
    assert field_kind(name, schema) == kind


ADDRESS = {
    "type": "object",
    "properties": {"postcode": {"type": "string"}, "land": {"type": "string"}},
}


@pytest.mark.parametrize(
    ("address", "rules"),
    [
        ({"postcode": "8861 BK"}, []),
        ({"postcode": "8861 SA"}, ["KBX-NL-POSTCODE"]),
        ({"postcode": "8861 SA", "land": "Nederland"}, ["KBX-NL-POSTCODE"]),
        ({"postcode": "0861 BK", "land": "NL"}, ["KBX-NL-POSTCODE"]),
        ({"postcode": "B-2000", "land": "België"}, []),  # a foreign address has a foreign postcode
        ({"postcode": "8861 BK\n"}, ["KBX-NL-POSTCODE"]),
    ],
)
def test_postcodes_are_dutch_unless_another_country_is_named(
    address: dict[str, str], rules: list[str]
) -> None:
    assert [p.rule for p in problems(ADDRESS, address, TODAY)] == rules


ROLE = {
    "type": "object",
    "properties": {
        "beginDate": {"type": "string", "format": "date"},
        "endDate": {"type": "string", "format": "date"},
        "dateCreated": {"type": "string", "format": "date-time"},
        "dateLastModified": {"type": "string", "format": "date-time"},
        "userId": {"type": "string"},
        "userIdType": {"type": "string"},
    },
}


@pytest.mark.parametrize(
    ("role", "found"),
    [
        ({"beginDate": "2024-08-01", "endDate": "2025-08-01"}, []),
        ({"beginDate": "2024-08-01", "endDate": "2024-08-01"}, [("endDate", "KBX-DATE-ORDER")]),
        ({"beginDate": "2024-08-01", "endDate": "2024-07-31"}, [("endDate", "KBX-DATE-ORDER")]),
        ({"beginDate": "2024-08-01"}, []),
        ({"beginDate": "2024-02-30", "endDate": "2024-01-01"}, [("beginDate", "KBX-DATE-REAL")]),
        ({"dateCreated": "2025-01-01T10:00:00Z", "dateLastModified": "2025-01-01T10:00:00Z"}, []),
        (
            {"dateCreated": "2025-01-01T10:00:00Z", "dateLastModified": "2025-01-01T09:59:59Z"},
            [("dateLastModified", "KBX-DATE-ORDER")],
        ),
        ({"dateCreated": "2025-01-01T10:00:00+02:00", "dateLastModified": "2025-01-01T09:00:00Z"}, []),
        ({"userId": ECK, "userIdType": "eckId"}, []),
        ({"userId": ECK.upper(), "userIdType": "eckId"}, [("userId", "KBX-NL-ECK-ID")]),
        ({"userId": "470113", "userIdType": "ASI"}, []),
    ],
)
def test_sibling_rules_dates_in_order_and_typed_identifiers(
    role: dict[str, str], found: list[tuple[str, str]]
) -> None:
    assert [(p.path[-1], p.rule) for p in problems(ROLE, role, TODAY)] == found


def test_rules_reach_into_lists_and_nested_objects_with_their_location() -> None:
    schema = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "pupils": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"pgn": {"type": "string"}}},
                }
            },
        },
    }
    payload = [{"pupils": [{"pgn": "944117715"}, {"pgn": "944117716"}]}]
    assert [(p.path, p.rule) for p in problems(schema, payload, TODAY)] == [
        ((0, "pupils", 1, "pgn"), "KBX-NL-PGN")
    ]


def test_a_birth_date_today_is_fine_and_tomorrow_is_not() -> None:
    schema = {"type": "object", "properties": {"geboortedatum": {"type": "string", "format": "date"}}}
    assert problems(schema, {"geboortedatum": "2026-03-02"}, TODAY) == []
    assert [p.rule for p in problems(schema, {"geboortedatum": "2026-03-03"}, TODAY)] == ["KBX-DATE-FUTURE"]


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (dutch.brin_or_brin6_problem, "16SK"),
        (dutch.brin_or_brin6_problem, "16SK00"),
        (dutch.pgn_problem, "944117715"),
        (dutch.postcode_problem, "8861 BK"),
        (dutch.date_problem, "2012-05-31"),
        (dutch.eck_id_problem, ECK),
    ],
)
def test_a_trailing_newline_is_not_part_of_an_identifier(check: Any, value: str) -> None:
    assert check(value) is None
    assert check(value + "\n") is not None


# --- choosing the target -------------------------------------------------------------------------------

LOADED = contracts.load()


def test_an_operation_with_a_body_means_its_body() -> None:
    selection = Selection(LOADED, operation="updateOrganisation")
    assert selection.fixed is not None
    assert selection.fixed.label.startswith("wimpel updateOrganisation request body")


def test_a_response_can_be_named_by_part_and_status() -> None:
    selection = Selection(LOADED, api="eduv", operation="listSchoolEmployees", part="response", status="200")
    assert selection.fixed is not None
    assert selection.fixed.label == "eduv listSchoolEmployees 200 response"


@pytest.mark.parametrize(
    ("payload", "label", "how"),
    [
        ({"id": "16SK07", "name": "X", "sourceId": "a"}, "wimpel createOrganisation request body", "guessed"),
        (
            {"brin": "99XA", "codeExternePartij": "c", "leerling": {}},
            "aanmeld submitAanmelding request body",
            "closest match",
        ),
        ({"orgMasterId": "100X016"}, "eduv listSchoolEmployees query parameters", "guessed"),
        (
            {"status": 23, "statusMessage": "edu_org_id unknown"},
            "eduv listSchoolEmployees 400 response",
            "guessed",
        ),
    ],
)
def test_a_payload_is_matched_to_what_it_evidently_is(payload: Any, label: str, how: str) -> None:
    choice = Selection(LOADED).choose(payload, "x.json")
    assert choice.target is not None
    assert choice.target.label.startswith(label)
    assert choice.how == how


def test_the_control_plane_is_only_a_candidate_when_named() -> None:
    token = {"access_token": "a", "token_type": "Bearer", "expires_in": 3600, "scope": "x"}
    guessed = Selection(LOADED).choose(token, "x").target
    assert guessed is None or guessed.api != "sandbox"
    named = Selection(LOADED, api="sandbox").choose(token, "x")
    assert named.target is not None
    assert named.target.label == "sandbox issueToken 200 response"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"api": "wimpel", "operation": "listOrganisatons"}, "Did you mean: listOrganisations"),
        ({"api": "wimpel", "schema": "Organisaton"}, "Did you mean: Organisation"),
        ({"api": "nope"}, "no API named 'nope'"),
        ({"api": "wimpel", "operation": "listOrganisations", "part": "request"}, "nothing to check against"),
    ],
)
def test_a_name_that_matches_nothing_is_a_usage_error(options: dict[str, str], message: str) -> None:
    with pytest.raises(SelectionError, match=message):
        Selection(LOADED, **options)


def test_a_schema_that_contains_itself_is_checked_all_the_way_down(tmp_path: Path) -> None:
    spec = tmp_path / "tree.yaml"
    spec.write_text(
        """
openapi: 3.0.3
info: {title: Tree, version: "1"}
servers: [{url: /tree}]
paths:
  /nodes:
    post:
      operationId: createNode
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Node"}
      responses:
        "204": {description: ok}
components:
  schemas:
    Node:
      type: object
      properties:
        pgn: {type: string}
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
""",
        encoding="utf-8",
    )
    (contract,) = contracts.load([spec])
    target = Selection([contract], operation="createNode").fixed
    assert target is not None
    tree = {"pgn": "944117715", "children": [{"children": [{"pgn": "944117716", "children": [{"pgn": 5}]}]}]}
    found = [(f.pointer, f.rule) for f in validate(target, tree, "tree.json", TODAY)]
    assert found == [
        ("/children/0/children/0/children/0/pgn", "KBX-SCHEMA-TYPE"),
        ("/children/0/children/0/pgn", "KBX-NL-PGN"),
    ]


def test_every_api_rule_is_wired_to_an_operation_or_schema_that_exists() -> None:
    """A renamed operation or schema would otherwise switch an API's rules off without a sound."""
    assert PAYLOAD_RULES  # registered when koppelbox.validator.payload is imported
    for wired in PAYLOAD_RULES:
        assert any(
            t.api == wired.api and wired.key in {t.operation, t.schema_name} and wired.part in {None, t.part}
            for t in (t for c in LOADED for t in c.targets)
        ), wired
