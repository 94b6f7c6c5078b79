"""Identifier formats for generated data. Each draw is unique within its `Taken` set, so generated
data never collides with itself or with identifiers reserved by the shipped fixtures."""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Callable, Iterable

from stdnum.nl import bsn as _bsn
from stdnum.nl import onderwijsnummer as _onderwijsnummer

ECK_ID_BASE = "https://ketenid.nl/201703/"
# Domains under the reserved `.example` TLD (RFC 2606): no mail to a generated address reaches anyone.
MAIL_TLD = "example"


class Taken:
    """Identifiers already in use; `draw` repeats a generator until it yields a free one."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._used = set(reserved)

    def draw(self, make: Callable[[], str]) -> str:
        while True:
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value


def brin(rng: random.Random) -> str:
    return f"{rng.randrange(100):02d}" + "".join(rng.choices(string.ascii_uppercase, k=2))


def master_id(rng: random.Random) -> str:
    """OnderwijsaanbiederId in RIO's shape: three digits, a letter, three digits."""
    return f"{rng.randrange(100, 1000)}{rng.choice(string.ascii_uppercase)}{rng.randrange(1000):03d}"


def uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def eck_id(rng: random.Random) -> str:
    """The production form: a fixed base URL and 128 lowercase hex characters (a 512-bit pseudonym)."""
    return ECK_ID_BASE + f"{rng.getrandbits(512):0128x}"


def hex_id(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(length * 4):0{length}x}"


def digits(rng: random.Random, length: int) -> str:
    return str(rng.randrange(10 ** (length - 1), 10**length))


AREA_CODES = (
    "010",
    "020",
    "023",
    "024",
    "026",
    "030",
    "033",
    "038",
    "040",
    "043",
    "050",
    "053",
    "055",
    "058",
    "070",
    "071",
    "073",
    "076",
    "078",
    "0313",
    "0316",
    "0345",
    "0418",
    "0499",
    "0513",
)


def landline(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    return f"{area}-{digits(rng, 10 - len(area))}"


def mobile(rng: random.Random) -> str:
    return f"06-{digits(rng, 8)}"


def bsn(rng: random.Random) -> str:
    """A nine-digit number that passes the BSN 11-proof (checked by python-stdnum, as the rules do); a
    random draw, never a real person's number. About one draw in eleven passes."""
    while True:
        number = str(rng.randrange(10**8, 10**9))
        if _bsn.is_valid(number):
            return number


def onderwijsnummer(rng: random.Random) -> str:
    """The PGN of a pupil without a BSN: `10` and seven digits, valid by the onderwijsnummer check."""
    while True:
        number = f"10{rng.randrange(10**7):07d}"
        if _onderwijsnummer.is_valid(number):
            return number


def postcode(rng: random.Random) -> str:
    """`1234 AB`: never a leading 0, never the letter pairs PostNL does not issue (SA, SD, SS)."""
    while True:
        letters = "".join(rng.choices(string.ascii_uppercase, k=2))
        if letters not in {"SA", "SD", "SS"}:
            return f"{rng.randrange(1000, 10000)} {letters}"
