"""Shared test fixtures: a fresh in-process sandbox per test, with a controllable clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from koppelbox.server.app import create_app
from koppelbox.store import Store
from tests.support import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> Store:
    return Store.from_directory(clock=clock)


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    """The whole sandbox in-process, with response validation on: a handler that breaks its own
    contract fails the test instead of passing it."""
    app = create_app(store, validate_responses=True)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
