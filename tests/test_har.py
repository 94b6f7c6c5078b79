"""Recorded traffic in and out: `validate --har` and `certify --har` on HAR files made by real producers
(mitmproxy's mitmdump and Chromium through Playwright, tests/data/har/README.md), and `journal --har`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from koppelbox import Sandbox
from koppelbox.cli import main
from tests.data.har.record import SESSION

HARS = Path(__file__).parent / "data" / "har"
PRODUCERS = ["mitmdump.har", "chromium.har"]


def run(*arguments: str) -> Any:
    return CliRunner().invoke(main, list(arguments))


def findings_of(har: Path) -> set[tuple[str, str, str]]:
    result = run("validate", "--har", str(har), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    return {
        (entry["file"].split("#", 1)[1], finding["rule"], finding["field"])
        for entry in report["files"]
        for finding in entry["findings"]
    }


@pytest.mark.parametrize("name", PRODUCERS)
def test_validate_judges_every_exchange_of_a_recording(name: str) -> None:
    found = findings_of(HARS / name)
    assert found == {
        ("4 POST /wimpel/v1/organisations request", "KBX-SCHEMA-TYPE", "name"),
        ("4 POST /wimpel/v1/organisations request", "KBX-SCHEMA-REQUIRED", "sourceId"),
        ("8 GET /eduv/v1/employees/school request", "KBX-EDUV-QUERY", "query.orgIdType"),
    }


def test_validate_names_the_operation_and_leaves_out_what_is_no_api_call() -> None:
    result = run("validate", "--har", str(HARS / "chromium.har"))
    assert "wimpel createOrganisation request" in result.stdout
    assert "eduv listSchoolEmployees request" in result.stdout
    assert "/sandbox/health" not in result.stdout
    assert "1 exchange(s)" in result.stderr


def test_validate_finds_drift_in_a_recorded_answer(tmp_path: Path) -> None:
    har = json.loads((HARS / "mitmdump.har").read_text())
    listed = har["log"]["entries"][1]  # GET /wimpel/v1/organisations?limit=2
    listed["response"]["content"]["text"] = json.dumps([{"id": 5}])
    changed = tmp_path / "drift.har"
    changed.write_text(json.dumps(har))
    result = run("validate", "--har", str(changed), "--format", "json")
    report = json.loads(result.stdout)
    drift = next(
        e for e in report["files"] if e["file"].endswith("#2 GET /wimpel/v1/organisations response 200")
    )
    assert {f["field"] for f in drift["findings"]} >= {"[0].id", "[0].name"}


def test_a_file_that_is_no_har_is_a_usage_error(tmp_path: Path) -> None:
    other = tmp_path / "x.har"
    other.write_text('{"entries": []}')
    result = run("validate", "--har", str(other))
    assert result.exit_code == 2
    assert "no log.entries" in result.output


@pytest.fixture(scope="module")
def live_session() -> Any:
    """The same session the HAR files hold, sent straight to a sandbox: its journal is the reference."""
    with Sandbox() as sandbox:
        with httpx.Client(base_url=sandbox.base_url) as client:
            for method, path, authorization, body in SESSION:
                client.request(
                    method, path, headers={"Authorization": authorization} if authorization else {}, json=body
                )
        yield sandbox


def verdicts(out: Path) -> dict[str, str]:
    evidence = json.loads((out / "evidence.json").read_text())
    return {v["id"]: v["outcome"] for v in evidence["verdicts"]}


@pytest.mark.parametrize("name", PRODUCERS)
def test_certify_gives_the_verdict_the_journal_gives(
    name: str, live_session: Sandbox, tmp_path: Path
) -> None:
    client = ["--api", "wimpel", "--client", "partner-noordstar"]
    from_journal = run("certify", "--url", live_session.base_url, *client, "--out", str(tmp_path / "journal"))
    from_har = run("certify", "--har", str(HARS / name), *client, "--out", str(tmp_path / "har"))
    assert from_har.exit_code == from_journal.exit_code == 1, from_har.output
    assert verdicts(tmp_path / "har") == verdicts(tmp_path / "journal")
    assert verdicts(tmp_path / "har")["payloads"] == "fail"  # the wrong create


def test_certify_needs_the_client_whose_recording_it_is(tmp_path: Path) -> None:
    result = run("certify", "--har", str(HARS / "chromium.har"), "--api", "wimpel", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "--client" in result.output


def test_the_journal_exports_as_har_with_secrets_masked(live_session: Sandbox, tmp_path: Path) -> None:
    result = run("journal", "--url", live_session.base_url, "--har")
    assert result.exit_code == 0, result.output
    assert "kbx-noordstar" not in result.stdout
    har = json.loads(result.stdout)
    assert har["log"]["version"] == "1.2"
    created = next(e for e in har["log"]["entries"] if e["response"]["status"] == 201)
    assert created["request"]["method"] == "POST"
    assert json.loads(created["request"]["postData"]["text"])["sourceId"] == "har-1"
    assert {"name": "authorization", "value": "Bearer ***"} in created["request"]["headers"]
    # and it reads back, judged like the recorded ones (the journal has no health probe: one less)
    exported = tmp_path / "journal.har"
    exported.write_text(result.stdout)
    assert ("3 POST /wimpel/v1/organisations request", "KBX-SCHEMA-TYPE", "name") in findings_of(exported)


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_browser_replays_the_exported_journal(live_session: Sandbox, tmp_path: Path) -> None:
    """The exported HAR is one a browser's tooling reads: Chromium, through Playwright's HAR router,
    answers a request from it alone (every other request aborted)."""
    from playwright.sync_api import sync_playwright

    exported = tmp_path / "journal.har"
    exported.write_text(run("journal", "--url", live_session.base_url, "--har").stdout)
    url = f"{live_session.base_url}/wimpel/v1/organisations?limit=2"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"]
        )
        try:
            context = browser.new_context()
            context.route_from_har(str(exported), not_found="abort")
            page = context.new_page()
            answer = page.goto(url)  # aborted, and so an error, unless the HAR holds it
            assert answer is not None
            assert answer.status == 200
            assert json.loads(page.inner_text("pre"))[0]["id"] == "16SK"
        finally:
            browser.close()
