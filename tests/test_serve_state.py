"""`koppelbox serve --state/--workers`: what an operator is told before anything is served."""

from __future__ import annotations

from click.testing import CliRunner

from koppelbox.cli.serve import serve


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
