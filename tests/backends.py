"""The store backends the behaviour tests run on: the in-memory store, SQLite (a file) and PostgreSQL (a
throwaway server, tests/postgres.py). A test module runs on all three by importing `every_backend`:

    from tests.backends import every_backend  # noqa: F401  (this module runs on every backend)

which parametrises the `store_backend` fixture that conftest's `store` and `client` are built on. Each
backend's store and app are built once per session and reset to the seed before each test.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from koppelbox.journal import DEFAULT_CAPACITY, Journal, JournalBackend
from koppelbox.server.app import create_app
from koppelbox.store import Store
from koppelbox.store.interfaces import StoreBackend
from koppelbox.store.sql import SqlStore
from koppelbox.store.sql import engine as engines
from koppelbox.store.sql.journal import SqlJournal
from koppelbox.store.sql.tenants import SqlTenants
from tests import postgres
from tests.support import FakeClock

BACKENDS = ("memory", "sqlite", "postgresql")


@pytest.fixture(params=BACKENDS, name="store_backend")
def every_backend(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    if kind == "postgresql" and not postgres.available():
        pytest.skip(f"PostgreSQL 15 is not installed ({postgres.BIN}); .ci/run installs it")
    return kind


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.PostgresServer]:
    """One throwaway PostgreSQL for the session; tests take databases of their own from it."""
    if not postgres.available():
        pytest.skip(f"PostgreSQL 15 is not installed ({postgres.BIN}); .ci/run installs it")
    server = postgres.PostgresServer()
    yield server
    server.stop()


class Backends:
    """Each backend's store and app, built on first use and kept for the session."""

    def __init__(self, memory: Store, clock: FakeClock, directory: Path) -> None:
        self._clock = clock
        self._directory = directory
        self._stores: dict[str, StoreBackend] = {"memory": memory}
        self._apps: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []

    def store(self, kind: str, postgres_url: Callable[[], str]) -> StoreBackend:
        if kind not in self._stores:
            url = f"sqlite:///{self._directory / 'state.db'}" if kind == "sqlite" else postgres_url()
            store = SqlStore.open(url, clock=self._clock)
            self._closers.append(store.close)
            self._stores[kind] = store
        return self._stores[kind]

    def app(self, kind: str, memory_app: Any) -> Any:
        if kind == "memory":
            return memory_app
        if kind not in self._apps:
            store = self._stores[kind]
            assert isinstance(store, SqlStore)
            # As `serve --state` builds it: the tenant registry and the journal in the same database.
            self._apps[kind] = create_app(
                store,
                validate_responses=True,
                tenants=SqlTenants(store),
                journal_for=functools.partial(SqlJournal, store.engine),
            )
        return self._apps[kind]

    def close(self) -> None:
        for close in self._closers:
            close()


# --- the journal's backends: the ring in memory, and the database's journal of `serve --state` ---------

MakeJournal = Callable[..., JournalBackend]  # (capacity=DEFAULT_CAPACITY) -> an empty journal
_journal_tenants = itertools.count(1)  # every SQL journal a tenant of its own: empty, whatever ran before


@pytest.fixture(scope="session")
def journal_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One migrated database per SQL kind for the journal tests, made on first use."""
    made: dict[str, Any] = {"directory": tmp_path_factory.mktemp("journal")}
    yield made
    for kind in ("sqlite", "postgresql"):
        if kind in made:
            made[kind].dispose()


@pytest.fixture(params=BACKENDS, name="new_journal")
def every_journal(request: pytest.FixtureRequest, journal_databases: dict[str, Any]) -> MakeJournal:
    """Makes an empty journal of each kind: a test that takes it runs on the ring, SQLite and PostgreSQL."""
    kind: str = request.param
    if kind == "memory":
        return Journal
    if kind not in journal_databases:
        if kind == "postgresql":
            url = request.getfixturevalue("postgres_server").database("koppelbox_journal")
        else:
            url = f"sqlite:///{journal_databases['directory'] / 'journal.db'}"
        engine = engines.connect(url)
        engines.migrate(engine)
        journal_databases[kind] = engine
    engine = journal_databases[kind]

    def make(capacity: int = DEFAULT_CAPACITY) -> JournalBackend:
        return SqlJournal(engine, f"journal-{next(_journal_tenants)}", capacity)

    return make
