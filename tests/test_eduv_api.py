"""The Edu-V Employees API over HTTP, against the shipped fixtures (responses validated by the contract)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from koppelbox.server.app import create_app
from koppelbox.server.errors import Problem
from koppelbox.server.handlers.eduv import API_VERSION, eduv_format
from koppelbox.store import Store
from tests.backends import every_backend  # noqa: F401  (this module runs on every store backend)
from tests.support import bearer

URL = "/eduv/v1/employees/school"
FULL = bearer("kbx-sleutelbos")
BASIC_ONLY = bearer("kbx-sleutelbos-basic")
NO_BASIC = bearer("kbx-sleutelbos-nobasic")


def get(client: TestClient, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return client.get(URL, params=params, headers=headers if headers is not None else FULL)


def family_names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(e["familyName"] for e in response.json())


def test_by_master_identifier_every_employee_of_the_school(client: TestClient) -> None:
    response = get(client, orgMasterId="100X016")
    assert response.headers["API-Version"] == "1.0.0"
    assert family_names(response) == ["Bakker", "El Idrissi", "Hoekstra", "Jong", "Jong", "Meulen"]


def test_namesakes_are_told_apart_by_alias(client: TestClient) -> None:
    namesakes = [e for e in get(client, orgMasterId="100X016").json() if e["familyName"] == "Jong"]
    assert len({e["alias"] for e in namesakes}) == 2


def test_tobedeleted_employees_are_served(client: TestClient) -> None:
    statuses = {e["familyName"]: e["status"] for e in get(client, orgMasterId="100X016").json()}
    assert statuses["Hoekstra"] == "tobedeleted"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"orgId": "16SK", "orgIdType": "OIE_CODE"}, 6),
        ({"orgId": "16SK01", "orgIdType": "V_ID"}, 6),  # VO: whole school unless asked
        ({"orgId": "16SK01", "orgIdType": "V_ID", "filterByOrgId": "true"}, 2),
        ({"orgId": "805310", "orgIdType": "BP_ID", "filterByOrgId": "true"}, 3),
        ({"orgId": "c41e7f02-8d3b-4a95-b6e0-2f9a1d5c7e84", "orgIdType": "DD_ID", "filterByOrgId": "true"}, 2),
        ({"orgId": "LAS-16SK-0001", "orgIdType": "AS_ID", "filterByOrgId": "true"}, 3),
        ({"orgId": "97ZC01", "orgIdType": "V_ID"}, 1),  # PO: narrowed unless asked
        ({"orgId": "97ZC01", "orgIdType": "V_ID", "filterByOrgId": "false"}, 3),
        ({"orgMasterId": "100X016", "filterByOrgId": "false"}, 6),
        ({"orgMasterId": "100X016", "schoolPeriodId": "schooljaar-2024-2025"}, 4),
        ({"orgMasterId": "100X016", "schoolPeriodId": "schooljaar-2026-2027"}, 4),
        ({"orgMasterId": "100X097", "schoolPeriodId": "schooljaar-2025-2026"}, 3),
    ],
)
def test_every_documented_way_of_asking(client: TestClient, params: dict[str, str], expected: int) -> None:
    response = get(client, **params)
    assert response.status_code == 200, response.text
    assert len(response.json()) == expected


@pytest.mark.parametrize(
    ("headers", "present", "absent"),
    [
        (FULL, {"email", "phone", "organisationRoles"}, set()),
        (
            BASIC_ONLY,
            {"userIds", "givenName", "familyName", "status"},
            {"email", "phone", "organisationRoles"},
        ),
        (bearer("kbx-boekenboot"), {"organisationRoles"}, {"email", "phone", "mobile"}),
    ],
)
def test_attributes_follow_the_token_scopes(
    client: TestClient, headers: dict[str, str], present: set[str], absent: set[str]
) -> None:
    employees = get(client, headers, orgMasterId="100X097").json()
    served = set().union(*(e.keys() for e in employees))
    assert present <= served
    assert not absent & served


def edu_v_error(response: Any, http_status: int, code: int) -> str:
    assert response.status_code == http_status, response.text
    assert response.headers["API-Version"] == "1.0.0"
    body = response.json()
    assert set(body) == {"status", "statusMessage"}
    assert body["status"] == code, body
    message: str = body["statusMessage"]
    return message


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "orgMasterId"),
        ({"orgId": "16SK01"}, "orgIdType"),
        ({"orgIdType": "V_ID"}, "orgId"),
        ({"orgMasterId": "100X016", "orgId": "16SK01", "orgIdType": "V_ID"}, "orgMasterId"),
        ({"orgMasterId": "100X016", "filterByOrgId": "true"}, "filterByOrgId"),
        ({"orgMasterId": "100X016", "filterByOrgId": "misschien"}, "filterByOrgId"),
        ({"orgId": "16SK01", "orgIdType": "BRIN6"}, "orgIdType"),
        ({"orgMasterId": "100X016", "limit": "10"}, "limit"),
    ],
)
def test_wrong_calls_are_schema_incorrect(client: TestClient, params: dict[str, str], field: str) -> None:
    assert field in edu_v_error(get(client, **params), 400, 11)


def test_unknown_school_period(client: TestClient) -> None:
    message = edu_v_error(get(client, orgMasterId="100X016", schoolPeriodId="2025"), 400, 99)
    assert "schoolPeriodId" in message


def test_unknown_school(client: TestClient) -> None:
    edu_v_error(get(client, orgMasterId="999X999"), 404, 23)
    edu_v_error(get(client, orgId="16SK01", orgIdType="BP_ID"), 404, 23)


def test_no_consent(client: TestClient) -> None:
    edu_v_error(get(client, orgMasterId="100X098"), 403, 22)
    edu_v_error(get(client, bearer("kbx-boekenboot"), orgMasterId="100X016"), 403, 22)


def test_without_basic_scope_401_scope_required(client: TestClient) -> None:
    response = get(client, NO_BASIC, orgMasterId="100X016")
    assert "eduv.employee.basic" in edu_v_error(response, 401, 21)
    assert "insufficient_scope" in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("headers", [{}, bearer("no-such-token")])
def test_without_a_valid_token_401(client: TestClient, headers: dict[str, str]) -> None:
    edu_v_error(get(client, headers, orgMasterId="100X016"), 401, 99)


def test_a_token_fetched_with_client_credentials(client: TestClient) -> None:
    issued = client.post(
        "/sandbox/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "consumer-sleutelbos",
            "client_secret": "sleutelbos-secret",
            "scope": "eduv.employee.basic eduv.employee.roles",
        },
    )
    assert issued.status_code == 200, issued.text
    employees = get(client, bearer(issued.json()["access_token"]), orgMasterId="100X096").json()
    assert employees
    assert all("organisationRoles" in e and "email" not in e for e in employees)


def test_other_failures_under_eduv_also_answer_in_the_edu_v_body(client: TestClient) -> None:
    edu_v_error(client.post(URL, headers=FULL), 405, 99)
    edu_v_error(client.get("/eduv/v1/employees", headers=FULL), 404, 99)


def test_reset_keeps_the_same_employees(client: TestClient) -> None:
    before = get(client, orgMasterId="100X016").json()
    assert client.post("/sandbox/reset", headers=bearer("kbx-admin-local")).status_code in (200, 204)
    assert get(client, orgMasterId="100X016").json() == before


def test_a_request_too_large_is_answered_in_the_edu_v_body() -> None:
    app = create_app(Store.from_directory(), max_body_bytes=16)
    with TestClient(app, raise_server_exceptions=False) as small:
        response = small.request(
            "GET", URL, params={"orgMasterId": "100X016"}, headers=FULL, content=b"x" * 64
        )
    edu_v_error(response, 413, 99)


@pytest.mark.parametrize(
    ("problem", "http_status", "code"),
    [
        (Problem(400, "invalid_request", "Extra query parameter(s) foo not in spec"), 400, 11),
        (Problem(400, "schema_incorrect", "x"), 400, 11),
        (Problem(400, "other", "x"), 400, 99),
        (Problem(403, "insufficient_scope", "needs eduv.employee.basic"), 401, 21),
        (Problem(401, "unauthorized", "No authorization token provided"), 401, 99),
        (Problem(403, "consent_required", "x"), 403, 22),
        (Problem(404, "organisation_unknown", "x"), 404, 23),
        (Problem(404, "not_found", "There is nothing at this path."), 404, 99),
        (Problem(405, "method_not_allowed", "x"), 405, 99),
        (Problem(413, "payload_too_large", "x"), 413, 99),
        (Problem(500, "internal_error", "x"), 500, 99),
    ],
)
def test_every_problem_maps_to_a_functional_code(problem: Problem, http_status: int, code: int) -> None:
    answered, body = eduv_format(problem)
    assert (answered.status, body["status"]) == (http_status, code)
    assert answered.headers["API-Version"] == API_VERSION
    assert body["statusMessage"]
