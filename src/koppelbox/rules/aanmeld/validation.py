"""Dutch data in an enrolment: PGN, postcodes, BRINs and dates, each refusal naming its field.

The contract already fixes shapes (types, lengths, enums); these are the checks a schema cannot express:
check digits, postcode letter series that are never issued, and dates that must lie in the past.
All problems are reported at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from koppelbox.rules import dutch, text
from koppelbox.rules.errors import FieldError, Invalid

# A pupil older than this is implausible even for adult education (sandbox decision, docs/aanmeld.md).
MAX_PUPIL_AGE_YEARS = 30
_DUTCH = {"", "nederland", "nl", "nld", "the netherlands", "netherlands"}


def is_dutch_address(adres: Mapping[str, Any]) -> bool:
    """Postcodes are checked as Dutch unless the address names another country."""
    return str(adres.get("land") or "").strip().casefold() in _DUTCH


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _address_problems(adres: Any, field: str) -> list[FieldError]:
    if not isinstance(adres, Mapping):
        return []
    postcode = adres.get("postcode")
    if isinstance(postcode, str) and is_dutch_address(adres):
        problem = dutch.postcode_problem(postcode)
        if problem:
            return [FieldError(f"{field}.postcode", problem)]
    return []


def enrolment_problems(body: Mapping[str, Any], today: date) -> list[FieldError]:
    problems: list[FieldError] = []

    def check(field: str, value: Any, problem_of: Any) -> None:
        if isinstance(value, str):
            problem = problem_of(value)
            if problem:
                problems.append(FieldError(field, problem))

    check("brin", body.get("brin"), dutch.brin_or_brin6_problem)
    leerling = body.get("leerling") or {}
    check("leerling.pgn", leerling.get("pgn"), dutch.pgn_problem)
    check(
        "leerling.geboortedatum",
        leerling.get("geboortedatum"),
        lambda v: dutch.date_problem(
            v, not_after=today, not_before=_years_before(today, MAX_PUPIL_AGE_YEARS)
        ),
    )
    problems += _address_problems(leerling.get("adres"), "leerling.adres")
    for index, ouder in enumerate(body.get("ouders") or []):
        if isinstance(ouder, Mapping):
            problems += _address_problems(ouder.get("adres"), f"ouders[{index}].adres")
    vooropleiding = body.get("vooropleiding") or {}
    check("vooropleiding.brin", vooropleiding.get("brin"), dutch.brin_or_brin6_problem)
    # The contract's pattern covers the values; names of a free-form object are beyond OpenAPI 3.0.
    extra = body.get("extraGegevens")
    if isinstance(extra, Mapping):
        for name in extra:
            problem = text.name_problem(str(name))
            if problem:
                problems.append(FieldError("extraGegevens", f"a field name {problem}"))
                break
    return problems


def check_enrolment(body: Mapping[str, Any], today: date) -> None:
    problems = enrolment_problems(body, today)
    if problems:
        summary = "; ".join(f"`{p.field}` {p.message}" for p in problems[:3])
        raise Invalid(f"The enrolment contains invalid data: {summary}.", problems)
