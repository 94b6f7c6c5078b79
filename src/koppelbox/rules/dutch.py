"""Dutch identifiers and dates, checked the way the sector issues them.

Each check returns `None` for a valid value or a sentence saying what is wrong, written for a vendor.
Check digits come from python-stdnum; the shapes are checked strictly on top (stdnum normalises case and
spaces first, but a payload that sends `1234ab` is still not what the receiving system stores).
The checks are pure and python-stdnum is slow for its size, so answers are cached: one enrolment carries the
same postcode for the pupil and each parent, and a batch repeats a school's values.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError
from stdnum.nl import bsn, onderwijsnummer, postcode

_NINE_DIGITS = re.compile(r"^[0-9]{9}$")
_BRIN = re.compile(r"^[0-9]{2}[A-Z]{2}$")
_BRIN6 = re.compile(r"^[0-9]{2}[A-Z]{2}[0-9]{2}$")
_POSTCODE = re.compile(r"^[1-9][0-9]{3} ?[A-Z]{2}$")
_ECK_ID = re.compile(r"^https://ketenid\.nl/201703/[0-9a-f]{128}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@lru_cache(maxsize=4096)
def bsn_problem(value: str) -> str | None:
    if not _NINE_DIGITS.fullmatch(value):
        return "must be 9 digits"
    if value == "000000000":
        return "must not be all zeros"
    try:
        bsn.validate(value)
    except ValidationError:
        return "fails the BSN check digit (11-proof)"
    return None


@lru_cache(maxsize=4096)
def onderwijsnummer_problem(value: str) -> str | None:
    if not _NINE_DIGITS.fullmatch(value):
        return "must be 9 digits"
    if not value.startswith("10"):
        return "must start with 10"
    try:
        onderwijsnummer.validate(value)
    except ValidationError:
        return "fails the onderwijsnummer check digit"
    return None


def pgn_problem(value: str) -> str | None:
    """A PGN is the pupil's BSN, or the onderwijsnummer a pupil without a BSN gets."""
    if not _NINE_DIGITS.fullmatch(value):
        return "must be 9 digits (a BSN or an onderwijsnummer)"
    if bsn_problem(value) is None or onderwijsnummer_problem(value) is None:
        return None
    return "is neither a valid BSN nor a valid onderwijsnummer (check digit fails)"


def brin_problem(value: str) -> str | None:
    return None if _BRIN.fullmatch(value) else "must be a BRIN: 2 digits and 2 capital letters, like 16SK"


def brin6_problem(value: str) -> str | None:
    return (
        None
        if _BRIN6.fullmatch(value)
        else "must be a BRIN6: 2 digits, 2 capital letters, 2 digits, like 16SK00"
    )


def brin_or_brin6_problem(value: str) -> str | None:
    if _BRIN.fullmatch(value) or _BRIN6.fullmatch(value):
        return None
    return "must be a BRIN (like 16SK) or a BRIN6 (like 16SK00)"


@lru_cache(maxsize=4096)
def postcode_problem(value: str) -> str | None:
    if not _POSTCODE.fullmatch(value):
        return "must be a Dutch postcode like 1234 AB (4 digits, not starting with 0, then 2 capital letters)"
    try:
        postcode.validate(value)
    except (InvalidComponent, InvalidChecksum):
        return "uses letters that are never issued (SA, SD, SS)"
    except ValidationError:
        return "is not a valid Dutch postcode"
    return None


def eck_id_problem(value: str) -> str | None:
    if _ECK_ID.fullmatch(value):
        return None
    return "must be an ECK iD: https://ketenid.nl/201703/ followed by 128 lowercase hex characters"


@lru_cache(maxsize=4096)
def date_problem(value: str, *, not_after: date | None = None, not_before: date | None = None) -> str | None:
    """A real calendar date in YYYY-MM-DD, optionally within bounds (a birth date is not in the future)."""
    if not _DATE.fullmatch(value):
        return "must be a date like 2012-05-31"
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return "is not a real calendar date"
    if not_after is not None and parsed > not_after:
        return f"must not be after {not_after.isoformat()}"
    if not_before is not None and parsed < not_before:
        return f"must not be before {not_before.isoformat()}"
    return None
