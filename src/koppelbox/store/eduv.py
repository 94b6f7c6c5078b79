"""Edu-V employees: schools with their organisation identifiers and school periods, employees with roles,
and consents, all read from the `eduv` fixture (with sector and locations from `schools`).

The data is read-only once built (`Store.reset` builds a new one), so lookups need no lock. Every
lookup goes through an index: identifier → school, school → employees, (school, unit) → employees,
(school, period) → employees; a query touches only the employees of one school.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from koppelbox.rules import eduv
from koppelbox.rules.clock import rfc3339
from koppelbox.store.fixtures import FixtureError, Fixtures


@dataclass(frozen=True)
class EduvSchool:
    id: str  # the BRIN, also the unit id of the school as a whole
    sector: str
    master_id: str
    # unit id (the school id, or a location id) -> that unit's identifiers as served
    units: Mapping[str, tuple[Mapping[str, str], ...]]
    periods: Mapping[str, eduv.SchoolPeriod]
    organisations: Mapping[str, Mapping[str, Any]]  # unit id -> the `organisation` object roles there show


@dataclass(frozen=True)
class Employee:
    school_id: str
    roles: tuple[eduv.Role, ...]
    document: Mapping[str, Any]  # the Employee object with every attribute, as served under all scopes


class EmployeeDirectory:
    def __init__(self, fixtures: Fixtures) -> None:
        document = fixtures.get("eduv") or {}
        if not isinstance(document, dict):
            raise FixtureError("eduv: expected a mapping with `schools`, `employees` and `consents`")
        base = {str(s["id"]): s for s in (fixtures.get("schools") or {}).get("schools", [])}
        self.schools: dict[str, EduvSchool] = {}
        self._by_master: dict[str, str] = {}
        self._by_identifier: dict[tuple[str, str], tuple[str, str]] = {}  # (type, id) -> (school, unit)
        for school_id, entry in (document.get("schools") or {}).items():
            self._add_school(_school(str(school_id), entry, base))
        self.employees: list[Employee] = []
        self._by_school: dict[str, list[int]] = {}
        self._by_unit: dict[tuple[str, str], list[int]] = {}
        self._by_period: dict[tuple[str, str], list[int]] = {}
        for position, entry in enumerate(document.get("employees") or []):
            self._add_employee(self._employee(position, entry))
        self.consents = eduv.Consents(
            {
                str(consumer): frozenset(str(s) for s in schools)
                for consumer, schools in (document.get("consents") or {}).items()
            }
        )
        for consumer, schools in self.consents.by_consumer.items():
            unknown = sorted(schools - self.schools.keys())
            if unknown:
                raise FixtureError(f"eduv: consent of {consumer} names unknown school(s) {unknown}")

    # --- building ---------------------------------------------------------------------------------

    def _add_school(self, school: EduvSchool) -> None:
        if school.master_id in self._by_master:
            raise FixtureError(f"eduv: orgMasterId {school.master_id} is used twice")
        self.schools[school.id] = school
        self._by_master[school.master_id] = school.id
        for unit, identifiers in school.units.items():
            for identifier in identifiers:
                key = (identifier["organisationIdType"], identifier["organisationId"])
                if key in self._by_identifier:
                    raise FixtureError(f"eduv: organisation identifier {key[1]} ({key[0]}) is used twice")
                self._by_identifier[key] = (school.id, unit)

    def _employee(self, position: int, entry: Mapping[str, Any]) -> Employee:
        where = f"eduv: employees[{position}]"
        school = self.schools.get(str(entry.get("school")))
        if school is None:
            raise FixtureError(f"{where} names unknown school {entry.get('school')!r}")
        _check_employee(where, entry)
        roles = []
        for raw in entry.get("roles") or []:
            unit = str(raw.get("location", school.id))
            if unit not in school.units:
                raise FixtureError(f"{where}: role at {unit}, which is not a location of {school.id}")
            roles.append(
                eduv.Role(unit, str(raw["organisationRole"]), _date(raw["beginDate"]), _opt_date(raw))
            )
        return Employee(school.id, tuple(roles), _document(entry, roles, school))

    def _add_employee(self, employee: Employee) -> None:
        key = len(self.employees)
        self.employees.append(employee)
        school = self.schools[employee.school_id]
        self._by_school.setdefault(school.id, []).append(key)
        for unit in dict.fromkeys(role.unit for role in employee.roles):
            self._by_unit.setdefault((school.id, unit), []).append(key)
        for period in school.periods.values():
            if any(role.active_in(period) for role in employee.roles):
                self._by_period.setdefault((school.id, period.id), []).append(key)

    # --- querying ---------------------------------------------------------------------------------

    def resolve(self, ref: eduv.SchoolRef) -> tuple[EduvSchool, str]:
        """The school a reference names, and the unit it identifies (the school itself, or a location)."""
        if ref.by_master:
            school_id = self._by_master.get(ref.value)
            unit = school_id
        else:
            assert ref.id_type is not None
            school_id, unit = self._by_identifier.get((ref.id_type, ref.value), (None, None))
        if school_id is None or unit is None:
            how = "orgMasterId" if ref.by_master else f"orgId {ref.id_type}"
            raise eduv.OrganisationUnknown(f"edu_org_id unknown: no school has {how} {ref.value}.")
        return self.schools[school_id], unit

    def employees_for(
        self, consumer_id: str, scopes: Iterable[str], query: eduv.EmployeeQuery
    ) -> list[dict[str, Any]]:
        """One call of the API, after its parameters parsed: 401, 404, 403, 400 in that order."""
        visible = eduv.visible_attributes(scopes)
        school, unit = self.resolve(query.school)
        self.consents.require(consumer_id, school.id)
        period = None
        if query.school_period_id is not None:
            period = school.periods.get(query.school_period_id)
            if period is None:
                raise eduv.unknown_period(query.school_period_id)
        narrowed = unit if eduv.effective_filter(query, school.sector) and unit != school.id else None
        return [
            eduv.trim(self.employees[k].document, visible) for k in self._select(school, narrowed, period)
        ]

    def _select(self, school: EduvSchool, unit: str | None, period: eduv.SchoolPeriod | None) -> list[int]:
        if unit is None and period is None:
            return self._by_school.get(school.id, [])
        if unit is None:
            assert period is not None
            return self._by_period.get((school.id, period.id), [])
        candidates = self._by_unit.get((school.id, unit), [])
        if period is None:
            return candidates
        # The same role must be at the unit and active in the period.
        return [
            key
            for key in candidates
            if any(
                eduv.role_matches(role, school.id, unit=unit, period=period)
                for role in self.employees[key].roles
            )
        ]


# --- reading the fixture ----------------------------------------------------------------------------


def _school(school_id: str, entry: Mapping[str, Any], base: Mapping[str, Mapping[str, Any]]) -> EduvSchool:
    where = f"eduv: school {school_id}"
    known = base.get(school_id)
    if known is None:
        raise FixtureError(f"{where} is not in schools")
    sector = str(known.get("sector", ""))
    if sector not in eduv.SECTORS:
        raise FixtureError(f"{where}: sector must be PO or VO, not {sector!r}")
    locations = {str(loc["id"]) for loc in known.get("locations", [])}
    units: dict[str, tuple[Mapping[str, str], ...]] = {
        school_id: _identifiers(where, entry.get("organisationIds") or [])
    }
    for location, identifiers in (entry.get("locations") or {}).items():
        if str(location) not in locations:
            raise FixtureError(f"{where}: {location} is not one of its locations in schools")
        units[str(location)] = _identifiers(f"{where} location {location}", identifiers)
    periods = {}
    for raw in entry.get("schoolPeriods") or []:
        try:
            period = eduv.SchoolPeriod(str(raw["id"]), _date(raw["beginDate"]), _date(raw["endDate"]))
        except ValueError as exc:
            raise FixtureError(f"{where}: {exc}") from exc
        periods[period.id] = period
    master_id = str(entry["orgMasterId"])
    organisations = {
        unit: _organisation(master_id if unit == school_id else None, identifiers)
        for unit, identifiers in units.items()
    }
    return EduvSchool(school_id, sector, master_id, units, periods, organisations)


def _check_employee(where: str, entry: Mapping[str, Any]) -> None:
    # A bad fixture must fail at start-up, not as a 500 on the first call that serves it.
    if not entry.get("userIds"):
        raise FixtureError(f"{where}: userIds are mandatory for employees")
    if not entry.get("givenName") or not entry.get("familyName") or not entry.get("dateCreated"):
        raise FixtureError(f"{where}: givenName, familyName and dateCreated are required")
    bad_ids = [u.get("userIdType") for u in entry["userIds"] if u.get("userIdType") not in eduv.USER_ID_TYPES]
    if bad_ids:
        raise FixtureError(f"{where}: unknown userIdType {bad_ids[0]}")
    if entry.get("status", "active") not in ("active", "tobedeleted"):
        raise FixtureError(f"{where}: status must be active or tobedeleted")
    for raw in entry.get("roles") or []:
        if raw.get("organisationRole") not in eduv.ROLE_TYPES:
            raise FixtureError(f"{where}: unknown organisationRole {raw.get('organisationRole')!r}")
        if raw.get("endDate") and _date(raw["endDate"]) <= _date(raw["beginDate"]):
            raise FixtureError(f"{where}: a role ends on or before it begins")


def _identifiers(where: str, raw: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, str], ...]:
    identifiers = []
    for item in raw:
        id_type = str(item["organisationIdType"])
        if id_type not in eduv.ORG_ID_TYPES:
            raise FixtureError(f"{where}: unknown organisationIdType {id_type}")
        identifiers.append({"organisationId": str(item["organisationId"]), "organisationIdType": id_type})
    return tuple(identifiers)


def _document(entry: Mapping[str, Any], roles: list[eduv.Role], school: EduvSchool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "userIds": [
            {"userId": str(u["userId"]), "userIdType": str(u["userIdType"])} for u in entry["userIds"]
        ]
    }
    for name in ("givenName", "preferredFirstName", "familyNamePrefix", "familyName", "alias"):
        if entry.get(name):
            document[name] = str(entry[name])
    document["status"] = str(entry.get("status", "active"))
    document["dateCreated"] = _timestamp(entry["dateCreated"])
    document["dateLastModified"] = _timestamp(entry.get("dateLastModified", entry["dateCreated"]))
    for name in ("email", "phone", "mobile"):
        if entry.get(name):
            document[name] = str(entry[name])
    document["organisationRoles"] = [_role(role, school) for role in roles]
    return document


def _role(role: eduv.Role, school: EduvSchool) -> dict[str, Any]:
    served: dict[str, Any] = {"organisationRole": role.role, "beginDate": role.begin.isoformat()}
    if role.end is not None:
        served["endDate"] = role.end.isoformat()
    # One shared object per unit: documents are only ever read, and 100,000 employees share few units.
    served["organisation"] = school.organisations[role.unit]
    return served


def _organisation(master_id: str | None, identifiers: tuple[Mapping[str, str], ...]) -> dict[str, Any]:
    """A location shows its own identifiers; the school as a whole also its master identifier."""
    organisation: dict[str, Any] = {}
    if master_id is not None:
        organisation["organisationMasterIdentifier"] = master_id
    if identifiers:
        organisation["organisationIds"] = [dict(i) for i in identifiers]
    return organisation


def _date(value: Any) -> date:
    # YAML reads an unquoted 2025-08-01 as a date already; JSON as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _opt_date(raw: Mapping[str, Any]) -> date | None:
    return _date(raw["endDate"]) if raw.get("endDate") else None


def _timestamp(value: Any) -> str:
    return rfc3339(value) if isinstance(value, datetime) else str(value)
