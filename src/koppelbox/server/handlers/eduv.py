"""Edu-V Employees API: one thin handler over `store.eduv`, and Edu-V's error body for everything
under `/eduv`.

Edu-V answers errors as `{status: <functional code>, statusMessage}` and names the full API version in
an `API-Version` header on every response, errors included.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from koppelbox.contracts import spec_for
from koppelbox.rules import eduv
from koppelbox.server.context import caller, current, token_info
from koppelbox.server.problems import Problem

PREFIX = "/eduv"
# The contract is the single source of truth for the version, too.
API_VERSION = spec_for("eduv").version


async def list_school_employees(
    orgMasterId: str | None = None,  # the contract's parameter names, as Connexion passes them
    orgId: str | None = None,
    orgIdType: str | None = None,
    filterByOrgId: bool | None = None,
    schoolPeriodId: str | None = None,
) -> tuple[Any, int, dict[str, str]]:
    query = eduv.parse_query(
        org_master_id=orgMasterId,
        org_id=orgId,
        org_id_type=orgIdType,
        filter_by_org_id=filterByOrgId,
        school_period_id=schoolPeriodId,
    )
    scopes = token_info().get("scope", [])
    employees = current().store.eduv.employees_for(caller(), scopes, query)
    return employees, 200, {"API-Version": API_VERSION}


# --- the Edu-V error body ---------------------------------------------------------------------------

_LABELS = {
    11: "Schema incorrect",
    21: "scope required",
    22: "consent required",
    23: "edu_org_id unknown",
}


def functional_code(problem: Problem) -> int:
    """Edu-V's code for a problem, whoever raised it (rules, Connexion validation or security, Starlette)."""
    if problem.code in eduv.FUNCTIONAL_CODES:
        return eduv.FUNCTIONAL_CODES[problem.code]
    if problem.code == "insufficient_scope":  # Connexion: the token lacks eduv.employee.basic
        return 21
    if problem.status == 400:  # a parameter of the wrong type, an unknown parameter, ...
        return 11
    return 99


def eduv_format(problem: Problem) -> tuple[Problem, dict[str, Any]]:
    code = functional_code(problem)
    status, headers = problem.status, dict(problem.headers)
    if code == 21:
        # Edu-V puts "scope required" under 401, where Connexion would answer 403.
        status = 401
        headers["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{eduv.SCOPE_BASIC}"'
    headers["API-Version"] = API_VERSION
    message = problem.message
    label = _LABELS.get(code)
    if label and not message.lower().startswith(label.lower()):
        message = f"{label}: {message}"
    details = [f"`{e.field}` {e.message}" for e in problem.errors if f"`{e.field}`" not in message]
    if details:
        message += " " + "; ".join(details) + "."
    return replace(problem, status=status, headers=headers), {"status": code, "statusMessage": message}


# Registered by server/app.py for this API's prefix (see ERROR_FORMAT in ARCHITECTURE.md).
ERROR_FORMAT = eduv_format
