"""Prior education: where the school of origin and the school advice land (docs/aanmeld.md, rules 17, 18)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from koppelbox.rules.aanmeld.matching import squash

BASISONDERWIJS = "Basisonderwijs"

# The school types of the related-schools table (Magister's "schoolsoort"). Only Basisonderwijs is special.
SCHOOL_TYPES = (
    BASISONDERWIJS,
    "Speciaal basisonderwijs",
    "Speciaal onderwijs",
    "Voortgezet speciaal onderwijs",
    "Voortgezet onderwijs",
    "Middelbaar beroepsonderwijs",
    "Buitenlandse school",
    "Overig",
)


@dataclass(frozen=True)
class RelatedSchool:
    brin: str
    naam: str
    schoolsoort: str


def place_school_of_origin(
    vooropleiding: Mapping[str, Any] | None, related: Mapping[str, RelatedSchool]
) -> dict[str, Any]:
    """`{basisschool, vorigeSchool}`: the school of origin goes to exactly one of them. Only a school the
    table types as Basisonderwijs is a primary school; any other type, and an unknown BRIN, is the previous
    school. A BRIN6 is looked up by its BRIN (the first four characters)."""
    placed: dict[str, Any] = {"basisschool": None, "vorigeSchool": None}
    if not vooropleiding or not (vooropleiding.get("brin") or vooropleiding.get("naam")):
        return placed
    brin = str(vooropleiding.get("brin") or "")
    known = related.get(brin[:4]) if brin else None
    school = {
        "brin": brin or None,
        "naam": vooropleiding.get("naam") or (known.naam if known else None),
        "schoolsoort": known.schoolsoort if known else None,
    }
    placed["basisschool" if known and known.schoolsoort == BASISONDERWIJS else "vorigeSchool"] = school
    return placed


def known_advice(advies: str | None, known: Sequence[str]) -> str | None:
    """The advice value as the school's list spells it, when the sent text matches one (case and spaces
    ignored); None when it matches none."""
    if not advies:
        return None
    wanted = squash(advies)
    return next((value for value in known if squash(value) == wanted), None)


def advice_memo(advies: str | None) -> str | None:
    return f"Advies vorige school: {advies}" if advies else None
