"""Back to the seed without a restart: over HTTP and from Python."""

from __future__ import annotations

from starlette.testclient import TestClient

from koppelbox.store import Store
from tests.support import ADMIN, bearer

KOMPAS = bearer("kbx-kompas")
ORGS = "/wimpel/v1/organisations"


def test_reset_endpoint_restores_data_and_drops_issued_tokens(client: TestClient) -> None:
    client.post(ORGS, json={"id": "12AB", "name": "Nieuw", "sourceId": "s"}, headers=KOMPAS)
    client.delete(f"{ORGS}/96WD", headers=KOMPAS)
    issued = client.post(
        "/sandbox/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "partner-kompas",
            "client_secret": "kompas-secret",
        },
    ).json()["access_token"]

    response = client.post("/sandbox/reset", headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["status"] == "reset"

    assert [o["id"] for o in client.get(ORGS, headers=KOMPAS).json()] == ["96WD"]
    assert client.get(ORGS, headers=bearer(issued)).status_code == 401
    assert client.get(ORGS, headers=KOMPAS).status_code == 200  # static tokens survive


def test_reset_needs_the_admin_token(client: TestClient) -> None:
    assert client.post("/sandbox/reset", headers=KOMPAS).status_code == 401


def test_reset_from_python(store: Store) -> None:
    store.wimpel.delete("partner-kompas", "96WD")
    assert store.wimpel.page("partner-kompas", active=None, limit=10, offset=0).total == 0
    store.reset()
    assert [o["id"] for o in store.wimpel.page("partner-kompas", active=None, limit=10, offset=0).items] == [
        "96WD"
    ]
