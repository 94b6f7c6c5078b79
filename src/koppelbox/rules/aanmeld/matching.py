"""Who is this? Pupil and parent lookup keys and the tie-breaks Magister applies (docs/aanmeld.md, rules
6-8 and 13-16).

Keys are compared after normalising away what a portal and a school typically write differently:
case and whitespace in names, the space in a postcode, dots in initials, the notation of a mobile number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar


def squash(text: object) -> str:
    """Case- and whitespace-insensitive form: `" van  Dijk "` and `"VanDijk"` compare equal."""
    return "".join(str(text or "").split()).casefold()


@dataclass(frozen=True)
class PupilKey:
    """The fallback when no PGN is sent: surname + date of birth + gender, all three."""

    achternaam: str
    geboortedatum: str
    geslacht: str


def pupil_key(leerling: Mapping[str, Any]) -> PupilKey:
    return PupilKey(
        squash(leerling.get("achternaam")),
        str(leerling.get("geboortedatum") or ""),
        squash(leerling.get("geslacht")),
    )


def first_by_stamnummer(candidates: Iterable[int]) -> int | None:
    """Several fallback matches: Magister takes the first, i.e. the lowest stamnummer."""
    return min(candidates, default=None)


@dataclass(frozen=True)
class ParentKey:
    """Surname + postcode + house number + gender + initials (the set Magister's FAQ names)."""

    achternaam: str
    postcode: str
    huisnummer: str
    geslacht: str
    voorletters: str


def parent_key(ouder: Mapping[str, Any]) -> ParentKey:
    adres = ouder.get("adres") or {}
    huisnummer = adres.get("huisnummer")
    return ParentKey(
        squash(ouder.get("achternaam")),
        squash(adres.get("postcode")),
        "" if huisnummer is None else str(huisnummer),
        squash(ouder.get("geslacht")),
        "".join(ch for ch in squash(ouder.get("voorletters")) if ch.isalpha()),
    )


def email_of(ouder: Mapping[str, Any]) -> str:
    return squash(ouder.get("email"))


def mobile_of(ouder: Mapping[str, Any]) -> str:
    """Digits only, with +31 / 0031 written as the national 0: `+31 6 1234 5678` equals `06-12345678`."""
    digits = re.sub(r"\D", "", str(ouder.get("mobiel") or ""))
    for prefix in ("0031", "31"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 9:
            return "0" + digits[len(prefix) :]
    return digits


class KnownParent(Protocol):
    @property
    def gegevens(self) -> Mapping[str, Any]: ...


P = TypeVar("P", bound=KnownParent)


def choose_parent(candidates: Sequence[P], sent: Mapping[str, Any]) -> P | None:
    """One candidate: that one. Several: the first whose email or mobile equals the one sent; if none
    does, the parent counts as not found (Magister does not guess between look-alikes)."""
    if len(candidates) == 1:
        return candidates[0]
    email, mobile = email_of(sent), mobile_of(sent)
    for candidate in candidates:
        if (email and email_of(candidate.gegevens) == email) or (
            mobile and mobile_of(candidate.gegevens) == mobile
        ):
            return candidate
    return None


def find_parent(own_parents: Sequence[P], other_parents: Sequence[P], sent: Mapping[str, Any]) -> P | None:
    """First among this pupil's parents, then among the parents of the school's other pupils.
    Both sequences hold only candidates with the sent parent's key, in creation order."""
    return choose_parent(own_parents, sent) or choose_parent(other_parents, sent)
