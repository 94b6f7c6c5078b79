"""Control characters in what a partner sends are refused with the API's own 400 and a message that names
them: none at all in ids, codes and names; free text (a memo, extra data) keeps line breaks and tabs but
never NUL or another control character. One rule for every text field of every API."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from koppelbox import contracts
from koppelbox.rules import text
from tests.support import ADMIN, bearer

WIMPEL = bearer("kbx-noordstar")
AANMELD = bearer("kbx-inschrijfwijzer")
EDUV = bearer("kbx-sleutelbos")
PUPIL = {"achternaam": "Postma", "roepnaam": "Sietse", "geslacht": "man", "geboortedatum": "2014-07-03"}


def enrolment(**fields: Any) -> dict[str, Any]:
    return {"brin": "99XA", "codeExternePartij": "KBX-CTL", "leerling": dict(PUPIL), **fields}


@pytest.mark.parametrize(
    "bad", ["\u0000", "\b", "Lie\u0000mers", "Liemers\u001b[31m", "Liemers\u0085", "a\nb", "\t"]
)
@pytest.mark.parametrize("field", ["id", "name", "sourceId"])
def test_wimpel_ids_and_names_take_no_control_character(client: TestClient, field: str, bad: str) -> None:
    body = {"id": "KBX-CTL", "name": "Testschool", "sourceId": "kbx-1", field: bad}
    response = client.post("/wimpel/v1/organisations", headers=WIMPEL, json=body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid_request"
    assert [e["field"] for e in answer["errors"]] == [field]
    if field == "name":  # the id and sourceId patterns allow no more than letters, digits and a few signs
        assert "must not contain control characters" in answer["errors"][0]["message"]


@pytest.mark.parametrize(
    "nested",
    [
        {"boards": [{"id": 1, "name": "Stichting\u0000"}]},
        {"locations": [{"id": "16SK00\u0007", "name": "Hoofdlocatie", "type": "hoofdlocatie"}]},
        {"organisationIds": [{"organisationId": "16SK00", "type": "vestigings\u007ferkenning"}]},
    ],
)
def test_wimpel_nested_names_take_no_control_character(client: TestClient, nested: dict[str, Any]) -> None:
    body = {"id": "KBX-CTL", "name": "Testschool", "sourceId": "kbx-1", **nested}
    response = client.post("/wimpel/v1/organisations", headers=WIMPEL, json=body)
    assert response.status_code == 400
    assert "must not contain control characters" in response.json()["errors"][0]["message"]


def test_wimpel_form_posts_are_held_to_the_same_rule(client: TestClient) -> None:
    form = {"id": "KBX-CTL", "name": "Test\u0001school", "sourceId": "kbx-1"}
    response = client.post("/wimpel/v1/organisations", headers=WIMPEL, data=form)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "name", "message": "must not contain control characters (found U+0001)"}
    ]


def test_a_wimpel_name_with_ordinary_text_is_still_accepted(client: TestClient) -> None:
    body = {"id": "KBX-CTL", "name": "Scholengemeenschap «Liemers» — ’t Zand", "sourceId": "kbx-1"}
    assert client.post("/wimpel/v1/organisations", headers=WIMPEL, json=body).status_code == 201


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"leerling": {**PUPIL, "achternaam": "Post\u0000ma"}}, "leerling.achternaam"),
        ({"leerling": {**PUPIL, "voorletters": "S.\n"}}, "leerling.voorletters"),
        ({"codeExternePartij": "KBX\u001b[2J"}, "codeExternePartij"),
        ({"gewensteLocatie": "Havo\tVwo"}, "gewensteLocatie"),
        (
            {
                "ouders": [
                    {"achternaam": "Postma", "voorletters": "J.", "geslacht": "vrouw", "relatie": "moe\bder"}
                ]
            },
            "ouders[0].relatie",
        ),
        ({"vooropleiding": {"advies": "havo\u0000"}}, "vooropleiding.advies"),
        ({"extraGegevens": {"voorkeur": "ja\u0000"}}, "extraGegevens.voorkeur"),
        ({"extraGegevens": {"voor\u0001keur": "ja"}}, "extraGegevens"),
        (
            {
                "documenten": [
                    {
                        "bestandsnaam": "advies\u0000.pdf",
                        "type": "application/pdf",
                        "inhoud": "JVBERi0xLjQKJSVFT0YK",
                    }
                ]
            },
            "documenten[0].bestandsnaam",
        ),
    ],
)
def test_aanmeld_refuses_control_characters_naming_the_field(
    client: TestClient, fields: dict[str, Any], where: str
) -> None:
    response = client.post("/aanmeld/v1/aanmeldingen", headers=AANMELD, json=enrolment(**fields))
    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid_request"
    assert where in [e["field"] for e in answer["errors"]]
    assert "must not contain control characters" in answer["message"]


def test_aanmeld_free_text_keeps_line_breaks_and_tabs(client: TestClient) -> None:
    body = enrolment(
        vooropleiding={"advies": "havo/vwo\r\nmet\ttwijfel"},
        extraGegevens={"opmerking": "eerste regel\ntweede regel\tmet tab"},
    )
    assert client.post("/aanmeld/v1/aanmeldingen", headers=AANMELD, json=body).status_code == 201


def test_aanmeld_free_text_says_which_characters_it_does_allow(client: TestClient) -> None:
    body = enrolment(extraGegevens={"opmerking": "regel\n\u0000"})
    answer = client.post("/aanmeld/v1/aanmeldingen", headers=AANMELD, json=body).json()
    assert answer["errors"] == [
        {
            "field": "extraGegevens.opmerking",
            "message": "must not contain control characters other than line breaks and tabs (found U+0000)",
        }
    ]


def test_an_uploaded_file_part_name_takes_no_control_character(client: TestClient) -> None:
    receipt = client.post("/aanmeld/v1/aanmeldingen", headers=AANMELD, json=enrolment()).json()
    # Written by hand: HTTP clients percent-encode such a name, a hand-rolled connector may not.
    body = (
        b"--kbx\r\n"
        b'Content-Disposition: form-data; name="bestand"; filename="advies\x07.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n"
        b"%PDF-1.4\n%%EOF\n\r\n"
        b"--kbx--\r\n"
    )
    response = client.post(
        f"/aanmeld/v1/aanmeldingen/{receipt['aanmeldingId']}/documenten",
        headers={**AANMELD, "Content-Type": "multipart/form-data; boundary=kbx"},
        content=body,
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "bestand", "message": "file name must not contain control characters (found U+0007)"}
    ]


@pytest.mark.parametrize("parameter", ["orgMasterId", "orgId", "schoolPeriodId"])
def test_eduv_query_ids_take_no_control_character(client: TestClient, parameter: str) -> None:
    query = {"orgMasterId": "100X016", parameter: "100X016\u0000"}
    if parameter == "orgId":
        query = {"orgId": "16SK\u0001", "orgIdType": "OIE_CODE"}
    response = client.get("/eduv/v1/employees/school", headers=EDUV, params=query)
    assert response.status_code == 400
    answer = response.json()
    assert answer["status"] == 11
    assert f"`{parameter}` (query parameter) must not contain control characters" in answer["statusMessage"]


def test_the_token_endpoint_refuses_control_characters_in_rfc_6749_form(client: TestClient) -> None:
    form = {"grant_type": "client_credentials", "client_id": "partner\u0000", "client_secret": "x"}
    response = client.post("/sandbox/oauth2/token", data=form)
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "invalid_request"
    assert "`client_id` must not contain control characters (found U+0000)" in answer["error_description"]


@pytest.mark.parametrize(
    "path",
    [
        "/sandbox/journal?client=%01",
        "/sandbox/journal?operation=list%00",
        "/sandbox/wimpel/a%00/organisations/16SK/history",
    ],
)
def test_control_plane_ids_take_no_control_character(client: TestClient, path: str) -> None:
    response = client.get(path, headers=ADMIN)
    assert response.status_code == 400
    assert "must not contain control characters" in response.json()["message"]


def test_every_text_field_a_partner_sends_is_bounded_by_the_rule() -> None:
    """Every string a request can carry (body property, parameter) has a pattern, an enum, a format the
    sandbox decodes, or is binary: nothing is left to take control characters unnoticed."""
    unbounded = []
    for spec in contracts.discover():
        document = contracts.document(spec.path)
        for where, schema in _request_strings(document):
            if not (
                {"pattern", "enum"} & set(schema)
                or schema.get("format") in {"byte", "binary", "uuid", "date", "email"}
            ):
                unbounded.append(f"{spec.name}: {where}")
    assert not unbounded


def test_the_rule_is_written_once_in_the_contracts() -> None:
    patterns = {text.NAME_PATTERN, text.FREE_TEXT_PATTERN}
    for spec in contracts.discover():
        document = contracts.document(spec.path)
        found = {
            schema["pattern"]
            for _, schema in _request_strings(document)
            if "\\x00" in schema.get("pattern", "")
        }
        assert found <= patterns | {_NAME_NOT_BLANK}, found


_NAME_NOT_BLANK = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$"


def _resolve(node: Any, document: dict[str, Any]) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _strings(schema: Any, document: dict[str, Any], where: str, seen: frozenset[str]) -> Any:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if ref in seen:
        return
    schema = _resolve(schema, document)
    if not isinstance(schema, dict):
        return
    seen = seen | {ref} if ref else seen
    if schema.get("type") == "string":
        yield where, schema
    for name, child in (schema.get("properties") or {}).items():
        yield from _strings(child, document, f"{where}.{name}", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _strings(schema["additionalProperties"], document, f"{where}.*", seen)
    if "items" in schema:
        yield from _strings(schema["items"], document, f"{where}[]", seen)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for index, child in enumerate(schema.get(keyword) or []):
            yield from _strings(child, document, f"{where}/{keyword}{index}", seen)


def _request_strings(document: dict[str, Any]) -> Any:
    for template, method, operation in contracts.operations(document):
        label = f"{method.upper()} {template}"
        parameters = [*document["paths"][template].get("parameters", []), *operation.get("parameters", [])]
        for parameter in parameters:
            parameter = _resolve(parameter, document)
            yield from _strings(
                parameter.get("schema", {}), document, f"{label} {parameter['name']}", frozenset()
            )
        body = _resolve(operation.get("requestBody", {}), document)
        for media, content in (body.get("content") or {}).items():
            yield from _strings(content.get("schema", {}), document, f"{label} {media}", frozenset())
