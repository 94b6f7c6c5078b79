"""Edu-V Employees API: one thin handler over `store.eduv`; Edu-V's error body for everything under
`/eduv` is `eduv_format` (server/error_formats.py).

Edu-V names the full API version in an `API-Version` header on every response, errors included.
"""

from __future__ import annotations

from typing import Any

from koppelbox.rules import eduv
from koppelbox.server.context import caller, current, token_info
from koppelbox.server.error_formats import eduv_format, eduv_version

PREFIX = "/eduv"
# The contract is the single source of truth for the version, too.
API_VERSION = eduv_version()


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


# Edu-V's error body (server/error_formats.py, a leaf the proxy uses too), registered by server/app.py for
# this API's prefix (see ERROR_FORMAT in ARCHITECTURE.md).
ERROR_FORMAT = eduv_format
