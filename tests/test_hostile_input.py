"""However malformed the request, the answer is a clear 4xx in the API's own error format: never a 500,
never a framework page, never lost or half-stored data."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from koppelbox.server.app import create_app
from koppelbox.store import Store
from tests.aanmeld_support import ENROL, INSCHRIJFWIJZER, enrolment
from tests.support import ADMIN, bearer

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


# --- issue 15: input Python itself refuses to hold (lone surrogates, huge integers, non-ASCII Basic) ---

HUGE = "9" * 5000  # more digits than Python converts to an int (sys.get_int_max_str_digits)
ADMIN_JSON = {**ADMIN, **JSON}


def _enrolment_with(old: str, new: str) -> bytes:
    text = json.dumps(enrolment())
    assert old in text
    return text.replace(old, new, 1).encode()


def _pupils(client: TestClient) -> list[object]:
    pupils: list[object] = client.get("/sandbox/aanmeld/scholen/99XA/leerlingen", headers=ADMIN).json()
    return pupils


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b'{"id": "12AB", "name": "\\ud800", "sourceId": "s"}', "name"),
        (b'{"id": "12AB", "name": "x\\udfff", "sourceId": "s"}', "name"),
        (b'{"id": "12AB", "name": "x", "sourceId": "s", "\\udc00": 1}', "\\udc00"),
    ],
    ids=["high", "low", "member-name"],
)
def test_lone_surrogates_in_a_wimpel_body_are_400_naming_the_field(
    client: TestClient, content: bytes, field: str
) -> None:
    body = assert_wimpel_error(client.post(ORGS, content=content, headers={**KOMPAS, **JSON}), 400)
    assert body["errors"] == [{"field": field, "message": body["errors"][0]["message"]}]  # type: ignore[index]
    assert "surrogate" in str(body["message"])
    assert [o["id"] for o in client.get(ORGS, headers=KOMPAS).json()] == ["96WD"]


def test_a_surrogate_pair_is_text_and_is_stored(client: TestClient) -> None:
    content = b'{"id": "12AB", "name": "\\ud83c\\udfeb \\u00e9\\uD7FF", "sourceId": "s"}'
    assert client.post(ORGS, content=content, headers={**KOMPAS, **JSON}).status_code == 201
    assert client.get(f"{ORGS}/12AB", headers=KOMPAS).json()["name"] == "\U0001f3eb \u00e9\ud7ff"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('"Fenna"', '"\\ud800"', "leerling.roepnaam"),
        ('"Sanne de Vries"', '"\\ud800"', "extraGegevens.voorkeurKlasgenoot"),
        ('"huisnummer": 21', f'"huisnummer": {HUGE}', None),
    ],
    ids=["surrogate", "surrogate-free-form", "huge-int"],
)
def test_an_aanmelding_python_cannot_hold_is_400_and_not_stored(
    client: TestClient, old: str, new: str, field: str | None
) -> None:
    before = _pupils(client)
    response = client.post(ENROL, content=_enrolment_with(old, new), headers={**INSCHRIJFWIJZER, **JSON})
    body = assert_wimpel_error(response, 400)
    if field is not None:
        assert [e["field"] for e in body["errors"]] == [field]  # type: ignore[union-attr]
    else:
        assert "too many digits" in str(body["message"])
    assert _pupils(client) == before


@pytest.mark.parametrize(
    "content", [b'{"naam": "\\ud800"}', b'{"stamnummerbereik": {"laagste": ' + HUGE.encode() + b"}}"]
)
def test_the_control_plane_refuses_bodies_python_cannot_hold(client: TestClient, content: bytes) -> None:
    before = client.get("/sandbox/aanmeld/scholen/99XA", headers=ADMIN).json()
    assert_wimpel_error(
        client.patch("/sandbox/aanmeld/scholen/99XA", content=content, headers=ADMIN_JSON), 400
    )
    assert client.get("/sandbox/aanmeld/scholen/99XA", headers=ADMIN).json() == before


def test_a_huge_integer_in_a_wimpel_body_is_400(client: TestClient) -> None:
    content = b'{"id": "12AB", "name": "x", "sourceId": "s", "n": ' + HUGE.encode() + b"}"
    body = assert_wimpel_error(client.post(ORGS, content=content, headers={**KOMPAS, **JSON}), 400)
    assert "too many digits" in str(body["message"])
    assert [o["id"] for o in client.get(ORGS, headers=KOMPAS).json()] == ["96WD"]


@pytest.mark.parametrize(
    "url",
    [
        f"/sandbox/aanmeld/scholen/99XA/leerlingen/{HUGE}",
        f"/sandbox/journal?status={HUGE}",
        f"/sandbox/journal?limit={HUGE}",
    ],
    ids=["path", "query-status", "query-limit"],
)
def test_huge_integer_parameters_are_400(client: TestClient, url: str) -> None:
    assert_wimpel_error(client.get(url, headers=ADMIN), 400)


def test_a_huge_integer_query_parameter_is_400_in_eduv_format(client: TestClient) -> None:
    response = client.get(f"/eduv/v1/employees/school?limit={HUGE}", headers=bearer("kbx-sleutelbos"))
    assert response.status_code == 400
    assert set(response.json()) == {"status", "statusMessage"}


@pytest.mark.parametrize(("length", "status"), [(HUGE.encode(), 413), (b"abc", 400), (b"-1", 400)])
def test_an_unreadable_content_length_is_4xx(client: TestClient, length: bytes, status: int) -> None:
    headers = [(b"authorization", b"Bearer kbx-kompas"), (b"content-type", b"application/json")]
    response = client.post(ORGS, content=b"{}", headers=[*headers, (b"content-length", length)])
    assert_wimpel_error(response, status)


@pytest.mark.parametrize("credentials", [b"Basic \xe9\xff", b"Basic " + "é:ü".encode(), b"Basic \x80"])
def test_non_ascii_basic_credentials_are_invalid_client(client: TestClient, credentials: bytes) -> None:
    headers = [(b"authorization", credentials), (b"content-type", b"application/x-www-form-urlencoded")]
    response = client.post("/sandbox/oauth2/token", content=b"grant_type=client_credentials", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"] == 'Basic realm="koppelbox"'  # RFC 6749 §5.2


@pytest.mark.parametrize("path", [ORGS, "/sandbox/journal", "/aanmeld/v1/aanmeldingen"])
@pytest.mark.parametrize("credentials", [b"Basic \xe9\xff", b"Bearer \xe9\xff"])
def test_non_ascii_authorization_elsewhere_is_401(client: TestClient, path: str, credentials: bytes) -> None:
    response = client.get(path, headers=[(b"authorization", credentials)])
    if path.startswith("/aanmeld/"):  # a POST-only path: 405 comes before security
        assert 400 <= response.status_code < 500
    else:
        assert_wimpel_error(response, 401)


# --- found by tests/test_robustness.py ---------------------------------------------------------------


def test_a_body_nested_deeper_than_the_limit_is_400(client: TestClient) -> None:
    deep = b'{"id": "12AB", "name": "x", "sourceId": "s", "n": ' + b"[" * 300 + b"]" * 300 + b"}"
    body = assert_wimpel_error(client.post(ORGS, content=deep, headers={**KOMPAS, **JSON}), 400)
    assert "nested too deeply" in str(body["message"])
    enrolment_body = _enrolment_with('"Sanne de Vries"', "[" * 70 + "]" * 70)
    assert_wimpel_error(client.post(ENROL, content=enrolment_body, headers={**INSCHRIJFWIJZER, **JSON}), 400)


@pytest.mark.parametrize("path", [ORGS, "/sandbox/journal"])
def test_a_content_type_that_is_not_ascii_is_400(client: TestClient, path: str) -> None:
    token = b"Bearer kbx-admin-local" if path.startswith("/sandbox") else b"Bearer kbx-kompas"
    headers = [(b"authorization", token), (b"content-type", "application/\u00e9".encode())]
    assert_wimpel_error(client.get(path, headers=headers), 400)


def test_a_content_type_that_is_not_ascii_is_400_in_eduv_format(client: TestClient) -> None:
    headers = [(b"authorization", b"Bearer kbx-sleutelbos"), (b"content-type", "text/\u00e9".encode())]
    response = client.get("/eduv/v1/employees/school", headers=headers)
    assert response.status_code == 400
    assert set(response.json()) == {"status", "statusMessage"}


def test_a_multipart_upload_without_content_type_is_400(client: TestClient) -> None:
    enrolled = client.post(ENROL, json=enrolment(), headers=INSCHRIJFWIJZER).json()["aanmeldingId"]
    response = client.post(f"{ENROL}/{enrolled}/documenten", content=b"--x\r\n\r\n", headers=INSCHRIJFWIJZER)
    body = assert_wimpel_error(response, 400)
    assert "Content-Type" in str(body["message"])
