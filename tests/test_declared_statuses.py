"""Every answer the sandbox sends on purpose is one its contract declares for that operation: the catalogue's
header scenarios (429 with `Retry-After`, 500, 503) on every operation of every API, and the transport
refusals (413, 415) on every operation that takes a body, each in the API's own error schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from koppelbox import contracts
from koppelbox.scenarios import load_catalogue
from koppelbox.server.app import create_app
from koppelbox.store import Store
from koppelbox.validator.schema import check
from tests.support import ADMIN, bearer

BODY_LIMIT = 2048
# A token each operation accepts (the write scopes where an API has them).
TOKENS = {
    "wimpel": bearer("kbx-noordstar"),
    "eduv": bearer("kbx-sleutelbos"),
    "aanmeld": bearer("kbx-inschrijfwijzer"),
    "sandbox": ADMIN,
}
SCENARIO_STATUSES = {
    scenario_id: scenario.status
    for scenario_id, scenario in load_catalogue().header.items()
    if scenario.status is not None and scenario.status >= 429
}


def _operations() -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for spec in contracts.discover():
        document = contracts.document(spec.path)
        for template, method, operation in contracts.operations(document):
            yield spec.name, template, method, operation


OPERATIONS = list(_operations())


def _ids(case: tuple[str, str, str, dict[str, Any]]) -> str:
    return f"{case[0]}:{case[3]['operationId']}"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = create_app(Store.from_directory(), max_body_bytes=BODY_LIMIT)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def resolve(node: Any, document: dict[str, Any]) -> Any:
    """`node` with every local `$ref` replaced by its target (the contracts have no recursive schema)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolve(target, document)
        return {key: resolve(value, document) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(value, document) for value in node]
    return node


def concrete(api: str, template: str) -> str:
    """A path of the template that routes (integers where the routing needs them)."""
    prefix = contracts.spec_for(api).prefix
    return prefix + re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1) == "stamnummer" else "KBX1", template)


def assert_declared(api: str, template: str, method: str, response: Any) -> None:
    """The answer's status is declared for the operation; its required headers are there, every header
    it sends that the contract names is declared, and its JSON body fits the declared schema."""
    document = contracts.document(contracts.spec_for(api).path)
    operation = document["paths"][template][method]
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{api} {method.upper()} {template} answered {status}, which its contract does not declare"
    )
    declared = resolve(operation["responses"][status], document)
    for name, header in declared.get("headers", {}).items():
        if header.get("required"):
            assert name.lower() in response.headers, f"{status} must carry {name}"
    if "retry-after" in response.headers:
        assert "Retry-After" in declared.get("headers", {}), f"{status} sends Retry-After undeclared"
    schema = declared["content"]["application/json"]["schema"]
    findings = check(schema, response.json())
    assert not findings, [f"{f.field}: {f.message}" for f in findings]


@pytest.mark.parametrize("scenario", sorted(SCENARIO_STATUSES))
@pytest.mark.parametrize("case", OPERATIONS, ids=_ids)
def test_every_scenario_status_is_declared_on_every_operation(
    client: TestClient, case: tuple[str, str, str, dict[str, Any]], scenario: str
) -> None:
    api, template, method, _ = case
    headers = {**TOKENS[api], "Prefer": f"kbx-scenario={scenario}"}
    response = client.request(method.upper(), concrete(api, template), headers=headers)
    assert response.status_code == SCENARIO_STATUSES[scenario]
    assert_declared(api, template, method, response)


BODY_OPERATIONS = [case for case in OPERATIONS if "requestBody" in case[3]]


@pytest.mark.parametrize("case", BODY_OPERATIONS, ids=_ids)
def test_transport_refusals_are_declared_on_every_operation_with_a_body(
    client: TestClient, case: tuple[str, str, str, dict[str, Any]]
) -> None:
    api, template, method, _ = case
    path = concrete(api, template)
    too_large = client.request(
        method.upper(),
        path,
        headers={**TOKENS[api], "Content-Type": "application/json"},
        content=b"{" + b" " * BODY_LIMIT + b"}",
    )
    assert too_large.status_code == 413
    assert_declared(api, template, method, too_large)
    wrong_type = client.request(
        method.upper(), path, headers={**TOKENS[api], "Content-Type": "text/plain"}, content=b"x"
    )
    # An id of the wrong form or an unknown one may be refused before the body is read.
    assert wrong_type.status_code in (400, 404, 415)
    assert_declared(api, template, method, wrong_type)


def test_every_scenario_code_is_in_the_wimpel_error_enum(client: TestClient) -> None:
    document = contracts.document(contracts.spec_for("wimpel").path)
    codes = set(document["components"]["schemas"]["WimpelError"]["properties"]["code"]["enum"])
    for scenario in SCENARIO_STATUSES:
        response = client.get(
            "/wimpel/v1/organisations", headers={**TOKENS["wimpel"], "Prefer": f"kbx-scenario={scenario}"}
        )
        assert response.json()["code"] in codes
