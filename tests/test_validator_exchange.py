"""Judging one HTTP exchange against a contract (koppelbox.validator.exchange, used by `koppelbox proxy` and
`validate --har`): each KBX-HTTP rule fires for the fault it names, at the place it names, and not for a
conformant exchange. The payload rules have their fixture files (tests/test_validator_rules.py); these
rules are about the request line, media types and statuses, which a payload file cannot carry.
"""

from __future__ import annotations

import json

from koppelbox.validator import catalogue, contracts
from koppelbox.validator.exchange import Routes, request_findings, response_findings, route_finding

WIMPEL = next(c for c in contracts.load() if c.name == "wimpel")
ROUTES = Routes(WIMPEL)
# The contract's own example of an organisation: conformant by construction (tests/test_contracts.py).
ORGANISATION = WIMPEL.raw["components"]["examples"]["organisation"]["value"]


def rules_and_fields(findings: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(f.rule, f.field) for f in findings]


def test_the_route_is_found_from_method_and_path_with_its_parameters() -> None:
    match = ROUTES.match("GET", "/v1/organisations/16")
    assert match.operation is not None
    assert match.operation.operation_id == "getOrganisation"
    assert match.parameters == {"id": "16"}
    assert ROUTES.match("GET", "/v1/organisations").operation.operation_id == "listOrganisations"  # type: ignore[union-attr]


def test_recorded_traffic_under_a_production_base_is_matched_only_when_asked() -> None:
    assert ROUTES.match("GET", "/api/wimpel/v1/organisations/16").operation is None
    anywhere = ROUTES.match("GET", "/api/wimpel/v1/organisations/16", anywhere=True)
    assert anywhere.operation is not None
    assert anywhere.operation.operation_id == "getOrganisation"


def test_an_unknown_path_is_a_route_finding_on_the_path() -> None:
    match = ROUTES.match("GET", "/v1/schools")
    assert match.operation is None
    found = route_finding("GET", "/v1/schools", match, "exchange")
    assert (found.rule, found.field) == ("KBX-HTTP-ROUTE", "path")


def test_a_method_the_path_does_not_take_is_a_route_finding_that_names_the_allowed_ones() -> None:
    match = ROUTES.match("PATCH", "/v1/organisations/16")
    assert match.operation is None
    assert match.allowed == ("DELETE", "GET", "PUT")
    found = route_finding("PATCH", "/v1/organisations/16", match, "exchange")
    assert (found.rule, found.field) == ("KBX-HTTP-ROUTE", "method")
    assert "DELETE, GET, PUT" in found.message


def test_a_conformant_request_and_response_have_no_findings() -> None:
    match = ROUTES.match("GET", "/v1/organisations/16")
    assert match.operation is not None
    assert request_findings(match.operation, match.parameters, "", None, b"", name="x") == []
    body = json.dumps(ORGANISATION).encode()
    assert response_findings(match.operation, 200, "application/json", body, name="x") == []


def test_a_query_parameter_is_typed_and_checked_against_the_contract() -> None:
    operation = ROUTES.match("GET", "/v1/organisations").operation
    assert operation is not None
    assert request_findings(operation, {}, "limit=10&active=true", None, b"", name="x") == []
    found = request_findings(operation, {}, "limit=0", None, b"", name="x")
    assert [f.field for f in found] == ["query.limit"]


def test_a_query_on_an_operation_without_query_parameters_is_a_route_finding() -> None:
    match = ROUTES.match("DELETE", "/v1/organisations/16")
    assert match.operation is not None
    found = request_findings(match.operation, match.parameters, "x=1", None, b"", name="x")
    assert rules_and_fields(found) == [("KBX-HTTP-ROUTE", "query")]


def test_a_missing_required_body_is_named() -> None:
    operation = ROUTES.match("POST", "/v1/organisations").operation
    assert operation is not None
    found = request_findings(operation, {}, "", "application/json", b"", name="x")
    assert rules_and_fields(found) == [("KBX-HTTP-BODY-MISSING", "body")]


def test_a_body_of_an_undeclared_media_type_is_named_with_the_declared_ones() -> None:
    operation = ROUTES.match("POST", "/v1/organisations").operation
    assert operation is not None
    found = request_findings(operation, {}, "", "text/plain", b"name=x", name="x")
    assert rules_and_fields(found) == [("KBX-HTTP-MEDIA-TYPE", "Content-Type")]
    assert "application/json" in found[0].message


def test_a_body_sent_to_an_operation_that_takes_none_is_named() -> None:
    match = ROUTES.match("GET", "/v1/organisations/16")
    assert match.operation is not None
    found = request_findings(match.operation, match.parameters, "", "application/json", b"{}", name="x")
    assert rules_and_fields(found) == [("KBX-HTTP-MEDIA-TYPE", "body")]


def test_a_body_not_kept_is_said_to_be_unchecked_not_passed_as_clean() -> None:
    operation = ROUTES.match("POST", "/v1/organisations").operation
    assert operation is not None
    request = request_findings(operation, {}, "", "application/json", None, name="x")
    assert rules_and_fields(request) == [("KBX-HTTP-NOT-CHECKED", "body")]
    response = response_findings(operation, 201, "application/json", None, name="x")
    assert rules_and_fields(response) == [("KBX-HTTP-NOT-CHECKED", "body")]


def test_a_json_request_body_is_checked_against_its_schema_and_located() -> None:
    operation = ROUTES.match("POST", "/v1/organisations").operation
    assert operation is not None
    found = request_findings(operation, {}, "", "application/json", b'{\n  "brin": 16\n}', name="x")
    assert found
    assert all(not f.rule.startswith("KBX-HTTP") for f in found)
    typed = [f for f in found if f.field == "brin"]
    assert typed
    assert typed[0].line == 2


def test_an_undocumented_response_status_is_drift_naming_the_documented_ones() -> None:
    match = ROUTES.match("GET", "/v1/organisations/16")
    assert match.operation is not None
    found = response_findings(match.operation, 418, "application/json", b"{}", name="x")
    assert rules_and_fields(found) == [("KBX-HTTP-STATUS", "status")]
    assert "200" in found[0].message


def test_a_response_in_an_undeclared_media_type_or_without_its_body_is_drift() -> None:
    match = ROUTES.match("GET", "/v1/organisations/16")
    assert match.operation is not None
    html = response_findings(match.operation, 200, "text/html", b"<p>hi</p>", name="x")
    assert rules_and_fields(html) == [("KBX-HTTP-MEDIA-TYPE", "Content-Type")]
    empty = response_findings(match.operation, 200, "application/json", b"", name="x")
    assert rules_and_fields(empty) == [("KBX-HTTP-BODY-MISSING", "body")]
    assert response_findings(match.operation, 200, "application/json", b"", name="x", head=True) == []


def test_a_response_body_that_breaks_its_schema_is_drift_at_the_field() -> None:
    match = ROUTES.match("GET", "/v1/organisations/16")
    assert match.operation is not None
    broken = json.dumps({**ORGANISATION, "status": "sleeping"}).encode()
    found = response_findings(match.operation, 200, "application/json", broken, name="x")
    assert [f.pointer for f in found] == ["/status"]


# The rules the tests above provoke; a new KBX-HTTP rule must join them, with a test of its own.
TESTED = {
    "KBX-HTTP-ROUTE",
    "KBX-HTTP-MEDIA-TYPE",
    "KBX-HTTP-BODY-MISSING",
    "KBX-HTTP-STATUS",
    "KBX-HTTP-NOT-CHECKED",
}


def test_every_http_rule_has_a_test_here() -> None:
    assert {r.id for r in catalogue.rules() if r.group == "http"} == TESTED
