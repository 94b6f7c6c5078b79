"""Shared test fixtures: a fresh in-process sandbox per test, with a controllable clock.

Building the Connexion app parses and validates every contract, which costs far more than a test; so one
app serves the whole session and each test gets its store reset to the seed and its clock rewound.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from koppelbox.server.app import create_app
from koppelbox.store import Store
from tests.backends import Backends, postgres_server  # noqa: F401  (a fixture)
from tests.support import FakeClock


@pytest.fixture(scope="session")
def session_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def session_store(session_clock: FakeClock) -> Store:
    return Store.from_directory(clock=session_clock)


@pytest.fixture(scope="session")
def session_app(session_store: Store) -> Any:
    """The whole sandbox, with response validation on: a handler that breaks its own contract fails
    the test instead of passing it."""
    return create_app(session_store, validate_responses=True)


@pytest.fixture
def clock(session_clock: FakeClock) -> FakeClock:
    session_clock.rewind()
    return session_clock


@pytest.fixture
def store_backend() -> str:
    """The store backend of `store` and `client`: in memory, unless a module runs on every backend
    (`from tests.backends import every_backend`, which overrides this fixture)."""
    return "memory"


@pytest.fixture(scope="session")
def backends(
    session_store: Store, session_clock: FakeClock, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backends]:
    pool = Backends(session_store, session_clock, tmp_path_factory.mktemp("state"))
    yield pool
    pool.close()


@pytest.fixture
def store(backends: Backends, store_backend: str, clock: FakeClock, request: pytest.FixtureRequest) -> Store:
    def postgres_url() -> str:
        return str(request.getfixturevalue("postgres_server").database("koppelbox_tests"))

    chosen = backends.store(store_backend, postgres_url)
    chosen.reset()
    return chosen  # type: ignore[return-value]  # every backend offers what the tests use of Store


@pytest.fixture
def client(backends: Backends, store_backend: str, session_app: Any, store: Store) -> Iterator[TestClient]:
    app = backends.app(store_backend, session_app)
    app.sandbox.journal.clear()  # the journal outlives a reset on purpose; not between tests
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# The pytest plugin's tests (tests/test_pytest_plugin.py) run small vendor suites with pytester.
pytest_plugins = ["pytester"]
