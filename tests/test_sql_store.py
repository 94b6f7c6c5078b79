"""The database backend's own promises, beyond the behaviour tests it shares with the in-memory store
(tests/backends.py): the shipped migrations build exactly the schema the code uses, a restart keeps every
answered change, and a database that does not answer is named without its password."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from starlette.testclient import TestClient

from koppelbox.journal import JournalEntry
from koppelbox.rules.errors import Conflict
from koppelbox.rules.oauth import ClientCredentials
from koppelbox.server.app import create_app
from koppelbox.store.sql import DatabaseUnavailable, SqlStore, StateUrlError
from koppelbox.store.sql import engine as engines
from koppelbox.store.sql.journal import SqlJournal
from koppelbox.store.sql.schema import metadata
from tests import aanmeld_support as s
from tests.postgres import PostgresServer
from tests.support import bearer

IW = "partner-inschrijfwijzer"


def test_the_migrations_build_the_schema_the_code_uses(tmp_path: Path) -> None:
    engine = engines.connect(f"sqlite:///{tmp_path / 'state.db'}")
    engines.migrate(engine)
    engines.migrate(engine)  # a second start changes nothing
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    engine.dispose()


def test_the_migrations_on_postgresql(postgres_server: PostgresServer) -> None:
    engine = engines.connect(postgres_server.database("koppelbox_migrations"))
    engines.migrate(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    engine.dispose()


def test_a_restart_keeps_what_was_answered(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    first = SqlStore.open(url)
    receipt = first.aanmeld.enrol(IW, s.enrolment())
    first.wimpel.update("docs-example", "16SK", {"sourceId": "changed"})
    token = first.identity.issue(_credentials(first), None)
    first.close()

    again = SqlStore.open(url)  # a new process would do exactly this
    assert again.aanmeld.records.school_of_enrolment(receipt.id) == "99XA"
    assert [e["event"] for e in again.wimpel.history("docs-example", "16SK")][-1] == "sourceId changed"
    assert again.identity.authenticate(token.token).client_id == token.client_id
    again.reset()
    assert again.aanmeld.records.school_of_enrolment(receipt.id) is None
    again.close()


def _credentials(store: SqlStore) -> ClientCredentials:
    client = store.identity.clients[IW]
    return ClientCredentials(client.id, client.secret, "client_secret_post")


def test_an_unreachable_database_is_named_without_its_password() -> None:
    with pytest.raises(DatabaseUnavailable) as refused:
        SqlStore.open("postgresql://kbx:s3cret-pw@127.0.0.1:1/koppelbox")
    assert refused.value.status == 503
    assert "s3cret-pw" not in refused.value.detail + refused.value.message
    assert "postgresql://kbx:***@127.0.0.1:1/koppelbox" in refused.value.detail
    assert "127.0.0.1" not in refused.value.message  # what a partner would see names no database


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "not a url", "postgres"])
def test_a_state_url_it_cannot_use(url: str) -> None:
    with pytest.raises(StateUrlError):
        engines.parse(url)


def test_tenants_live_in_the_database_for_every_worker(tmp_path: Path) -> None:
    from koppelbox.store.sql.tenants import SqlTenants
    from koppelbox.store.tenants import TenantExists, tenant_fixtures

    url = f"sqlite:///{tmp_path / 'state.db'}"
    first, second = SqlStore.open(url), SqlStore.open(url)  # two workers
    here, there = SqlTenants(first), SqlTenants(second)
    created = here.create("acme", tenant_fixtures(first.fixtures, "acme"), "sandbox fixtures, seed 0")
    receipt = created.aanmeld.enrol(IW, s.enrolment())
    with pytest.raises(TenantExists):
        there.create("acme", tenant_fixtures(second.fixtures, "acme"), "again")

    seen = there.world("acme")  # built by the other worker from the row: same credentials, same data
    assert seen is not None
    assert seen.identity.admin_token == created.identity.admin_token != first.identity.admin_token
    assert seen.aanmeld.records.school_of_enrolment(receipt.id) == "99XA"
    assert first.aanmeld.records.school_of_enrolment(receipt.id) is None  # the default tenant sees nothing
    assert [t.id for t in there.tenants()] == ["default", "acme"]

    seen.reset()  # one tenant's reset leaves the others alone
    assert seen.aanmeld.records.school_of_enrolment(receipt.id) is None
    journal = SqlJournal(second.engine, "acme")
    journal.record(lambda seq: JournalEntry.minimal(seq, IW, "a request"))
    assert here.drop("acme")
    assert there.info("acme") is None
    assert len(journal) == 0  # its journal went with it
    # A worker that has not seen the drop yet records one more request for it: a new "acme" starts empty.
    journal.record(lambda seq: JournalEntry.minimal(seq, IW, "a late request"))
    here.create("acme", tenant_fixtures(first.fixtures, "acme"), "sandbox fixtures, seed 0")
    assert (journal.entries(), journal.accounts()) == ([], {})
    first.close()
    second.close()


def test_a_database_gone_while_serving_is_a_503_in_each_api_format() -> None:
    server = PostgresServer()  # its own: this test stops it
    store = SqlStore.open(server.database("koppelbox_gone"))
    try:
        with TestClient(create_app(store), raise_server_exceptions=False) as client:
            assert client.get("/health").status_code == 200
            server.stop()
            health = client.get("/health")
            assert (health.status_code, health.json()["code"]) == (503, "unavailable")
            listed = client.get("/wimpel/v1/organisations", headers=bearer("kbx-noordstar-readonly"))
            assert (listed.status_code, listed.json()["code"]) == (503, "unavailable")
            assert "127.0.0.1" not in listed.text
    finally:
        store.close()
        server.stop()


def test_concurrent_wimpel_changes_on_postgresql(postgres_server: PostgresServer) -> None:
    store = SqlStore.open(postgres_server.database("koppelbox_wimpel_race"))
    client = "partner-noordstar"
    body = {"id": "16SK07", "name": "Liemers College", "sourceId": "first"}
    try:
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(
                pool.map(lambda _: _outcome(lambda: store.wimpel.create(client, body)), range(16))
            )
        assert sorted(outcomes) == ["201"] + ["duplicate"] * 15  # one create, the others 409
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: store.wimpel.update(client, "16SK07", {"sourceId": f"s{i}"}), range(24)))
        history = store.wimpel.history(client, "16SK07")
        changes = [e for e in history if e["event"] == "sourceId changed"]
        assert len(changes) == 24  # every update kept its line, none overwrote another's
        assert [c["from"] for c in changes[1:]] == [c["to"] for c in changes[:-1]]  # one after the other
        assert store.wimpel.get(client, "16SK07")["sourceId"] == changes[-1]["to"]
    finally:
        store.close()


def _outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except Conflict as exc:
        return exc.code
    return "201"
