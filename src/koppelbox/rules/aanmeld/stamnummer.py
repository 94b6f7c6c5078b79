"""Stamnummers: a new pupil gets the lowest number of the school's range that no pupil holds
(docs/aanmeld.md, rules 9 and 10)."""

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


def or_exhausted(free: int | None) -> int:
    """The free number found for a new pupil, or RangeExhausted when there was none (rule 10)."""
    if free is None:
        # The partner learns that there is no number, not which numbers the school uses (rule 22);
        # the school sees its range on the control plane.
        raise RangeExhausted(
            "The school has no free stamnummer left, so it takes no enrolments; this one was not stored. "
            "Send it again once the school has widened its stamnummer range "
            "(Beheer > Configuratie > Stamnummer instellingen).",
            field_error("brin", "this school's stamnummer range is used up"),
        )
    return free
