"""Output made for CI (issue 19): off a terminal nothing is wrapped or cut, `--color` and `NO_COLOR`, and
`serve` checks that it can bind before it prints anything."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from typing import Any

import click
import pytest
import uvicorn
from click.testing import CliRunner

from koppelbox.cli import main
from koppelbox.scenarios import load_catalogue

COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-9]m|\x1b\[[0-9;]*9[0-7]m")  # a foreground colour
LONG_PATH = "/aanmeld/v1/scholen/04AB/aanmeldingen/0c6f5c2e-3f1b-4a5e-9d8e-ffffffffffff/documenten"


def lines_with(output: str, text: str) -> list[str]:
    return [line for line in output.splitlines() if text in line]


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI runner that says its terminal is 40 columns wide: off a terminal it must not matter."""
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.mark.usefixtures("narrow")
def test_tokens_prints_every_token_and_secret_whole() -> None:
    result = CliRunner().invoke(main, ["tokens"])
    assert result.exit_code == 0, result.output
    assert lines_with(result.output, "kbx-noordstar-readonly")
    data = json.loads(CliRunner().invoke(main, ["tokens", "--json"]).output)
    for client in data["clients"]:
        assert lines_with(result.output, client["id"]), client["id"]
        assert lines_with(result.output, client["secret"]), client["secret"]
        for token in client["tokens"]:
            assert lines_with(result.output, token["token"]), token["token"]
    assert not COLOUR.search(result.output)  # auto: no colour off a terminal


@pytest.mark.usefixtures("narrow")
def test_scenarios_prints_every_row_whole() -> None:
    result = CliRunner().invoke(main, ["scenarios"])
    assert result.exit_code == 0, result.output
    for scenario in load_catalogue().scenarios:
        first_line = scenario.how.splitlines()[0] if scenario.how else scenario.id
        assert lines_with(result.output, first_line), first_line


@pytest.mark.usefixtures("narrow")
def test_journal_table_prints_paths_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from koppelbox.cli import journal as cli_journal

    entry = {
        "seq": 7,
        "time": "2026-03-02T09:30:00.000Z",
        "client": "partner-noordstar-with-a-long-client-id",
        "operation": "addEnrolmentDocument",
        "method": "POST",
        "path": LONG_PATH,
        "query": "",
        "status": 422,
        "findings": [{"field": "/content", "message": "not base64: an invalid character at offset 1234"}],
    }
    page = {"capacity": 1, "size": 1, "dropped": 0, "accounts": {}, "entries": [entry]}
    monkeypatch.setattr(cli_journal, "fetch_journal_page", lambda *a, **k: page)
    monkeypatch.setattr(cli_journal, "check_sandbox_url", lambda url: url)
    result = CliRunner().invoke(main, ["journal"])
    assert result.exit_code == 0, result.output
    assert lines_with(result.output, f"POST {LONG_PATH}")
    assert lines_with(result.output, "partner-noordstar-with-a-long-client-id")
    assert lines_with(result.output, "not base64: an invalid character at offset 1234")


@pytest.mark.usefixtures("narrow")
@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always"], {}, True),
        (["--color", "always"], {"NO_COLOR": "1"}, True),  # the flag overrides the environment
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1"}, True),  # auto: rich's own environment variables decide
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_color(monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str], coloured: bool) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["tokens", *args])
    assert result.exit_code == 0, result.output
    assert bool(COLOUR.search(result.output)) is coloured
    # Coloured or not, off a terminal rows are not wrapped.
    assert lines_with(result.output, "kbx-noordstar-readonly")


# --- serve -------------------------------------------------------------------------------------------------


@pytest.fixture
def taken_port() -> Iterator[int]:
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        yield holder.getsockname()[1]
    finally:
        holder.close()


def test_serve_on_a_taken_port_is_one_line_and_exit_3(taken_port: int) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", str(taken_port)])
    assert result.exit_code == 3, result.output
    assert result.stdout == ""  # no banner, no credentials
    assert len(result.stderr.splitlines()) == 1
    assert f"127.0.0.1:{taken_port}" in result.stderr
    assert "kbx-" not in result.output


def test_serve_on_an_unknown_host_is_one_line_and_exit_3() -> None:
    result = CliRunner().invoke(main, ["serve", "--host", "no-such-host.invalid", "--port", "0"])
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.usefixtures("narrow")
def test_serve_banner_is_whole_and_names_the_bound_port(monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}

    def run(self: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        assert sockets is not None
        served["port"] = sockets[0].getsockname()[1]
        sockets[0].close()
        self.started = True

    monkeypatch.setattr(uvicorn.Server, "run", run)
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    base = f"http://127.0.0.1:{served['port']}"
    assert lines_with(result.output, f"{base}/aanmeld   docs: {base}/aanmeld/ui/")
    assert lines_with(result.output, "kbx-noordstar-readonly")
    assert lines_with(result.output, "POST /sandbox/oauth2/token (Basic auth or client_id/client_secret)")


# --- --color on every command ------------------------------------------------------------------------------


def leaf_commands(group: click.Group = main, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name)


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None
        command = found
    return command


@pytest.mark.parametrize("path", list(leaf_commands()), ids=" ".join)
def test_every_command_takes_color(path: tuple[str, ...]) -> None:
    """`--color auto|always|never` on every command; auto leaves NO_COLOR to decide (make_console)."""
    [option] = [p for p in command_at(path).params if p.name == "color"]
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == ["auto", "always", "never"]
    assert option.default == "auto"
