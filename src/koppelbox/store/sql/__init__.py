"""The database backend of the storage seam: SQLite (a file, one machine) or PostgreSQL (several workers or
hosts), through SQLAlchemy Core, the schema kept by Alembic migrations shipped in this package.

`SqlStore` implements `StoreBackend` like the in-memory `Store` (mypy checks both). What is a rule stays in
`rules/`; what must be race-free across processes is made so by the database (`records.py`, `wimpel.py`).
What is read-only and comes from the fixtures (clients and their static tokens, partners, Edu-V employees)
is read from the fixtures by every worker and not stored: every worker reads the same files.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, delete, insert, update
from sqlalchemy.exc import IntegrityError

from koppelbox.resources import fixtures_dir
from koppelbox.rules.clock import Clock, rfc3339, utc_now
from koppelbox.store import aanmeld_seed, reload
from koppelbox.store.aanmeld import AanmeldStore
from koppelbox.store.eduv import EmployeeDirectory
from koppelbox.store.fixtures import FixtureError, Fixtures
from koppelbox.store.interfaces import DEFAULT_TENANT, StoreBackend
from koppelbox.store.sql import engine as engines
from koppelbox.store.sql.engine import DatabaseUnavailable, StateUrlError
from koppelbox.store.sql.identity import SqlIdentityStore
from koppelbox.store.sql.records import SqlAanmeldRecords, seed_school

# Aliased: `tenants` is also the name of this package's registry module, which would replace it.
from koppelbox.store.sql.schema import TENANT_TABLES
from koppelbox.store.sql.schema import tenants as tenant_rows
from koppelbox.store.sql.wimpel import SqlOrganisationStore

__all__ = ["DEFAULT_TENANT", "DatabaseUnavailable", "SqlStore", "StateUrlError"]


class SqlStore:
    identity: SqlIdentityStore
    aanmeld: AanmeldStore
    wimpel: SqlOrganisationStore
    eduv: EmployeeDirectory

    def __init__(
        self,
        engine: Engine,
        fixtures: Fixtures,
        clock: Clock = utc_now,
        tenant: str = DEFAULT_TENANT,
        *,
        source: str = "",
        new: bool = False,
    ) -> None:
        """A store over a migrated database; registers and seeds the tenant from `fixtures` unless it is
        there already (another worker, or a restart: then its data is kept as it was). With `new`, a
        tenant that is there already is an `IntegrityError` (the registry's "exists")."""
        self.engine = engine
        self.clock = clock
        self.tenant = tenant
        self._reset_lock = threading.Lock()
        self._source: tuple[Path, int, reload.Stamp] | None = None
        self._use(fixtures)

        def register(connection: Connection) -> None:
            # The primary key of `kbx_tenants` makes a second worker's insert wait for this transaction,
            # then fail: a tenant is seeded once.
            connection.execute(
                insert(tenant_rows).values(tenant=tenant, seeded_at=rfc3339(clock()), source=source)
            )
            self._seed(connection, fixtures)

        self._guarded(register, once=not new)

    @classmethod
    def open(
        cls,
        url: str,
        directory: Path | None = None,
        *,
        seed: int = 0,
        clock: Clock = utc_now,
        tenant: str = DEFAULT_TENANT,
    ) -> SqlStore:
        """The store of a state URL (`sqlite:///path`, `postgresql://...`) and a fixtures directory: the
        schema migrated, the tenant seeded if new. StateUrlError for a URL it cannot use,
        DatabaseUnavailable when the database does not answer (neither message holds the password)."""
        engine = engines.connect(url)
        engines.check(engine)
        engines.migrate(engine)
        directory = directory or fixtures_dir()
        stamp = reload.stamp(directory)
        store = cls(engine, reload.read(directory, seed), clock, tenant)
        store._source = (directory, seed, stamp)
        return store

    @property
    def url(self) -> str:
        """The database, as it may be shown (no password)."""
        return engines.shown(self.engine.url)

    def _use(self, fixtures: Fixtures) -> None:
        self.fixtures = fixtures
        self.identity, self.aanmeld, self.eduv = self._parts(fixtures)
        self.wimpel = SqlOrganisationStore(self.engine, self.tenant, self.clock)

    def _parts(self, fixtures: Fixtures) -> tuple[SqlIdentityStore, AanmeldStore, EmployeeDirectory]:
        """What is built from the fixtures alone (no rows): built whole before anything is replaced."""
        return (
            SqlIdentityStore(fixtures, self.clock, self.engine, self.tenant),
            AanmeldStore(fixtures, self.clock, SqlAanmeldRecords(self.engine, self.tenant)),
            EmployeeDirectory(fixtures),
        )

    def _seed(self, connection: Connection, fixtures: Fixtures) -> None:
        """The tenant's data from `fixtures`, and what another worker needs to build the same world: the
        fixtures' directory and seed, and the clients document (a new tenant's credentials are random)."""
        clients = json.loads(json.dumps(fixtures.get("clients"), default=str))
        connection.execute(
            update(tenant_rows)
            .where(tenant_rows.c.tenant == self.tenant)
            .values(directory=str(fixtures.directory), seed=fixtures.seed, clients=clients)
        )
        document = fixtures.get("aanmeld") or {}
        schools = {str(s["id"]): s for s in (fixtures.get("schools") or {}).get("schools", [])}
        for brin, entry in (document.get("schools") or {}).items():
            if str(brin) not in schools:
                raise FixtureError(f"aanmeld: school {brin} is not in schools.yaml")
            config = aanmeld_seed.configuration(schools[str(brin)], entry or {})
            records = seed_school(connection, self.tenant, config)
            aanmeld_seed.seed(records, entry or {})
            records.flush()
        self.wimpel.seed(connection, fixtures)

    def _guarded(self, work: Callable[[Connection], None], *, once: bool = False) -> None:
        """Run `work(connection)` in one transaction. With `once`, a tenant another worker seeded first
        (the primary key of `kbx_tenants` makes this insert wait for its transaction, then fail) is kept."""
        try:
            with self.engine.begin() as connection:
                work(connection)
        except IntegrityError:
            if not once:
                raise
        except engines.UNREACHABLE as exc:
            raise engines.unavailable(self.engine, exc) from None

    def reset(self) -> None:
        """Back to the seeded state: this tenant's data and issued tokens, in one transaction (a request
        of another worker sees the old state or the new, never half of each). Like the in-memory store,
        reads the fixtures directory again if a file changed; if it no longer loads, nothing changes and
        FixturesInvalid (409, naming the file) is raised."""
        with self._reset_lock:
            if self._source is None or reload.stamp(self._source[0]) == self._source[2]:
                self._guarded(lambda connection: self._reseed(connection, self.fixtures))
                return
            directory, seed, _ = self._source
            now = reload.stamp(directory)
            try:
                fixtures = reload.read(directory, seed)
                parts = self._parts(fixtures)
                self._guarded(lambda connection: self._reseed(connection, fixtures))
            except reload.BUILD_ERRORS as exc:
                raise reload.invalid(directory, exc) from exc
            self.fixtures = fixtures
            self.identity, self.aanmeld, self.eduv = parts
            self._source = (directory, seed, now)

    def _reseed(self, connection: Connection, fixtures: Fixtures) -> None:
        for table in TENANT_TABLES:
            connection.execute(delete(table).where(table.c.tenant == self.tenant))
        self._seed(connection, fixtures)

    def check(self) -> None:
        """DatabaseUnavailable unless the database answers now (readiness)."""
        engines.check(self.engine)

    def close(self) -> None:
        self.engine.dispose()


if TYPE_CHECKING:

    def _implements_the_seam(store: SqlStore) -> StoreBackend:
        """Never called: mypy checks here that the database store offers all that front ends may use."""
        return store
