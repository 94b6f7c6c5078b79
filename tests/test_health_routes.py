"""Routes outside every contract: `/health`, `/sandbox` and `/sandbox/` (server/probes.py)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from koppelbox.server.app import SandboxApp, create_app


@pytest.fixture(scope="module", params=[True, False], ids=["lane", "stack"])
def app(request: pytest.FixtureRequest) -> SandboxApp:
    return create_app(fast_lane=request.param)


def journal_size(app: SandboxApp) -> int:
    return len(app.sandbox.journal)


def test_health_answers_as_the_control_planes_probe(app: SandboxApp) -> None:
    client = TestClient(app)
    before = journal_size(app)
    bare = client.get("/health")
    control = client.get("/sandbox/health")
    assert bare.status_code == control.status_code == 200
    assert bare.json() == control.json()
    assert bare.json()["status"] == "ok"
    assert bare.headers["content-type"] == control.headers["content-type"]
    assert journal_size(app) == before  # a probe never pushes evidence out of the ring


def test_health_other_method_is_refused_in_the_standard_format(app: SandboxApp) -> None:
    answer = TestClient(app).post("/health")
    assert answer.status_code == 405
    assert set(answer.json()) == {"status", "code", "message", "errors"}


@pytest.mark.parametrize("path", ["/sandbox", "/sandbox/"])
def test_sandbox_root_redirects_to_its_docs(app: SandboxApp, path: str) -> None:
    client = TestClient(app)
    before = journal_size(app)
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == "/sandbox/ui/"
    assert client.get(path).status_code == 200  # followed: the Swagger UI
    assert journal_size(app) == before


def test_other_unknown_paths_still_answer_404_in_the_standard_format(app: SandboxApp) -> None:
    answer = TestClient(app).get("/healthz")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
