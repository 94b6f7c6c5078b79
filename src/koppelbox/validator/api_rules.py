"""The rules of one API that a contract cannot state, wired into the validator from `koppelbox.rules`.

Each entry calls the very function the sandbox's handler calls, and turns the field errors it reports into
findings, so `koppelbox validate` and the sandbox refuse the same payloads for the same reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from koppelbox.rules import eduv
from koppelbox.rules.aanmeld.validation import enrolment_problems
from koppelbox.rules.errors import DomainError
from koppelbox.validator import documents
from koppelbox.validator.findings import rule
from koppelbox.validator.semantic import Context, Path, Problem, register_object_check, register_payload_check

EDUV_QUERY = rule(
    "KBX-EDUV-QUERY",
    "Edu-V query: the school is not named by exactly one of orgMasterId or orgId + orgIdType, "
    "or filterByOrgId is combined with orgMasterId.",
    "api",
)

AANMELD_ENROLMENT = rule(
    "KBX-AANMELD-ENROLMENT",
    "Aanmeld: an enrolment breaks one of the API's own data rules beyond the ones above "
    "(e.g. a pupil born more than 30 years ago).",
    "api",
)

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_of(field: str) -> Path:
    """`ouders[0].adres.postcode` → ("ouders", 0, "adres", "postcode")."""
    return tuple(int(index) if index else name for name, index in _PART.findall(field))


def _eduv_query(instance: Any, context: Context) -> Iterator[Problem]:
    if not isinstance(instance, Mapping):
        return
    text = {key: value for key, value in instance.items() if isinstance(value, str)}
    flag = instance.get("filterByOrgId")
    try:
        eduv.parse_query(
            org_master_id=text.get("orgMasterId"),
            org_id=text.get("orgId"),
            org_id_type=text.get("orgIdType"),
            filter_by_org_id=flag if isinstance(flag, bool) else None,
            school_period_id=text.get("schoolPeriodId"),
        )
    except DomainError as refused:
        for error in refused.errors:
            yield Problem(path_of(error.field), EDUV_QUERY, error.message)


def _aanmeld_enrolment(instance: Any, context: Context) -> Iterator[Problem]:
    if isinstance(instance, Mapping):
        for error in enrolment_problems(instance, context.today):
            yield Problem(path_of(error.field), AANMELD_ENROLMENT, error.message)


_registered = False


def register_all() -> None:
    """Every rule a schema cannot state, registered in this one place (idempotent): the API rules here
    and the document checks of validator/documents.py."""
    global _registered
    if _registered:
        return
    _registered = True
    register_object_check(documents.document_checks)
    register_payload_check("eduv", "listSchoolEmployees", _eduv_query, part="query")
    register_payload_check("aanmeld", "Aanmelding", _aanmeld_enrolment)
