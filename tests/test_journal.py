"""The request journal: bounded, masked, filterable, and readable through the control plane."""

from __future__ import annotations

import json
import threading

import pytest
from starlette.testclient import TestClient

from koppelbox.journal import Journal, JournalEntry, JournalFilter
from koppelbox.journal.masking import MASK, capture_body, findings_of, mask_headers
from koppelbox.server.app import create_app
from koppelbox.store import Store
from koppelbox.store.sql import engine as engines
from koppelbox.store.sql.engine import DatabaseUnavailable
from koppelbox.store.sql.journal import SqlJournal
from tests.backends import MakeJournal, every_backend, every_journal, journal_databases  # noqa: F401
from tests.support import ADMIN, bearer


def make_entry(
    seq: int, *, client: str | None = "c1", api: str = "wimpel", status: int = 200
) -> JournalEntry:
    return JournalEntry(
        seq=seq,
        at=1000.0 + seq,
        time="2026-03-02T09:30:00.000Z",
        elapsed_ms=1.0,
        client=client,
        token_ref=None,
        api=api,
        operation="listOrganisations",
        method="GET",
        path=f"/{api}/x",
        query="",
        request_headers={},
        request_body=None,
        status=status,
        response_headers={},
        response_body=None,
    )


def test_memory_stays_flat_however_many_requests_arrive(new_journal: MakeJournal) -> None:
    journal = new_journal(capacity=50)
    count = 500 if isinstance(journal, Journal) else 120  # a transaction each in a database: fewer will do
    for _ in range(count):
        journal.record(lambda seq: make_entry(seq))
    assert len(journal) == 50
    assert journal.dropped == count - 50
    assert [e.seq for e in journal.entries()] == list(range(count - 49, count + 1))


def test_concurrent_recording_keeps_every_sequence_number_unique(new_journal: MakeJournal) -> None:
    journal = new_journal(capacity=10_000)
    each = 500 if isinstance(journal, Journal) else 50  # a transaction each in a database: fewer will do

    def burst() -> None:
        for _ in range(each):
            journal.record(lambda seq: make_entry(seq))

    threads = [threading.Thread(target=burst) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = [e.seq for e in journal.entries()]
    assert len(seqs) == 8 * each
    assert seqs == sorted(set(seqs))


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (JournalFilter(client="c2"), [2]),
        (JournalFilter(api="/eduv"), [3]),
        (JournalFilter(status=404), [4]),
        (JournalFilter(status_class=4), [2, 4]),
        (JournalFilter(after=2), [3, 4]),
        (JournalFilter(client="c1", status_class=2), [1, 3]),
    ],
)
def test_filters_select_by_client_api_and_status(
    where: JournalFilter, expected: list[int], new_journal: MakeJournal
) -> None:
    journal = new_journal()
    journal.record(lambda s: make_entry(s))
    journal.record(lambda s: make_entry(s, client="c2", status=400))
    journal.record(lambda s: make_entry(s, api="eduv"))
    journal.record(lambda s: make_entry(s, status=404))
    assert [e.seq for e in journal.entries(where)] == expected


def test_limit_keeps_the_newest_entries(new_journal: MakeJournal) -> None:
    journal = new_journal()
    for _ in range(5):
        journal.record(lambda s: make_entry(s, client="c2" if s == 4 else "c1"))
    assert [e.seq for e in journal.entries(limit=2)] == [4, 5]
    assert [e.seq for e in journal.entries(JournalFilter(before=5), limit=2)] == [3, 4]
    assert [e.seq for e in journal.entries(JournalFilter(client="c1"), limit=2)] == [3, 5]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([("Authorization", "Bearer kbx-noordstar")], {"authorization": f"Bearer {MASK}"}),
        ([("authorization", "Basic cGFydG5lcjpzZWNyZXQ=")], {"authorization": f"Basic {MASK}"}),
        ([("Cookie", "session=abc")], {"cookie": MASK}),
        ([("Accept", "application/json")], {"accept": "application/json"}),
    ],
)
def test_credentials_in_headers_are_masked(headers: list[tuple[str, str]], expected: dict[str, str]) -> None:
    assert mask_headers(headers) == expected


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        (b'{"client_secret": "s3", "name": "x"}', "application/json", {"client_secret": MASK, "name": "x"}),
        (b'{"a": [{"access_token": "t"}]}', "application/json", {"a": [{"access_token": MASK}]}),
        (
            b"grant_type=client_credentials&client_secret=s3",
            "application/x-www-form-urlencoded",
            {"grant_type": "client_credentials", "client_secret": MASK},
        ),
        (b"client_secret=s3&x", "text/plain", f"client_secret={MASK}&x"),
        (b"%PDF-1.7", "application/pdf", {"binary": True, "bytes": 8, "content_type": "application/pdf"}),
        (b"", "application/json", None),
    ],
)
def test_secrets_in_bodies_are_masked(raw: bytes, content_type: str, expected: object) -> None:
    assert capture_body(raw, content_type) == expected


def test_oversized_bodies_are_summarised_not_kept() -> None:
    assert capture_body(b"x" * 100, "text/plain", limit=10) == {
        "truncated": True,
        "bytes": 100,
        "content_type": "text/plain",
    }


def test_findings_come_from_the_error_body() -> None:
    body = {"status": 400, "errors": [{"field": "name", "message": "is required"}]}
    assert findings_of(400, body) == [{"field": "name", "message": "is required"}]
    assert findings_of(403, {"status": 403, "statusMessage": "consent required"}) == [
        {"field": "", "message": "consent required"}
    ]
    assert findings_of(200, body) == []


@pytest.fixture
def http(client: TestClient) -> TestClient:
    """The shared sandbox with an empty journal (the journal outlives resets, so earlier tests' requests
    would otherwise still be in it)."""
    client.delete("/sandbox/journal", headers=ADMIN)
    return client


def journal_page(http: TestClient, **query: object) -> list[dict[str, object]]:
    response = http.get("/sandbox/journal", params=query, headers=ADMIN)
    assert response.status_code == 200
    entries: list[dict[str, object]] = response.json()["entries"]
    return entries


def test_every_request_is_recorded_with_client_operation_and_masked_token(http: TestClient) -> None:
    http.get("/wimpel/v1/organisations", headers=bearer("kbx-noordstar"))
    [entry] = journal_page(http, api="wimpel")
    assert entry["client"] == "partner-noordstar"
    assert entry["operation"] == "listOrganisations"
    assert entry["status"] == 200
    assert entry["request_headers"]["authorization"] == f"Bearer {MASK}"  # type: ignore[index]
    assert "kbx-noordstar" not in str(entry)


def test_error_answers_are_recorded_with_their_findings(http: TestClient) -> None:
    http.post("/wimpel/v1/organisations", json={"id": "NEW1"}, headers=bearer("kbx-noordstar"))
    http.get("/wimpel/v1/organisations", headers=bearer("kbx-noordstar-expired"))
    bad, expired = journal_page(http, statusClass=4)
    assert bad["status"] == 400
    assert {f["field"] for f in bad["findings"]} == {"name", "sourceId"}  # type: ignore[union-attr, index]
    assert expired["status"] == 401
    assert expired["client"] == "partner-noordstar"  # an expired token still says whose it was


def test_token_requests_are_attributed_and_never_leak_the_secret_or_token(http: TestClient) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": "partner-kompas",
        "client_secret": "kompas-secret",
    }
    token = http.post("/sandbox/oauth2/token", data=form).json()["access_token"]
    [entry] = journal_page(http, client="partner-kompas")
    assert entry["operation"] == "issueToken"
    assert "kompas-secret" not in str(entry)
    assert token not in str(entry)


def test_reset_keeps_the_journal_and_delete_empties_it(http: TestClient) -> None:
    http.get("/wimpel/v1/organisations", headers=bearer("kbx-kompas"))
    http.post("/sandbox/reset", headers=ADMIN)
    assert len(journal_page(http, api="wimpel")) == 1
    assert http.delete("/sandbox/journal", headers=ADMIN).json()["cleared"] == 2
    assert journal_page(http) == []  # and reading the journal is not itself recorded


def test_the_journal_needs_the_admin_token(http: TestClient) -> None:
    http.get("/wimpel/v1/organisations", headers=bearer("kbx-noordstar"))  # something to leak
    for headers in ({}, bearer("kbx-noordstar")):
        refused = http.get("/sandbox/journal", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["code"] == "unauthorized"
        assert "entries" not in refused.json()
        assert "kbx-noordstar" not in refused.text
        assert http.delete("/sandbox/journal", headers=headers).status_code == 401
    assert len(journal_page(http)) == 1  # the refused clear cleared nothing


def test_long_strings_are_elided_but_the_shape_of_the_body_is_kept() -> None:
    raw = json.dumps({"brin": "99XA", "documenten": [{"inhoud": "A" * 100_000}]}).encode()
    kept = capture_body(raw, "application/json")
    assert kept["brin"] == "99XA"
    assert kept["documenten"][0]["inhoud"].endswith("(100000 characters, elided)")


def test_a_body_refused_before_anyone_reads_it_is_still_recorded(http: TestClient) -> None:
    body = {"id": "KBX-1", "name": "x", "sourceId": "s"}
    http.post("/wimpel/v1/organisations", json=body, headers=bearer("kbx-noordstar-readonly"))
    [entry] = journal_page(http, status=403)
    assert entry["request_body"] == body


def test_a_big_body_is_kept_in_its_elided_form(http: TestClient) -> None:
    body = {"id": "KBX-BIG", "name": "n" * 50_000, "sourceId": "s"}
    http.post("/wimpel/v1/organisations", json=body, headers=bearer("kbx-kompas"))
    [entry] = journal_page(http, client="partner-kompas")
    assert entry["request_body"]["id"] == "KBX-BIG"  # type: ignore[index]
    assert entry["request_body"]["name"].endswith("(50000 characters, elided)")  # type: ignore[index]


def test_the_journal_size_is_configurable() -> None:
    app = create_app(Store.from_directory(), journal_size=3)
    with TestClient(app) as small:
        for _ in range(5):
            small.get("/wimpel/v1/organisations", headers=bearer("kbx-kompas"))
        page = small.get("/sandbox/journal", headers=ADMIN).json()
    assert (page["capacity"], page["size"], page["dropped"]) == (3, 3, 2)


def test_the_journal_accounts_for_what_each_client_lost(new_journal: MakeJournal) -> None:
    journal = new_journal(capacity=3)
    for client in ["a", "b", "a", "a", "b"]:
        journal.record(lambda s, c=client: make_entry(s, client=c))  # type: ignore[misc]
    accounts = journal.accounts()
    # #1 (a) and #2 (b) fell out of the ring; a still has #3 and #4 in it, b has #5.
    assert accounts["a"]["recorded"] == 3
    assert [(x["reason"], x["count"], x["lastSeq"]) for x in accounts["a"]["lost"]] == [("ring", 1, 1)]
    assert [(x["reason"], x["count"], x["lastSeq"]) for x in accounts["b"]["lost"]] == [("ring", 1, 2)]
    journal.clear()
    lost_by_a = [(x["reason"], x["count"], x["lastSeq"]) for x in journal.accounts()["a"]["lost"]]
    assert lost_by_a == [("ring", 1, 1), ("cleared", 2, 4)]  # in the order they were lost
    assert (len(journal), journal.dropped) == (0, 2)
    journal.record(lambda s: make_entry(s, client="a"))
    assert [e.seq for e in journal.entries()] == [6]  # numbers are never reused, clear or not


def test_pending_entries_are_accounted_to_the_client_named_when_recorded(new_journal: MakeJournal) -> None:
    journal = new_journal(capacity=1)
    journal.record_later(lambda s: make_entry(s, client="a"), "a")
    journal.record_later(lambda s: make_entry(s, client="b"), "b")
    assert journal.accounts()["a"]["lost"] == [
        {"reason": "ring", "count": 1, "lastSeq": 1, "lastAt": journal.accounts()["a"]["lost"][0]["lastAt"]}
    ]
    assert journal.accounts()["b"] == {"recorded": 1, "lost": []}


def test_health_probes_do_not_push_evidence_out_of_the_journal(client: TestClient) -> None:
    client.get("/wimpel/v1/organisations", headers=bearer("kbx-kompas"))
    for _ in range(3):
        assert client.get("/sandbox/health").status_code == 200
    assert [e.path for e in client.app.sandbox.journal.entries()] == ["/wimpel/v1/organisations"]  # type: ignore[attr-defined]


# The ring lives and dies with its process: only a database journal is found again by a later start.
@pytest.mark.parametrize("new_journal", ["sqlite", "postgresql"], indirect=True)
def test_a_smaller_bound_on_the_same_database_journal_pushes_the_oldest_out(new_journal: MakeJournal) -> None:
    """`serve --state` started again with a smaller `--journal-size`: the journal it finds is cut to the new
    bound at the next recording, and what fell out is accounted as for the ring."""
    journal = new_journal(capacity=5)
    assert isinstance(journal, SqlJournal)
    for _ in range(5):
        journal.record(lambda s: make_entry(s, client="a"))
    smaller = SqlJournal(journal.engine, journal.tenant, capacity=2)
    smaller.record(lambda s: make_entry(s, client="b"))
    assert [e.seq for e in smaller.entries()] == [5, 6]
    assert (len(smaller), smaller.dropped) == (2, 4)
    assert smaller.accounts()["a"]["lost"][0]["count"] == 4


def test_a_database_journal_whose_database_went_away_keeps_serving(caplog: pytest.LogCaptureFixture) -> None:
    """Recording happens after the answer was sent: a database that is away loses that entry (logged), it
    does not fail the exchange; reading the journal then is the API's 503 (DatabaseUnavailable)."""
    journal = SqlJournal(engines.connect("postgresql://kbx:s3cret@127.0.0.1:1/db"))
    with caplog.at_level("WARNING", logger="koppelbox.journal"):
        journal.record_later(lambda s: make_entry(s), "c1")
    assert "journal entry not kept" in caplog.text
    assert "s3cret" not in caplog.text
    with pytest.raises(DatabaseUnavailable):
        journal.entries()
