"""The scenario catalogue: every entry does what the docs table says, on demand."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from koppelbox.contracts import discover as discover_specs
from koppelbox.resources import openapi_dir
from koppelbox.scenarios import Example, PreferError, Scenario, ScenarioRequest, load_catalogue, parse_prefer
from koppelbox.scenarios.markdown import render_markdown
from koppelbox.server.app import create_app
from koppelbox.store import Store
from tests.support import ADMIN, FakeClock, bearer

CATALOGUE = load_catalogue()
SERVED = {spec.name for spec in discover_specs(openapi_dir())}
BODY_LIMIT = 4096
DOCS = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"


@pytest.fixture(scope="module")
def small_limit_client() -> Iterator[TestClient]:
    """One sandbox for the whole replay; a small body limit makes the 413 scenario cheap to send."""
    app = create_app(Store.from_directory(), max_body_bytes=BODY_LIMIT, validate_responses=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def send(client: TestClient, scenario: Scenario) -> tuple[int, dict[str, str], float]:
    assert scenario.example is not None, f"{scenario.id} has no example request"
    for step in scenario.example.setup:
        assert send_example(client, step)[0] < 300
    return send_example(client, scenario.example)


def send_example(client: TestClient, example: Example) -> tuple[int, dict[str, str], float]:
    headers = dict(example.headers)
    if example.token:
        headers["Authorization"] = f"Bearer {example.token}"
    content: bytes | str | None = example.content
    if example.oversize:
        content, headers["Content-Type"] = b"{" + b" " * BODY_LIMIT + b"}", "application/json"
    elif example.content_type:
        headers["Content-Type"] = example.content_type
    started = time.monotonic()
    response = client.request(
        example.method, example.path, headers=headers, json=example.json, content=content
    )
    return response.status_code, dict(response.headers), time.monotonic() - started


@pytest.mark.slow
@pytest.mark.parametrize("scenario", CATALOGUE.scenarios, ids=lambda s: s.id)
def test_every_catalogue_entry_produces_its_answer(
    small_limit_client: TestClient, scenario: Scenario
) -> None:
    if scenario.api not in SERVED:
        pytest.skip(f"{scenario.api} is not served from openapi/")
    status, headers, elapsed = send(small_limit_client, scenario)
    if scenario.status is None:  # the slow scenario: a normal answer, only later
        assert status < 500
        assert elapsed >= 0.5
        assert headers["preference-applied"] == "kbx-scenario=slow"
        return
    assert status == scenario.status
    if scenario.trigger != "request":
        assert headers["preference-applied"].startswith("kbx-scenario=")
    if scenario.retry_after is not None:
        assert headers["retry-after"] == str(scenario.retry_after)


def test_scenario_answers_are_marked_in_the_journal(small_limit_client: TestClient) -> None:
    small_limit_client.get(
        "/wimpel/v1/organisations",
        headers={"Authorization": "Bearer kbx-kompas", "Prefer": "kbx-scenario=503"},
    )
    entries = small_limit_client.get("/sandbox/journal", params={"client": "partner-kompas"}, headers=ADMIN)
    assert entries.json()["entries"][-1]["scenario"] == "503"


def test_a_scenario_needs_a_valid_token_first(small_limit_client: TestClient) -> None:
    response = small_limit_client.get(
        "/wimpel/v1/organisations", headers={"Authorization": "Bearer nope", "Prefer": "kbx-scenario=503"}
    )
    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")  # not the scenario's 503


def test_an_unknown_scenario_is_refused_in_the_apis_own_format(small_limit_client: TestClient) -> None:
    response = small_limit_client.get(
        "/wimpel/v1/organisations",
        headers={"Authorization": "Bearer kbx-kompas", "Prefer": "kbx-scenario=418"},
    )
    assert response.status_code == 400
    assert "418" in response.json()["message"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["return=minimal"], None),
        (["kbx-scenario=429"], ScenarioRequest("429")),
        (["respond-async, kbx-scenario=slow; x=1, kbx-delay=1.5"], ScenarioRequest("slow", 1.5)),
        (["kbx-scenario=503", "wait=10"], ScenarioRequest("503")),
    ],
)
def test_prefer_header_parsing(header: list[str], expected: ScenarioRequest | None) -> None:
    assert parse_prefer(header, set(CATALOGUE.header)) == expected


@pytest.mark.parametrize(
    "header", ["kbx-scenario=404", "kbx-scenario=slow, kbx-delay=31", "kbx-scenario=slow, kbx-delay=x"]
)
def test_prefer_header_mistakes_are_refused(header: str) -> None:
    with pytest.raises(PreferError):
        parse_prefer([header], set(CATALOGUE.header))


def documented_error_statuses(api: str) -> set[int]:
    spec = next(s for s in discover_specs() if s.name == api)
    document = yaml.safe_load(spec.path.read_text(encoding="utf-8"))
    return {
        int(status)
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for status in operation.get("responses", {})
        if status.isdigit() and int(status) >= 400
    }


@pytest.mark.parametrize("api", CATALOGUE.apis)
def test_every_documented_error_status_has_a_scenario(api: str) -> None:
    if api not in SERVED:
        pytest.skip(f"{api} is not served from openapi/")
    covered = {s.status for s in CATALOGUE.for_api(api) if s.trigger == "request"}
    # The header scenarios (429, 500, 503, ...) work on every operation of every API.
    covered |= {s.status for s in CATALOGUE.header.values() if s.status is not None}
    assert documented_error_statuses(api) <= covered


def test_every_served_api_is_in_the_catalogue() -> None:
    assert SERVED - {"sandbox"} <= set(CATALOGUE.apis)


def test_the_docs_table_is_generated_from_the_catalogue() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_markdown(CATALOGUE), (
        "docs/scenarios.md is stale: run `koppelbox scenarios --markdown > docs/scenarios.md`"
    )


def issued_token(client: TestClient, client_id: str, secret: str) -> str:
    form = {"grant_type": "client_credentials"}
    token: str = client.post("/sandbox/oauth2/token", data=form, auth=(client_id, secret)).json()[
        "access_token"
    ]
    return token


def test_the_401_scenario_expires_an_issued_token_and_keeps_it_attributed(
    client: TestClient, clock: FakeClock
) -> None:
    token = issued_token(client, "partner-kompas", "kompas-secret")
    answer = client.get("/wimpel/v1/organisations", headers={**bearer(token), "Prefer": "kbx-scenario=401"})
    assert answer.status_code == 401
    assert answer.headers["preference-applied"] == "kbx-scenario=401"
    assert answer.json()["code"] == "unauthorized"
    again = client.get("/wimpel/v1/organisations", headers=bearer(token))  # no Prefer: really expired now
    assert again.status_code == 401
    assert "expired" in again.json()["message"]
    # Issuing later tokens drops expired ones from memory; a resent one is still known as expired, and
    # still attributed to its client (certify judges reuse of a rejected token).
    clock.advance(seconds=1)
    fresh = issued_token(client, "partner-kompas", "kompas-secret")
    assert client.get("/wimpel/v1/organisations", headers=bearer(fresh)).status_code == 200
    late = client.get("/wimpel/v1/organisations", headers=bearer(token))
    assert late.status_code == 401
    assert "expired" in late.json()["message"]
    journal = client.app.sandbox.journal.entries()  # type: ignore[attr-defined]
    assert [(e.status, e.client) for e in journal if e.api == "wimpel"] == [
        (401, "partner-kompas"),
        (401, "partner-kompas"),
        (200, "partner-kompas"),
        (401, "partner-kompas"),
    ]


def test_the_401_scenario_leaves_a_seeded_token_working(client: TestClient) -> None:
    answer = client.get(
        "/wimpel/v1/organisations", headers={**bearer("kbx-kompas"), "Prefer": "kbx-scenario=401"}
    )
    assert answer.status_code == 401
    assert client.get("/wimpel/v1/organisations", headers=bearer("kbx-kompas")).status_code == 200
    admin = {**bearer("kbx-admin-local"), "Prefer": "kbx-scenario=401"}
    assert client.get("/sandbox/clients", headers=admin).status_code == 401
    assert client.post("/sandbox/reset", headers=bearer("kbx-admin-local")).status_code == 200
