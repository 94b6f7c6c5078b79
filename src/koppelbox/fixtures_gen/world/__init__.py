"""The generated world every API section shares: schools (onderwijsaanbieders) with their boards,
locations, organisation identifiers and school periods. API sections add their own data on top."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from faker import Faker

from koppelbox.fixtures_gen.world import ids
from koppelbox.fixtures_gen.world.names import ascii_slug

# The date generated data is "as of": fixed, so that the same seed gives the same data next year too.
REFERENCE_DATE = date(2026, 3, 1)
SCHOOL_YEARS = ((2024, 2025), (2025, 2026), (2026, 2027))

PO_SHARE = 0.65
PO_PREFIXES = ("OBS", "CBS", "RKBS", "PCBS", "Basisschool", "IKC", "Montessorischool", "Daltonschool")
PO_NAMES = (
    "De Regenboog",
    "Het Palet",
    "De Wereldwijzer",
    "De Zonnewijzer",
    "De Sterrenkijker",
    "Het Kompas",
    "De Vlinder",
    "De Klimop",
    "Het Mozaïek",
    "De Fontein",
    "De Wilgenhoek",
    "De Springplank",
    "Het Anker",
    "De Bongerd",
    "De Vuurtoren",
    "Op de Bult",
    "De Notenkraker",
    "Het Vogelnest",
)
VO_PATTERNS = (
    "{town} College",
    "Stedelijk Gymnasium {town}",
    "Lyceum {town}",
    "Scholengemeenschap {town}",
    "Christelijk College {town}",
    "Het {town}s Lyceum",
    "Vakcollege {town}",
    "Montessori College {town}",
)
BOARD_PATTERNS = (
    "Stichting Onderwijs {town}",
    "Stichting Openbaar Onderwijs {town} e.o.",
    "Vereniging Christelijk Onderwijs {town}",
    "Stichting Katholiek Onderwijs {town}",
    "Stichting Voortgezet Onderwijs {town}",
)


@dataclass(frozen=True)
class Location:
    id: str  # BRIN6
    name: str
    type: str  # hoofdlocatie | locatie
    identifiers: tuple[tuple[str, str], ...]  # (organisationId, organisationIdType), V_ID first


@dataclass(frozen=True)
class Board:
    id: int
    name: str


@dataclass(frozen=True)
class SchoolPeriod:
    id: str
    begin: date
    end: date


@dataclass(frozen=True)
class School:
    id: str  # BRIN
    name: str
    sector: str  # PO | VO
    town: str
    board: Board
    master_id: str
    mail_domain: str
    locations: tuple[Location, ...]
    periods: tuple[SchoolPeriod, ...]


@dataclass
class World:
    seed: int
    schools: list[School]
    employees_total: int
    taken: ids.Taken = field(default_factory=ids.Taken)


def build_world(
    seed: int, schools: int, employees_total: int, reserved: frozenset[str] = frozenset()
) -> World:
    rng = random.Random(f"koppelbox:{seed}:world")
    fake = Faker("nl_NL")
    fake.seed_instance(f"koppelbox:{seed}:world")
    taken = ids.Taken(reserved)
    boards = [
        Board(
            int(taken.draw(lambda: ids.digits(rng, 5))), rng.choice(BOARD_PATTERNS).format(town=fake.city())
        )
        for _ in range(max(1, schools // 4))
    ]
    built = [_school(rng, fake, taken, rng.choice(boards)) for _ in range(schools)]
    return World(seed, built, employees_total, taken)


def _school(rng: random.Random, fake: Faker, taken: ids.Taken, board: Board) -> School:
    sector = "PO" if rng.random() < PO_SHARE else "VO"
    town = fake.city()
    if sector == "PO":
        name = f"{rng.choice(PO_PREFIXES)} {rng.choice(PO_NAMES)}"
        extra_locations = rng.choices((0, 1), weights=(4, 1))[0]
    else:
        name = rng.choice(VO_PATTERNS).format(town=town)
        extra_locations = rng.choices((0, 1, 2, 3), weights=(3, 3, 2, 1))[0]
    brin = taken.draw(lambda: ids.brin(rng))
    domain = taken.draw(lambda: f"{ascii_slug(name)}{rng.randrange(10, 100)}.{ids.MAIL_TLD}")
    locations = []
    for number in range(extra_locations + 1):
        kind = "hoofdlocatie" if number == 0 else "locatie"
        street = fake.street_name()
        location_name = name if number == 0 else f"{name} - {street}"
        locations.append(
            Location(
                f"{brin}{number:02d}", location_name, kind, _identifiers(rng, taken, brin, number, sector)
            )
        )
    periods = tuple(
        SchoolPeriod(f"schooljaar-{start}-{end}", date(start, 8, 1), date(end, 8, 1))
        for start, end in SCHOOL_YEARS
    )
    master = taken.draw(lambda: ids.master_id(rng))
    return School(brin, name, sector, town, board, master, domain, tuple(locations), periods)


def _identifiers(
    rng: random.Random, taken: ids.Taken, brin: str, number: int, sector: str
) -> tuple[tuple[str, str], ...]:
    identifiers = [(f"{brin}{number:02d}", "V_ID")]
    # Basispoort serves primary schools; some secondary schools use it too.
    if sector == "PO" or rng.random() < 0.3:
        identifiers.append((taken.draw(lambda: ids.digits(rng, 6)), "BP_ID"))
    if rng.random() < 0.7:
        identifiers.append((taken.draw(lambda: ids.uuid4(rng)), "DD_ID"))
    identifiers.append((taken.draw(lambda: f"LAS-{brin}-{ids.hex_id(rng, 8).upper()}"), "AS_ID"))
    return tuple(identifiers)
