"""Who may call what: static tokens, the OAuth2 client-credentials endpoint, expiry, scopes."""

from __future__ import annotations

import base64

import pytest
from starlette.testclient import TestClient

from tests.backends import every_backend  # noqa: F401  (this module runs on every store backend)
from tests.support import ADMIN, FakeClock, bearer

ORGS = "/wimpel/v1/organisations"
TOKEN_URL = "/sandbox/oauth2/token"
GRANT = {"grant_type": "client_credentials"}


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthorized"),
        (bearer("not-a-token"), 401, "unauthorized"),
        (bearer("kbx-noordstar-expired"), 401, "unauthorized"),
        ({"Authorization": "Bearer"}, 401, "unauthorized"),
        ({"Authorization": "Basic a2J4Ong="}, 401, "unauthorized"),
        (bearer("kbx-admin-local"), 401, "unauthorized"),  # the admin token is not a client token
    ],
)
def test_requests_without_a_live_token_are_refused(
    client: TestClient, headers: dict[str, str], status: int, code: str
) -> None:
    response = client.get(ORGS, headers=headers)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_expired_token_says_so(client: TestClient) -> None:
    response = client.get(ORGS, headers=bearer("kbx-noordstar-expired"))
    assert "expired" in response.json()["message"]


def test_read_only_token_can_read_but_not_write(client: TestClient) -> None:
    token = bearer("kbx-noordstar-readonly")
    assert client.get(ORGS, headers=token).status_code == 200
    refused = client.post(ORGS, json={"id": "1A", "name": "n", "sourceId": "s"}, headers=token)
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    assert "wimpel.organisations.write" in refused.json()["message"]
    assert client.delete(f"{ORGS}/16SK", headers=token).status_code == 403
    assert client.get(f"{ORGS}/16SK", headers=token).status_code == 200  # nothing was deleted


def test_client_secret_basic_issues_a_working_token(client: TestClient) -> None:
    response = client.post(TOKEN_URL, data=GRANT, headers=basic("partner-kompas", "kompas-secret"))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "wimpel.organisations.read wimpel.organisations.write"
    listed = client.get(ORGS, headers=bearer(body["access_token"]))
    assert [o["id"] for o in listed.json()] == ["96WD"]


def test_client_secret_post_issues_a_working_token(client: TestClient) -> None:
    form = {**GRANT, "client_id": "partner-kompas", "client_secret": "kompas-secret"}
    response = client.post(TOKEN_URL, data=form)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert body["scope"] == "wimpel.organisations.read wimpel.organisations.write"
    listed = client.get(ORGS, headers=bearer(body["access_token"]))
    assert [o["id"] for o in listed.json()] == ["96WD"]  # the token is partner-kompas's


@pytest.mark.parametrize(
    ("form", "headers", "error"),
    [
        ({"client_id": "partner-kompas"}, {}, "invalid_client"),  # no secret: refused, not a 500
        ({"client_id": "partner-kompas", "client_secret": "wrong"}, {}, "invalid_client"),
        ({"client_id": "partner-kompas"}, basic("partner-kompas", "kompas-secret"), "invalid_request"),
        ({"client_secret": "kompas-secret"}, basic("partner-kompas", "kompas-secret"), "invalid_request"),
        ({}, bearer(base64.b64encode(b"partner-kompas:kompas-secret").decode()), "invalid_client"),
        ({}, {"Authorization": "Digest username=partner-kompas"}, "invalid_client"),
        ({}, {"Authorization": "Basic " + base64.b64encode(b"partner-kompas").decode()}, "invalid_client"),
        ({}, {"Authorization": "Basic cGFydG5lci1rb21wYXM6a29tcGFzLXNlY3JldA!="}, "invalid_client"),
    ],
    ids=[
        "post-without-secret",
        "post-wrong-secret",
        "basic-plus-form-client-id",
        "basic-plus-form-secret",
        "bearer-carrying-credentials",
        "other-scheme",
        "basic-without-colon",
        "outside-base64",
    ],
)
def test_one_client_authentication_per_request_rfc_6749_2_3(
    client: TestClient, form: dict[str, str], headers: dict[str, str], error: str
) -> None:
    response = client.post(TOKEN_URL, data={**GRANT, **form}, headers=headers)
    assert (response.status_code, response.json()["error"]) == (
        401 if error == "invalid_client" else 400,
        error,
    )
    assert "access_token" not in response.json()
    if error == "invalid_client":
        assert response.headers["www-authenticate"] == 'Basic realm="koppelbox"'


def test_basic_credentials_are_form_urlencoded_per_rfc_6749(client: TestClient) -> None:
    # RFC 6749 §2.3.1 encodes id and secret before joining them; `docs-example` has a plain secret,
    # so an encoded and an unencoded form must both work for it.
    for client_id in ("docs%2Dexample", "docs-example"):
        response = client.post(TOKEN_URL, data=GRANT, headers=basic(client_id, "docs-example-secret"))
        assert response.status_code == 200
        listed = client.get(ORGS, headers=bearer(response.json()["access_token"])).json()
        assert [(o["id"], o["sourceId"]) for o in listed] == [("16SK", "xgQQXg3hrtjh7AvZ")]  # docs-example's


def test_requested_scope_narrows_the_token(client: TestClient) -> None:
    form = {**GRANT, "scope": "wimpel.organisations.read"}
    response = client.post(TOKEN_URL, data=form, headers=basic("partner-kompas", "kompas-secret"))
    assert response.json()["scope"] == "wimpel.organisations.read"
    token = bearer(response.json()["access_token"])
    assert client.get(ORGS, headers=token).status_code == 200
    assert (
        client.post(ORGS, json={"id": "1A", "name": "n", "sourceId": "s"}, headers=token).status_code == 403
    )


def test_issued_token_expires(client: TestClient, clock: FakeClock) -> None:
    response = client.post(TOKEN_URL, data=GRANT, headers=basic("partner-kompas", "kompas-secret"))
    token = bearer(response.json()["access_token"])
    clock.advance(seconds=3599)
    assert client.get(ORGS, headers=token).status_code == 200
    clock.advance(seconds=1)
    expired = client.get(ORGS, headers=token)
    assert expired.status_code == 401
    assert "expired" in expired.json()["message"]


@pytest.mark.parametrize(
    ("form", "headers", "status", "error"),
    [
        (GRANT, basic("partner-kompas", "wrong"), 401, "invalid_client"),
        (GRANT, basic("nobody", "kompas-secret"), 401, "invalid_client"),
        (GRANT, {}, 401, "invalid_client"),
        (
            {**GRANT, "scope": "eduv.employee.basic"},
            basic("partner-kompas", "kompas-secret"),
            400,
            "invalid_scope",
        ),
        ({"grant_type": "password"}, basic("partner-kompas", "kompas-secret"), 400, "unsupported_grant_type"),
        ({}, basic("partner-kompas", "kompas-secret"), 400, "invalid_request"),
        (
            {**GRANT, "client_id": "partner-kompas", "client_secret": "kompas-secret"},
            basic("partner-kompas", "kompas-secret"),
            400,
            "invalid_request",
        ),
    ],
    ids=[
        "wrong-secret",
        "unknown-client",
        "no-credentials",
        "scope-not-allowed",
        "grant",
        "no-grant",
        "two-methods",
    ],
)
def test_token_endpoint_errors_follow_rfc_6749(
    client: TestClient, form: dict[str, str], headers: dict[str, str], status: int, error: str
) -> None:
    response = client.post(TOKEN_URL, data=form, headers=headers)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert response.headers["cache-control"] == "no-store"


def test_unknown_client_and_wrong_secret_are_indistinguishable(client: TestClient) -> None:
    unknown = client.post(TOKEN_URL, data=GRANT, headers=basic("nobody", "x")).json()
    wrong = client.post(TOKEN_URL, data=GRANT, headers=basic("partner-kompas", "x")).json()
    assert unknown == wrong


def test_control_plane_needs_the_admin_token(client: TestClient) -> None:
    assert client.get("/sandbox/clients").status_code == 401
    assert client.get("/sandbox/clients", headers=bearer("kbx-noordstar")).status_code == 401
    clients = client.get("/sandbox/clients", headers=ADMIN).json()
    assert {c["id"] for c in clients} >= {"docs-example", "partner-noordstar", "partner-kompas"}
    noordstar = next(c for c in clients if c["id"] == "partner-noordstar")
    assert {t["token"]: t["expired"] for t in noordstar["tokens"]} == {
        "kbx-noordstar": False,
        "kbx-noordstar-readonly": False,
        "kbx-noordstar-expired": True,
    }
    assert all("secret" not in c for c in clients)


def test_tokens_command_prints_secrets_and_tokens_for_the_person_running_the_sandbox() -> None:
    import json

    from click.testing import CliRunner

    from koppelbox.cli import main

    result = CliRunner().invoke(main, ["tokens", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["admin_token"] == "kbx-admin-local"
    noordstar = next(c for c in data["clients"] if c["id"] == "partner-noordstar")
    assert noordstar["secret"] == "noordstar-secret"
    assert {t["token"]: t["expired"] for t in noordstar["tokens"]}["kbx-noordstar-expired"] is True
