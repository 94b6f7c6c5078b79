"""`koppelbox conformance` against a real server: the sandbox itself must pass, and a deliberately broken
variant of it must fail with the finding that names its defect."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

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
    run = ProviderRun("wimpel", f"{sandbox_url}/wimpel", WIMPEL, max_examples=EXAMPLES, phases=PHASES)
    report = run_provider(run)
    assert failures(report) == []
    exercised = {v.id for v in report.verdicts if v.outcome is Outcome.PASS}
    assert {
        "GET /v1/organisations 200",
        "GET /v1/organisations 400",
    } <= exercised


@pytest.mark.slow
def test_a_wimpel_server_that_ignores_the_active_filter_fails(sandbox_app: Any) -> None:
    with serving(ignoring_the_active_filter(sandbox_app)) as url:
        run = ProviderRun("wimpel", f"{url}/wimpel", WIMPEL, max_examples=EXAMPLES, phases=PHASES)
        report = run_provider(run)
    found = dict(failures(report))
    assert "kbx_filter_semantics" in found.get("GET /v1/organisations 200", ""), found
    assert "active=" in found["GET /v1/organisations 200"]


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
