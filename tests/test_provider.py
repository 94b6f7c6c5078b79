"""`koppelbox conformance` against a real server: the sandbox itself must pass, and a deliberately broken
variant of it must fail with the finding that names its defect."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from koppelbox.cli import main
from koppelbox.conformance.local import serving
from koppelbox.conformance.provider import ProviderRun, run_provider
from koppelbox.conformance.verdicts import Outcome, Report
from koppelbox.server.app import create_app
from koppelbox.store import Store

# Small on purpose: two cores are shared by the whole suite. `koppelbox conformance` defaults to more.
EXAMPLES = 8
PHASES = ("examples", "coverage", "fuzzing")


def ignoring_the_active_filter(app: Any) -> Any:
    """Broken Wimpel: answers `?active=...` as if the filter was not there."""

    async def broken(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/wimpel/v1/organisations":
            kept = [p for p in scope["query_string"].split(b"&") if not p.startswith(b"active=")]
            scope = {**scope, "query_string": b"&".join(kept)}
        await app(scope, receive, send)

    return broken


def ignoring_scopes(app: Any) -> Any:
    """Broken Edu-V: serves every attribute whatever the token's scopes (swaps in a full-scope token)."""

    async def broken(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = [
                (k, b"Bearer kbx-sleutelbos" if k == b"authorization" else v) for k, v in scope["headers"]
            ]
            scope = {**scope, "headers": headers}
        await app(scope, receive, send)

    return broken


@pytest.fixture(scope="module")
def sandbox_app() -> Any:
    return create_app(Store.from_directory())


@pytest.fixture
def sandbox_url(sandbox_app: Any) -> Iterator[str]:
    with serving(sandbox_app) as url:
        yield url


def failures(report: Report) -> list[tuple[str, str]]:
    return [(v.id, v.detail) for v in report.verdicts if v.outcome is Outcome.FAIL]


WIMPEL = {"Authorization": "Bearer kbx-noordstar"}
EDUV_BASIC = {"Authorization": "Bearer kbx-sleutelbos-basic"}
BASIC = frozenset({"eduv.employee.basic"})


@pytest.mark.slow
def test_the_sandbox_passes_as_a_wimpel_provider(sandbox_url: str) -> None:
    run = ProviderRun(
        "wimpel", f"{sandbox_url}/wimpel", WIMPEL, max_examples=EXAMPLES, phases=PHASES, allow_writes=True
    )
    report = run_provider(run)
    assert failures(report) == []
    exercised = {v.id for v in report.verdicts if v.outcome is Outcome.PASS}
    assert {
        "GET /v1/organisations 200",
        "GET /v1/organisations 400",
        "GET /v1/organisations 401",
        "DELETE /v1/organisations/{id} 401",
    } <= exercised


@pytest.mark.slow
def test_a_wimpel_server_that_ignores_the_active_filter_fails() -> None:
    # A sandbox of its own: the filter can only be caught with active and inactive organisations in the
    # list, and the module's shared sandbox has had its seeded ones deleted by earlier runs.
    with serving(ignoring_the_active_filter(create_app(Store.from_directory()))) as url:
        run = ProviderRun(
            "wimpel", f"{url}/wimpel", WIMPEL, max_examples=EXAMPLES, phases=PHASES, allow_writes=True
        )
        report = run_provider(run)
    # The broken server also accepts a malformed `active` (it drops it), so schemathesis' own check may be
    # named first; the filter check must be among the failures of that line, with the request behind it.
    listed = next(v for v in report.verdicts if v.id == "GET /v1/organisations 200")
    assert listed.outcome is Outcome.FAIL
    semantic = [e for e in listed.evidence if e["check"] == "kbx_filter_semantics"]
    assert semantic, failures(report)
    assert "active=" in semantic[0]["message"]


@pytest.mark.slow
def test_the_sandbox_passes_as_an_eduv_provider_with_a_trimmed_token(sandbox_url: str) -> None:
    run = ProviderRun("eduv", f"{sandbox_url}/eduv", EDUV_BASIC, BASIC, max_examples=EXAMPLES, phases=PHASES)
    report = run_provider(run)
    assert failures(report) == []


@pytest.mark.slow
def test_an_eduv_server_that_ignores_scopes_fails_on_trimming(sandbox_app: Any) -> None:
    with serving(ignoring_scopes(sandbox_app)) as url:
        run = ProviderRun("eduv", f"{url}/eduv", EDUV_BASIC, BASIC, max_examples=EXAMPLES, phases=PHASES)
        report = run_provider(run)
    found = dict(failures(report))
    assert "kbx_scope_trimming" in found.get("GET /v1/employees/school 200", ""), found


class FakeResponse:
    status_code = 200
    headers: dict[str, str] = {}  # noqa: RUF012 - a stand-in, never mutated
    content = b'[{"email": "x@example.nl", "brin": "not a brin"}]'


def test_domain_checks_stay_silent_outside_a_provider_run() -> None:
    """Registered globally in schemathesis, they must not judge the sandbox's own self-fuzz."""
    from koppelbox.conformance import checks

    case = type("Case", (), {"method": "GET", "path": "/v1/employees/school", "query": {}})()
    for check in (checks.kbx_dutch_identifiers, checks.kbx_scope_trimming, checks.kbx_filter_semantics):
        assert check(None, FakeResponse(), case) is None
    checks.ACTIVE.set(checks.RunContext("eduv", frozenset({"eduv.employee.basic"})))
    try:
        with pytest.raises(AssertionError, match="brin"):
            checks.kbx_dutch_identifiers(None, FakeResponse(), case)
        with pytest.raises(AssertionError, match="email"):
            checks.kbx_scope_trimming(None, FakeResponse(), case)
    finally:
        checks.ACTIVE.set(None)


@pytest.mark.slow
def test_conformance_cli_fetches_a_token_and_writes_reports(sandbox_url: str, tmp_path: Path) -> None:
    arguments = [
        "conformance", "--api", "wimpel", "--base-url", f"{sandbox_url}/wimpel",
        "--client-id", "partner-noordstar", "--client-secret", "noordstar-secret",
        "--max-examples", "3", "--phase", "examples", "--out", str(tmp_path),
    ]  # fmt: skip
    result = CliRunner().invoke(main, arguments)
    # The contract gives the list's query parameters no examples: the examples phase alone never asks
    # for a list, so the run cannot say PASSED.
    assert result.exit_code == 3, result.output
    evidence = json.loads((tmp_path / "evidence.json").read_text())
    assert evidence["status"] == "INCOMPLETE"
    assert "GET /v1/organisations" in [r.split(":")[0] for r in evidence["incomplete"]]
    assert "wimpel.organisations.write" in evidence["scopes"]
    assert (tmp_path / "junit.xml").is_file()
    assert (tmp_path / "report.html").is_file()


def test_the_journal_cli_reads_a_running_sandbox(sandbox_url: str) -> None:
    request = urllib.request.Request(
        f"{sandbox_url}/wimpel/v1/organisations/KBX-404", headers={"Authorization": "Bearer kbx-kompas"}
    )
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=10)
    result = CliRunner().invoke(
        main, ["journal", "--url", sandbox_url, "--client", "partner-kompas", "--json"]
    )
    assert result.exit_code == 0, result.output
    [entry] = [e for e in json.loads(result.output)["entries"] if e["path"].endswith("KBX-404")]
    assert entry["status"] == 404
    assert entry["operation"] == "getOrganisation"


def accepting_any_token(app: Any) -> Any:
    """Broken Wimpel: lets requests without credentials through as a known client."""

    async def broken(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not any(k == b"authorization" for k, _ in scope["headers"]):
            scope = {**scope, "headers": [*scope["headers"], (b"authorization", b"Bearer kbx-noordstar")]}
        await app(scope, receive, send)

    return broken


@pytest.mark.slow
def test_a_server_that_lets_anonymous_requests_in_fails_the_401_lines(sandbox_app: Any) -> None:
    with serving(accepting_any_token(sandbox_app)) as url:
        run = ProviderRun("wimpel", f"{url}/wimpel", WIMPEL, max_examples=2, phases=("examples",))
        report = run_provider(run)
    found = dict(failures(report))
    assert "With no token the answer was 200" in found["GET /v1/organisations 401"]


@pytest.mark.slow
@pytest.mark.parametrize("api", ["eduv", "aanmeld", "sandbox"])  # Wimpel: see the first test
def test_koppelbox_fuzz_passes_on_every_api(api: str, tmp_path: Path) -> None:
    """The long-run command, shortened: every check (ours included) fits every API the sandbox serves."""
    result = CliRunner().invoke(main, ["fuzz", "--api", api, "--max-examples", "2", "--out", str(tmp_path)])
    # Even two examples per operation reach every success answer: fuzz feeds the records its own sandbox
    # holds (and a client's secret for the token endpoint) to the operations that need them (issue 19).
    evidence = json.loads((tmp_path / "evidence.json").read_text())
    assert (result.exit_code, evidence["status"], evidence["incomplete"]) == (0, "PASSED", []), result.output


def vendor_server(app: Any, methods: list[str]) -> Any:
    """The sandbox as someone else's server: no koppelbox health probe; records every API request's method."""

    async def vendor(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if scope["path"] == "/sandbox/health":
                await send({"type": "http.response.start", "status": 404, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            if scope["path"].startswith("/wimpel/"):
                methods.append(scope["method"])
        await app(scope, receive, send)

    return vendor


def organisation_ids(url: str) -> set[str]:
    request = urllib.request.Request(
        f"{url}/wimpel/v1/organisations?limit=100", headers={"Authorization": "Bearer kbx-noordstar"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return {o["id"] for o in json.loads(response.read())}


def verdict(evidence: dict[str, Any], vid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(v for v in evidence["verdicts"] if v["id"] == vid)
    return found


@pytest.mark.slow
def test_someone_elses_server_is_only_read_and_the_named_id_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    methods: list[str] = []
    monkeypatch.chdir(tmp_path)
    with serving(vendor_server(create_app(Store.from_directory()), methods)) as url:
        known = sorted(organisation_ids(url))[0]
        arguments = [
            "conformance", "--api", "wimpel", "--base-url", f"{url}/wimpel", "--token", "kbx-noordstar",
            "--id", f"id={known}", "--max-examples", "2", "--phase", "examples", "--out", "out",
        ]  # fmt: skip
        result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 3, result.output  # INCOMPLETE: the write operations were not run
    assert (
        "read-only: will not run createOrganisation, updateOrganisation, deleteOrganisation" in result.output
    )
    assert set(methods) == {"GET"}
    evidence = json.loads((tmp_path / "out" / "evidence.json").read_text())
    created = verdict(evidence, "POST /v1/organisations 201")
    assert created["outcome"] == "not-exercised"
    assert "--allow-writes" in created["detail"]
    named = verdict(evidence, "GET /v1/organisations/{id} 200")
    assert named["outcome"] == "pass"
    assert f"/organisations/{known}" in named["evidence"][0]["request"]["uri"]
    assert any(r.startswith("POST /v1/organisations: no documented success") for r in evidence["incomplete"])
    exercised, documented = evidence["coverage"]["exercised"], evidence["coverage"]["documented"]
    assert f"coverage: {exercised} of {documented} documented responses exercised" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no .hypothesis/ left in the cwd


@pytest.mark.slow
def test_allow_writes_deletes_what_the_run_created(tmp_path: Path) -> None:
    methods: list[str] = []
    with serving(vendor_server(create_app(Store.from_directory()), methods)) as url:
        before = organisation_ids(url)
        arguments = [
            "conformance", "--api", "wimpel", "--base-url", f"{url}/wimpel", "--token", "kbx-noordstar",
            "--allow-writes", "--max-examples", "2", "--phase", "examples", "--phase", "stateful",
            "--out", str(tmp_path),
        ]  # fmt: skip
        result = CliRunner().invoke(main, arguments)
        after = organisation_ids(url)
    assert "writes allowed (--allow-writes)" in result.output
    assert "POST" in methods
    assert after == before, result.output
    cleanup = json.loads((tmp_path / "evidence.json").read_text())["cleanup"]
    assert cleanup["deleted"]
    assert cleanup["left_behind"] == []
    assert f"deleted {len(cleanup['deleted'])} created resource(s), 0 left behind" in result.output


@pytest.mark.slow
def test_eduv_ids_from_a_file_select_the_school(sandbox_url: str, tmp_path: Path) -> None:
    """Edu-V's "ids" are query parameters: the school the 200 answers are asked about comes from --ids."""
    ids = tmp_path / "ids.yaml"
    ids.write_text("query.orgMasterId: 100X099\n")
    arguments = [
        "conformance", "--api", "eduv", "--base-url", f"{sandbox_url}/eduv",
        "--token", "kbx-sleutelbos-basic", "--scopes", "eduv.employee.basic", "--ids", str(ids),
        "--max-examples", "5", "--phase", "fuzzing", "--out", str(tmp_path / "out"),
    ]  # fmt: skip
    result = CliRunner().invoke(main, arguments)
    assert "read-only: the contract has no operation that creates, changes or deletes" in result.output
    evidence = json.loads((tmp_path / "out" / "evidence.json").read_text())
    answered = verdict(evidence, "GET /v1/employees/school 200")
    assert answered["outcome"] == "pass", result.output
    assert "orgMasterId=100X099" in answered["evidence"][0]["request"]["uri"]


@pytest.mark.slow
def test_auth_probes_never_aim_a_write_at_a_record_that_exists(tmp_path: Path) -> None:
    """A server that ignores a missing token would carry out the probe: with writes allowed, the probes
    of operations that change data name an id that no server holds, never a named or example id."""
    probed: list[str] = []

    def recording(app: Any) -> Any:
        async def server(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["method"] != "GET":
                authorization = dict(scope["headers"]).get(b"authorization", b"")
                if not authorization.startswith(b"Bearer kbx-noordstar"):
                    probed.append(scope["path"])
            await app(scope, receive, send)

        return server

    with serving(vendor_server(recording(create_app(Store.from_directory())), [])) as url:
        existing = organisation_ids(url)
        arguments = [
            "conformance", "--api", "wimpel", "--base-url", f"{url}/wimpel", "--token", "kbx-noordstar",
            "--allow-writes", "--id", f"id={sorted(existing)[0]}", "--max-examples", "1",
            "--phase", "examples", "--out", str(tmp_path),
        ]  # fmt: skip
        CliRunner().invoke(main, arguments)
    aimed = {path.rsplit("/", 1)[-1] for path in probed if path.startswith("/wimpel/v1/organisations/")}
    assert aimed == {"kbx-conformance-probe"}, probed
