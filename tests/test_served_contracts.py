"""`<prefix>/openapi.json` and `openapi.yaml` are the files in `openapi/` as written: components and `$ref`
kept under the files' own names, so a generator names its types `Organisation`, not
`ListOrganisationsResponse200Item`. The only differences are the URLs the sandbox completes for the
address the contract was fetched from (servers, OAuth2 token URL), and Swagger UI keeps working offline."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from koppelbox import contracts
from koppelbox.contracts.served import origin

SPECS = contracts.discover()


def without_completed_urls(served: dict[str, Any], base: str) -> dict[str, Any]:
    """The served document with the URLs the sandbox completed turned back into what the file says."""
    result = copy.deepcopy(served)
    for server in result.get("servers", []):
        server["url"] = server["url"].removeprefix(base)
    for scheme in result.get("components", {}).get("securitySchemes", {}).values():
        for flow in scheme.get("flows", {}).values():
            flow["tokenUrl"] = flow["tokenUrl"].removeprefix(base)
    return result


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@pytest.mark.parametrize("kind", ["json", "yaml"])
def test_the_served_contract_is_the_file_with_absolute_urls(
    client: TestClient, spec: contracts.ApiSpec, kind: str
) -> None:
    response = client.get(f"{spec.prefix}/openapi.{kind}")
    assert response.status_code == 200
    served = response.json() if kind == "json" else yaml.safe_load(response.text)
    written = yaml.safe_load(spec.path.read_text(encoding="utf-8"))
    assert served["servers"][0]["url"] == f"http://testserver{spec.prefix}"
    for scheme in served["components"]["securitySchemes"].values():
        for flow in scheme.get("flows", {}).values():
            assert flow["tokenUrl"] == "http://testserver/sandbox/oauth2/token"
    assert without_completed_urls(served, "http://testserver") == written
    assert json.dumps(served).count('"$ref"') == json.dumps(written).count('"$ref"') > 0


def test_wimpel_types_keep_their_names(client: TestClient) -> None:
    served = client.get("/wimpel/openapi.json").json()
    operation = served["paths"]["/v1/organisations"]["get"]
    items = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert items == {"$ref": "#/components/schemas/Organisation"}
    assert operation["responses"]["400"] == {"$ref": "#/components/responses/BadRequest"}
    assert {"Organisation", "WimpelError"} <= set(served["components"]["schemas"])


@pytest.mark.parametrize(
    "host", ['evil"host', "a b", "x" * 300, "host/path", "host:99999999", "[::1", "user@host"]
)
def test_a_host_header_that_is_not_plainly_a_host_leaves_the_urls_as_written(
    client: TestClient, host: str
) -> None:
    served = client.get("/wimpel/openapi.json", headers={"host": host}).json()
    assert served["servers"][0]["url"] == "/wimpel"
    assert served["components"]["securitySchemes"]["wimpelAuth"]["flows"]["clientCredentials"][
        "tokenUrl"
    ] == ("/sandbox/oauth2/token")


def test_a_plain_host_and_port_are_used() -> None:
    assert origin("http", "127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert origin("https", "[::1]:8443", "/proxy") == "https://[::1]:8443/proxy"
    assert origin("ftp", "host") == origin("http", "host", "/a b") == ""


def test_head_answers_without_a_body(client: TestClient) -> None:
    response = client.head("/eduv/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/yaml")
    assert int(response.headers["content-length"]) > 1000
    assert response.content == b""


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_swagger_ui_loads_the_served_contract_and_only_local_assets(
    client: TestClient, spec: contracts.ApiSpec
) -> None:
    page = client.get(f"{spec.prefix}/ui/")
    assert page.status_code == 200
    assert f'"{spec.prefix}/openapi.json"' in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    for asset in assets:
        assert not re.match(r"^(https?:)?//", asset), f"{asset} needs the internet"
        assert client.get(f"{spec.prefix}/ui/{asset.removeprefix('./')}").status_code == 200
