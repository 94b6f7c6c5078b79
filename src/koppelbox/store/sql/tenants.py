"""The tenant registry on a database (`interfaces.TenantBackend`): the registry is the `kbx_tenants`
table, so every worker (and host) sees the same tenants, and each tenant's world is a `SqlStore` over
the same engine, isolated by the tenant column of every row.

A worker builds a tenant's world from its row the first time a request names it: the fixtures directory
and seed it was built from (every worker reads the same files) with the credentials stored in the row
(drawn at random when it was created). Worlds are cached per process; a cached world is checked against
the table at most once a second, so a tenant dropped through one worker is gone on the others within
that second (until then their requests meet an empty world: no school, no token).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from koppelbox.rules.clock import Clock, utc_now
from koppelbox.store import reload
from koppelbox.store.fixtures import Fixtures
from koppelbox.store.interfaces import DEFAULT_TENANT, StoreBackend, TenantBackend, TenantInfo
from koppelbox.store.sql import SqlStore
from koppelbox.store.sql import engine as engines
from koppelbox.store.sql.schema import JOURNAL_TABLES, TENANT_TABLES, tenants
from koppelbox.store.tenants import DefaultTenantFixed, TenantExists, check_tenant_id

RECHECK_SECONDS = 1.0
_t = tenants.c


class SqlTenants:
    def __init__(self, default: SqlStore, *, clock: Clock = utc_now) -> None:
        self.engine: Engine = default.engine
        self._default = default
        self._clock = clock
        self._lock = threading.Lock()
        self._worlds: dict[str, tuple[float, SqlStore]] = {}  # tenant -> (checked at, world)

    @engines.guarded
    def tenants(self) -> list[TenantInfo]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(_t.tenant, _t.seeded_at, _t.source)).all()
        infos = [self._info(r.tenant, r.seeded_at, r.source) for r in rows]
        return sorted(infos, key=lambda info: (info.id != DEFAULT_TENANT, info.id))

    @engines.guarded
    def info(self, tenant_id: str) -> TenantInfo | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(_t.seeded_at, _t.source).where(_t.tenant == tenant_id)).first()
        return None if row is None else self._info(tenant_id, row.seeded_at, row.source)

    def _info(self, tenant_id: str, created: str, source: str) -> TenantInfo:
        if tenant_id == DEFAULT_TENANT and not source:
            source = f"sandbox fixtures, seed {self._default.fixtures.seed}"
        return TenantInfo(tenant_id, created, source)

    @engines.guarded
    def world(self, tenant_id: str) -> StoreBackend | None:
        if tenant_id == DEFAULT_TENANT:
            return self._default
        cached = self._worlds.get(tenant_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < RECHECK_SECONDS:
            return cached[1]
        with self.engine.connect() as connection:
            row = connection.execute(
                select(_t.directory, _t.seed, _t.clients).where(_t.tenant == tenant_id)
            ).first()
        if row is None:
            self._worlds.pop(tenant_id, None)
            return None
        if cached is not None:
            world = cached[1]
        else:
            fixtures = reload.read(Path(row.directory), row.seed)
            if row.clients is not None:
                fixtures = Fixtures(
                    fixtures.directory, {**fixtures.documents, "clients": row.clients}, row.seed
                )
            world = SqlStore(self.engine, fixtures, self._clock, tenant_id)
        with self._lock:
            self._worlds[tenant_id] = (now, world)
        return world

    @engines.guarded
    def create(self, tenant_id: str, fixtures: Fixtures, source: str) -> StoreBackend:
        check_tenant_id(tenant_id)
        try:
            world = SqlStore(self.engine, fixtures, self._clock, tenant_id, source=source, new=True)
        except IntegrityError:  # the id was taken, also by a create that raced this one
            raise TenantExists(f"A tenant `{tenant_id}` exists already.") from None
        except reload.BUILD_ERRORS as exc:
            raise reload.invalid(fixtures.directory, exc) from exc
        # A new tenant's journal starts empty: a worker that had not yet seen an earlier tenant of this id
        # dropped (it rechecks within RECHECK_SECONDS) may have recorded a last request for it since.
        with self.engine.begin() as connection:
            for table in JOURNAL_TABLES:
                connection.execute(delete(table).where(table.c.tenant == tenant_id))
        with self._lock:
            self._worlds[tenant_id] = (time.monotonic(), world)
        return world

    @engines.guarded
    def drop(self, tenant_id: str) -> bool:
        if tenant_id == DEFAULT_TENANT:
            raise DefaultTenantFixed(f"`{DEFAULT_TENANT}` is the sandbox's own tenant; it cannot be dropped.")
        with self.engine.begin() as connection:
            gone = connection.execute(delete(tenants).where(_t.tenant == tenant_id)).rowcount
            for table in (*TENANT_TABLES, *JOURNAL_TABLES):  # its journal goes with it
                connection.execute(delete(table).where(table.c.tenant == tenant_id))
        with self._lock:
            self._worlds.pop(tenant_id, None)
        return gone > 0


if TYPE_CHECKING:

    def _implements_the_seam(registry: SqlTenants) -> TenantBackend:
        """Never called: mypy checks here that the database registry is a `TenantBackend`."""
        return registry
