"""The certification requirements (requirements.yaml) and how a journal entry meets one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml

from koppelbox.journal import JournalEntry

REQUIREMENTS_FILE = Path(__file__).with_name("requirements.yaml")


@dataclass(frozen=True)
class Match:
    operation: str | None = None
    status: int | None = None
    status_class: int | None = None
    query_has: tuple[str, ...] = ()
    body_has: tuple[str, ...] = ()
    outcome: str | None = None

    def accepts(self, entry: JournalEntry, outcomes: frozenset[str] = frozenset()) -> bool:
        if self.operation is not None and entry.operation != self.operation:
            return False
        if self.status is not None and entry.status != self.status:
            return False
        if self.status_class is not None and entry.status // 100 != self.status_class:
            return False
        query = {name for name, _ in parse_qsl(entry.query, keep_blank_values=True)}
        if not set(self.query_has) <= query:
            return False
        if any(dig(entry.request_body, path) is None for path in self.body_has):
            return False
        return self.outcome is None or self.outcome in outcomes


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    match: Match


@dataclass(frozen=True)
class ApiRequirements:
    api: str
    scenarios: tuple[Requirement, ...]
    also_statuses: tuple[int, ...] = ()
    no_repeat_after: frozenset[int] = field(default_factory=frozenset)


def dig(document: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(document, Mapping):
            return None
        document = document.get(key)
    return document


def _match(data: Mapping[str, Any]) -> Match:
    return Match(
        operation=data.get("operation"),
        status=data.get("status"),
        status_class=data.get("status_class"),
        query_has=tuple(data.get("query_has", ())),
        body_has=tuple(data.get("body_has", ())),
        outcome=data.get("outcome"),
    )


@cache
def load_requirements(path: Path = REQUIREMENTS_FILE) -> dict[str, ApiRequirements]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        api: ApiRequirements(
            api=api,
            scenarios=tuple(
                Requirement(r["id"], r["title"], _match(r["match"])) for r in section["scenarios"]
            ),
            also_statuses=tuple(section.get("also_statuses", ())),
            no_repeat_after=frozenset(section.get("no_repeat_after", ())),
        )
        for api, section in document.items()
    }
