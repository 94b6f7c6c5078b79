"""Reading catalogue.yaml into value types, and answering "which scenario does this request ask for"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")


@dataclass(frozen=True)
class Example:
    """A request that produces the scenario against the seeded sandbox (replayed by the tests)."""

    method: str
    path: str
    token: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    content: str | None = None
    content_type: str | None = None
    oversize: bool = False  # a body one byte over the sandbox's limit
    setup: tuple[Example, ...] = ()  # requests to send first (e.g. to use up a stamnummer range)


@dataclass(frozen=True)
class HeaderScenario:
    id: str  # the value of `kbx-scenario`
    title: str
    vendor_should: str
    status: int | None = None  # None: a normal answer, only later
    retry_after: int | None = None
    delay: float = 0.0


@dataclass(frozen=True)
class ReservedValue:
    api: str
    location: str  # "path", "query" or "body" (a dotted path into a JSON body)
    name: str
    value: str
    scenario: str  # a HeaderScenario id


@dataclass(frozen=True)
class Scenario:
    """One row of the catalogue."""

    id: str
    api: str
    status: int | None
    title: str
    how: str
    vendor_should: str
    trigger: str  # "request" (the API's own rules), "header" (Prefer), "reserved" (a reserved value)
    example: Example | None = None
    retry_after: int | None = None


@dataclass(frozen=True)
class Catalogue:
    header: Mapping[str, HeaderScenario]
    reserved: tuple[ReservedValue, ...]
    scenarios: tuple[Scenario, ...]

    @property
    def apis(self) -> list[str]:
        return sorted({s.api for s in self.scenarios})

    def for_api(self, api: str) -> list[Scenario]:
        return [s for s in self.scenarios if s.api == api]

    def reads_body(self, api: str) -> bool:
        return "body" in self.reserved_locations(api)

    def reserved_locations(self, api: str) -> frozenset[str]:
        """Where an API's requests can carry a reserved value ("path", "query", "body"); empty: nowhere."""
        return frozenset(r.location for r in self.reserved if r.api == api)

    def reserved_scenario(
        self, api: str, path_params: Mapping[str, Any], query: Mapping[str, str], body: Any = None
    ) -> HeaderScenario | None:
        for reserved in self.reserved:
            if reserved.api != api:
                continue
            if reserved.location == "body":
                value = _dig(body, reserved.name)
            else:
                value = (path_params if reserved.location == "path" else query).get(reserved.name)
            if value is not None and str(value) == reserved.value:
                return self.header[reserved.scenario]
        return None


def _dig(document: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


def _example(data: Mapping[str, Any] | None) -> Example | None:
    if data is None:
        return None
    fields = dict(data)
    fields["setup"] = tuple(_example(step) for step in fields.get("setup", ()))
    return Example(**fields)


def parse_catalogue(document: Mapping[str, Any]) -> Catalogue:
    header = {
        str(h["id"]): HeaderScenario(
            id=str(h["id"]),
            title=h["title"],
            vendor_should=h["vendor_should"],
            status=h.get("status"),
            retry_after=h.get("retry_after"),
            delay=float(h.get("delay", 0)),
        )
        for h in document.get("header", [])
    }
    reserved: list[ReservedValue] = []
    scenarios: list[Scenario] = []
    for api, section in (document.get("apis") or {}).items():
        for entry in section.get("scenarios", []):
            scenarios.append(
                Scenario(
                    id=entry["id"],
                    api=api,
                    status=entry.get("status"),
                    title=entry["title"],
                    how=entry["how"],
                    vendor_should=entry["vendor_should"],
                    trigger="request",
                    example=_example(entry.get("example")),
                )
            )
        probe = dict(section["probe"])
        for h in header.values():
            prefer = f"kbx-scenario={h.id}" + (", kbx-delay=0.5" if h.delay else "")
            scenarios.append(
                Scenario(
                    id=f"{api}-header-{h.id}",
                    api=api,
                    status=h.status,
                    title=h.title,
                    how=f"`Prefer: kbx-scenario={h.id}` on any {api} request",
                    vendor_should=h.vendor_should,
                    trigger="header",
                    example=Example(**{**probe, "headers": {"Prefer": prefer}}),
                    retry_after=h.retry_after,
                )
            )
        for r in section.get("reserved", []):
            value = ReservedValue(api, r["in"], r["name"], str(r["value"]), str(r["scenario"]))
            reserved.append(value)
            h = header[value.scenario]
            where = {
                "path": f"path parameter `{value.name}`",
                "query": f"`?{value.name}=`",
                "body": f"`{value.name}` in the body",
            }[value.location]
            example = r.get("example")
            scenarios.append(
                Scenario(
                    id=f"{api}-reserved-{h.id}",
                    api=api,
                    status=h.status,
                    title=h.title,
                    how=f"reserved value `{value.value}` as {where}",
                    vendor_should=h.vendor_should,
                    trigger="reserved",
                    example=_example(example) if example else None,
                    retry_after=h.retry_after,
                )
            )
    return Catalogue(header, tuple(reserved), tuple(scenarios))


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    return parse_catalogue(yaml.safe_load(path.read_text(encoding="utf-8")))
