"""One generator per part of the fixtures. Each gets the shared world and its own random streams
(seeded from the seed and its name, so adding a section never changes what the others produce) and
returns its documents plus the clients it needs. To add an API: write `sections/<api>.py` with a
`build(world, random) -> SectionOutput` function and append it to `SECTIONS`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from koppelbox.fixtures_gen.sections import aanmeld, eduv, schools, wimpel
from koppelbox.fixtures_gen.sections.base import SectionOutput, SectionRandom
from koppelbox.fixtures_gen.world import World


@dataclass(frozen=True)
class Section:
    name: str
    build: Callable[[World, SectionRandom], SectionOutput]


SECTIONS: list[Section] = [
    Section("schools", schools.build),
    Section("eduv", eduv.build),
    Section("wimpel", wimpel.build),
    Section("aanmeld", aanmeld.build),
]

__all__ = ["SECTIONS", "Section", "SectionOutput", "SectionRandom"]
