"""What a section generator gets and gives back."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

# Faker's locale generator: its provider methods (`last_name`, ...) are attached at run time, so the
# type checker cannot see them.
Fake = Any


@dataclass
class SectionOutput:
    documents: dict[str, Any] = field(default_factory=dict)  # file stem -> document
    clients: list[dict[str, Any]] = field(default_factory=list)  # appended to clients.yaml


@dataclass
class SectionRandom:
    """A section's own random streams: `rng` for structure, `fake` for Dutch-looking text."""

    rng: random.Random
    fake: Fake

    @classmethod
    def for_section(cls, seed: int, name: str) -> SectionRandom:
        label = f"koppelbox:{seed}:{name}"
        fake = Faker("nl_NL")
        fake.seed_instance(label)
        # The locale's generator itself: same draws, without the proxy's cost on every attribute.
        return cls(random.Random(label), fake["nl_NL"])
