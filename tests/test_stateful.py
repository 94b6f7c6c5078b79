"""Stateful self-fuzz: where a contract declares OpenAPI links (create → get/update/delete a Wimpel
organisation, enrol → upload a document), schemathesis walks them as sequences against the in-process
sandbox with every default check. Bounded for the normal suite; `koppelbox fuzz` runs long."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings

from koppelbox.conformance.fuzz import sandbox_credentials
from koppelbox.conformance.provider import project_settings
from koppelbox.contracts import ApiSpec
from koppelbox.contracts import discover as discover_specs
from koppelbox.server.app import create_app
from koppelbox.store import Store

# Answers only a followed link can produce (the id must exist): proof that sequences really ran.
# An upload gets 422 (content not of its declared type) or 201 only once its enrolment was found.
REACHED_THROUGH_A_LINK = {
    "wimpel": {("DELETE /v1/organisations/{id}", 204), ("GET /v1/organisations/{id}", 200)},
    "aanmeld": {
        ("POST /v1/aanmeldingen/{aanmeldingId}/documenten", 201),
        ("POST /v1/aanmeldingen/{aanmeldingId}/documenten", 422),
    },
}
LINKED = [s for s in discover_specs() if "links:" in s.path.read_text(encoding="utf-8")]


def declared_links(spec: ApiSpec) -> int:
    document = yaml.safe_load(spec.path.read_text(encoding="utf-8"))
    found = 0

    def walk(node: Any) -> None:
        nonlocal found
        if isinstance(node, dict):
            found += len(node.get("links", {})) if isinstance(node.get("links"), dict) else 0
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("spec", LINKED, ids=lambda s: s.name)
def test_linked_operations_hold_up_in_sequence(spec: ApiSpec) -> None:
    assert declared_links(spec) > 0
    store = Store.from_directory()
    app = create_app(store, validate_responses=True)
    # Only the links the contract declares: inferred ones are schemathesis' guesses, not our promise.
    config = schemathesis.Config.from_dict(
        {**project_settings(), "phases": {"stateful": {"inference": {"algorithms": []}}}}
    )
    schema = schemathesis.openapi.from_asgi(f"{spec.prefix}/openapi.json", app, config=config)
    headers, _ = sandbox_credentials(spec.path, store)

    reached: set[tuple[str, int]] = set()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def after_call(self, response: Any, case: Any) -> None:
            reached.add((case.operation.label, response.status_code))

        def setup(self) -> None:
            store.reset()  # each sequence starts from the seed, so replays see the same world

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

    Workflow.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=5,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    if spec.name in REACHED_THROUGH_A_LINK:
        assert REACHED_THROUGH_A_LINK[spec.name] & reached, sorted(reached)
