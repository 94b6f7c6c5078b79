"""Clients and their tokens, as value types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Client:
    id: str
    name: str
    kind: str  # "partner" (pushes data, e.g. an enrolment portal) or "consumer" (reads, e.g. Edu-V)
    secret: str
    scopes: frozenset[str]
    # API-specific attributes (an Aanmeld-API partner number, ...) keyed by the fixture's own names.
    attributes: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class AccessToken:
    token: str
    client_id: str
    scopes: frozenset[str]
    expires_at: datetime | None  # None: a seeded static token that never expires

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at
