"""The public Python API, `koppelbox.Sandbox`, used as a vendor's test suite uses it: real HTTP against
`base_url`, in-process requests against `asgi_app`, tokens, journal, reset, scenarios, the school's view
and certification."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

import koppelbox
from koppelbox import Sandbox
from koppelbox.sandbox import SandboxError, ScopeError, UnknownClientError
from tests.aanmeld_support import enrolment

DOC = Path(__file__).parents[1] / "docs" / "python.md"
WIMPEL = "partner-noordstar"
AANMELD = "partner-inschrijfwijzer"  # switched on at 99XA


@pytest.fixture(scope="module")
def served() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sb(served: Sandbox) -> Sandbox:
    served.reset()
    return served


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_importing_koppelbox_does_not_load_the_sandbox() -> None:
    code = "import sys, koppelbox; assert not [m for m in sys.modules if m.startswith('koppelbox.')]"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert koppelbox.Sandbox is Sandbox
    assert isinstance(koppelbox.__version__, str)


def test_base_url_answers_over_real_http(sb: Sandbox) -> None:
    assert sb.base_url.startswith("http://127.0.0.1:")
    health = httpx.get(f"{sb.base_url}/sandbox/health").json()
    assert health["status"] == "ok"
    assert health["version"] == koppelbox.__version__


def test_a_token_for_a_seeded_client_is_accepted(sb: Sandbox) -> None:
    answer = httpx.get(f"{sb.base_url}/wimpel/v1/organisations", headers=bearer(sb.token(WIMPEL)))
    assert answer.status_code == 200
    assert answer.json() == sb.wimpel_organisations(WIMPEL)


def test_a_token_carries_only_the_scopes_asked_for(sb: Sandbox) -> None:
    token = sb.token(WIMPEL, ["wimpel.organisations.read"])
    headers = bearer(token)
    assert httpx.get(f"{sb.base_url}/wimpel/v1/organisations", headers=headers).status_code == 200
    body = {"id": "99ZZ", "name": "Nieuwe school", "sourceId": "n-1"}
    refused = httpx.post(f"{sb.base_url}/wimpel/v1/organisations", json=body, headers=headers)
    assert refused.status_code == 403
    with pytest.raises(ScopeError, match="may not have scope"):
        sb.token(WIMPEL, ["eduv.employees.read.everything"])
    with pytest.raises(UnknownClientError, match="partner-noordstar"):
        sb.token("partner-noordster")
    with pytest.raises(ScopeError, match="at least one scope"):
        sb.token(WIMPEL, [])


def test_asgi_app_shares_store_and_journal_with_the_server(sb: Sandbox) -> None:
    with TestClient(sb.asgi_app) as client:
        answer = client.get("/wimpel/v1/organisations", headers=bearer(sb.token(WIMPEL)))
    assert answer.status_code == 200
    assert [e.path for e in sb.journal(WIMPEL)] == ["/wimpel/v1/organisations"]


def test_the_journal_is_oldest_first_and_per_client(sb: Sandbox) -> None:
    token = sb.token(WIMPEL)
    with httpx.Client(base_url=sb.base_url, headers=bearer(token)) as http:
        http.get("/wimpel/v1/organisations")
        http.get("/wimpel/v1/organisations/16SK")
    httpx.get(f"{sb.base_url}/aanmeld/v1/aanmeldingen", headers=bearer(sb.token(AANMELD)))
    mine = sb.journal(WIMPEL)
    assert [e.path for e in mine] == ["/wimpel/v1/organisations", "/wimpel/v1/organisations/16SK"]
    assert [e.seq for e in sb.journal()] == sorted(e.seq for e in sb.journal())
    assert {e.client for e in sb.journal(api="aanmeld")} == {AANMELD}


def test_reset_restores_the_seed_empties_the_journal_and_is_fast(sb: Sandbox) -> None:
    token = sb.token(WIMPEL)
    before = sb.wimpel_organisations(WIMPEL)
    body = {"id": "99ZZ", "name": "Nieuwe school", "sourceId": "n-1"}
    created = httpx.post(f"{sb.base_url}/wimpel/v1/organisations", json=body, headers=bearer(token))
    assert created.status_code == 201, created.text
    assert len(sb.wimpel_organisations(WIMPEL)) == len(before) + 1
    started = time.perf_counter()
    sb.reset()
    assert time.perf_counter() - started < 0.5
    assert sb.wimpel_organisations(WIMPEL) == before
    assert sb.journal() == []
    gone = httpx.get(f"{sb.base_url}/wimpel/v1/organisations", headers=bearer(token))
    assert gone.status_code == 401  # issued tokens go with the reset


def test_each_header_scenario_can_be_provoked(sb: Sandbox) -> None:
    header_rows = [s for s in sb.scenarios("wimpel") if s.trigger == "header" and s.status is not None]
    assert {s.id for s in header_rows} >= {"wimpel-header-429", "wimpel-header-500"}
    token = sb.token(WIMPEL)
    for scenario in header_rows:
        headers = {**bearer(token), **sb.scenario_headers(scenario.id)}
        answer = httpx.get(f"{sb.base_url}/wimpel/v1/organisations", headers=headers)
        assert answer.status_code == scenario.status, scenario.id
        token = sb.token(WIMPEL)  # the 401 scenario expires the token it was sent with
    assert [e.scenario for e in sb.journal(WIMPEL)] == [s.id.rpartition("-")[2] for s in header_rows]


def test_scenario_helpers_refuse_what_no_header_provokes(sb: Sandbox) -> None:
    assert sb.scenario_headers("slow", delay=0.1) == {"Prefer": "kbx-scenario=slow, kbx-delay=0.1"}
    with pytest.raises(ScopeError, match="limit=0"):
        sb.scenario_headers("wimpel-400-parameter")
    with pytest.raises(ScopeError):
        sb.scenario_headers("no-such-scenario")
    with pytest.raises(ScopeError):
        sb.scenarios("wimpl")


def test_the_school_sees_the_pupil_an_aanmeld_client_enrolled(sb: Sandbox) -> None:
    before = {p["stamnummer"] for p in sb.aanmeld_pupils("99XA")}
    sent = httpx.post(
        f"{sb.base_url}/aanmeld/v1/aanmeldingen", json=enrolment(), headers=bearer(sb.token(AANMELD))
    )
    assert sent.status_code == 201, sent.text
    new = [p for p in sb.aanmeld_pupils("99XA") if p["stamnummer"] not in before]
    assert len(new) == 1
    stamnummer = new[0]["stamnummer"]
    pupil = sb.aanmeld_pupil("99XA", stamnummer)
    over_http = httpx.get(
        f"{sb.base_url}/sandbox/aanmeld/scholen/99XA/leerlingen/{stamnummer}", headers=bearer(sb.admin_token)
    )
    assert over_http.json() == pupil
    assert pupil["aanmeldingen"]


def test_certify_judges_this_sandboxs_journal(sb: Sandbox) -> None:
    with pytest.raises(UnknownClientError):
        sb.certify("wimpel", WIMPEL)
    httpx.get(f"{sb.base_url}/wimpel/v1/organisations", headers=bearer(sb.token(WIMPEL)))
    report = sb.certify("wimpel")
    assert report.subject == WIMPEL
    assert report.status.name == "FAILED"  # one request exercises no scenario
    assert not report.lost


def test_certify_after_a_reset_judges_only_what_came_after(sb: Sandbox) -> None:
    httpx.get(f"{sb.base_url}/wimpel/v1/organisations", headers=bearer(sb.token(WIMPEL)))
    sb.reset()
    httpx.get(f"{sb.base_url}/wimpel/v1/organisations", headers=bearer(sb.token(WIMPEL)))
    assert not sb.certify("wimpel", WIMPEL).lost  # the reset is not lost evidence


def test_a_second_sandbox_gets_its_own_port_and_state() -> None:
    with Sandbox(seed=0) as one, Sandbox() as two:
        assert one.base_url != two.base_url
        httpx.get(f"{one.base_url}/wimpel/v1/organisations", headers=bearer(one.token(WIMPEL)))
        assert len(one.journal()) == 1
        assert two.journal() == []
    with pytest.raises(SandboxError, match="not serving"):
        _ = one.base_url


def test_a_fixtures_folder_that_is_not_there_is_named(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="no-such-folder"):
        Sandbox(tmp_path / "no-such-folder")


def doc_blocks(kind: str) -> list[str]:
    """docs/python.md's ```python blocks: "script" (run as a program) or "test file" (a vendor's test
    file, its first line `# test_<name>.py`; tests/test_pytest_plugin.py runs those)."""
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    return [b for b in blocks if b.startswith("# test_") == (kind == "test file")]


@pytest.mark.slow
@pytest.mark.parametrize("script", doc_blocks("script"), ids=lambda block: block.splitlines()[-1][:40])
def test_the_docs_scripts_run_as_written(script: str, tmp_path: Path) -> None:
    (tmp_path / "example.py").write_text(script, encoding="utf-8")
    command = [sys.executable, "-W", "error", "example.py"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_docs_have_examples_of_both_kinds() -> None:
    assert len(doc_blocks("script")) >= 4
    assert len(doc_blocks("test file")) >= 2
