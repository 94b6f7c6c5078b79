"""Edu-V Employees API: the rules of one `GET /employees/school` call, free of any storage or web code.

How the school is named, which filter applies, which roles count for a school period, which attributes
a token may see, and the functional codes Edu-V puts in its error body. The store (`store/eduv.py`)
applies these over its indexes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from koppelbox.rules.errors import DomainError, FieldError

ORG_ID_TYPES = ("OIE_CODE", "BP_ID", "DD_ID", "AS_ID", "V_ID")
USER_ID_TYPES = ("NEPPI", "BPI", "eduID", "NEPRI", "ASI", "eckId")
ROLE_TYPES = (
    "administratief-medewerker",
    "applicatiebeheerder",
    "begeleider",
    "invalkracht",
    "ibp-er",
    "leermiddelencoordinator",
    "leraar",
    "mentor",
    "onderwijsbestuurder",
    "onderwijsdirecteur",
    "stagiair",
)
SECTORS = ("PO", "VO")

SCOPE_BASIC = "eduv.employee.basic"
SCOPE_COMMUNICATION = "eduv.employee.communication"
SCOPE_ROLES = "eduv.employee.roles"

# Which Employee attributes each scope opens. The basic scope carries every required attribute, which is
# why a token without it cannot be answered at all.
ATTRIBUTES_BY_SCOPE: Mapping[str, frozenset[str]] = {
    SCOPE_BASIC: frozenset(
        {
            "userMasterIdentifier",
            "userIds",
            "givenName",
            "preferredFirstName",
            "familyNamePrefix",
            "familyName",
            "alias",
            "status",
            "dateCreated",
            "dateLastModified",
        }
    ),
    SCOPE_COMMUNICATION: frozenset({"email", "phone", "mobile"}),
    SCOPE_ROLES: frozenset({"organisationRoles"}),
}

# Edu-V's functional codes ("Status- en foutcodes", category 00xx), keyed by our DomainError codes.
FUNCTIONAL_CODES: Mapping[str, int] = {
    "schema_incorrect": 11,
    "scope_required": 21,
    "consent_required": 22,
    "organisation_unknown": 23,
    "other": 99,
}


@dataclass
class SchemaIncorrect(DomainError):
    status: int = 400
    code: str = "schema_incorrect"


@dataclass
class ScopeRequired(DomainError):
    status: int = 401
    code: str = "scope_required"


@dataclass
class ConsentRequired(DomainError):
    status: int = 403
    code: str = "consent_required"


@dataclass
class OrganisationUnknown(DomainError):
    status: int = 404
    code: str = "organisation_unknown"


@dataclass
class OtherReason(DomainError):
    """Edu-V's 99: a refusal no specific code covers; the message carries the reason."""

    status: int = 400
    code: str = "other"


# --- naming the school -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolRef:
    """How the request names the school: by master identifier (`id_type` None) or by a secondary one."""

    value: str
    id_type: str | None = None

    @property
    def by_master(self) -> bool:
        return self.id_type is None


@dataclass(frozen=True)
class EmployeeQuery:
    school: SchoolRef
    filter_by_org_id: bool | None  # as sent; None when omitted (see `effective_filter`)
    school_period_id: str | None


def parse_query(
    *,
    org_master_id: str | None = None,
    org_id: str | None = None,
    org_id_type: str | None = None,
    filter_by_org_id: bool | None = None,
    school_period_id: str | None = None,
) -> EmployeeQuery:
    """The query, or SchemaIncorrect naming what is wrong: the school must be named in exactly one way."""
    pair = (org_id is not None, org_id_type is not None)
    if org_master_id is not None and any(pair):
        raise _schema(
            "orgMasterId",
            "name the school either with orgMasterId or with orgId and orgIdType, not both",
        )
    if org_master_id is None:
        if pair == (False, False):
            raise _schema("orgMasterId", "name the school with orgMasterId, or with orgId and orgIdType")
        if pair == (True, False):
            raise _schema("orgIdType", "is required together with orgId")
        if pair == (False, True):
            raise _schema("orgId", "is required together with orgIdType")
    if org_id_type is not None and org_id_type not in ORG_ID_TYPES:
        raise _schema("orgIdType", "must be one of: " + ", ".join(ORG_ID_TYPES))
    if org_master_id is not None and filter_by_org_id is True:
        raise _schema("filterByOrgId", "must be absent or false when the school is named by orgMasterId")
    if org_master_id is not None:
        school = SchoolRef(org_master_id)
    else:
        assert org_id is not None  # the pair checks above
        assert org_id_type is not None
        school = SchoolRef(org_id, org_id_type)
    return EmployeeQuery(school, filter_by_org_id, school_period_id)


def _schema(field_name: str, message: str) -> SchemaIncorrect:
    return SchemaIncorrect(f"Schema incorrect: `{field_name}` {message}.", [FieldError(field_name, message)])


def effective_filter(query: EmployeeQuery, sector: str) -> bool:
    """Whether only employees with a role at the identified organisation are served.

    Only a secondary identifier can narrow the answer; left out, the sector decides (PO narrows, VO
    serves the whole onderwijsaanbieder)."""
    if query.school.by_master:
        return False
    if query.filter_by_org_id is None:
        return sector == "PO"
    return query.filter_by_org_id


# --- roles over time --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolPeriod:
    id: str
    begin: date  # inclusive
    end: date  # exclusive

    def __post_init__(self) -> None:
        if self.end <= self.begin:
            raise ValueError(f"school period {self.id}: end {self.end} is not after begin {self.begin}")


@dataclass(frozen=True)
class Role:
    unit: str  # the organisation the role is at: a location id, or the school id for the whole school
    role: str
    begin: date  # inclusive
    end: date | None = None  # exclusive; None: open-ended

    def active_in(self, period: SchoolPeriod) -> bool:
        """Half-open intervals [begin, end) that overlap."""
        return self.begin < period.end and (self.end is None or self.end > period.begin)

    def at(self, unit: str, school_id: str) -> bool:
        """Whether this role counts for a filter on `unit`: the school unit covers every role in it."""
        return unit in (school_id, self.unit)


def unknown_period(period_id: str) -> OtherReason:
    message = f"the school has no school period {period_id}"
    return OtherReason(f"`schoolPeriodId`: {message}.", [FieldError("schoolPeriodId", message)])


def role_matches(
    role: Role, school_id: str, *, unit: str | None = None, period: SchoolPeriod | None = None
) -> bool:
    return (unit is None or role.at(unit, school_id)) and (period is None or role.active_in(period))


# --- scopes -----------------------------------------------------------------------------------------


def visible_attributes(scopes: Iterable[str]) -> frozenset[str]:
    """The Employee attributes a token may see; without the basic scope nothing can be answered."""
    granted = set(scopes)
    if SCOPE_BASIC not in granted:
        raise ScopeRequired(f"scope required: this call needs scope {SCOPE_BASIC}.")
    visible: set[str] = set()
    for scope in granted:
        visible |= ATTRIBUTES_BY_SCOPE.get(scope, frozenset())
    return frozenset(visible)


def trim(employee: Mapping[str, Any], visible: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in employee.items() if key in visible}


# --- consent ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Consents:
    """Which Consumer a school activated (Edu-V's consent for classification-IV data)."""

    by_consumer: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def require(self, consumer_id: str, school_id: str) -> None:
        if school_id not in self.by_consumer.get(consumer_id, frozenset()):
            raise ConsentRequired(
                "consent required: the school has not activated this service for your client."
            )
