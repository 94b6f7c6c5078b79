"""Wimpel organisations: what a new organisation looks like, what an update may change, how a list
is filtered and paged. Organisations are plain JSON-shaped dicts: their schema lives in
`openapi/wimpel.yaml` and is not repeated here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from koppelbox.rules.clock import rfc3339
from koppelbox.rules.errors import FieldError, Invalid

Organisation = dict[str, Any]

UPDATABLE_FIELDS = frozenset({"sourceId"})


def new_organisation(body: Mapping[str, Any], now: datetime) -> Organisation:
    stamp = rfc3339(now)
    return {
        "id": body["id"],
        "organisationIds": list(body.get("organisationIds", [])),
        "name": body["name"],
        "boards": list(body.get("boards", [])),
        "locations": list(body.get("locations", [])),
        "sourceId": body["sourceId"],
        "status": body.get("status", "active"),
        "dateCreated": stamp,
        "dateLastModified": stamp,
    }


def check_update(changes: Mapping[str, Any]) -> None:
    """Only `sourceId` can change. The contract already refuses other fields; this keeps the rule true
    for callers that bypass HTTP (the Python API, tests, the validator)."""
    refused = sorted(set(changes) - UPDATABLE_FIELDS)
    if refused:
        raise Invalid(
            "Only sourceId can be changed on an organisation.",
            [FieldError(name, "cannot be changed; only sourceId can") for name in refused],
        )


def apply_update(organisation: Organisation, changes: Mapping[str, Any], now: datetime) -> Organisation:
    check_update(changes)
    updated = dict(organisation)
    if "sourceId" in changes and changes["sourceId"] != organisation["sourceId"]:
        updated["sourceId"] = changes["sourceId"]
        updated["dateLastModified"] = rfc3339(now)
    return updated


@dataclass(frozen=True)
class Page:
    items: list[Organisation]
    total: int
    next_offset: int | None


def select_page(
    organisations: Iterable[Organisation], *, active: bool | None, limit: int, offset: int
) -> Page:
    """Filter on `active`, order by id (stable across calls, so offsets mean the same thing), and cut."""
    matching = [o for o in organisations if active is None or (o["status"] == "active") == active]
    matching.sort(key=lambda o: o["id"])
    items = matching[offset : offset + limit]
    following = offset + limit
    return Page(items, len(matching), following if following < len(matching) else None)
