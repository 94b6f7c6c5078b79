"""Wimpel organisations: one list per client, each organisation with its history."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from koppelbox.rules import wimpel
from koppelbox.rules.clock import Clock, rfc3339
from koppelbox.rules.errors import Conflict, FieldError, NotFound
from koppelbox.store.copying import json_copy
from koppelbox.store.fixtures import FixtureError, Fixtures

Event = dict[str, Any]


class OrganisationStore:
    def __init__(self, fixtures: Fixtures, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        # client id -> organisation id -> organisation; a client's list is all it can ever see.
        self._lists: dict[str, dict[str, wimpel.Organisation]] = {}
        self._history: dict[tuple[str, str], list[Event]] = {}
        self._load(fixtures)

    def _load(self, fixtures: Fixtures) -> None:
        self._lists, self._history = seeded(fixtures)

    def page(self, client_id: str, *, active: bool | None, limit: int, offset: int) -> wimpel.Page:
        with self._lock:
            organisations = list(self._lists.get(client_id, {}).values())
        return wimpel.select_page(organisations, active=active, limit=limit, offset=offset)

    def get(self, client_id: str, organisation_id: str) -> wimpel.Organisation:
        with self._lock:
            return json_copy(self._find(client_id, organisation_id))

    def create(self, client_id: str, body: Mapping[str, Any]) -> wimpel.Organisation:
        now = self._clock()
        organisation = wimpel.new_organisation(body, now)
        with self._lock:
            entries = self._lists.setdefault(client_id, {})
            if organisation["id"] in entries:
                raise Conflict(
                    f"Organisation {organisation['id']} is already in your list.",
                    [FieldError("id", "an organisation with this id is already in your list")],
                )
            entries[organisation["id"]] = organisation
            self._history[(client_id, organisation["id"])] = [{"at": rfc3339(now), "event": "created"}]
            return json_copy(organisation)

    def update(self, client_id: str, organisation_id: str, changes: Mapping[str, Any]) -> wimpel.Organisation:
        now = self._clock()
        with self._lock:
            current = self._find(client_id, organisation_id)
            updated = wimpel.apply_update(current, changes, now)
            if updated != current:
                self._lists[client_id][organisation_id] = updated
                self._history[(client_id, organisation_id)].append(
                    {
                        "at": rfc3339(now),
                        "event": "sourceId changed",
                        "from": current["sourceId"],
                        "to": updated["sourceId"],
                    }
                )
            return json_copy(updated)

    def delete(self, client_id: str, organisation_id: str) -> None:
        with self._lock:
            self._find(client_id, organisation_id)
            del self._lists[client_id][organisation_id]
            # The documentation: deleting an organisation also deletes your history with it.
            del self._history[(client_id, organisation_id)]

    def history(self, client_id: str, organisation_id: str) -> list[Event]:
        with self._lock:
            self._find(client_id, organisation_id)
            return json_copy(self._history[(client_id, organisation_id)])

    def _find(self, client_id: str, organisation_id: str) -> wimpel.Organisation:
        found = self._lists.get(client_id, {}).get(organisation_id)
        if found is None:
            # Also the answer for another client's organisation: its existence is not revealed.
            raise NotFound(f"No organisation {organisation_id} in your list.")
        return found


def seeded(
    fixtures: Fixtures,
) -> tuple[dict[str, dict[str, wimpel.Organisation]], dict[tuple[str, str], list[Event]]]:
    """Each client's seeded list (client id -> organisation id -> organisation, in the seed's order) and
    each organisation's history, as every backend stores them."""
    schools = {str(s["id"]): s for s in (fixtures.get("schools") or {}).get("schools", [])}
    document = fixtures.get("wimpel") or {}
    lists: dict[str, dict[str, wimpel.Organisation]] = {}
    history: dict[tuple[str, str], list[Event]] = {}
    for client_id, grants in (document.get("grants") or {}).items():
        entries: dict[str, wimpel.Organisation] = {}
        for grant in grants:
            school = schools.get(str(grant["id"]))
            if school is None:
                raise FixtureError(f"wimpel: grant of {client_id} names unknown school {grant['id']}")
            entries[school["id"]] = _organisation_from_school(school, grant)
            history[(str(client_id), school["id"])] = [{"at": grant["dateCreated"], "event": "created"}]
        lists[str(client_id)] = entries
    return lists, history


def _organisation_from_school(school: Mapping[str, Any], grant: Mapping[str, Any]) -> wimpel.Organisation:
    return {
        "id": school["id"],
        "organisationIds": [
            {"organisationId": loc["id"], "type": "vestigingserkenning"}
            for loc in school.get("locations", [])
        ],
        "name": school["name"],
        "boards": [dict(board) for board in school.get("boards", [])],
        "locations": [
            {"id": loc["id"], "name": loc["name"], "type": loc["type"]} for loc in school.get("locations", [])
        ],
        "sourceId": grant["sourceId"],
        "status": grant.get("status", "active"),
        "dateCreated": grant["dateCreated"],
        "dateLastModified": grant.get("dateLastModified", grant["dateCreated"]),
    }
