"""`koppelbox serve --state/--workers`: what an operator is told before anything is served."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from koppelbox.cli.options import open_state
from koppelbox.cli.serve import WORKER_SETTINGS, WorkerSettings, serve, worker_app
from koppelbox.store.sql.journal import SqlJournal
from tests.support import ADMIN, bearer

ORGS = "/wimpel/v1/organisations"


def test_several_workers_need_a_database() -> None:
    for state in ([], ["--state", "sqlite://"]):
        result = CliRunner().invoke(serve, ["--port", "0", "--workers", "2", *state])
        assert result.exit_code == 2
        assert "--workers above 1 needs --state" in result.output


def test_an_unreachable_database_is_one_line_without_its_password() -> None:
    result = CliRunner().invoke(serve, ["--port", "0", "--state", "postgresql://kbx:s3cret@127.0.0.1:1/db"])
    assert result.exit_code == 1
    assert (
        "cannot open --state: the database at postgresql://kbx:***@127.0.0.1:1/db is unreachable"
        in result.output
    )
    assert "s3cret" not in result.output


def test_a_url_of_another_database_is_refused() -> None:
    result = CliRunner().invoke(serve, ["--port", "0", "--state", "mysql://kbx:s3cret@host/db"])
    assert result.exit_code == 2
    assert "unsupported database 'mysql'" in result.output
    assert "s3cret" not in result.output


def test_a_worker_that_cannot_reach_the_database_stops_the_service(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = WorkerSettings(
        "127.0.0.1", None, 0, 1024, False, 10, True, "text", "never", "postgresql://kbx:s3cret@127.0.0.1:1/db"
    )
    monkeypatch.setenv(WORKER_SETTINGS, json.dumps({**settings.__dict__}))
    with pytest.raises(SystemExit) as stopped:
        worker_app()
    # Uvicorn's "failed to start": its supervisor stops instead of respawning workers in a loop.
    assert stopped.value.code == 3
    error = capsys.readouterr().err
    assert "is unreachable" in error
    assert "s3cret" not in error


# --- the journal in the database: one for every worker, kept over a restart -----------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_every_worker_shows_one_journal_and_a_restart_keeps_it(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Two workers of `serve --state` (built as the workers build them, `worker_app`) record into one
    journal per tenant, bounded as the ring is (here 3 entries) with the same accounts; a third worker
    built after the two stopped (a restart) reads it all back; clearing and dropping act on one tenant."""
    if kind == "postgresql":
        state = request.getfixturevalue("postgres_server").database("koppelbox_serve_journal")
    else:
        state = f"sqlite:///{tmp_path / 'state.db'}"
    settings = WorkerSettings("127.0.0.1", None, 0, 1 << 20, False, 3, True, "text", "never", state)
    open_state(state, None, 0).close()  # the parent migrates and seeds before any worker starts
    monkeypatch.setenv(WORKER_SETTINGS, settings.to_json())
    first, second = worker_app(), worker_app()
    with TestClient(first) as one, TestClient(second) as other:
        assert one.get(ORGS, headers=bearer("kbx-kompas")).status_code == 200
        assert other.get(ORGS, headers=bearer("kbx-noordstar")).status_code == 200
        assert one.post("/sandbox/reset", headers=ADMIN).status_code == 200  # the journal outlives it
        acme = other.post("/sandbox/tenants", json={"id": "acme"}, headers=ADMIN).json()
        acme_admin = bearer(acme["adminToken"])
        (kompas,) = [c["tokens"][0]["token"] for c in acme["clients"] if c["id"] == "partner-kompas"]
        assert one.get(f"/tenants/acme{ORGS}", headers=bearer(kompas)).status_code == 200
        seen = [client.get("/sandbox/journal", headers=ADMIN).json() for client in (one, other)]
        acme_seen = other.get("/tenants/acme/sandbox/journal", headers=acme_admin).json()
    assert seen[0] == seen[1]
    page = seen[0]
    # Four exchanges at the root; the first fell out of the bound of 3, and its client's account says so.
    assert [(e["seq"], e["path"]) for e in page["entries"]] == [
        (2, ORGS),
        (3, "/sandbox/reset"),
        (4, "/sandbox/tenants"),
    ]
    assert (page["capacity"], page["size"], page["dropped"]) == (3, 3, 1)
    assert page["accounts"]["partner-kompas"]["recorded"] == 1
    assert [(x["reason"], x["count"], x["lastSeq"]) for x in page["accounts"]["partner-kompas"]["lost"]] == [
        ("ring", 1, 1)
    ]
    assert page["accounts"]["partner-noordstar"] == {"recorded": 1, "lost": []}
    # The tenant's journal is its own: its one request, numbered from 1.
    assert [(e["seq"], e["client"], e["path"]) for e in acme_seen["entries"]] == [(1, "partner-kompas", ORGS)]
    for app in (first, second):
        app.sandbox.store.close()

    restarted = worker_app()
    with TestClient(restarted) as again:
        assert again.get("/sandbox/journal", headers=ADMIN).json() == page
        assert again.get("/tenants/acme/sandbox/journal", headers=acme_admin).json() == acme_seen
        assert again.delete("/tenants/acme/sandbox/journal", headers=acme_admin).json() == {"cleared": 1}
        assert again.get("/sandbox/journal", headers=ADMIN).json() == page  # the root's is untouched
        again.get(ORGS, headers=bearer("kbx-kompas"))
        assert [e["seq"] for e in again.get("/sandbox/journal", headers=ADMIN).json()["entries"]] == [3, 4, 5]
        assert again.delete("/sandbox/tenants/acme", headers=ADMIN).status_code == 204
    engine = restarted.sandbox.store.engine  # type: ignore[attr-defined]
    assert (len(SqlJournal(engine, "acme")), SqlJournal(engine, "acme").accounts()) == (0, {})
    restarted.sandbox.store.close()
