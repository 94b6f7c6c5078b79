"""`koppelbox serve --state/--workers`: what an operator is told before anything is served."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from koppelbox.cli.serve import WORKER_SETTINGS, WorkerSettings, serve, worker_app


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
