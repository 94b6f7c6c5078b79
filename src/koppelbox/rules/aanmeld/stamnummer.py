"""Stamnummers: a new pupil gets the lowest number of the school's range that no pupil holds."""

from __future__ import annotations

from collections.abc import Container

from koppelbox.rules.aanmeld.errors import RangeExhausted, field_error


def lowest_free(lowest: int, highest: int, used: Container[int], *, start: int = 0) -> int | None:
    """The lowest number in lowest..highest (inclusive) not in `used`; None when all are taken.

    `used` should answer membership in constant time (a set, or a dict keyed by stamnummer). `start` is a
    hint: every number of the range below it is known to be taken, so the walk can begin there."""
    for candidate in range(max(lowest, start), highest + 1):
        if candidate not in used:
            return candidate
    return None


def assign(lowest: int, highest: int, used: Container[int], *, start: int = 0) -> int:
    number = lowest_free(lowest, highest, used, start=start)
    if number is None:
        raise RangeExhausted(
            f"The school's stamnummer range {lowest}-{highest} is used up; the enrolment was not stored. "
            "The school must widen its range (Beheer > Configuratie > Stamnummer instellingen) "
            "before this pupil can be enrolled.",
            field_error("brin", f"this school has no free stamnummer left in {lowest}-{highest}"),
        )
    return number
