"""`eduv.json`: per school its Edu-V identifiers and school periods, the employees with their roles
over time, and three consumers with scopes and consents.

Written as JSON, one employee a line: a 100,000-employee file loads in about a second that way, where
YAML would take minutes.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from koppelbox.fixtures_gen.sections.base import SectionOutput, SectionRandom
from koppelbox.fixtures_gen.world import REFERENCE_DATE, School, World, ids
from koppelbox.fixtures_gen.world.names import PersonName, ascii_slug, person_name

ALL_SCOPES = ["eduv.employee.basic", "eduv.employee.communication", "eduv.employee.roles"]
CONSUMERS = (
    ("identiteit", "Identiteit Centraal (Edu-V consumer, generated)", ALL_SCOPES),
    (
        "leermiddelen",
        "Leermiddelenhuis (Edu-V consumer, generated)",
        ["eduv.employee.basic", "eduv.employee.roles"],
    ),
    (
        "rooster",
        "Roosterkoppeling (Edu-V consumer, generated)",
        ["eduv.employee.basic", "eduv.employee.communication"],
    ),
)
CONSENT_SHARE = 0.85

# How often each role is someone's main role; a school's first employee is its director.
MAIN_ROLES = {
    "leraar": 62,
    "invalkracht": 8,
    "administratief-medewerker": 6,
    "begeleider": 6,
    "stagiair": 6,
    "ibp-er": 3,
    "leermiddelencoordinator": 2,
    "applicatiebeheerder": 2,
}
SCHOOL_WIDE_ROLES = ("onderwijsdirecteur", "onderwijsbestuurder")
WEIGHT = {"PO": 1.0, "VO": 5.0}  # a secondary school employs about five times as many people
NAMESAKE_SHARE = 0.02


def build(world: World, random: SectionRandom) -> SectionOutput:
    rng, fake = random.rng, random.fake
    counts = _allocate(world, rng)
    schools: dict[str, Any] = {}
    employees: list[dict[str, Any]] = []
    for school, count in zip(world.schools, counts, strict=True):
        schools[school.id] = _school_entry(school)
        employees.extend(_school_employees(school, count, rng, fake))
    clients, consents = _consumers(world, rng)
    document = {"schools": schools, "consents": consents, "employees": employees}
    return SectionOutput(documents={"eduv": document}, clients=clients)


def _allocate(world: World, rng: random.Random) -> list[int]:
    """Exactly `employees_total` employees over the schools, by sector weight with some spread."""
    weights = [WEIGHT[s.sector] * rng.uniform(0.6, 1.4) for s in world.schools]
    if not weights:
        return []
    total = sum(weights)
    shares = [world.employees_total * w / total for w in weights]
    counts = [int(share) for share in shares]
    # Largest remainder: the rounding difference goes to the schools that lost most to rounding.
    order = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: world.employees_total - sum(counts)]:
        counts[i] += 1
    return counts


def _school_entry(school: School) -> dict[str, Any]:
    return {
        "orgMasterId": school.master_id,
        "organisationIds": [{"organisationId": school.id, "organisationIdType": "OIE_CODE"}],
        "locations": {
            loc.id: [{"organisationId": value, "organisationIdType": kind} for value, kind in loc.identifiers]
            for loc in school.locations
        },
        "schoolPeriods": [
            {"id": p.id, "beginDate": p.begin.isoformat(), "endDate": p.end.isoformat()}
            for p in school.periods
        ],
    }


def _school_employees(school: School, count: int, rng: random.Random, fake: Any) -> list[dict[str, Any]]:
    names: list[PersonName] = []
    records: list[dict[str, Any]] = []
    asi = rng.randrange(10_000, 900_000)
    mailboxes: set[str] = set()
    for number in range(count):
        if names and rng.random() < NAMESAKE_SHARE:
            name = rng.choice(names)  # two colleagues with the same name: the alias case
        else:
            name = person_name(fake, female=rng.random() < 0.7, formal=rng.random() < 0.05)
        names.append(name)
        asi += rng.randint(1, 40)
        roles = _roles(school, rng, director=number == 0)
        records.append(_employee(school, name, roles, str(asi), rng, mailboxes))
    _add_aliases(records, names)
    return records


def _employee(
    school: School,
    name: PersonName,
    roles: list[dict[str, Any]],
    asi: str,
    rng: random.Random,
    mailboxes: set[str],
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "school": school.id,
        "userIds": _user_ids(school, asi, rng),
        "givenName": name.given,
    }
    if name.preferred:
        record["preferredFirstName"] = name.preferred
    if name.prefix:
        record["familyNamePrefix"] = name.prefix
    record["familyName"] = name.family
    ended = all(r.get("endDate") and date.fromisoformat(r["endDate"]) <= REFERENCE_DATE for r in roles)
    record["status"] = "tobedeleted" if ended else "active"
    first = min(date.fromisoformat(r["beginDate"]) for r in roles)
    created = min(first - timedelta(days=rng.randint(1, 30)), REFERENCE_DATE - timedelta(days=1))
    modified = created + timedelta(days=rng.randint(0, max(0, (REFERENCE_DATE - created).days)))
    record["dateCreated"] = f"{created.isoformat()}T07:{rng.randint(0, 59):02d}:00.000Z"
    record["dateLastModified"] = f"{modified.isoformat()}T16:{rng.randint(0, 59):02d}:00.000Z"
    if rng.random() < 0.9:
        local = f"{ascii_slug(name.given)[:1]}.{ascii_slug(name.prefix)}{ascii_slug(name.family)}"
        mailbox, n = local, 1
        while mailbox in mailboxes:
            n += 1
            mailbox = f"{local}{n}"
        mailboxes.add(mailbox)
        record["email"] = f"{mailbox}@{school.mail_domain}"
    if rng.random() < 0.4:
        record["phone"] = ids.landline(rng)
    if rng.random() < 0.3:
        record["mobile"] = ids.mobile(rng)
    record["roles"] = roles
    return record


def _user_ids(school: School, asi: str, rng: random.Random) -> list[dict[str, str]]:
    user_ids = [{"userId": ids.eck_id(rng), "userIdType": "eckId"}, {"userId": asi, "userIdType": "ASI"}]
    if school.sector == "PO" and rng.random() < 0.8:
        user_ids.append({"userId": ids.digits(rng, 7), "userIdType": "BPI"})
    if rng.random() < 0.25:
        user_ids.append({"userId": ids.uuid4(rng), "userIdType": "eduID"})
    if rng.random() < 0.15:
        user_ids.append({"userId": ids.hex_id(rng, 40), "userIdType": "NEPPI"})
    if rng.random() < 0.15:
        user_ids.append({"userId": ids.hex_id(rng, 32), "userIdType": "NEPRI"})
    return user_ids


def _roles(school: School, rng: random.Random, *, director: bool) -> list[dict[str, Any]]:
    if director or rng.random() < 0.003:
        kind = "onderwijsdirecteur" if director else "onderwijsbestuurder"
        return [{"organisationRole": kind, "beginDate": date(rng.randint(2008, 2024), 8, 1).isoformat()}]
    kind = rng.choices(list(MAIN_ROLES), weights=list(MAIN_ROLES.values()))[0]
    location = rng.choice(school.locations).id
    begin = _begin(rng)
    end = _end(kind, begin, rng)
    roles = [_role(kind, begin, end, location)]
    if kind == "leraar":
        if school.sector == "VO" and rng.random() < 0.4:
            year = rng.choice((2024, 2025))
            if end is None or end > date(year + 1, 8, 1):
                roles.append(_role("mentor", max(begin, date(year, 8, 1)), date(year + 1, 8, 1), location))
        if len(school.locations) > 1 and rng.random() < 0.15:
            other = rng.choice([loc.id for loc in school.locations if loc.id != location])
            roles.append(_role("leraar", max(begin, date(2025, 8, 1)), end, other))
    return [r for r in roles if "endDate" not in r or r["endDate"] > r["beginDate"]]


def _begin(rng: random.Random) -> date:
    year = rng.randint(2010, 2026)
    if rng.random() < 0.8:
        return date(year, 8, 1)
    begin = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
    return min(begin, date(2026, 8, 1))


def _end(kind: str, begin: date, rng: random.Random) -> date | None:
    if kind == "stagiair":
        return begin + timedelta(days=rng.randint(90, 180))
    if kind == "invalkracht":
        return begin + timedelta(days=rng.randint(10, 200))
    if rng.random() < 0.12:
        return date(rng.randint(begin.year + 1, 2027), 8, 1)
    return None


def _role(kind: str, begin: date, end: date | None, location: str) -> dict[str, Any]:
    role = {"organisationRole": kind, "beginDate": begin.isoformat()}
    if end is not None:
        role["endDate"] = end.isoformat()
    role["location"] = location
    return role


def _add_aliases(records: list[dict[str, Any]], names: list[PersonName]) -> None:
    """Colleagues who carry the same name get an alias with a teacher code, as schools do on screen."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, name in enumerate(names):
        groups[name.display].append(index)
    codes: set[str] = set()
    for display, members in groups.items():
        if len(members) < 2:
            continue
        for index in members:
            name = names[index]
            base = (ascii_slug(name.family)[:3] + ascii_slug(name.given)[:1]).upper()
            code, n = base, 1
            while code in codes:
                n += 1
                code = f"{base}{n}"
            codes.add(code)
            records[index]["alias"] = f"{display} ({code})"
            # Keep the alias next to the name in the file, where a reader looks for it.
            records[index] = _move_after(records[index], "alias", "familyName")


def _move_after(record: dict[str, Any], key: str, anchor: str) -> dict[str, Any]:
    value = record.pop(key)
    moved: dict[str, Any] = {}
    for k, v in record.items():
        moved[k] = v
        if k == anchor:
            moved[key] = value
    return moved


def _consumers(world: World, rng: random.Random) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    clients: list[dict[str, Any]] = []
    consents: dict[str, list[str]] = {}
    # The last school activated no consumer, so every generated set has a 403 to try.
    open_schools = world.schools[:-1] if len(world.schools) > 1 else world.schools
    for slug, name, scopes in CONSUMERS:
        client_id = f"gen-{slug}"
        token = f"kbx-gen{world.seed}-{slug}"
        tokens: list[dict[str, Any]] = [{"token": token}]
        if slug == "identiteit":
            tokens.append({"token": f"{token}-basic", "scopes": ["eduv.employee.basic"]})
            tokens.append({"token": f"{token}-nobasic", "scopes": ALL_SCOPES[1:]})
        clients.append(
            {
                "id": client_id,
                "name": name,
                "kind": "consumer",
                "secret": f"{slug}-{rng.getrandbits(64):016x}",
                "scopes": scopes,
                "tokens": tokens,
            }
        )
        consents[client_id] = [s.id for s in open_schools if rng.random() < CONSENT_SHARE]
    return clients, consents
