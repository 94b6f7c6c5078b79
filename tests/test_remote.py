"""The CLI's client of a running sandbox (cli/remote.py, issue 19): the journal read page by page with
`before`, bounded retries on connection errors only, and a timeout that fails a hung sandbox with one line."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import click
import httpx
import pytest

from koppelbox import Sandbox
from koppelbox.cli import remote

ADMIN = "kbx-admin-local"


@pytest.fixture(scope="module")
def busy() -> Iterator[str]:
    """A served sandbox whose journal holds 23 exchanges of two clients."""
    with Sandbox() as sandbox:
        with httpx.Client(base_url=sandbox.base_url) as http:
            for index in range(23):
                token = "kbx-kompas" if index % 3 else "kbx-noordstar"
                http.get("/wimpel/v1/organisations", headers={"Authorization": f"Bearer {token}"})
        yield sandbox.base_url


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    delays: list[float] = []
    monkeypatch.setattr(remote.time, "sleep", delays.append)
    return delays


def test_the_journal_is_read_page_by_page_whole_and_in_order(busy: str) -> None:
    whole = remote.get_json(busy, "/sandbox/journal", ADMIN, {"limit": 100000})
    paged = remote.fetch_journal_page(busy, ADMIN, page_size=5)
    assert [e["seq"] for e in paged["entries"]] == [e["seq"] for e in whole["entries"]]
    assert len(paged["entries"]) == 23
    assert paged["accounts"] == whole["accounts"]


def test_paging_keeps_the_filter(busy: str) -> None:
    paged = remote.fetch_journal_page(busy, ADMIN, page_size=2, client="partner-noordstar")
    assert [e["client"] for e in paged["entries"]] == ["partner-noordstar"] * 8
    seqs = [e["seq"] for e in paged["entries"]]
    assert seqs == sorted(set(seqs))


def test_a_page_size_that_divides_the_journal_ends_on_an_empty_page(busy: str) -> None:
    total = len(remote.fetch_journal_page(busy, ADMIN)["entries"])
    assert len(remote.fetch_journal_page(busy, ADMIN, page_size=total)["entries"]) == total


def mock_plane(monkeypatch: pytest.MonkeyPatch, handler: Any) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer: httpx.Response = handler(request)
        return answer

    def plane(base_url: str, admin_token: str) -> httpx.Client:
        return httpx.Client(
            base_url=base_url, transport=httpx.MockTransport(record), timeout=remote.timeout()
        )

    monkeypatch.setattr(remote, "control_plane", plane)
    return seen


def test_a_server_that_ignores_before_is_an_error_not_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    full = {"capacity": 9, "size": 9, "dropped": 0, "accounts": {}, "entries": [{"seq": 7}, {"seq": 8}]}
    seen = mock_plane(monkeypatch, lambda request: httpx.Response(200, json=full))
    with pytest.raises(click.ClickException, match="does not page its journal back"):
        remote.fetch_journal_page("http://sandbox.test", ADMIN, page_size=2)
    assert len(seen) == 2
    assert seen[1].url.params["before"] == "7"


def test_connection_errors_are_retried_with_backoff(
    monkeypatch: pytest.MonkeyPatch, slept: list[float]
) -> None:
    failures = iter([httpx.ConnectError("refused"), httpx.RemoteProtocolError("closed"), None])

    def flaky(request: httpx.Request) -> httpx.Response:
        failure = next(failures)
        if failure is not None:
            raise failure
        return httpx.Response(200, json={"status": "ok"})

    seen = mock_plane(monkeypatch, flaky)
    with remote.control_plane("http://sandbox.test", ADMIN) as http:
        assert remote.get_json("http://sandbox.test", "/sandbox/health", ADMIN, http=http) == {"status": "ok"}
    assert len(seen) == 3
    assert slept == [0.25, 0.5]


def test_retries_are_bounded(monkeypatch: pytest.MonkeyPatch, slept: list[float]) -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    seen = mock_plane(monkeypatch, refused)
    with pytest.raises(click.ClickException, match=r"\(4 attempts\): \[Errno 111\] Connection refused"):
        remote.fetch_journal_page("http://sandbox.test", ADMIN)
    assert len(seen) == 4
    assert sum(slept) < 2


def test_an_answer_is_never_retried(monkeypatch: pytest.MonkeyPatch, slept: list[float]) -> None:
    seen = mock_plane(monkeypatch, lambda request: httpx.Response(503, text="busy\x1b[2J"))
    with pytest.raises(click.ClickException, match="answered 503") as raised:
        remote.fetch_journal_page("http://sandbox.test", ADMIN)
    assert "\x1b" not in raised.value.message  # what a server says cannot drive the terminal
    assert len(seen) == 1
    assert slept == []


def test_a_hung_sandbox_times_out_once(monkeypatch: pytest.MonkeyPatch, slept: list[float]) -> None:
    # Connections complete in the kernel's backlog; nothing ever answers.
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        monkeypatch.setenv("KOPPELBOX_HTTP_TIMEOUT", "0.3")
        url = f"http://127.0.0.1:{hung.getsockname()[1]}"
        with pytest.raises(click.ClickException, match=r"did not answer /sandbox/journal within 0.3 s"):
            remote.fetch_journal_page(url, ADMIN)
    assert slept == []


def test_nobody_listening_is_one_line_after_the_retries(slept: list[float]) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: refused
        with pytest.raises(
            click.ClickException, match=rf"cannot reach the sandbox at http://127.0.0.1:{port}"
        ):
            remote.fetch_journal_page(f"http://127.0.0.1:{port}", ADMIN)
    assert slept == [0.25, 0.5, 1.0]
