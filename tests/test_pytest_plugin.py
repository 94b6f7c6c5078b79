"""The pytest plugin, as a vendor's suite meets it: installed with koppelbox (the `pytest11` entry point),
a `koppelbox` fixture per test on one session server, and `--koppelbox-fixtures` / `koppelbox_fixtures`.

Each test writes a small vendor test file and runs it in a pytest subprocess (the sandbox's uvicorn
thread then lives and dies with that process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from koppelbox.resources import fixtures_dir
from tests.test_python_api import doc_blocks

pytestmark = pytest.mark.slow

VENDOR_HELPERS = """
import json
import urllib.request


def call(method, url, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, method=method, data=data)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error", *args)


def test_the_fixture_serves_real_http_with_tokens_for_seeded_clients(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        VENDOR_HELPERS
        + """
def test_health(koppelbox):
    assert koppelbox.base_url.startswith("http://127.0.0.1:")
    status, body = call("GET", f"{koppelbox.base_url}/sandbox/health")
    assert (status, body["status"]) == (200, "ok")


def test_token(koppelbox):
    token = koppelbox.token("partner-noordstar")
    status, organisations = call("GET", f"{koppelbox.base_url}/wimpel/v1/organisations", token)
    assert status == 200 and organisations
    assert [e.status for e in koppelbox.journal("partner-noordstar")] == [200]
"""
    )
    run(pytester).assert_outcomes(passed=2)


def test_tests_do_not_see_each_others_data_on_one_session_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        VENDOR_HELPERS
        + """
NEW = {"id": "99ZZ", "name": "Nieuwe school", "sourceId": "n-1"}
seen = []


def test_first_creates(koppelbox):
    seen.append(koppelbox.base_url)
    token = koppelbox.token("partner-noordstar")
    assert call("POST", f"{koppelbox.base_url}/wimpel/v1/organisations", token, NEW)[0] == 201
    assert any(o["id"] == "99ZZ" for o in koppelbox.wimpel_organisations("partner-noordstar"))


def test_second_sees_the_seed(koppelbox):
    seen.append(koppelbox.base_url)
    assert len(set(seen)) == 1  # the same server, reset in between
    assert not any(o["id"] == "99ZZ" for o in koppelbox.wimpel_organisations("partner-noordstar"))
    assert koppelbox.journal() == []
    token = koppelbox.token("partner-noordstar")
    assert call("POST", f"{koppelbox.base_url}/wimpel/v1/organisations", token, NEW)[0] == 201
"""
    )
    run(pytester).assert_outcomes(passed=2)


def _own_seed(folder: Path) -> Path:
    """The shipped fixtures with one more client."""
    shutil.copytree(fixtures_dir(), folder)
    clients = yaml.safe_load((folder / "clients.yaml").read_text(encoding="utf-8"))
    clients["clients"].append(
        {"id": "vendor-own", "secret": "s", "scopes": ["wimpel.organisations.read"], "tokens": []}
    )
    (folder / "clients.yaml").write_text(yaml.safe_dump(clients), encoding="utf-8")
    return folder


OWN_SEED_TEST = """
def test_own_seed(koppelbox):
    assert "vendor-own" in [c["id"] for c in koppelbox.clients()]
    assert koppelbox.token("vendor-own")
"""


def test_the_fixtures_option_switches_the_seed_folder(pytester: pytest.Pytester) -> None:
    seed = _own_seed(pytester.path / "seed")
    pytester.makepyfile(OWN_SEED_TEST)
    run(pytester, f"--koppelbox-fixtures={seed}").assert_outcomes(passed=1)
    run(pytester).assert_outcomes(failed=1)  # the shipped seed has no such client
    missing = run(pytester, "--koppelbox-fixtures=no-such-seed")
    missing.assert_outcomes(errors=1)
    missing.stdout.fnmatch_lines(["*no-such-seed*is not a folder*"])


def test_the_ini_option_is_relative_to_the_ini_file(pytester: pytest.Pytester) -> None:
    _own_seed(pytester.path / "seed")
    pytester.makeini("[pytest]\nkoppelbox_fixtures = seed\n")
    pytester.makepyfile(OWN_SEED_TEST)
    run(pytester).assert_outcomes(passed=1)


def test_certify_returns_a_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        VENDOR_HELPERS
        + """
def test_certify(koppelbox):
    call("GET", f"{koppelbox.base_url}/wimpel/v1/organisations", koppelbox.token("partner-noordstar"))
    report = koppelbox.certify("wimpel", "partner-noordstar")
    assert report.status.name == "FAILED"  # one request exercises none of the scenarios
    assert report.verdicts
"""
    )
    run(pytester).assert_outcomes(passed=1)


def test_the_fixture_and_option_are_documented(pytester: pytest.Pytester) -> None:
    shown = run(pytester, "--fixtures")
    shown.stdout.fnmatch_lines(["koppelbox -- *", "*A `koppelbox.Sandbox` serving every API*"])
    run(pytester, "--help").stdout.fnmatch_lines(["*--koppelbox-fixtures=DIR*", "*koppelbox_fixtures*"])


def test_each_xdist_worker_has_its_own_sandbox(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import os
from pathlib import Path

import pytest


@pytest.mark.parametrize("n", range(4))
def test_worker(koppelbox, n):
    assert koppelbox.token("partner-noordstar") and koppelbox.journal() == []
    worker = os.environ["PYTEST_XDIST_WORKER"]
    (Path(__file__).parent / f"{worker}.url").write_text(koppelbox.base_url)
"""
    )
    run(pytester, "-n", "2").assert_outcomes(passed=4)
    urls = {path.stem: path.read_text() for path in pytester.path.glob("gw*.url")}
    assert len(urls) == 2
    assert len(set(urls.values())) == 2  # each worker its own server, on a port of its own


@pytest.mark.parametrize("test_file", doc_blocks("test file"), ids=lambda block: block.splitlines()[0][2:])
def test_the_docs_test_files_pass_as_written(pytester: pytest.Pytester, test_file: str) -> None:
    name = test_file.splitlines()[0].removeprefix("# ").removesuffix(".py")
    pytester.makepyfile(**{name: test_file})
    run(pytester).assert_outcomes(passed=test_file.count("\ndef test_"))
