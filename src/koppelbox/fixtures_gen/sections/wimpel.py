"""`wimpel.yaml`: two Wimpel partners and the schools that granted each of them access."""

from __future__ import annotations

import string

from koppelbox.fixtures_gen.sections.base import SectionOutput, SectionRandom
from koppelbox.fixtures_gen.world import World

PARTNERS = (("roosterwijs", "Roosterwijs Planning"), ("toetsbaken", "Toetsbaken Analyse"))
SCOPES = ["wimpel.organisations.read", "wimpel.organisations.write"]


def build(world: World, random: SectionRandom) -> SectionOutput:
    rng = random.rng
    clients = []
    grants: dict[str, list[dict[str, str]]] = {}
    for slug, name in PARTNERS:
        client_id = f"gen-{slug}"
        clients.append(
            {
                "id": client_id,
                "name": f"{name} (Wimpel partner, generated)",
                "kind": "partner",
                "secret": f"{slug}-{rng.getrandbits(64):016x}",
                "scopes": SCOPES,
                "tokens": [{"token": f"kbx-gen{world.seed}-{slug}"}],
            }
        )
        entries = []
        for school in world.schools:
            if rng.random() >= 0.6:
                continue
            day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            created = f"{day}T{rng.randint(7, 17):02d}:{rng.randint(0, 59):02d}:00.000Z"
            grant = {
                "id": school.id,
                "sourceId": "".join(rng.choices(string.ascii_letters + string.digits, k=16)),
                "dateCreated": created,
            }
            if rng.random() < 0.05:
                grant["status"] = "tobedeleted"
            entries.append(grant)
        grants[client_id] = entries
    return SectionOutput(documents={"wimpel": {"grants": grants}}, clients=clients)
