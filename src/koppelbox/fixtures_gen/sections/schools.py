"""`schools.yaml`: the onderwijsaanbieders every API shares, in the shipped file's shape."""

from __future__ import annotations

from koppelbox.fixtures_gen.sections.base import SectionOutput, SectionRandom
from koppelbox.fixtures_gen.world import World


def build(world: World, random: SectionRandom) -> SectionOutput:
    schools = [
        {
            "id": school.id,
            "name": school.name,
            "sector": school.sector,
            "boards": [{"id": school.board.id, "name": school.board.name}],
            "locations": [{"id": loc.id, "name": loc.name, "type": loc.type} for loc in school.locations],
        }
        for school in world.schools
    ]
    return SectionOutput(documents={"schools": {"schools": schools}})
