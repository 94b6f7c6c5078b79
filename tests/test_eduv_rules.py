"""Edu-V Employees API rules as tables, without HTTP or storage."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from koppelbox.rules import eduv
from koppelbox.rules.errors import DomainError

BOTH = "name the school either with orgMasterId or with orgId and orgIdType, not both"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "orgMasterId", "name the school with orgMasterId, or with orgId and orgIdType"),
        ({"org_id": "16SK01"}, "orgIdType", "is required together with orgId"),
        ({"org_id_type": "V_ID"}, "orgId", "is required together with orgIdType"),
        ({"org_master_id": "100X016", "org_id": "16SK01", "org_id_type": "V_ID"}, "orgMasterId", BOTH),
        ({"org_master_id": "100X016", "org_id": "16SK01"}, "orgMasterId", BOTH),
        ({"org_master_id": "100X016", "org_id_type": "V_ID"}, "orgMasterId", BOTH),
        (
            {"org_master_id": "100X016", "filter_by_org_id": True},
            "filterByOrgId",
            "must be absent or false when the school is named by orgMasterId",
        ),
        (
            {"org_id": "16SK01", "org_id_type": "BRIN"},
            "orgIdType",
            "must be one of: OIE_CODE, BP_ID, DD_ID, AS_ID, V_ID",
        ),
    ],
)
def test_the_school_must_be_named_in_exactly_one_way(
    params: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(eduv.SchemaIncorrect) as raised:
        eduv.parse_query(**params)
    assert raised.value.status == 400
    assert [(e.field, e.message) for e in raised.value.errors] == [(field, message)]
    assert raised.value.message == f"Schema incorrect: `{field}` {message}."  # the statusMessage


@pytest.mark.parametrize(
    ("params", "ref"),
    [
        ({"org_master_id": "100X016"}, eduv.SchoolRef("100X016")),
        ({"org_master_id": "100X016", "filter_by_org_id": False}, eduv.SchoolRef("100X016")),
        ({"org_id": "16SK01", "org_id_type": "V_ID"}, eduv.SchoolRef("16SK01", "V_ID")),
        (
            {"org_id": "16SK", "org_id_type": "OIE_CODE", "filter_by_org_id": True},
            eduv.SchoolRef("16SK", "OIE_CODE"),
        ),
    ],
)
def test_valid_ways_of_naming_the_school(params: dict[str, Any], ref: eduv.SchoolRef) -> None:
    assert eduv.parse_query(**params).school == ref


@pytest.mark.parametrize(
    ("params", "sector", "narrowed"),
    [
        ({"org_id": "x", "org_id_type": "V_ID"}, "PO", True),  # PO default
        ({"org_id": "x", "org_id_type": "V_ID"}, "VO", False),  # VO default
        ({"org_id": "x", "org_id_type": "V_ID", "filter_by_org_id": False}, "PO", False),
        ({"org_id": "x", "org_id_type": "V_ID", "filter_by_org_id": True}, "VO", True),
        ({"org_master_id": "m"}, "PO", False),  # the master id never narrows
        ({"org_master_id": "m", "filter_by_org_id": False}, "VO", False),
    ],
)
def test_filter_by_org_id_defaults_per_sector(params: dict[str, Any], sector: str, narrowed: bool) -> None:
    assert eduv.effective_filter(eduv.parse_query(**params), sector) is narrowed


YEAR = eduv.SchoolPeriod("sj", date(2025, 8, 1), date(2026, 8, 1))


@pytest.mark.parametrize(
    ("begin", "end", "active"),
    [
        (date(2025, 8, 1), None, True),  # begins on the first day
        (date(2026, 7, 31), None, True),  # begins on the last day
        (date(2026, 8, 1), None, False),  # begins the day the period ends (end exclusive)
        (date(2024, 8, 1), date(2025, 8, 1), False),  # ends the day the period begins (end exclusive)
        (date(2024, 8, 1), date(2025, 8, 2), True),  # one day of overlap
        (date(2020, 1, 1), None, True),  # open-ended from long before
        (date(2025, 9, 1), date(2025, 10, 1), True),  # inside
        (date(2026, 9, 1), date(2027, 1, 1), False),  # after
    ],
)
def test_role_activity_in_a_school_period(begin: date, end: date | None, active: bool) -> None:
    assert eduv.Role("16SK00", "leraar", begin, end).active_in(YEAR) is active


@pytest.mark.parametrize(
    ("role_unit", "filter_unit", "matches"),
    [
        ("16SK00", "16SK00", True),
        ("16SK01", "16SK00", False),
        ("16SK01", "16SK", True),  # a filter on the school itself covers each of its locations
        ("16SK", "16SK00", False),  # a role at the whole school is not a role at one location
        ("16SK00", None, True),
    ],
)
def test_role_at_a_unit(role_unit: str, filter_unit: str | None, matches: bool) -> None:
    role = eduv.Role(role_unit, "leraar", date(2025, 8, 1))
    assert eduv.role_matches(role, "16SK", unit=filter_unit) is matches


@pytest.mark.parametrize(
    ("begin", "end", "unit", "matches"),
    [
        (date(2025, 9, 1), None, "16SK00", True),
        (date(2026, 9, 1), None, "16SK00", False),  # starts after the period
        (date(2024, 8, 1), date(2025, 8, 1), None, False),  # ended when the period began
        (date(2025, 9, 1), None, "16SK01", False),  # in the period, at another location
    ],
)
def test_role_in_a_period_and_at_a_unit(
    begin: date, end: date | None, unit: str | None, matches: bool
) -> None:
    role = eduv.Role("16SK00", "leraar", begin, end)
    assert eduv.role_matches(role, "16SK", unit=unit, period=YEAR) is matches


def test_the_query_keeps_what_was_sent() -> None:
    query = eduv.parse_query(
        org_id="16SK01", org_id_type="V_ID", filter_by_org_id=True, school_period_id="sj"
    )
    assert query == eduv.EmployeeQuery(eduv.SchoolRef("16SK01", "V_ID"), True, "sj")


def test_a_period_must_end_after_it_begins() -> None:
    with pytest.raises(ValueError, match="not after"):
        eduv.SchoolPeriod("x", date(2025, 8, 1), date(2025, 8, 1))


@pytest.mark.parametrize(
    ("scopes", "seen", "hidden"),
    [
        ([eduv.SCOPE_BASIC], {"givenName", "userIds", "status"}, {"email", "phone", "organisationRoles"}),
        ([eduv.SCOPE_BASIC, eduv.SCOPE_COMMUNICATION], {"email", "phone", "mobile"}, {"organisationRoles"}),
        ([eduv.SCOPE_BASIC, eduv.SCOPE_ROLES], {"organisationRoles", "familyName"}, {"email", "mobile"}),
        (
            [eduv.SCOPE_BASIC, eduv.SCOPE_COMMUNICATION, eduv.SCOPE_ROLES, "wimpel.organisations.read"],
            {"email", "organisationRoles", "alias"},
            set(),
        ),
    ],
)
def test_attributes_follow_the_scopes(scopes: list[str], seen: set[str], hidden: set[str]) -> None:
    visible = eduv.visible_attributes(scopes)
    assert seen <= visible
    assert not hidden & visible


@pytest.mark.parametrize(
    "scopes", [[], [eduv.SCOPE_COMMUNICATION], [eduv.SCOPE_COMMUNICATION, eduv.SCOPE_ROLES]]
)
def test_without_the_basic_scope_nothing_is_served(scopes: list[str]) -> None:
    with pytest.raises(eduv.ScopeRequired) as raised:
        eduv.visible_attributes(scopes)
    assert (raised.value.status, eduv.FUNCTIONAL_CODES[raised.value.code]) == (401, 21)
    assert raised.value.message == f"scope required: this call needs scope {eduv.SCOPE_BASIC}."


def test_trim_leaves_out_what_the_scopes_do_not_open() -> None:
    employee = {"givenName": "Anouk", "familyName": "Meulen", "email": "a@school.nl", "organisationRoles": []}
    assert eduv.trim(employee, eduv.visible_attributes([eduv.SCOPE_BASIC])) == {
        "givenName": "Anouk",
        "familyName": "Meulen",
    }


@pytest.mark.parametrize(
    ("consumer", "school", "allowed"),
    [("idm", "16SK", True), ("idm", "98YB", False), ("other", "16SK", False)],
)
def test_consent_between_consumer_and_school(consumer: str, school: str, allowed: bool) -> None:
    consents = eduv.Consents({"idm": frozenset({"16SK", "97ZC"})})
    if allowed:
        consents.require(consumer, school)
    else:
        with pytest.raises(eduv.ConsentRequired) as raised:
            consents.require(consumer, school)
        assert (raised.value.status, eduv.FUNCTIONAL_CODES[raised.value.code]) == (403, 22)
        assert raised.value.message == (
            "consent required: the school has not activated this service for your client."
        )


def test_an_unknown_period_names_the_parameter_and_the_period() -> None:
    error = eduv.unknown_period("sj-2031")
    assert error.message == "`schoolPeriodId`: the school has no school period sj-2031."
    assert [(e.field, e.message) for e in error.errors] == [
        ("schoolPeriodId", "the school has no school period sj-2031")
    ]


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (eduv.SchemaIncorrect("x"), 400, 11),
        (eduv.ScopeRequired("x"), 401, 21),
        (eduv.ConsentRequired("x"), 403, 22),
        (eduv.OrganisationUnknown("x"), 404, 23),
        (eduv.unknown_period("p"), 400, 99),
    ],
)
def test_each_refusal_carries_its_functional_code(error: DomainError, status: int, code: int) -> None:
    assert (error.status, eduv.FUNCTIONAL_CODES[error.code]) == (status, code)
