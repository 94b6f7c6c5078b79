"""Every status `koppelbox certify` requires can be provoked by the client under certification with its
own credentials, and the journal attributes the answer to that client (docs/scenarios.md).

Before, an Aanmeld partner could only see a 401 with a token nobody owns and a 403 with another partner's
token, so no enrolment portal could pass certification on the shipped seed.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from koppelbox.store import Store
from tests.aanmeld_support import enrolment
from tests.support import bearer

SEEDED = Store.from_directory()


def clients_of(kind: str, scope_prefix: str) -> list[str]:
    return sorted(
        c.id
        for c in SEEDED.identity.clients.values()
        if c.kind == kind and any(s.startswith(scope_prefix) for s in c.scopes)
    )


def token_for(client: TestClient, client_id: str, scope: str | None = None) -> str:
    secret = SEEDED.identity.clients[client_id].secret
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    answer = client.post("/sandbox/oauth2/token", data=form, auth=(client_id, secret))
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def last_entry(client: TestClient) -> Any:
    return client.app.sandbox.journal.entries()[-1]  # type: ignore[attr-defined]


def expired_token_of(client_id: str) -> str:
    """The seeded static token of `client_id` that expired long ago (`kbx-<name>-expired`)."""
    [token] = [t.token for t in SEEDED.identity.static_tokens(client_id) if t.expires_at is not None]
    return token


AANMELD_PARTNERS = clients_of("partner", "aanmeld.")
WIMPEL_PARTNERS = [c for c in clients_of("partner", "wimpel.") if c != "docs-example"]
EDUV_CONSUMERS = clients_of("consumer", "eduv.")


def test_every_api_has_clients_to_check() -> None:
    assert len(AANMELD_PARTNERS) == 4
    assert len(WIMPEL_PARTNERS) == 2
    assert len(EDUV_CONSUMERS) == 2


@pytest.mark.parametrize("partner", AANMELD_PARTNERS)
def test_an_aanmeld_partner_provokes_its_own_401_and_403(client: TestClient, partner: str) -> None:
    answer = client.post(
        "/aanmeld/v1/aanmeldingen",
        json=enrolment(),
        headers=bearer(expired_token_of(partner)),
    )
    assert answer.status_code == 401
    assert last_entry(client).client == partner

    number = SEEDED.aanmeld.partners[partner].aanmeld_api_id
    closed = [s["brin"] for s in SEEDED.aanmeld.school_list() if number not in s["geactiveerdePartners"]]
    assert closed, f"no seeded school leaves partner {number} switched off"
    answer = client.post(
        "/aanmeld/v1/aanmeldingen",
        json=enrolment(brin=closed[0]),
        headers=bearer(token_for(client, partner)),
    )
    assert answer.status_code == 403, answer.text
    assert last_entry(client).client == partner


@pytest.mark.parametrize("partner", WIMPEL_PARTNERS)
def test_a_wimpel_partner_provokes_its_own_401_and_403(client: TestClient, partner: str) -> None:
    assert (
        client.get("/wimpel/v1/organisations", headers=bearer(expired_token_of(partner))).status_code == 401
    )
    assert last_entry(client).client == partner
    read_only = token_for(client, partner, "wimpel.organisations.read")
    new = {"id": "KBX-NEW", "name": "Testschool", "sourceId": "kbx-1"}
    assert client.post("/wimpel/v1/organisations", json=new, headers=bearer(read_only)).status_code == 403
    assert last_entry(client).client == partner


@pytest.mark.parametrize("consumer", EDUV_CONSUMERS)
def test_an_eduv_consumer_provokes_its_own_401_and_403(client: TestClient, consumer: str) -> None:
    url = "/eduv/v1/employees/school"
    answer = client.get(f"{url}?orgMasterId=100X016", headers=bearer(expired_token_of(consumer)))
    assert answer.status_code == 401
    assert last_entry(client).client == consumer
    answer = client.get(f"{url}?orgId=98YB&orgIdType=OIE_CODE", headers=bearer(token_for(client, consumer)))
    assert answer.status_code == 403
    assert last_entry(client).client == consumer
