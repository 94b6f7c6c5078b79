"""The school's Aanmeld-API configuration as the school edits it: sector, stamnummer range, activated
partners (Privacy Manager tiles) and the related-schools table."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

from koppelbox.rules import dutch
from koppelbox.rules.aanmeld.origin import SCHOOL_TYPES, RelatedSchool
from koppelbox.rules.aanmeld.records import SchoolConfig
from koppelbox.rules.errors import FieldError, Invalid

EDITABLE = ("sector", "stamnummerbereik", "geactiveerdePartners", "relatiescholen")
SECTORS = ("PO", "VO")


def related_schools(
    entries: Any, field: str = "relatiescholen"
) -> tuple[dict[str, RelatedSchool], list[FieldError]]:
    table: dict[str, RelatedSchool] = {}
    problems: list[FieldError] = []
    for index, entry in enumerate(entries or []):
        where = f"{field}[{index}]"
        brin = str(entry.get("brin", ""))
        problem = dutch.brin_problem(brin)
        if problem:
            problems.append(FieldError(f"{where}.brin", problem))
        elif brin in table:
            problems.append(FieldError(f"{where}.brin", f"{brin} is already in the table"))
        soort = str(entry.get("schoolsoort", ""))
        if soort not in SCHOOL_TYPES:
            problems.append(FieldError(f"{where}.schoolsoort", "must be one of: " + ", ".join(SCHOOL_TYPES)))
        if not problem:
            table[brin] = RelatedSchool(brin, str(entry.get("naam", "")), soort)
    return table, problems


def apply_changes(
    config: SchoolConfig, changes: Mapping[str, Any], known_partners: Collection[int], *, replace: bool
) -> SchoolConfig:
    """The configuration after `changes`; every problem named at once. `replace` (PUT) needs every
    editable field; otherwise (PATCH) missing fields keep their value."""
    problems: list[FieldError] = []
    if replace:
        problems += [FieldError(name, "is required") for name in EDITABLE if name not in changes]
    problems += [FieldError(name, "cannot be changed here") for name in changes if name not in EDITABLE]
    updated = dataclasses.replace(config, partners=set(config.partners))
    if "sector" in changes:
        if changes["sector"] not in SECTORS:
            problems.append(FieldError("sector", "must be PO or VO"))
        updated.sector = str(changes["sector"])
    if "stamnummerbereik" in changes:
        bereik = changes["stamnummerbereik"] or {}
        laagste, hoogste = bereik.get("laagste"), bereik.get("hoogste")
        if not isinstance(laagste, int) or laagste < 1:
            problems.append(FieldError("stamnummerbereik.laagste", "must be a whole number of 1 or more"))
        elif not isinstance(hoogste, int) or hoogste < laagste:
            problems.append(FieldError("stamnummerbereik.hoogste", "must be a whole number ≥ laagste"))
        else:
            updated.laagste, updated.hoogste = laagste, hoogste
    if "geactiveerdePartners" in changes:
        ids = list(changes["geactiveerdePartners"] or [])
        for index, partner_id in enumerate(ids):
            if partner_id not in known_partners:
                problems.append(
                    FieldError(f"geactiveerdePartners[{index}]", "is not a known Aanmeld-API partner")
                )
        updated.partners = set(ids)
    if "relatiescholen" in changes:
        table, table_problems = related_schools(changes["relatiescholen"])
        problems += table_problems
        updated.relatiescholen = table
    if problems:
        raise Invalid(
            "The school configuration was not changed: " + problems[0].field + " " + problems[0].message,
            problems,
        )
    return updated
