"""The Edu-V employee directory over a small hand-made fixture: indexes, filters, order of refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from koppelbox.rules import eduv
from koppelbox.store.eduv import EmployeeDirectory
from koppelbox.store.fixtures import FixtureError, Fixtures

ALL = [eduv.SCOPE_BASIC, eduv.SCOPE_COMMUNICATION, eduv.SCOPE_ROLES]


def _ids(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"organisationId": value, "organisationIdType": kind} for value, kind in pairs]


def _employee(name: str, school: str, *roles: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "school": school,
        "userIds": [{"userId": f"asi-{name}", "userIdType": "ASI"}],
        "givenName": name,
        "familyName": "Test",
        "dateCreated": "2025-01-01T00:00:00.000Z",
        "roles": list(roles),
        **extra,
    }


def _role(location: str | None, begin: str, end: str | None = None) -> dict[str, Any]:
    role: dict[str, Any] = {"organisationRole": "leraar", "beginDate": begin}
    if location:
        role["location"] = location
    if end:
        role["endDate"] = end
    return role


YEARS = [
    {"id": "sj24", "beginDate": "2024-08-01", "endDate": "2025-08-01"},
    {"id": "sj25", "beginDate": "2025-08-01", "endDate": "2026-08-01"},
]

DOCUMENTS: dict[str, Any] = {
    "schools": {
        "schools": [
            {"id": "11AA", "sector": "PO", "locations": [{"id": "11AA00"}, {"id": "11AA01"}]},
            {"id": "22BB", "sector": "VO", "locations": [{"id": "22BB00"}, {"id": "22BB01"}]},
            {"id": "33CC", "sector": "VO", "locations": [{"id": "33CC00"}]},
        ]
    },
    "eduv": {
        "schools": {
            "11AA": {
                "orgMasterId": "M11",
                "organisationIds": _ids(("11AA", "OIE_CODE")),
                "locations": {
                    "11AA00": _ids(("11AA00", "V_ID"), ("bp-1", "BP_ID")),
                    "11AA01": _ids(("11AA01", "V_ID"), ("dd-1", "DD_ID")),
                },
                "schoolPeriods": YEARS,
            },
            "22BB": {
                "orgMasterId": "M22",
                "organisationIds": _ids(("22BB", "OIE_CODE")),
                "locations": {
                    "22BB00": _ids(("22BB00", "V_ID")),
                    "22BB01": _ids(("22BB01", "V_ID"), ("as-2", "AS_ID")),
                },
                "schoolPeriods": YEARS,
            },
            "33CC": {"orgMasterId": "M33", "locations": {"33CC00": _ids(("33CC00", "V_ID"))}},
        },
        "consents": {"idm": ["11AA", "22BB"]},
        "employees": [
            _employee("ann", "11AA", _role("11AA00", "2024-08-01")),
            _employee("bob", "11AA", _role("11AA01", "2025-08-01"), email="bob@school.example"),
            _employee("cor", "11AA", _role(None, "2020-01-01", "2025-08-01"), status="tobedeleted"),
            _employee(
                "dirk", "22BB", _role("22BB00", "2024-08-01", "2025-08-01"), _role("22BB01", "2025-08-01")
            ),
            _employee("eva", "22BB", _role("22BB01", "2024-09-01", "2025-01-01")),
            _employee("fien", "33CC", _role("33CC00", "2024-08-01")),
        ],
    },
}


@pytest.fixture
def directory() -> EmployeeDirectory:
    return EmployeeDirectory(Fixtures(Path("."), DOCUMENTS))


def names(
    directory: EmployeeDirectory, consumer: str = "idm", scopes: list[str] = ALL, **params: Any
) -> list[str]:
    found = directory.employees_for(consumer, scopes, eduv.parse_query(**params))
    return [e["givenName"] for e in found]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"org_master_id": "M11"}, ["ann", "bob", "cor"]),
        ({"org_id": "11AA", "org_id_type": "OIE_CODE"}, ["ann", "bob", "cor"]),
        ({"org_id": "11AA00", "org_id_type": "V_ID"}, ["ann"]),  # PO: narrowed by default
        ({"org_id": "bp-1", "org_id_type": "BP_ID"}, ["ann"]),
        ({"org_id": "dd-1", "org_id_type": "DD_ID"}, ["bob"]),
        ({"org_id": "11AA00", "org_id_type": "V_ID", "filter_by_org_id": False}, ["ann", "bob", "cor"]),
        ({"org_id": "22BB00", "org_id_type": "V_ID"}, ["dirk", "eva"]),  # VO: whole school by default
        ({"org_id": "22BB00", "org_id_type": "V_ID", "filter_by_org_id": True}, ["dirk"]),
        ({"org_id": "as-2", "org_id_type": "AS_ID", "filter_by_org_id": True}, ["dirk", "eva"]),
        ({"org_master_id": "M11", "school_period_id": "sj24"}, ["ann", "cor"]),
        ({"org_master_id": "M11", "school_period_id": "sj25"}, ["ann", "bob"]),
        ({"org_master_id": "M22", "school_period_id": "sj24"}, ["dirk", "eva"]),
        # The same role must be at the location and in the period: dirk was at 22BB00 only in sj24.
        (
            {"org_id": "22BB00", "org_id_type": "V_ID", "filter_by_org_id": True, "school_period_id": "sj25"},
            [],
        ),
        (
            {"org_id": "22BB00", "org_id_type": "V_ID", "filter_by_org_id": True, "school_period_id": "sj24"},
            ["dirk"],
        ),
    ],
)
def test_every_way_of_asking(
    directory: EmployeeDirectory, params: dict[str, Any], expected: list[str]
) -> None:
    assert names(directory, **params) == expected


@pytest.mark.parametrize(
    ("consumer", "scopes", "params", "error"),
    [
        ("idm", [eduv.SCOPE_ROLES], {"org_master_id": "nope"}, eduv.ScopeRequired),  # 401 before 404
        ("idm", ALL, {"org_master_id": "nope"}, eduv.OrganisationUnknown),
        ("idm", ALL, {"org_id": "11AA00", "org_id_type": "BP_ID"}, eduv.OrganisationUnknown),  # wrong type
        ("stranger", ALL, {"org_master_id": "nope"}, eduv.OrganisationUnknown),  # 404 before 403
        ("idm", ALL, {"org_master_id": "M33"}, eduv.ConsentRequired),
        ("idm", ALL, {"org_master_id": "M33", "school_period_id": "nope"}, eduv.ConsentRequired),  # 403 first
        ("idm", ALL, {"org_master_id": "M11", "school_period_id": "nope"}, eduv.OtherReason),
        ("idm", ALL, {"org_master_id": "M11", "school_period_id": "sj24 "}, eduv.OtherReason),
    ],
)
def test_refusals_in_order(
    directory: EmployeeDirectory,
    consumer: str,
    scopes: list[str],
    params: dict[str, Any],
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        directory.employees_for(consumer, scopes, eduv.parse_query(**params))


def test_tobedeleted_employees_are_still_served(directory: EmployeeDirectory) -> None:
    found = directory.employees_for("idm", ALL, eduv.parse_query(org_master_id="M11"))
    assert {e["givenName"]: e["status"] for e in found}["cor"] == "tobedeleted"


def test_roles_name_their_organisation(directory: EmployeeDirectory) -> None:
    found = directory.employees_for("idm", ALL, eduv.parse_query(org_master_id="M11"))
    roles = {e["givenName"]: e["organisationRoles"] for e in found}
    assert roles["ann"][0]["organisation"] == {"organisationIds": _ids(("11AA00", "V_ID"), ("bp-1", "BP_ID"))}
    # A role at the school as a whole carries the school's master identifier.
    assert roles["cor"][0]["organisation"]["organisationMasterIdentifier"] == "M11"
    assert roles["cor"][0]["endDate"] == "2025-08-01"
    assert "endDate" not in roles["ann"][0]


def test_scopes_trim_every_object(directory: EmployeeDirectory) -> None:
    found = directory.employees_for("idm", [eduv.SCOPE_BASIC], eduv.parse_query(org_master_id="M11"))
    assert all("organisationRoles" not in e and "email" not in e for e in found)
    with_mail = directory.employees_for(
        "idm", [eduv.SCOPE_BASIC, eduv.SCOPE_COMMUNICATION], eduv.parse_query(org_master_id="M11")
    )
    assert [e.get("email") for e in with_mail] == [None, "bob@school.example", None]


def _broken(change: Any) -> Fixtures:
    import copy

    documents = copy.deepcopy(DOCUMENTS)
    change(documents["eduv"])
    return Fixtures(Path("."), documents)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["schools"].update({"99ZZ": {"orgMasterId": "X"}}), "not in schools"),
        (lambda d: d["schools"]["22BB"].update({"orgMasterId": "M11"}), "used twice"),
        (lambda d: d["schools"]["22BB"]["locations"].update({"11AA00": []}), "not one of its locations"),
        (lambda d: d["schools"]["22BB"]["locations"]["22BB00"].extend(_ids(("bp-1", "BP_ID"))), "used twice"),
        (lambda d: d["consents"].update({"x": ["99ZZ"]}), "unknown school"),
        (lambda d: d["employees"].append(_employee("x", "99ZZ")), "unknown school"),
        (
            lambda d: d["employees"].append(_employee("x", "11AA", _role("22BB00", "2025-01-01"))),
            "not a location",
        ),
        (
            lambda d: d["employees"].append(_employee("x", "11AA", _role(None, "2025-01-01", "2024-01-01"))),
            "ends",
        ),
        (lambda d: d["employees"][0].update({"userIds": []}), "mandatory"),
        (
            lambda d: d["employees"][0]["roles"][0].update({"organisationRole": "conciërge"}),
            "organisationRole",
        ),
    ],
)
def test_a_broken_fixture_fails_at_load(change: Any, message: str) -> None:
    with pytest.raises(FixtureError, match=message):
        EmployeeDirectory(_broken(change))
