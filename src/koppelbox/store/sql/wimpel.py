"""Wimpel organisations in a database: each method one transaction. A create relies on the unique
constraint (of concurrent creates one inserts, the others get 409); an update locks the organisation's row
first, so concurrent updates apply one after the other and each leaves its line in the history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from koppelbox.rules import wimpel
from koppelbox.rules.clock import Clock, rfc3339
from koppelbox.rules.errors import Conflict, FieldError, NotFound
from koppelbox.store.fixtures import Fixtures
from koppelbox.store.sql import engine as engines
from koppelbox.store.sql.schema import wimpel_history, wimpel_organisations
from koppelbox.store.wimpel import Event, seeded

_org = wimpel_organisations.c
_hist = wimpel_history.c


class SqlOrganisationStore:
    def __init__(self, engine: Engine, tenant: str, clock: Clock) -> None:
        self.engine = engine
        self._tenant = tenant
        self._clock = clock

    @engines.guarded
    def page(self, client_id: str, *, active: bool | None, limit: int, offset: int) -> wimpel.Page:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(_org.data)
                .where(_org.tenant == self._tenant, _org.client_id == client_id)
                .order_by(_org.seq)
            )
            organisations = [r.data for r in rows]
        return wimpel.select_page(organisations, active=active, limit=limit, offset=offset)

    @engines.guarded
    def get(self, client_id: str, organisation_id: str) -> wimpel.Organisation:
        with self.engine.connect() as connection:
            return self._find(connection, client_id, organisation_id)

    @engines.guarded
    def create(self, client_id: str, body: Mapping[str, Any]) -> wimpel.Organisation:
        now = self._clock()
        organisation = wimpel.new_organisation(body, now)
        try:
            with self.engine.begin() as connection:
                self._insert(connection, client_id, organisation, [{"at": rfc3339(now), "event": "created"}])
        except IntegrityError:
            raise Conflict(
                f"Organisation {organisation['id']} is already in your list.",
                [FieldError("id", "an organisation with this id is already in your list")],
            ) from None
        return organisation

    @engines.guarded
    def update(self, client_id: str, organisation_id: str, changes: Mapping[str, Any]) -> wimpel.Organisation:
        now = self._clock()
        with self.engine.begin() as connection:
            current = self._find(connection, client_id, organisation_id, lock=True)
            updated = wimpel.apply_update(current, changes, now)
            if updated != current:
                connection.execute(
                    update(wimpel_organisations)
                    .where(*self._key(client_id, organisation_id))
                    .values(data=updated)
                )
                event = {
                    "at": rfc3339(now),
                    "event": "sourceId changed",
                    "from": current["sourceId"],
                    "to": updated["sourceId"],
                }
                self._log(connection, client_id, organisation_id, event)
            return updated

    @engines.guarded
    def delete(self, client_id: str, organisation_id: str) -> None:
        with self.engine.begin() as connection:
            gone = connection.execute(
                delete(wimpel_organisations).where(*self._key(client_id, organisation_id))
            )
            if gone.rowcount == 0:
                raise _not_found(organisation_id)
            # The documentation: deleting an organisation also deletes your history with it.
            connection.execute(
                delete(wimpel_history).where(
                    _hist.tenant == self._tenant,
                    _hist.client_id == client_id,
                    _hist.organisation_id == organisation_id,
                )
            )

    @engines.guarded
    def history(self, client_id: str, organisation_id: str) -> list[Event]:
        with self.engine.connect() as connection:
            self._find(connection, client_id, organisation_id)
            rows = connection.execute(
                select(_hist.event)
                .where(
                    _hist.tenant == self._tenant,
                    _hist.client_id == client_id,
                    _hist.organisation_id == organisation_id,
                )
                .order_by(_hist.seq)
            )
            return [r.event for r in rows]

    def seed(self, connection: Connection, fixtures: Fixtures) -> None:
        lists, history = seeded(fixtures)
        for client_id, entries in lists.items():
            for organisation_id, organisation in entries.items():
                self._insert(connection, client_id, organisation, history[(client_id, organisation_id)])

    def _insert(
        self, connection: Connection, client_id: str, organisation: wimpel.Organisation, events: list[Event]
    ) -> None:
        connection.execute(
            insert(wimpel_organisations).values(
                tenant=self._tenant,
                client_id=client_id,
                organisation_id=organisation["id"],
                data=organisation,
            )
        )
        for event in events:
            self._log(connection, client_id, organisation["id"], event)

    def _log(self, connection: Connection, client_id: str, organisation_id: str, event: Event) -> None:
        connection.execute(
            insert(wimpel_history).values(
                tenant=self._tenant, client_id=client_id, organisation_id=organisation_id, event=event
            )
        )

    def _key(self, client_id: str, organisation_id: str) -> tuple[Any, ...]:
        return (
            _org.tenant == self._tenant,
            _org.client_id == client_id,
            _org.organisation_id == organisation_id,
        )

    def _find(
        self, connection: Connection, client_id: str, organisation_id: str, *, lock: bool = False
    ) -> wimpel.Organisation:
        query = select(_org.data).where(*self._key(client_id, organisation_id))
        found = connection.execute(query.with_for_update() if lock else query).first()
        if found is None:
            # Also the answer for another client's organisation: its existence is not revealed.
            raise _not_found(organisation_id)
        organisation: wimpel.Organisation = found.data
        return organisation


def _not_found(organisation_id: str) -> NotFound:
    return NotFound(f"No organisation {organisation_id} in your list.")
