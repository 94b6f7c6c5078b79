"""Wimpel organisations API, as a partner uses it."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.backends import every_backend  # noqa: F401  (this module runs on every store backend)
from tests.support import ADMIN, FakeClock, bearer

NOORDSTAR = bearer("kbx-noordstar")
KOMPAS = bearer("kbx-kompas")
DOCS = bearer("{token}")
BASE = "/wimpel/v1/organisations"


def ids(response_json: list[dict[str, object]]) -> list[object]:
    return [o["id"] for o in response_json]


def test_documentation_examples_work_as_written(client: TestClient) -> None:
    # The public page's five curl commands, with only the host swapped and its literal `{token}`.
    listed = client.get(BASE, params={"active": "true", "limit": "10"}, headers=DOCS)
    assert listed.status_code == 200
    assert ids(listed.json()) == ["16SK"]

    created = client.post(
        "/wimpel/v1/contacts",
        data={
            "id": "16SK07",
            "name": "Liemers College SGM voor LYC HAVO MAVO VBO LWOO",
            "sourceId": "saoe89wZq",
        },
        headers=DOCS,
    )
    assert created.status_code == 201
    assert created.json()["sourceId"] == "saoe89wZq"
    assert created.headers["location"] == "/wimpel/v1/organisations/16SK07"

    fetched = client.get(f"{BASE}/16SK", headers=DOCS)
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "Liemers College SGM voor LYC HAVO MAVO VBO LWOO"

    updated = client.put("/wimpel/v1/contacts/16SK07", data={"sourceId": "WAz8eIbvDR60rouK"}, headers=DOCS)
    assert updated.status_code == 200
    assert updated.json()["sourceId"] == "WAz8eIbvDR60rouK"

    deleted = client.delete(f"{BASE}/16SK", headers=DOCS)
    assert deleted.status_code == 204
    assert client.get(f"{BASE}/16SK", headers=DOCS).status_code == 404


def test_list_shows_only_the_callers_organisations(client: TestClient) -> None:
    assert ids(client.get(BASE, headers=NOORDSTAR).json()) == ["16SK", "97ZC", "98YB", "99XA"]
    assert ids(client.get(BASE, headers=KOMPAS).json()) == ["96WD"]


@pytest.mark.parametrize(
    ("active", "expected"),
    [("true", ["16SK", "97ZC", "99XA"]), ("false", ["98YB"]), (None, ["16SK", "97ZC", "98YB", "99XA"])],
)
def test_active_filter(client: TestClient, active: str | None, expected: list[str]) -> None:
    params = {"active": active} if active else {}
    response = client.get(BASE, params=params, headers=NOORDSTAR)
    assert ids(response.json()) == expected
    assert response.headers["x-total-count"] == str(len(expected))


def test_paging_follows_the_link_header_to_the_end(client: TestClient) -> None:
    seen: list[object] = []
    url: str | None = f"{BASE}?limit=3"
    pages = 0
    while url:
        response = client.get(url, headers=NOORDSTAR)
        assert response.status_code == 200
        seen += ids(response.json())
        pages += 1
        link = response.headers.get("link")
        url = link.split(";")[0].strip("<>") if link else None
    assert pages == 2
    assert seen == ["16SK", "97ZC", "98YB", "99XA"]


def test_limit_outside_its_range_is_refused_naming_the_parameter(client: TestClient) -> None:
    response = client.get(BASE, params={"limit": "0"}, headers=NOORDSTAR)
    assert response.status_code == 400
    assert "limit" in response.json()["message"]


def test_create_then_get_then_list(client: TestClient, clock: FakeClock) -> None:
    body = {
        "id": "12AB",
        "name": "Nieuwe School",
        "sourceId": "abc-1",
        "boards": [{"id": 99, "name": "Bestuur"}],
        "locations": [{"id": "12AB00", "name": "Hoofdgebouw", "type": "hoofdlocatie"}],
    }
    created = client.post(BASE, json=body, headers=KOMPAS)
    assert created.status_code == 201
    organisation = created.json()
    assert organisation["status"] == "active"
    assert organisation["dateCreated"] == organisation["dateLastModified"] == "2026-03-02T09:30:00.000Z"
    assert client.get(f"{BASE}/12AB", headers=KOMPAS).json() == organisation
    assert "12AB" in ids(client.get(BASE, headers=KOMPAS).json())
    # Another partner's list is untouched.
    assert client.get(f"{BASE}/12AB", headers=NOORDSTAR).status_code == 404


@pytest.mark.parametrize("missing", ["id", "name", "sourceId"])
def test_create_requires_id_name_and_source_id(client: TestClient, missing: str) -> None:
    body = {"id": "12AB", "name": "Nieuwe School", "sourceId": "abc-1"}
    del body[missing]
    response = client.post(BASE, json=body, headers=KOMPAS)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": missing, "message": "is required"}]


def test_create_reports_every_bad_field_at_once(client: TestClient) -> None:
    response = client.post(
        BASE,
        json={
            "id": "12 AB",
            "name": "",
            "sourceId": "x",
            "locations": [{"id": "1", "name": "n", "type": "x"}],
        },
        headers=KOMPAS,
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"id", "name", "locations[0].type"}


def test_duplicate_id_is_refused(client: TestClient) -> None:
    response = client.post(BASE, json={"id": "96WD", "name": "Dubbel", "sourceId": "x"}, headers=KOMPAS)
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate"


def test_same_id_in_another_partners_list_is_no_duplicate(client: TestClient) -> None:
    # Lists are per partner: Kompas adding 16SK does not collide with Noordstar's 16SK, nor reveal it.
    response = client.post(BASE, json={"id": "16SK", "name": "Liemers", "sourceId": "kmp-2"}, headers=KOMPAS)
    assert response.status_code == 201
    assert client.get(f"{BASE}/16SK", headers=NOORDSTAR).json()["sourceId"] == "nst-16SK-0001"


def test_update_changes_source_id_and_modification_time_only(client: TestClient, clock: FakeClock) -> None:
    before = client.get(f"{BASE}/97ZC", headers=NOORDSTAR).json()
    clock.advance(minutes=5)
    after = client.put(f"{BASE}/97ZC", json={"sourceId": "nieuw-7"}, headers=NOORDSTAR).json()
    assert after["sourceId"] == "nieuw-7"
    assert after["dateLastModified"] == "2026-03-02T09:35:00.000Z"
    assert {k: v for k, v in after.items() if k not in {"sourceId", "dateLastModified"}} == {
        k: v for k, v in before.items() if k not in {"sourceId", "dateLastModified"}
    }


@pytest.mark.parametrize("field", ["name", "id", "status", "boards"])
def test_update_refuses_any_field_but_source_id(client: TestClient, field: str) -> None:
    response = client.put(f"{BASE}/97ZC", json={"sourceId": "x", field: "y"}, headers=NOORDSTAR)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert client.get(f"{BASE}/97ZC", headers=NOORDSTAR).json()["sourceId"] == "nst-97ZC-0004"


def test_update_of_unknown_organisation_is_404(client: TestClient) -> None:
    before = client.get(BASE, headers=NOORDSTAR).json()
    response = client.put(f"{BASE}/00XX", json={"sourceId": "x"}, headers=NOORDSTAR)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert "00XX" in response.json()["message"]
    assert client.get(BASE, headers=NOORDSTAR).json() == before  # a PUT never creates


def test_delete_removes_the_organisation_and_its_history(client: TestClient) -> None:
    client.put(f"{BASE}/99XA", json={"sourceId": "tweede"}, headers=NOORDSTAR)
    history = client.get("/sandbox/wimpel/partner-noordstar/organisations/99XA/history", headers=ADMIN)
    assert [e["event"] for e in history.json()] == ["created", "sourceId changed"]

    assert client.delete(f"{BASE}/99XA", headers=NOORDSTAR).status_code == 204
    assert client.get(f"{BASE}/99XA", headers=NOORDSTAR).status_code == 404
    assert "99XA" not in ids(client.get(BASE, headers=NOORDSTAR).json())
    assert client.delete(f"{BASE}/99XA", headers=NOORDSTAR).status_code == 404
    gone = client.get("/sandbox/wimpel/partner-noordstar/organisations/99XA/history", headers=ADMIN)
    assert gone.status_code == 404

    # Added again, it starts a fresh history.
    client.post(BASE, json={"id": "99XA", "name": "Terug", "sourceId": "drie"}, headers=NOORDSTAR)
    fresh = client.get("/sandbox/wimpel/partner-noordstar/organisations/99XA/history", headers=ADMIN)
    assert [e["event"] for e in fresh.json()] == ["created"]


def test_another_partners_organisation_cannot_be_read_changed_or_deleted(client: TestClient) -> None:
    for method in ("get", "delete"):
        assert getattr(client, method)(f"{BASE}/96WD", headers=NOORDSTAR).status_code == 404
    assert client.put(f"{BASE}/96WD", json={"sourceId": "x"}, headers=NOORDSTAR).status_code == 404
    assert client.get(f"{BASE}/96WD", headers=KOMPAS).json()["sourceId"] == "kmp-0001"
