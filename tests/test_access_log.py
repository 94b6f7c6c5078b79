"""The access log of `koppelbox serve` (issue 19): one line per request with method, path, status,
milliseconds, client, scenario and findings; `--quiet` off, `--log-format json` one object a line; what a
partner sent is shown, never acted on by a terminal, and no secret reaches it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import uvicorn
from click.testing import CliRunner
from starlette.testclient import TestClient

from koppelbox.cli import main
from koppelbox.journal.access import AccessRecord, json_line, printable, text_line, timestamp
from koppelbox.server.app import create_app

KOMPAS = {"Authorization": "Bearer kbx-kompas"}
ADMIN = {"Authorization": "Bearer kbx-admin-local"}
HOSTILE = "/wimpel/v1/organ\x1b[31misations\r\nGET /faked 200\u202e"


@pytest.fixture(scope="module")
def logged() -> Iterator[tuple[TestClient, list[AccessRecord]]]:
    records: list[AccessRecord] = []
    with TestClient(create_app(access_log=records.append)) as client:
        yield client, records


def one_request(
    logged: tuple[TestClient, list[AccessRecord]], method: str, path: str, **kwargs: object
) -> AccessRecord:
    client, records = logged
    records.clear()
    client.request(method, path, **kwargs)  # type: ignore[arg-type]
    [record] = records
    return record


def last_entry(client: TestClient) -> dict[str, object]:
    entry: dict[str, object] = client.get("/sandbox/journal?limit=1", headers=ADMIN).json()["entries"][-1]
    return entry


def test_a_request_is_one_record_with_what_the_journal_knows(logged: tuple[TestClient, list]) -> None:
    record = one_request(logged, "GET", "/wimpel/v1/organisations", headers=KOMPAS)
    entry = last_entry(logged[0])
    assert (record.method, record.path, record.status) == ("GET", "/wimpel/v1/organisations", 200)
    assert record.client == entry["client"] == "partner-kompas"
    assert record.findings == 0
    assert record.scenario is None
    assert 0 < record.ms < 60_000


def test_findings_and_scenario_are_the_journals(logged: tuple[TestClient, list]) -> None:
    refused = one_request(
        logged,
        "POST",
        "/wimpel/v1/organisations",
        headers=KOMPAS,
        json={"name": 5, "unknown": True},
    )
    entry = last_entry(logged[0])
    assert refused.status == entry["status"]
    assert refused.status >= 400
    assert refused.findings == len(entry["findings"]) > 0  # type: ignore[arg-type]
    shaped = one_request(
        logged, "GET", "/wimpel/v1/organisations", headers={**KOMPAS, "Prefer": "kbx-scenario=503"}
    )
    assert (shaped.status, shaped.scenario) == (503, last_entry(logged[0])["scenario"])
    assert shaped.scenario


def test_health_probes_are_not_logged_but_journal_reads_are(logged: tuple[TestClient, list]) -> None:
    client, records = logged
    records.clear()
    assert client.get("/health").status_code == 200
    assert client.get("/sandbox/health").status_code == 200
    assert records == []
    read = one_request(logged, "GET", "/sandbox/journal?limit=1", headers=ADMIN)
    assert (read.path, read.status) == ("/sandbox/journal", 200)


def test_no_secret_reaches_a_line(logged: tuple[TestClient, list]) -> None:
    record = one_request(
        logged,
        "GET",
        "/wimpel/v1/organisations?access_token=kbx-kompas&client_secret=hunter2",
        headers={"Authorization": "Bearer kbx-noordstar"},
    )
    for line in (text_line(record), json_line(record)):
        for secret in ("kbx-kompas", "hunter2", "kbx-noordstar", "access_token"):
            assert secret not in line


def test_what_a_partner_sent_cannot_drive_a_terminal() -> None:
    record = AccessRecord(
        at=0, method="GET\x1b", path=HOSTILE, status=404, ms=1, client="c\x07", scenario=None, findings=1
    )
    text = text_line(record)
    assert text.isprintable()  # no ESC, CR, LF, BEL or bidi override left
    assert "\\x1b[31m" in text
    assert "\\x0d\\x0aGET\\x20/faked" in text  # no second line, no field that looks like another
    assert "\\u202e" in text
    assert len(text.split(" ")) == 8  # time method path status ms client scenario findings
    line = json_line(record)
    assert line.isascii()
    assert line.isprintable()
    assert json.loads(line)["path"] == HOSTILE  # the JSON line keeps the value exactly, escaped


def test_printable_leaves_ordinary_text_alone_and_escapes_lone_surrogates() -> None:
    assert printable("/aanmeld/v1/scholen/99XA/leerlingen/é") == "/aanmeld/v1/scholen/99XA/leerlingen/é"
    assert printable("\ud800") == "\\ud800"
    assert printable("a\\b") == "a\\x5cb"


def test_a_huge_path_is_cut_and_noted() -> None:
    record = AccessRecord(
        at=0, method="GET", path="/" + "a" * 100_000, status=404, ms=1, client=None, scenario=None, findings=0
    )
    assert len(text_line(record)) < 3000
    assert "(100001 characters, cut)" in json.loads(json_line(record))["path"]


# --- through `koppelbox serve` ------------------------------------------------------------------------------


def serve_and_call(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[str, str]:
    """`koppelbox serve ARGS`, with uvicorn's loop replaced by three requests through the served app."""

    def run(self: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        assert sockets is not None
        sockets[0].close()
        self.started = True
        with TestClient(self.config.app) as client:
            client.get("/wimpel/v1/organisations", headers=KOMPAS)
            client.get("/health")
            client.get(quote(HOSTILE), headers=KOMPAS)  # the server decodes it back to HOSTILE

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    result = CliRunner().invoke(main, ["serve", "--port", "0", *args])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_serve_logs_a_text_line_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    stdout, _ = serve_and_call(monkeypatch)
    lines = [line for line in stdout.splitlines() if " client=" in line]
    assert len(lines) == 2  # the health probe is not logged
    assert " GET /wimpel/v1/organisations 200 " in lines[0]
    assert lines[0].endswith(" client=partner-kompas scenario=- findings=0")
    assert "\x1b" not in stdout.split("OAuth2 client credentials")[-1]  # off a terminal, no colour


def test_serve_json_lines_are_stdout_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    stdout, stderr = serve_and_call(monkeypatch, "--log-format", "json")
    records = [json.loads(line) for line in stdout.splitlines()]  # every line one JSON object
    assert [r["status"] for r in records] == [200, 404]
    assert set(records[0]) == {"time", "method", "path", "status", "ms", "client", "scenario", "findings"}
    assert records[1]["path"] == HOSTILE
    assert "kbx-noordstar-readonly" in stderr  # the banner went to standard error


def test_serve_quiet_logs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    stdout, _ = serve_and_call(monkeypatch, "--quiet", "--log-format", "json")
    assert stdout == ""


def test_serve_colours_the_status_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    stdout, _ = serve_and_call(monkeypatch, "--color", "always")
    [line] = [line for line in stdout.splitlines() if "GET /wimpel/v1/organisations " in line]
    assert "\x1b[32m200\x1b[0m" in line
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert "\x1b[" not in result.stdout


@pytest.mark.parametrize("at", [0.0, 1764759000.5, 1764759000.999, 1764759001.001, 1764759000.25])
def test_the_time_is_rfc3339_utc_with_milliseconds(at: float) -> None:
    from datetime import UTC, datetime

    expected = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert timestamp(at) == expected
