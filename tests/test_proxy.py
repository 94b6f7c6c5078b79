"""`koppelbox proxy` end to end over real HTTP: client → proxy → a koppelbox sandbox (or a deliberately
wrong upstream, tests/proxy_upstreams.py) as the real API, with and without the guard."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from koppelbox import Sandbox
from koppelbox.cli import main
from koppelbox.conformance.local import ThreadedServer, free_port
from koppelbox.proxy.app import ProxyApp, ProxySettings
from tests.proxy_upstreams import BIG, GZIPPED, WrongUpstream

NOORDSTAR = {"Authorization": "Bearer kbx-noordstar"}
ADMIN = {"Authorization": "Bearer kbx-admin-local"}
NEW_ORGANISATION = {"id": "16SK07", "name": "Liemers College SGM", "sourceId": "proxy-test-1"}
UUID = "3f1c9a52-6d0e-4b7a-9c61-2f5d8e4a7b10"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture(scope="module")
def wrong() -> Iterator[tuple[str, WrongUpstream]]:
    app = WrongUpstream()
    server = ThreadedServer(app)
    yield server.base_url, app
    server.stop()


@contextmanager
def proxying(api: str, upstream: str, **settings: Any) -> Iterator[tuple[str, ProxyApp]]:
    settings.setdefault("client", "partner-noordstar")
    app = ProxyApp(ProxySettings(api, upstream, **settings))
    # As `koppelbox proxy` serves: no Server or Date header of its own.
    server = ThreadedServer(app, server_header=False, date_header=False)
    try:
        yield server.base_url, app
    finally:
        server.stop()


def entries(base_url: str) -> list[dict[str, Any]]:
    page = httpx.get(f"{base_url}/sandbox/journal", headers=ADMIN).json()
    found: list[dict[str, Any]] = page["entries"]
    return found


def without_date(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.multi_items() if k != "date"]


# --- what passes, passes unchanged -------------------------------------------------------------------------


def test_a_valid_exchange_comes_back_exactly_as_the_upstream_answered(sandbox: Sandbox) -> None:
    url = "/wimpel/v1/organisations?limit=2&active=true"
    with proxying("wimpel", f"{sandbox.base_url}/wimpel") as (proxy, _):
        direct = httpx.get(sandbox.base_url + url, headers=NOORDSTAR)
        via = httpx.get(proxy + url, headers=NOORDSTAR)
        recorded = entries(proxy)
    assert via.status_code == direct.status_code == 200
    assert via.content == direct.content
    assert without_date(via.headers) == without_date(direct.headers)
    assert recorded[-1]["operation"] == "listOrganisations"
    assert recorded[-1]["findings"] == recorded[-1]["drift"] == []


def test_the_request_reaches_the_upstream_byte_for_byte(wrong: tuple[str, WrongUpstream]) -> None:
    upstream, app = wrong
    body = b'{"id": "16SK07",  "name": "Liemers \\u00e9 College", "sourceId": "s-1"}'
    headers = {
        "Authorization": "Bearer secret-token-123",
        "Content-Type": "application/json; charset=utf-8",
        "X-Correlation-Id": "abc 123",
        "Prefer": "respond-async",
    }
    with proxying("wimpel", f"{upstream}/base") as (proxy, _):
        httpx.post(f"{proxy}/wimpel/v1/organisations", content=body, headers=headers)
    received = app.received[-1]
    assert received.method == "POST"
    assert received.raw_path == b"/base/v1/organisations"
    assert received.body == body
    sent = {k.decode().lower(): v.decode() for k, v in received.headers}
    for name, value in headers.items():
        assert sent[name.lower()] == value  # credentials untouched
    assert "user-agent" in sent
    assert "httpx" in sent["user-agent"]


def test_the_path_keeps_its_encoding(wrong: tuple[str, WrongUpstream]) -> None:
    upstream, app = wrong
    with proxying("wimpel", upstream) as (proxy, _):
        httpx.get(f"{proxy}/wimpel/v1/organisations/16S%4B?x=%C3%A9+1", headers=NOORDSTAR)
    assert app.received[-1].raw_path == b"/v1/organisations/16S%4B"
    assert app.received[-1].query_string == b"x=%C3%A9+1"


def test_credentials_pass_through_and_are_never_stored(sandbox: Sandbox) -> None:
    with proxying("wimpel", f"{sandbox.base_url}/wimpel") as (proxy, _):
        answer = httpx.get(f"{proxy}/wimpel/v1/organisations", headers=NOORDSTAR)
        page = CliRunner().invoke(main, ["journal", "--url", proxy, "--json"])
    assert answer.status_code == 200  # the upstream accepted the token the proxy passed on
    assert page.exit_code == 0, page.output
    assert "kbx-noordstar" not in page.output
    entry = json.loads(page.output)["entries"][-1]
    assert entry["request_headers"]["authorization"] == "Bearer ***"
    assert entry["client"] == "partner-noordstar"
    assert entry["token_ref"]


# --- requests with findings: flagged, or refused by the guard ----------------------------------------------


def test_without_the_guard_a_wrong_request_is_forwarded_and_flagged(sandbox: Sandbox) -> None:
    before = len(sandbox.journal("partner-noordstar", api="wimpel"))
    with proxying("wimpel", f"{sandbox.base_url}/wimpel") as (proxy, _):
        answer = httpx.post(
            f"{proxy}/wimpel/v1/organisations",
            content=b'{"id": "16SK07", "name": 5}',
            headers={**NOORDSTAR, "Content-Type": "application/json"},
        )
        entry = entries(proxy)[-1]
    assert answer.status_code == 400
    assert "koppelbox guard" not in answer.text  # the upstream's own answer
    assert len(sandbox.journal("partner-noordstar", api="wimpel")) == before + 1  # it went upstream
    assert {"field": "name", "message": "must be text [KBX-SCHEMA-TYPE, line 1 column 26]"} in entry[
        "findings"
    ]
    assert entry["drift"] == []


def test_the_guard_answers_a_wrong_request_itself_and_never_forwards_it(sandbox: Sandbox) -> None:
    before = len(sandbox.journal("partner-noordstar", api="wimpel"))
    with proxying("wimpel", f"{sandbox.base_url}/wimpel", guard=True) as (proxy, _):
        answer = httpx.post(
            f"{proxy}/wimpel/v1/organisations", json={"id": "16SK07", "name": 5}, headers=NOORDSTAR
        )
        valid = httpx.get(f"{proxy}/wimpel/v1/organisations", headers=NOORDSTAR)
        recorded = entries(proxy)
    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == {"status", "code", "message", "errors"}  # Wimpel's error format
    assert body["message"].startswith("koppelbox guard:")
    assert {e["field"] for e in body["errors"]} == {"name", "sourceId"}
    assert any("line 1 column" in e["message"] for e in body["errors"])  # located
    assert answer.headers["koppelbox-proxy"] == "refused"
    assert valid.status_code == 200  # a valid one goes through
    assert len(sandbox.journal("partner-noordstar", api="wimpel")) == before + 1  # only the valid one
    assert recorded[0]["status"] == 400
    assert recorded[0]["findings"]


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (b'{"id": ', "KBX-JSON-SYNTAX"),
        (b"\xff\xfe{}", "KBX-JSON-ENCODING"),
        (b"[" * 5000 + b"]" * 5000, "KBX-JSON-SYNTAX"),
        (b'{"id": "16SK07", "name": "x", "sourceId": ' + b"1" * 5000 + b"}", "KBX-JSON-SYNTAX"),
    ],
    ids=["cut-off", "not-utf8", "too-deep", "huge-number"],
)
def test_the_guard_refuses_a_body_it_cannot_read_and_never_fails(
    wrong: tuple[str, WrongUpstream], body: bytes, rule: str
) -> None:
    upstream, app = wrong
    before = len(app.received)
    with proxying("wimpel", upstream, guard=True) as (proxy, _):
        answer = httpx.post(
            f"{proxy}/wimpel/v1/organisations",
            content=body,
            headers={**NOORDSTAR, "Content-Type": "application/json"},
        )
    assert answer.status_code == 400
    assert rule in answer.text
    assert len(app.received) == before


def test_the_guard_answers_in_the_apis_own_error_format(sandbox: Sandbox) -> None:
    with proxying("eduv", f"{sandbox.base_url}/eduv", guard=True, client="consumer-sleutelbos") as (proxy, _):
        answer = httpx.get(
            f"{proxy}/eduv/v1/employees/school",
            params={"orgId": "16SK"},
            headers={"Authorization": "Bearer kbx-sleutelbos"},
        )
        elsewhere = httpx.get(f"{proxy}/eduv/v2/nothing", headers={"Authorization": "Bearer kbx-sleutelbos"})
    assert answer.status_code == 400
    assert set(answer.json()) == {"status", "statusMessage"}  # Edu-V's
    assert answer.json()["status"] == 11
    assert "orgIdType" in answer.json()["statusMessage"]
    assert elsewhere.status_code == 404


# --- the upstream's faults ---------------------------------------------------------------------------------


def test_an_answer_that_breaks_the_contract_is_upstream_drift(wrong: tuple[str, WrongUpstream]) -> None:
    upstream, _ = wrong
    with proxying("wimpel", upstream) as (proxy, _):
        listed = httpx.get(f"{proxy}/wimpel/v1/organisations", headers=NOORDSTAR)
        teapot = httpx.get(f"{proxy}/wimpel/v1/organisations/16SK", headers=NOORDSTAR)
        listed_entry, teapot_entry = entries(proxy)
    assert listed.status_code == 200
    assert listed.json() == [{"id": 5}]
    assert teapot.status_code == 418
    assert teapot.content == b"I am a teapot"
    assert listed_entry["findings"] == []  # not the client's fault
    assert any(d["field"] == "[0].id" for d in listed_entry["drift"])
    assert any(
        d["field"] == "[0].sourceId" and "KBX-SCHEMA-REQUIRED" in d["message"] for d in listed_entry["drift"]
    )
    assert "418 is not documented" in teapot_entry["drift"][0]["message"]


def test_a_compressed_answer_passes_compressed_and_is_checked_unzipped(
    wrong: tuple[str, WrongUpstream],
) -> None:
    upstream, _ = wrong
    with proxying("wimpel", upstream) as (proxy, _):
        with httpx.stream("GET", f"{proxy}/wimpel/v1/organisations/GZIP", headers=NOORDSTAR) as answer:
            raw = b"".join(answer.iter_raw())
        entry = entries(proxy)[-1]
    assert answer.headers["content-encoding"] == "gzip"
    assert raw == GZIPPED
    assert any(d["field"] == "id" for d in entry["drift"])
    assert entry["response_body"] == {"id": 5, "name": "Gezipt"}


def test_an_answer_broken_off_half_way_is_broken_off_for_the_client_too(
    wrong: tuple[str, WrongUpstream],
) -> None:
    upstream, _ = wrong
    with proxying("wimpel", upstream) as (proxy, _):
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{proxy}/wimpel/v1/organisations/BROKEN", headers=NOORDSTAR)
        entry = entries(proxy)[-1]
    assert entry["status"] == 200
    assert "broke off the response" in entry["drift"][0]["message"]


def test_an_upstream_that_is_down_is_a_502_with_the_reason() -> None:
    with proxying("wimpel", f"http://127.0.0.1:{free_port()}") as (proxy, _):
        answer = httpx.get(f"{proxy}/wimpel/v1/organisations", headers=NOORDSTAR)
        entry = entries(proxy)[-1]
    assert answer.status_code == 502
    assert answer.json()["code"] == "bad_gateway"
    assert "refused the connection" in answer.json()["message"]
    assert entry["status"] == 502


def test_an_upstream_that_is_too_slow_is_a_504(wrong: tuple[str, WrongUpstream]) -> None:
    upstream, _ = wrong
    with proxying("wimpel", upstream, timeout=0.3) as (proxy, _):
        answer = httpx.get(f"{proxy}/wimpel/v1/organisations/SLOW", headers=NOORDSTAR)
    assert answer.status_code == 504
    assert "did not answer within 0.3 s" in answer.json()["message"]


@pytest.fixture(scope="module")
def tls_upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    server = ThreadedServer(WrongUpstream(), ssl_certfile=str(cert), ssl_keyfile=str(key))
    yield server.base_url.replace("http://", "https://"), cert
    server.stop()


def test_tls_is_verified_unless_told_otherwise(tls_upstream: tuple[str, Path]) -> None:
    upstream, cert = tls_upstream
    with proxying("wimpel", upstream) as (proxy, _):
        refused = httpx.get(f"{proxy}/wimpel/v1/organisations/16SK", headers=NOORDSTAR)
    with proxying("wimpel", upstream, verify=str(cert)) as (proxy, _):
        trusted = httpx.get(f"{proxy}/wimpel/v1/organisations/16SK", headers=NOORDSTAR)
    assert refused.status_code == 502
    assert "TLS verification of the upstream failed" in refused.json()["message"]
    assert trusted.status_code == 418


def test_connections_the_upstream_closed_while_idle_are_not_used_again() -> None:
    # The proxy keeps connections to the upstream open for the next request; an upstream drops idle
    # ones after its keep-alive timeout (uvicorn's 5 s, here 0.1 s), and that must not cost a request.
    app = WrongUpstream()
    server = ThreadedServer(app, timeout_keep_alive=0.1)
    try:
        with proxying("wimpel", server.base_url) as (proxy, _):
            statuses = []
            for _ in range(3):
                statuses.append(httpx.get(f"{proxy}/wimpel/v1/organisations", headers=NOORDSTAR).status_code)
                time.sleep(0.4)  # longer than the upstream keeps an idle connection
    finally:
        server.stop()
    assert statuses == [200, 200, 200]
    assert len(app.received) == 3


def test_a_chunked_request_body_reaches_the_upstream_whole(wrong: tuple[str, WrongUpstream]) -> None:
    upstream, app = wrong
    body = json.dumps(NEW_ORGANISATION).encode()

    def pieces() -> Iterator[bytes]:  # no Content-Length: the client sends it chunked
        yield body[:10]
        yield body[10:]

    with proxying("wimpel", upstream) as (proxy, _):
        httpx.post(
            f"{proxy}/wimpel/v1/organisations",
            content=pieces(),
            headers={**NOORDSTAR, "Content-Type": "application/json"},
        )
    assert app.received[-1].body == body


# --- large bodies ------------------------------------------------------------------------------------------


def test_large_bodies_stream_through_unchanged(wrong: tuple[str, WrongUpstream]) -> None:
    upstream, app = wrong
    document = BIG[: 3 * 1024 * 1024]
    with proxying("aanmeld", upstream) as (proxy, _):
        uploaded = httpx.post(
            f"{proxy}/aanmeld/v1/aanmeldingen/{UUID}/documenten",
            files={"bestand": ("rapport.pdf", document, "application/pdf")},
            headers={"Authorization": "Bearer kbx-aanmeldloket"},
        )
    received = app.received[-1]
    assert uploaded.status_code == 201
    assert document in received.body  # the multipart body arrived whole
    assert uploaded.json()["bytes"] == len(received.body)
    with proxying("wimpel", upstream) as (proxy, _):
        with httpx.stream("GET", f"{proxy}/wimpel/v1/organisations/BIG", headers=NOORDSTAR) as big:
            digest = hashlib.sha256()
            for chunk in big.iter_raw():
                digest.update(chunk)
        entry = entries(proxy)[-1]
    assert digest.hexdigest() == hashlib.sha256(BIG).hexdigest()
    assert big.headers["x-upstream"] == "Big"
    assert entry["response_body"] == {
        "binary": True,
        "bytes": len(BIG),
        "content_type": "application/octet-stream",
    }


# --- the journal's readers ---------------------------------------------------------------------------------


def test_certify_judges_the_traffic_that_went_through(sandbox: Sandbox, tmp_path: Path) -> None:
    with proxying("wimpel", f"{sandbox.base_url}/wimpel") as (proxy, _):
        httpx.get(f"{proxy}/wimpel/v1/organisations", headers=NOORDSTAR)
        httpx.post(f"{proxy}/wimpel/v1/organisations", json={"name": 5}, headers=NOORDSTAR)
        result = CliRunner().invoke(
            main,
            [
                "certify",
                "--url",
                proxy,
                "--api",
                "wimpel",
                "--client",
                "partner-noordstar",
                "--out",
                str(tmp_path),
            ],
        )
    assert result.exit_code == 1, result.output  # judged: a wrong payload, and scenarios never exercised
    evidence = json.loads((tmp_path / "evidence.json").read_text())
    verdicts = {v["id"]: v for v in evidence["verdicts"]}
    assert verdicts["payloads"]["outcome"] == "fail"


def test_the_journal_needs_the_admin_token(sandbox: Sandbox) -> None:
    with proxying("wimpel", f"{sandbox.base_url}/wimpel") as (proxy, _):
        refused = httpx.get(f"{proxy}/sandbox/journal", headers=NOORDSTAR)
    assert refused.status_code == 401


def test_the_command_keeps_the_journal_on_this_machine_unless_given_a_token() -> None:
    result = CliRunner().invoke(
        main, ["proxy", "--api", "wimpel", "--upstream", "https://example.org", "--host", "0.0.0.0"]
    )
    assert result.exit_code == 2
    assert "admin token" in result.output


@pytest.mark.slow  # a real process: the command as a vendor starts it
def test_the_command_says_what_it_did_with_each_request(wrong: tuple[str, WrongUpstream]) -> None:
    upstream, _ = wrong
    port = free_port()
    command = [sys.executable, "-m", "koppelbox", "proxy", "--api", "wimpel", "--upstream", upstream]
    command += ["--port", str(port), "--guard", "--client", "partner-noordstar"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/wimpel/v1/organisations", json={"name": 5}, headers=NOORDSTAR
                )
                break
            except httpx.TransportError:
                time.sleep(0.2)
        listed = httpx.get(f"http://127.0.0.1:{port}/wimpel/v1/organisations", headers=NOORDSTAR)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert answer.status_code == 400
    # the upstream's own Server and Date, and none of the proxy's besides
    assert listed.headers.get_list("server") == ["uvicorn"]
    assert len(listed.headers.get_list("date")) == 1
    assert "REFUSED   400 POST /wimpel/v1/organisations  (3 finding(s))" in stderr
    assert "forwarded 200 GET /wimpel/v1/organisations  (" in stderr
    assert "drift" in stderr


def test_the_proxy_starts_without_loading_the_sandbox_server() -> None:
    # Connexion is the sandbox's, and seconds of start-up on a busy machine: the proxy serves no
    # Connexion app, so neither the app nor the command (as `koppelbox proxy` loads them) imports it.
    code = (
        "import sys; from koppelbox.cli import main; import koppelbox.cli.proxy, koppelbox.proxy.app; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('connexion', 'flask')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
