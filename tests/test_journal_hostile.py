"""The journal under hostile input (issue 15): every request recorded, bounded in bytes, secrets masked in
the query string too, and readable (HTTP, CLI table, CLI JSON) whatever was recorded."""

from __future__ import annotations

import http.client
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from koppelbox.cli import main
from koppelbox.conformance.local import serving
from koppelbox.journal import JournalEntry
from koppelbox.journal.masking import (
    HEADER_VALUE_LIMIT,
    HEADERS_LIMIT,
    MASK,
    cap_headers,
    capture_body,
    mask_query,
)
from koppelbox.server.app import create_app
from koppelbox.store import Store
from tests.backends import MakeJournal, every_journal, journal_databases  # noqa: F401  (every backend)

ADMIN = {"Authorization": "Bearer kbx-admin-local"}
PARTNER = {"Authorization": "Bearer kbx-noordstar"}
DEEP = b"[" * 700 + b"]" * 700
SURROGATE = b'{"x": "\\ud800"}'


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Store.from_directory()), raise_server_exceptions=False) as test_client:
        yield test_client


def journal_of(client: TestClient) -> list[dict[str, Any]]:
    answer = client.get("/sandbox/journal", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    answer.content.decode("utf-8")  # valid UTF-8, whatever was recorded
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return entries


# 1. secrets in the query string


def test_secrets_in_the_query_string_are_masked(client: TestClient) -> None:
    query = "limit=5&client_secret=s3cret&Access_Token=tok&PASSWORD=pw&token=t&page%5Fx=1&x=client_secret"
    client.get(f"/wimpel/v1/organisations?{query}", headers=PARTNER)
    client.post("/sandbox/oauth2/token?client_secret=s3cret&grant_type=client_credentials")
    recorded = [entry["query"] for entry in journal_of(client)]
    masked = f"client_secret={MASK}&Access_Token={MASK}&PASSWORD={MASK}&token={MASK}"
    assert recorded[0] == f"limit=5&{masked}&page%5Fx=1&x=client_secret"
    assert recorded[1] == f"client_secret={MASK}&grant_type=client_credentials"
    assert "s3cret" not in json.dumps(journal_of(client))


def test_mask_query_keeps_what_is_no_secret_as_sent() -> None:
    assert mask_query("") == ""
    assert mask_query("a&b=1&&c") == "a&b=1&&c"
    assert mask_query("client%5Fsecret=x&q=%20") == f"client%5Fsecret={MASK}&q=%20"


# 2. bounded in bytes


def test_huge_headers_are_cut_with_their_size_noted(client: TestClient) -> None:
    headers = {**PARTNER, "X-Big": "a" * 2_000_000, **{f"X-Many-{i}": "b" * 4000 for i in range(20)}}
    assert client.get("/wimpel/v1/organisations", headers=headers).status_code == 200
    [entry] = journal_of(client)
    kept = entry["request_headers"]
    assert kept["x-big"].endswith("... (2000000 bytes, cut)")
    assert len(kept["x-big"]) <= HEADER_VALUE_LIMIT
    assert kept["authorization"] == f"Bearer {MASK}"
    assert "headers (" in kept["koppelbox-cut"]
    assert sum(len(k) + len(v) for k, v in kept.items()) <= HEADERS_LIMIT + 100
    assert len(json.dumps(entry)) < 64 * 1024


def test_long_query_strings_and_paths_are_cut(client: TestClient) -> None:
    client.get("/wimpel/v1/organisations?q=" + "z" * 30_000 + "&client_secret=s", headers=PARTNER)
    client.get("/wimpel/v1/organisations/" + "9" * 30_000, headers=PARTNER)
    first, second = journal_of(client)
    assert first["query"].endswith(f"... ({2 + 30_000 + 1 + 15} bytes, cut)")
    assert len(first["query"]) < 9 * 1024
    assert second["path"].endswith("characters, cut)")
    assert len(second["path"]) < 9 * 1024


def test_cap_headers_passes_the_usual_request_through_untouched() -> None:
    headers = [(b"host", b"x"), (b"accept", b"*/*")]
    assert cap_headers(headers) is headers


def test_huge_headers_over_a_real_socket_are_refused_or_recorded_cut() -> None:
    # Whether the HTTP parser (httptools or h11) accepts 2 MB of headers at all: either way the journal
    # must not keep them whole.
    with serving(create_app(Store.from_directory())) as url:
        parts = urllib.parse.urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        try:
            connection.request(
                "GET", "/wimpel/v1/organisations", headers={**PARTNER, "X-Big": "a" * 2_000_000}
            )
            connection.getresponse().read()
        except OSError:
            pass  # the parser closed the connection: nothing recorded, nothing kept
        finally:
            connection.close()
        admin = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        admin.request("GET", "/sandbox/journal", headers=ADMIN)
        answer = admin.getresponse()
        body = answer.read()
        admin.close()
    assert answer.status == 200
    for entry in json.loads(body)["entries"]:
        assert len(json.dumps(entry)) < 64 * 1024


# 3. every request recorded, the journal always readable


def test_a_deep_body_refused_before_routing_is_recorded_and_the_journal_stays_readable(
    client: TestClient,
) -> None:
    json_type = {"Content-Type": "application/json"}
    assert client.post("/wimpel/v1/organisations", content=DEEP, headers=json_type).status_code == 401
    client.post("/wimpel/v1/organisations", content=DEEP, headers={**json_type, **PARTNER})
    client.post("/sandbox/oauth2/token", content=DEEP, headers=json_type)
    entries = journal_of(client)
    assert (entries[0]["path"], entries[0]["status"]) == ("/wimpel/v1/organisations", 401)
    assert len(entries) == 3
    assert entries[0]["request_body"] == DEEP.decode()  # too deep to keep parsed: kept as text


def test_a_non_ascii_basic_header_is_recorded(client: TestClient) -> None:
    answer = client.get("/wimpel/v1/organisations", headers={"Authorization": b"Basic \xff\xfe=="})
    client.post("/sandbox/oauth2/token", headers={"Authorization": b"Basic \xc3\xa9t\xe9"})
    assert answer.status_code == 401
    entries = journal_of(client)
    assert [(e["path"], e["client"]) for e in entries] == [
        ("/wimpel/v1/organisations", None),
        ("/sandbox/oauth2/token", None),
    ]
    assert entries[0]["status"] == 401
    assert entries[0]["request_headers"]["authorization"] == f"Basic {MASK}"


def test_a_failure_while_recording_still_records_what_is_known(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koppelbox.server import journal as server_journal

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(server_journal.JournalMiddleware, "_record", broken)
    client.get("/wimpel/v1/organisations", headers=PARTNER)
    [entry] = journal_of(client)
    assert (entry["method"], entry["path"], entry["status"], entry["api"]) == (
        "GET",
        "/wimpel/v1/organisations",
        200,
        "wimpel",
    )
    assert "RuntimeError" in entry["findings"][0]["message"]


def test_an_entry_that_cannot_be_built_is_kept_minimal(new_journal: MakeJournal) -> None:
    journal = new_journal()

    def broken(seq: int) -> JournalEntry:
        raise RecursionError

    journal.record_later(broken, "partner-x")
    [entry] = journal.entries()
    assert (entry.seq, entry.client) == (1, "partner-x")
    assert "RecursionError" in entry.findings[0]["message"]
    json.dumps(entry.to_dict())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (DEEP, DEEP.decode()),
        (b"[" * 5000 + b"]" * 5000, {"truncated": True, "bytes": 10_000, "content_type": "application/json"}),
        (b"1" * 5000, "1" * 5000),  # beyond Python's int digit limit: kept as text
        (SURROGATE, {"x": "\ufffd"}),
        (b'{"\\udc00k": ["\\ud83d\\ude00", "\\udfff"]}', {"\ufffdk": ["\U0001f600", "\ufffd"]}),
    ],
)
def test_capture_body_keeps_hostile_json_readable(raw: bytes, expected: Any) -> None:
    kept = capture_body(raw, "application/json")
    assert kept == expected
    json.dumps(kept, ensure_ascii=False).encode("utf-8")


# 4. readable whatever the content: HTTP, CLI JSON, CLI table


def test_every_journal_keeps_hostile_strings_as_recorded(new_journal: MakeJournal) -> None:
    """What the ring holds, a database's journal gives back the same: lone surrogates (they reach an entry
    through headers and raw text bodies), NUL, JSON too deep to parse (kept as text), big numbers."""
    journal = new_journal()
    recorded = journal.record(
        lambda seq: JournalEntry.minimal(
            seq,
            "partner-kompas",  # client ids come from the identity store, never from the partner
            "x\x00y \udfff",
            path="/p\x00",
            request_headers={"x-odd": "\ud83d\x00"},
            request_body={"deep": DEEP.decode(), "big": 10**40, "text": "\udc00\ufffd", "nested": [[[{}]]]},
        )
    )
    [kept] = journal.entries()
    assert kept == recorded
    assert journal.accounts()["partner-kompas"]["recorded"] == 1


def test_a_lone_surrogate_leaves_every_way_of_reading_the_journal_working() -> None:
    with serving(create_app(Store.from_directory())) as url:
        parts = urllib.parse.urlsplit(url)
        for path, token in (
            ("/aanmeld/v1/aanmeldingen", "kbx-inschrijfwijzer"),
            ("/wimpel/v1/organisations", "kbx-noordstar"),
            ("/sandbox/journal-not-a-route", "kbx-admin-local"),
        ):
            connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
            connection.request(
                "POST",
                path,
                body=SURROGATE,
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )
            connection.getresponse().read()
            connection.close()
        with urllib.request.urlopen(
            urllib.request.Request(f"{url}/sandbox/journal", headers=ADMIN)
        ) as answer:
            page = json.loads(answer.read().decode("utf-8"))
        assert page["entries"][0]["request_body"] == {"x": "\ufffd"}
        as_json = CliRunner().invoke(main, ["journal", "--url", url, "--json"])
        table = CliRunner().invoke(main, ["journal", "--url", url])
    assert as_json.exit_code == 0, as_json.output
    assert len(json.loads(as_json.stdout_bytes)["entries"]) == 2
    assert table.exit_code == 0, table.output
    assert "2 journal entries" in table.output


def test_the_cli_writes_valid_json_even_for_a_surrogate_an_older_sandbox_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from koppelbox.cli import journal as cli_journal

    entry = {
        "seq": 1,
        "time": "2026-03-02T09:30:00.000Z",
        "client": "c\ud800",
        "operation": None,
        "method": "POST",
        "path": "/x",
        "query": "",
        "status": 400,
        "findings": [{"field": "", "message": "bad \udfff"}],
    }
    page = {"capacity": 1, "size": 1, "dropped": 0, "accounts": {}, "entries": [entry]}
    monkeypatch.setattr(cli_journal, "fetch_journal_page", lambda *a, **k: json.loads(json.dumps(page)))
    monkeypatch.setattr(cli_journal, "check_sandbox_url", lambda url: url)
    as_json = CliRunner().invoke(main, ["journal", "--json"])
    table = CliRunner().invoke(main, ["journal"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout_bytes.decode("utf-8"))["entries"][0]["client"] == "c\ud800"
    assert table.exit_code == 0, table.output
    assert "c\ufffd" in table.output
