"""However malformed the request, the answer is a clear 4xx in the API's own error format: never a 500,
never a framework page, never lost or half-stored data."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from koppelbox.server.app import create_app
from koppelbox.store import Store
from tests.support import bearer

KOMPAS = bearer("kbx-kompas")
ORGS = "/wimpel/v1/organisations"
JSON = {"content-type": "application/json"}


def assert_wimpel_error(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"status", "code", "message", "errors"}
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b'{"id": ', JSON, 400),  # truncated JSON
        (b"\xff\xfe\x00", JSON, 400),  # not UTF-8
        (b"[" * 100_000, JSON, 400),  # nested too deeply for the parser
        (b"null", JSON, 400),
        (b"[]", JSON, 400),
        (b'"16SK"', JSON, 400),
        (b'{"id": "1\\u0000A", "name": "x", "sourceId": "y"}', JSON, 400),  # NUL inside an id
        (b'{"id": "\xf0\x9f\x8f\xab", "name": "x", "sourceId": "y"}', JSON, 400),  # emoji id
        (b"id=12AB&name=x", {"content-type": "application/x-www-form-urlencoded"}, 400),
        (b"id=%ff%fe&name=x&sourceId=y", {"content-type": "application/x-www-form-urlencoded"}, 400),
        (b"<org/>", {"content-type": "application/xml"}, 415),
        (b"hello", {"content-type": "text/plain"}, 415),
        (b"{}", {"content-type": "application/json; charset=klingon"}, 400),
    ],
    ids=[
        "truncated",
        "not-utf8",
        "deep",
        "null",
        "array",
        "string",
        "nul-in-id",
        "emoji-id",
        "form-missing-field",
        "form-bad-encoding",
        "xml",
        "text",
        "unknown-charset",
    ],
)
def test_malformed_create_bodies(
    client: TestClient, content: bytes, headers: dict[str, str], status: int
) -> None:
    response = client.post(ORGS, content=content, headers={**KOMPAS, **headers})
    assert_wimpel_error(response, status)
    # Nothing was stored on the way.
    assert [o["id"] for o in client.get(ORGS, headers=KOMPAS).json()] == ["96WD"]


def test_odd_unicode_that_is_valid_is_stored_exactly(client: TestClient) -> None:
    name = "Basisschool \u201cDe Ko\u0308ning\u201d \u2013 \U0001f3eb \u0645\u062f\u0631\u0633\u0629"
    created = client.post(ORGS, json={"id": "12AB", "name": name, "sourceId": "s"}, headers=KOMPAS)
    assert created.status_code == 201
    assert client.get(f"{ORGS}/12AB", headers=KOMPAS).json()["name"] == name


def test_huge_body_is_413_in_the_apis_format(store: Store) -> None:
    small = TestClient(create_app(store, max_body_bytes=1024), raise_server_exceptions=False)
    payload = {"id": "12AB", "name": "x" * 2000, "sourceId": "s"}
    body = assert_wimpel_error(small.post(ORGS, json=payload, headers=KOMPAS), 413)
    assert "1024" in str(body["message"])


def test_huge_chunked_body_without_content_length_is_413(store: Store) -> None:
    small = TestClient(create_app(store, max_body_bytes=1024), raise_server_exceptions=False)

    def chunks() -> object:
        for _ in range(10):
            yield b"x" * 500

    response = small.post(ORGS, content=chunks(), headers={**KOMPAS, **JSON})  # type: ignore[arg-type]
    assert_wimpel_error(response, 413)


@pytest.mark.parametrize(
    "path",
    ["/", "/nope", "/wimpel", "/wimpel/v2/organisations", "/wimpel/v1/organisations/16SK/extra", "/eduv%00"],
)
def test_unknown_routes_are_404_json(client: TestClient, path: str) -> None:
    response = client.get(path, headers=KOMPAS)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["status"] == 404


def test_unsupported_method_is_405_with_the_documented_methods(client: TestClient) -> None:
    response = client.patch(f"{ORGS}/96WD", json={"sourceId": "x"}, headers=KOMPAS)
    assert_wimpel_error(response, 405)
    assert response.headers["allow"] == "GET, PUT, DELETE"


@pytest.mark.parametrize("segment", ["16SK%0A", "16SK%00", "..%2F..%2Fsandbox", "%E2%80%AE16SK", "a" * 300])
def test_odd_path_parameters_are_4xx(client: TestClient, segment: str) -> None:
    response = client.get(f"{ORGS}/{segment}", headers=KOMPAS)
    assert 400 <= response.status_code < 500
    assert response.json()["status"] == response.status_code


@pytest.mark.parametrize("query", ["limit=abc", "limit=-1", "active=maybe", "offset=1e3", "unknown=1"])
def test_bad_query_parameters_are_400(client: TestClient, query: str) -> None:
    assert_wimpel_error(client.get(f"{ORGS}?{query}", headers=KOMPAS), 400)


def test_chunked_update_is_applied_not_ignored(client: TestClient) -> None:
    def chunks() -> object:
        yield b'{"sourceId": '
        yield b'"via-chunks"}'

    response = client.put(f"{ORGS}/96WD", content=chunks(), headers={**KOMPAS, **JSON})  # type: ignore[arg-type]
    assert response.status_code == 200
    assert client.get(f"{ORGS}/96WD", headers=KOMPAS).json()["sourceId"] == "via-chunks"
