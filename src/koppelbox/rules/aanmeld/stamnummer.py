"""Stamnummers: a new pupil gets the lowest number of the school's range that no pupil holds."""

from __future__ import annotations

from collections.abc import Collection

from koppelbox.rules.aanmeld.errors import RangeExhausted, field_error


def lowest_free(lowest: int, highest: int, used: Collection[int]) -> int | None:
    """The lowest number in lowest..highest (inclusive) not in `used`; None when all are taken."""
    # Only numbers inside the range can block it, so the walk is bounded by the pupils, not the range.
    taken = {n for n in used if lowest <= n <= highest}
    for candidate in range(lowest, highest + 1):
        if candidate not in taken:
            return candidate
    return None


def assign(lowest: int, highest: int, used: Collection[int]) -> int:
    number = lowest_free(lowest, highest, used)
    if number is None:
        raise RangeExhausted(
            f"The school's stamnummer range {lowest}-{highest} is used up; the enrolment was not stored. "
            "The school must widen its range (Beheer > Configuratie > Stamnummer instellingen) "
            "before this pupil can be enrolled.",
            field_error("brin", f"this school has no free stamnummer left in {lowest}-{highest}"),
        )
    return number
