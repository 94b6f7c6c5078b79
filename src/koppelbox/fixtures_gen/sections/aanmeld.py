"""`aanmeld.yaml`: the Magister schools that receive enrolments (stamnummer range, activated partners,
related schools, pupils and parents the school entered itself), and two Aanmeld-API partners.

About two thirds of the schools use Magister and so take part; the first school always does, and the last
one that takes part switched no partner on (a 403 to try). Partners have the fixed Aanmeld-API IDs 901
and 902, above the shipped 101 to 104, so `serve --seed N` can add them to the shipped ones.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from koppelbox.fixtures_gen.sections.base import Fake, SectionOutput, SectionRandom
from koppelbox.fixtures_gen.world import School, World, ids
from koppelbox.fixtures_gen.world.names import ascii_slug, person_name

PARTNERS = (
    ("aanmeldportaal", "Aanmeldportaal Regio", 901),
    ("inschrijfhulp", "Inschrijfhulp Online", 902),
)
SCOPES = ["aanmeld.aanmeldingen.write"]
MAGISTER_SHARE = 0.65
ACTIVATION_SHARE = 0.8
# The values the shipped seed knows too ("Advies vorige school" in Magister).
ADVICE_VALUES = [
    "praktijkonderwijs",
    "vmbo-bb",
    "vmbo-bb/kb",
    "vmbo-kb",
    "vmbo-kb/gl-tl",
    "vmbo-gl-tl",
    "vmbo-gl-tl/havo",
    "havo",
    "havo/vwo",
    "vwo",
]
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
BASISONDERWIJS, VOORTGEZET = "Basisonderwijs", "Voortgezet onderwijs"


def build(world: World, random: SectionRandom) -> SectionOutput:
    rng, fake = random.rng, random.fake
    clients = [_partner(world.seed, slug, name, number, rng) for slug, name, number in PARTNERS]
    taking_part = [s for n, s in enumerate(world.schools) if n == 0 or rng.random() < MAGISTER_SHARE]
    schools: dict[str, Any] = {}
    for n, school in enumerate(taking_part):
        last = n == len(taking_part) - 1 and len(taking_part) > 1
        partners = [] if last else [p for _, _, p in PARTNERS if rng.random() < ACTIVATION_SHARE]
        schools[school.id] = _school(world, school, partners, rng, fake)
    document = {
        "settings": {"max_document_bytes": MAX_DOCUMENT_BYTES},
        "advice_values": list(ADVICE_VALUES),
        "schools": schools,
    }
    return SectionOutput(documents={"aanmeld": document}, clients=clients)


def _partner(seed: int, slug: str, name: str, number: int, rng: random.Random) -> dict[str, Any]:
    return {
        "id": f"gen-{slug}",
        "name": f"{name} (Aanmeld-API partner, generated)",
        "kind": "partner",
        "secret": f"{slug}-{rng.getrandbits(64):016x}",
        "scopes": SCOPES,
        "attributes": {"aanmeld_api_id": number},
        "tokens": [{"token": f"kbx-gen{seed}-{slug}"}],
    }


def _school(
    world: World, school: School, partners: list[int], rng: random.Random, fake: Fake
) -> dict[str, Any]:
    if school.sector == "VO":
        lowest = rng.randrange(10, 90) * 1000 + 1
        stamnummers = {"lowest": lowest, "highest": lowest + 998}
    else:
        stamnummers = {"lowest": 1, "highest": 9999}
    pupils, parents = _pupils(school, stamnummers["lowest"], rng, fake)
    return {
        "stamnummer_range": stamnummers,
        "partners": partners,
        "related_schools": _related(world, school, rng),
        "pupils": pupils,
        "parents": parents,
    }


def _related(world: World, school: School, rng: random.Random) -> list[dict[str, str]]:
    """A VO school's table: primary schools of the world (schools of origin) and a few other VO schools
    (previous schools). A PO school rarely keeps one, so its table stays empty."""
    if school.sector == "PO":
        return []
    po = [s for s in world.schools if s.sector == "PO"]
    vo = [s for s in world.schools if s.sector == "VO" and s.id != school.id]
    chosen = rng.sample(po, min(len(po), 6)) + rng.sample(vo, min(len(vo), 2))
    return [
        {"brin": s.id, "naam": s.name, "schoolsoort": BASISONDERWIJS if s.sector == "PO" else VOORTGEZET}
        for s in sorted(chosen, key=lambda s: s.id)
    ]


def _pupils(
    school: School, first: int, rng: random.Random, fake: Fake
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    pupils: list[dict[str, Any]] = []
    parents: list[dict[str, Any]] = []
    count = rng.randint(3, 6) if school.sector == "VO" else rng.randint(0, 3)
    for stamnummer in range(first, first + count):
        pupil = _pupil(school, rng, fake)
        entry: dict[str, Any] = {"stamnummer": stamnummer}
        if rng.random() < 0.5:
            year = "Brugklas" if school.sector == "VO" else "Groep 1"
            entry["enrolment_group"] = f"{year} 2026-2027"
        entry["data"] = pupil
        pupils.append(entry)
        for relatie in rng.sample(("vader", "moeder"), rng.randint(1, 2)):
            parents.append({"children": [stamnummer], "data": _parent(pupil, relatie, rng, fake)})
    return pupils, parents


def _pupil(school: School, rng: random.Random, fake: Fake) -> dict[str, Any]:
    female = rng.random() < 0.5
    name = person_name(fake, female=female, formal=False)
    second = fake.first_name_female() if female else fake.first_name_male()
    data: dict[str, Any] = {}
    draw = rng.random()
    if draw < 0.75:
        data["pgn"] = ids.bsn(rng)
    elif draw < 0.85:
        data["pgn"] = ids.onderwijsnummer(rng)  # no BSN (yet): an onderwijsnummer; the rest has no PGN
    data["achternaam"] = name.family
    if name.prefix:
        data["tussenvoegsel"] = name.prefix
    data["roepnaam"] = name.given
    data["voornamen"] = f"{name.given} {second}"
    data["voorletters"] = f"{name.given[0]}.{second[0]}."
    data["geslacht"] = "vrouw" if female else "man"
    # Pupils entering the school in August 2026: twelve-year-olds in VO, four-year-olds in PO.
    born = date(2013 if school.sector == "VO" else 2022, 1, 1) + timedelta(days=rng.randrange(365))
    data["geboortedatum"] = born.isoformat()
    data["adres"] = {
        "straat": fake.street_name(),
        "huisnummer": rng.randint(1, 250),
        "postcode": ids.postcode(rng),
        "woonplaats": school.town,
    }
    return data


def _parent(pupil: dict[str, Any], relatie: str, rng: random.Random, fake: Fake) -> dict[str, Any]:
    female = relatie == "moeder"
    name = person_name(fake, female=female, formal=False)
    # A father shares the child's surname; a mother often kept her own.
    family, prefix = pupil["achternaam"], pupil.get("tussenvoegsel", "")
    if female and rng.random() < 0.5:
        family, prefix = name.family, name.prefix
    data: dict[str, Any] = {"achternaam": family}
    if prefix:
        data["tussenvoegsel"] = prefix
    data["voorletters"] = f"{name.given[0]}."
    data["roepnaam"] = name.given
    data["geslacht"] = "vrouw" if female else "man"
    data["relatie"] = relatie
    data["adres"] = dict(pupil["adres"])
    local = f"{ascii_slug(name.given)}.{ascii_slug(prefix)}{ascii_slug(family)}"
    data["email"] = f"{local}{rng.randrange(10, 100)}@mail.{ids.MAIL_TLD}"
    if rng.random() < 0.7:
        data["mobiel"] = f"06{ids.digits(rng, 8)}"
    return data
