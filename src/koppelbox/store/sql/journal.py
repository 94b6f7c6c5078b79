"""The request journal in the database (`serve --state`): every worker records into and reads the same
journal, and a restart keeps it. It behaves as the in-memory ring (journal/ring.py): the same bound (the
oldest entry falls out when a new one arrives), sequence numbers per tenant that are never reused, and
the same per-client accounts of what was recorded and what was lost (`ring` or `cleared`) that a
certification reads to know whether a client's evidence is whole.

Each recording is one transaction that first locks the tenant's row in `kbx_journal_state` (its counters)
and takes the next sequence number there: recordings of one tenant are serialised across workers, so
sequence order and commit order agree and a reader paging with `after` never misses an entry. Entries are
built (parsed, masked) in that transaction, not when read as the ring does: another worker must be able
to read them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Engine,
    Float,
    Integer,
    String,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from koppelbox.journal import DEFAULT_CAPACITY, JournalBackend, JournalEntry, JournalFilter
from koppelbox.store.interfaces import DEFAULT_TENANT
from koppelbox.store.sql import engine as engines
from koppelbox.store.sql.schema import journal_accounts, journal_entries, journal_losses, journal_state

log = logging.getLogger("koppelbox.journal")

_e = journal_entries.c
_s = journal_state.c
_a = journal_accounts.c
_l = journal_losses.c

# The statements of a recording, built once: building SQLAlchemy expressions per call cost more than
# running them (bench/journal_sql.py). Parameters are named apart from the columns they compare with.
_TENANT = bindparam("k_tenant", type_=String)
_CLIENT = bindparam("k_client", type_=String)
_CAP = bindparam("k_cap", type_=Integer)
_OVER = _s.size + 1 > _CAP
_TAKE_SEQ = (
    update(journal_state)
    .where(_s.tenant == _TENANT)
    .values(
        last_seq=_s.last_seq + 1,
        size=case((_OVER, _CAP), else_=_s.size + 1),
        dropped=_s.dropped + case((_OVER, _s.size + 1 - _CAP), else_=0),
    )
    .returning(_s.last_seq, _s.size)
)
_COUNT = (
    update(journal_accounts)
    .where(_a.tenant == _TENANT, _a.client == _CLIENT)
    .values(recorded=_a.recorded + 1)
)
_PUSH_OUT = (
    delete(journal_entries)
    .where(_e.tenant == _TENANT, _e.seq <= bindparam("k_upto", type_=Integer))
    .returning(_e.seq, _e.client)
)
_LOSE = (
    update(journal_losses)
    .where(_l.tenant == _TENANT, _l.client == _CLIENT, _l.reason == bindparam("k_reason"))
    .values(
        count=_l.count + bindparam("k_count", type_=Integer),
        last_seq=bindparam("k_last", type_=Integer),
        last_at=bindparam("k_at", type_=Float),
    )
)
_LOSSES_SO_FAR = select(func.count()).where(_l.tenant == _TENANT, _l.client == _CLIENT)


class SqlJournal:
    def __init__(
        self, engine: Engine, tenant: str = DEFAULT_TENANT, capacity: int = DEFAULT_CAPACITY
    ) -> None:
        if capacity < 1:
            raise ValueError("a journal needs room for at least one entry")
        self.engine = engine
        self.tenant = tenant
        self.capacity = capacity

    def record(self, make: Callable[[int], JournalEntry]) -> JournalEntry:
        return self._record(make, None)

    def record_later(self, make: Callable[[int], JournalEntry], client: str | None = None) -> None:
        """Builds the entry now (another worker may be the one to read it) and keeps it. Recording happens
        after the answer was sent: a database that went away meanwhile loses this entry (logged), it does
        not turn the exchange into an error."""
        try:
            self._record(make, client)
        except engines.DatabaseUnavailable as exc:
            log.warning("journal entry not kept: %s", exc.detail)

    @engines.guarded
    def _record(self, make: Callable[[int], JournalEntry], client: str | None) -> JournalEntry:
        with self.engine.begin() as connection:
            seq, size = self._take_seq(connection)
            entry = _built(make, seq, client)
            account = _column(client if client is not None else entry.client)
            document = json.dumps(entry.to_dict(), default=str)  # ASCII: lone surrogates stay escaped
            connection.execute(
                insert(journal_entries),
                {"tenant": self.tenant, "seq": seq, "client": account, "entry": document},
            )
            if account is not None:
                counted = connection.execute(_COUNT, {"k_tenant": self.tenant, "k_client": account}).rowcount
                if not counted:
                    connection.execute(
                        insert(journal_accounts), {"tenant": self.tenant, "client": account, "recorded": 1}
                    )
            if size == self.capacity:  # full: what the new entry pushed out goes (none when just filled)
                self._push_out(connection, seq)
        return entry

    def _take_seq(self, connection: Connection) -> tuple[int, int]:
        """The next sequence number and the size with the new entry (at most the capacity; what is over it
        is counted as dropped), locking the tenant's counters."""
        for _ in range(2):
            row = connection.execute(_TAKE_SEQ, {"k_tenant": self.tenant, "k_cap": self.capacity}).first()
            if row is not None:
                return int(row.last_seq), int(row.size)
            self._start(connection)
        raise RuntimeError("the journal's counters could not be made")  # pragma: no cover

    def _start(self, connection: Connection) -> None:
        """The tenant's first entry: its counters' row. Two workers starting at once both try; the second
        insert waits for the first and fails, and its savepoint lets the update above find the row."""
        try:
            with connection.begin_nested():
                connection.execute(
                    insert(journal_state).values(tenant=self.tenant, last_seq=0, size=0, dropped=0)
                )
        except IntegrityError:
            pass

    def _push_out(self, connection: Connection, seq: int) -> None:
        # The entries kept are always the newest run of numbers (removed oldest first, or all by `clear`):
        # with entry `seq` in, those up to `seq - capacity` are out.
        oldest = connection.execute(_PUSH_OUT, {"k_tenant": self.tenant, "k_upto": seq - self.capacity}).all()
        lost: dict[str, tuple[int, int]] = {}
        for gone, client in sorted(oldest):
            if client is not None:
                lost[client] = (lost.get(client, (0, 0))[0] + 1, gone)
        now = time.time()
        for client, (number, last) in lost.items():
            self._lose(connection, client, "ring", number, last, now)

    def _lose(
        self, connection: Connection, client: str, reason: str, count: int, last: int, now: float
    ) -> None:
        # Sequence numbers only grow, so the newest lost one is the one lost now.
        key = {"k_tenant": self.tenant, "k_client": client}
        changed = connection.execute(
            _LOSE, {**key, "k_reason": reason, "k_count": count, "k_last": last, "k_at": now}
        ).rowcount
        if not changed:
            position = connection.execute(_LOSSES_SO_FAR, key).scalar_one()
            connection.execute(
                insert(journal_losses),
                {
                    "tenant": self.tenant,
                    "client": client,
                    "reason": reason,
                    "position": position,
                    "count": count,
                    "last_seq": last,
                    "last_at": now,
                },
            )

    @engines.guarded
    def entries(self, where: JournalFilter | None = None, limit: int | None = None) -> list[JournalEntry]:
        """Matching entries, oldest first; with `limit`, the newest `limit` of them."""
        query = select(_e.entry).where(_e.tenant == self.tenant)
        if where is not None and where.after is not None:
            query = query.where(_e.seq > where.after)
        if where is not None and where.before is not None:
            query = query.where(_e.seq < where.before)
        by_seq_only = where is None or where == JournalFilter(after=where.after, before=where.before)
        if by_seq_only and limit is not None and limit >= 0:  # the newest few (the inspector asks often)
            query = query.order_by(_e.seq.desc()).limit(limit)
            with self.engine.connect() as connection:
                newest = [_entry(document) for document in connection.execute(query).scalars()]
            return newest[::-1]
        with self.engine.connect() as connection:
            found = [_entry(document) for document in connection.execute(query.order_by(_e.seq)).scalars()]
        selected = [e for e in found if where is None or where.matches(e)]
        return selected[-limit:] if limit is not None and limit >= 0 else selected

    @engines.guarded
    def clear(self) -> int:
        with self.engine.begin() as connection:
            # Lock the counters first, as recording does: an entry is either cleared or recorded after.
            connection.execute(update(journal_state).where(_s.tenant == self.tenant).values(size=0))
            groups = connection.execute(
                select(_e.client, func.count(), func.max(_e.seq))
                .where(_e.tenant == self.tenant)
                .group_by(_e.client)
            ).all()
            connection.execute(delete(journal_entries).where(_e.tenant == self.tenant))
            now = time.time()
            for client, count, last in groups:
                if client is not None:
                    self._lose(connection, client, "cleared", int(count), int(last), now)
        return sum(int(count) for _, count, _ in groups)

    @engines.guarded
    def accounts(self) -> dict[str, dict[str, Any]]:
        """Per client: exchanges recorded since the journal began, and those lost (fallen out, cleared)."""
        with self.engine.connect() as connection:
            counted = connection.execute(select(_a.client, _a.recorded).where(_a.tenant == self.tenant))
            recorded: dict[str, int] = {row.client: row.recorded for row in counted}
            losses = connection.execute(
                select(_l.client, _l.reason, _l.count, _l.last_seq, _l.last_at)
                .where(_l.tenant == self.tenant)
                .order_by(_l.client, _l.position)
            ).all()
        lost: dict[str, list[dict[str, Any]]] = {}
        for client, reason, count, last_seq, last_at in losses:
            lost.setdefault(client, []).append(
                {"reason": reason, "count": count, "lastSeq": last_seq, "lastAt": last_at}
            )
        return {
            client: {"recorded": recorded.get(client, 0), "lost": lost.get(client, [])}
            for client in sorted(recorded.keys() | lost.keys())
        }

    @property
    def dropped(self) -> int:
        """How many entries fell out since the tenant's journal began (restarts included)."""
        return self._counter("dropped")

    def __len__(self) -> int:
        return self._counter("size")

    @engines.guarded
    def _counter(self, name: str) -> int:
        with self.engine.connect() as connection:
            value = connection.execute(select(_s[name]).where(_s.tenant == self.tenant)).scalar()
        return int(value or 0)


def _built(make: Callable[[int], JournalEntry], seq: int, client: str | None) -> JournalEntry:
    try:
        return make(seq)
    except Exception as exc:  # one entry that cannot be built must not make the journal unreadable
        return JournalEntry.minimal(seq, client, f"entry not built ({type(exc).__name__})")


def _column(client: str | None) -> str | None:
    """A client id as a text column holds it. Ids come from the identity store, never from what a partner
    sent; a character a database cannot store (a lone surrogate, NUL) is replaced all the same, so that
    keeping the entry never fails on it."""
    if client is None:
        return None
    return client.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def _entry(document: str) -> JournalEntry:
    data: dict[str, Any] = json.loads(document)
    return JournalEntry.from_dict(data)


if TYPE_CHECKING:

    def _implements_the_seam(journal: SqlJournal) -> JournalBackend:
        """Never called: mypy checks here that the database journal is a `JournalBackend`."""
        return journal
