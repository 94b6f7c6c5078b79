"""Aanmeld-API over HTTP: what a partner sends and gets back, and what the school then sees on the control
plane. The app validates its own responses against the contracts, so every answer here is documented."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from starlette.testclient import TestClient

from koppelbox.server.app import create_app
from koppelbox.store import Store
from koppelbox.store.fixtures import Fixtures
from tests import aanmeld_support as s
from tests.backends import every_backend  # noqa: F401  (this module runs on every store backend)
from tests.support import ADMIN, FakeClock

ENROL = s.ENROL


def error_fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_an_enrolment_is_acknowledged_with_a_receipt_only(client: TestClient) -> None:
    response = client.post(ENROL, json=s.enrolment(), headers=s.INSCHRIJFWIJZER)
    assert response.status_code == 201
    assert set(response.json()) == {"aanmeldingId", "ontvangen"}
    assert response.json()["ontvangen"] == "2026-03-02T09:30:00.000Z"


def test_the_receipt_does_not_reveal_whether_the_pupil_existed(client: TestClient) -> None:
    new = client.post(ENROL, json=s.enrolment(), headers=s.INSCHRIJFWIJZER)
    known = client.post(ENROL, json=s.enrolment(leerling__pgn="398259793"), headers=s.INSCHRIJFWIJZER)
    assert (new.status_code, set(new.json()), new.headers.keys()) == (
        known.status_code,
        set(known.json()),
        known.headers.keys(),
    )
    assert set(known.json()) == {"aanmeldingId", "ontvangen"}


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({}, s.enrolment(), 401, "unauthorized"),
        (s.bearer("kbx-unknown"), s.enrolment(), 401, "unauthorized"),
        (s.WIMPEL_PARTNER, s.enrolment(), 403, "insufficient_scope"),
        (s.INSTROOMPLEIN, s.enrolment(), 403, "partner_not_activated"),
        (s.INSCHRIJFWIJZER, s.enrolment(brin="12AB"), 404, "school_unknown"),
    ],
)
def test_who_may_deliver_where(
    client: TestClient, headers: dict[str, str], body: dict[str, Any], status: int, code: str
) -> None:
    response = client.post(ENROL, json=body, headers=headers)
    assert (response.status_code, response.json()["code"]) == (status, code)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"leerling__pgn": "123456789"}, ["leerling.pgn"]),
        ({"leerling__geboortedatum": "2027-01-01"}, ["leerling.geboortedatum"]),
        ({"leerling__geboortedatum": "2014-02-30"}, ["leerling.geboortedatum"]),
        ({"leerling__adres": {"postcode": "8861 SS", "huisnummer": 3}}, ["leerling.adres.postcode"]),
        ({"brin": "99xa"}, ["brin"]),
        (
            {"leerling__achternaam": None, "codeExternePartij": None},
            ["codeExternePartij", "leerling.achternaam"],
        ),
        ({"leerling__geslacht": "m"}, ["leerling.geslacht"]),
        ({"onbekendVeld": 1}, ["onbekendVeld"]),
        ({"documenten": [s.document(b"", "application/pdf") | {"inhoud": "@@@"}]}, ["documenten[0].inhoud"]),
    ],
)
def test_bad_input_is_a_400_naming_each_field(
    client: TestClient, changes: dict[str, Any], fields: list[str]
) -> None:
    response = client.post(ENROL, json=s.enrolment(**changes), headers=s.INSCHRIJFWIJZER)
    assert response.status_code == 400
    assert error_fields(response) == fields


def test_a_document_of_the_wrong_type_is_a_422(client: TestClient) -> None:
    body = s.enrolment(documenten=[s.document(s.png(), "application/pdf", "advies.pdf")])
    response = client.post(ENROL, json=body, headers=s.INSCHRIJFWIJZER)
    assert (response.status_code, response.json()["code"]) == (422, "document_type_mismatch")
    assert error_fields(response) == ["documenten[0].inhoud"]


def test_a_png_named_pdf_is_a_422_inline_and_nothing_is_stored(client: TestClient) -> None:
    before = client.get(f"{s.school_path()}/leerlingen", headers=ADMIN).json()
    body = s.enrolment(documenten=[s.document(s.png(), "image/png", "advies.pdf")])
    response = client.post(ENROL, json=body, headers=s.INSCHRIJFWIJZER)
    assert (response.status_code, response.json()["code"]) == (422, "document_type_mismatch")
    assert error_fields(response) == ["documenten[0].bestandsnaam"]
    assert client.get(f"{s.school_path()}/leerlingen", headers=ADMIN).json() == before


def test_a_png_named_pdf_is_a_422_as_an_upload_and_nothing_is_stored(client: TestClient) -> None:
    enrolled = client.post(ENROL, json=s.enrolment(), headers=s.INSCHRIJFWIJZER).json()["aanmeldingId"]
    for parts in (
        {"bestand": ("advies.pdf", s.png(), "image/png")},
        {"bestand": ("blob", s.png(), "image/png"), "bestandsnaam": "advies.pdf"},
        {"bestand": ("advies.pdf", s.png(), "application/octet-stream"), "type": "image/png"},
    ):
        response = upload(client, enrolled, s.INSCHRIJFWIJZER, **parts)
        assert (response.status_code, response.json()["code"]) == (422, "document_type_mismatch"), parts
        assert error_fields(response) == ["bestandsnaam"]
    card = client.get(f"{s.school_path()}/leerlingen/26007", headers=ADMIN).json()["aanmeldingsdocumenten"]
    assert card == []
    fine = upload(client, enrolled, s.INSCHRIJFWIJZER, bestand=("pasfoto.PNG", s.png(), "image/png"))
    assert fine.status_code == 201


def test_a_document_over_the_configured_limit_is_a_413(clock: FakeClock) -> None:
    seeded = Store.from_directory(clock=clock).fixtures
    aanmeld = dict(seeded.documents["aanmeld"], settings={"max_document_bytes": 64})
    store = Store(Fixtures(seeded.directory, {**seeded.documents, "aanmeld": aanmeld}), clock)
    with TestClient(create_app(store, validate_responses=True)) as small:
        fits = small.post(
            ENROL,
            json=s.enrolment(documenten=[s.document(b"%PDF-" + b"x" * 50 + b"%%EOF")]),
            headers=s.INSCHRIJFWIJZER,
        )
        assert fits.status_code == 201
        response = small.post(
            ENROL, json=s.enrolment(documenten=[s.document(s.PDF)]), headers=s.INSCHRIJFWIJZER
        )
        assert (response.status_code, response.json()["code"]) == (413, "document_too_large")
        upload = small.post(
            f"{ENROL}/{fits.json()['aanmeldingId']}/documenten",
            files={"bestand": ("a.pdf", s.PDF, "application/pdf")},
            headers=s.INSCHRIJFWIJZER,
        )
        assert upload.status_code == 413


def test_a_used_up_range_is_a_409_and_the_school_can_widen_it(client: TestClient) -> None:
    assert client.post(ENROL, json=s.enrolment(brin="98YB"), headers=s.INSCHRIJFWIJZER).status_code == 201
    second = s.enrolment(brin="98YB", leerling__pgn="896935048")
    refused = client.post(ENROL, json=second, headers=s.INSCHRIJFWIJZER)
    assert (refused.status_code, refused.json()["code"]) == (409, "stamnummer_range_exhausted")
    widened = client.patch(
        s.school_path("98YB"), json={"stamnummerbereik": {"laagste": 500, "hoogste": 599}}, headers=ADMIN
    )
    assert widened.json()["stamnummerbereik"] == {"laagste": 500, "hoogste": 599}
    assert client.post(ENROL, json=second, headers=s.INSCHRIJFWIJZER).status_code == 201


def test_a_used_up_range_refuses_known_and_new_pupils_alike(client: TestClient) -> None:
    """Nothing flows back (rule 22): with the range used up, an enrolment of a pupil the school has
    (Tim Smit, PGN 860129044, stamnummer 500) gets the very answer a new pupil's gets; neither is stored."""
    assert client.post(ENROL, json=s.enrolment(brin="98YB"), headers=s.INSCHRIJFWIJZER).status_code == 201
    before = client.get(f"{s.school_path('98YB')}/leerlingen", headers=ADMIN).json()
    tim_before = client.get(f"{s.school_path('98YB')}/leerlingen/500", headers=ADMIN).json()
    known = client.post(
        ENROL, json=s.enrolment(brin="98YB", leerling__pgn="860129044"), headers=s.INSCHRIJFWIJZER
    )
    new = client.post(
        ENROL, json=s.enrolment(brin="98YB", leerling__pgn="896935048"), headers=s.INSCHRIJFWIJZER
    )
    assert (known.status_code, known.json()["code"]) == (409, "stamnummer_range_exhausted")
    assert (new.status_code, new.json()) == (known.status_code, known.json())
    assert client.get(f"{s.school_path('98YB')}/leerlingen", headers=ADMIN).json() == before
    assert client.get(f"{s.school_path('98YB')}/leerlingen/500", headers=ADMIN).json() == tim_before


def upload(client: TestClient, enrolment_id: str, headers: dict[str, str], **parts: Any) -> Any:
    files = {"bestand": parts.pop("bestand")}
    return client.post(f"{ENROL}/{enrolment_id}/documenten", files=files, data=parts, headers=headers)


def test_documents_uploaded_later_land_on_the_same_pupil(client: TestClient) -> None:
    enrolment_id = client.post(ENROL, json=s.enrolment(), headers=s.INSCHRIJFWIJZER).json()["aanmeldingId"]
    by_part_type = upload(
        client, enrolment_id, s.INSCHRIJFWIJZER, bestand=("verklaring.pdf", s.PDF, "application/pdf")
    )
    assert by_part_type.status_code == 201
    assert set(by_part_type.json()) == {"documentId", "ontvangen"}
    declared = upload(
        client,
        enrolment_id,
        s.INSCHRIJFWIJZER,
        bestand=("blob", s.docx(), "application/octet-stream"),
        type=s.DOCX_TYPE,
        bestandsnaam="formulier.docx",
    )
    assert declared.status_code == 201
    card = client.get(f"{s.school_path()}/leerlingen/26007", headers=ADMIN).json()["aanmeldingsdocumenten"]
    assert [(d["bestandsnaam"], d["type"]) for d in card] == [
        ("verklaring.pdf", "application/pdf"),
        ("formulier.docx", s.DOCX_TYPE),
    ]


@pytest.mark.parametrize(
    ("headers", "parts", "status", "code", "fields"),
    [
        (
            s.AANMELDLOKET,
            {"bestand": ("a.pdf", s.PDF, "application/pdf")},
            404,
            "enrolment_unknown",
            [],
        ),  # another partner's enrolment
        (
            s.INSCHRIJFWIJZER,
            {"bestand": ("a.pdf", s.PDF, "image/png")},
            422,
            "document_type_mismatch",
            ["bestand"],
        ),
        (
            s.INSCHRIJFWIJZER,
            {"bestand": ("a.pdf", s.PDF, "application/octet-stream")},
            400,
            "invalid_request",
            ["type"],
        ),
        (
            s.INSCHRIJFWIJZER,
            {"bestand": ("a.pdf", s.PDF, "application/pdf"), "type": "text/plain"},
            400,
            "invalid_request",
            ["type"],
        ),
        ({}, {"bestand": ("a.pdf", s.PDF, "application/pdf")}, 401, "unauthorized", []),
    ],
    ids=["other-partner", "content-not-declared-type", "no-type", "type-not-accepted", "no-token"],
)
def test_refused_uploads(
    client: TestClient,
    headers: dict[str, str],
    parts: dict[str, Any],
    status: int,
    code: str,
    fields: list[str],
) -> None:
    enrolment_id = client.post(ENROL, json=s.enrolment(), headers=s.INSCHRIJFWIJZER).json()["aanmeldingId"]
    response = upload(client, enrolment_id, headers, **parts)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert [e["field"] for e in response.json()["errors"]] == fields
    card = client.get(f"{s.school_path()}/leerlingen/26007", headers=ADMIN).json()
    assert card["aanmeldingsdocumenten"] == []  # nothing was stored
    assert [e["documenten"] for e in card["aanmeldingen"]] == [[]]


def test_an_upload_to_an_unknown_enrolment_is_a_404(client: TestClient) -> None:
    response = upload(
        client,
        "3f1c9a52-6d0e-4b7a-9c61-2f5d8e4a7b10",
        s.INSCHRIJFWIJZER,
        bestand=("a.pdf", s.PDF, "application/pdf"),
    )
    assert (response.status_code, response.json()["code"]) == (404, "enrolment_unknown")


# What the school sees


def test_the_school_sees_the_new_pupil_with_its_external_enrolment_columns(client: TestClient) -> None:
    client.post(ENROL, json=s.enrolment(), headers=s.INSCHRIJFWIJZER)
    rows = client.get(
        f"{s.school_path()}/leerlingen", params={"zonderAanmelding": "true"}, headers=ADMIN
    ).json()
    assert rows[-1] == {
        "stamnummer": 26007,
        "achternaam": "Dijkstra",
        "tussenvoegsel": None,
        "roepnaam": "Fenna",
        "geboortedatum": "2014-02-11",
        "geslacht": "vrouw",
        "aanmeldingsgroep": None,
        "bron": "aanmeld-api",
        "aanmeldApiId": 101,
        "codeExternePartij": "IW-2026-000417",
        "gewensteLocatie": "Havo/Vwo",
        "gewensteOpleiding": "havo/vwo brugklas",
    }
    everyone = client.get(f"{s.school_path()}/leerlingen", headers=ADMIN).json()
    assert len(everyone) == 7


def test_a_document_downloads_byte_exact(client: TestClient) -> None:
    jpeg = s.JPEG + b"\x00\x01\x02"  # trailing bytes after the end marker are kept as sent
    client.post(
        ENROL,
        json=s.enrolment(documenten=[s.document(jpeg, "image/jpeg", "pasfoto.jpg")]),
        headers=s.INSCHRIJFWIJZER,
    )
    (info,) = client.get(f"{s.school_path()}/leerlingen/26007", headers=ADMIN).json()["aanmeldingsdocumenten"]
    response = client.get(info["download"], headers=ADMIN)
    assert response.status_code == 200
    assert response.content == jpeg
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-sha256"] == hashlib.sha256(jpeg).hexdigest() == info["sha256"]
    assert 'filename="pasfoto.jpg"' in response.headers["content-disposition"]


def test_the_school_configuration_is_editable(client: TestClient) -> None:
    current = client.get(s.school_path(), headers=ADMIN).json()
    assert current["geactiveerdePartners"] == [101, 102, 103]
    assert {r["schoolsoort"] for r in current["relatiescholen"]} >= {"Basisonderwijs", "Speciaal onderwijs"}
    replaced = client.put(
        s.school_path(),
        json={
            "sector": "VO",
            "stamnummerbereik": {"laagste": 30000, "hoogste": 30010},
            "geactiveerdePartners": [104],
            "relatiescholen": [{"brin": "95VE", "naam": "De Regenboog", "schoolsoort": "Basisonderwijs"}],
        },
        headers=ADMIN,
    )
    assert replaced.status_code == 200
    body = s.enrolment(vooropleiding={"brin": "95VE"})
    assert client.post(ENROL, json=body, headers=s.INSCHRIJFWIJZER).status_code == 403
    assert client.post(ENROL, json=body, headers=s.INSTROOMPLEIN).status_code == 201
    fenna = client.get(f"{s.school_path()}/leerlingen/30000", headers=ADMIN).json()
    assert fenna["vooropleiding"]["basisschool"]["schoolsoort"] == "Basisonderwijs"
    partners = client.get("/sandbox/aanmeld/partners", headers=ADMIN).json()
    assert {p["aanmeldApiId"]: p["geactiveerdBij"] for p in partners}[104] == ["99XA"]


@pytest.mark.parametrize(
    ("method", "body", "fields"),
    [
        ("put", {"sector": "VO"}, ["geactiveerdePartners", "relatiescholen", "stamnummerbereik"]),
        ("patch", {"stamnummerbereik": {"laagste": 10, "hoogste": 9}}, ["stamnummerbereik.hoogste"]),
        ("patch", {"geactiveerdePartners": [555]}, ["geactiveerdePartners[0]"]),
        ("patch", {"naam": "x"}, ["naam"]),
    ],
)
def test_invalid_configuration_changes_name_the_field(
    client: TestClient, method: str, body: dict[str, Any], fields: list[str]
) -> None:
    response = client.request(method.upper(), s.school_path(), json=body, headers=ADMIN)
    assert response.status_code == 400
    assert sorted(error_fields(response)) == fields


def test_delete_an_api_pupil_then_the_partner_sends_again(client: TestClient) -> None:
    client.post(ENROL, json=s.enrolment(), headers=s.INSCHRIJFWIJZER)
    assert client.delete(f"{s.school_path()}/leerlingen/26007", headers=ADMIN).status_code == 204
    assert client.get(f"{s.school_path()}/leerlingen/26007", headers=ADMIN).status_code == 404
    seeded = client.delete(f"{s.school_path()}/leerlingen/26001", headers=ADMIN)
    assert (seeded.status_code, seeded.json()["code"]) == (409, "not_an_api_pupil")
    assert client.post(ENROL, json=s.enrolment(), headers=s.INSCHRIJFWIJZER).status_code == 201
    assert client.get(f"{s.school_path()}/leerlingen/26007", headers=ADMIN).status_code == 200


def test_the_control_plane_needs_the_admin_token(client: TestClient) -> None:
    refused = client.get(s.school_path(), headers=s.INSCHRIJFWIJZER)
    assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized")
    assert "brin" not in refused.json()  # nothing of the school's configuration
    unknown = client.get("/sandbox/aanmeld/scholen/12AB", headers=ADMIN)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "school_unknown")


def test_reset_brings_back_the_seed(client: TestClient) -> None:
    client.post(ENROL, json=s.enrolment(), headers=s.INSCHRIJFWIJZER)
    assert client.post("/sandbox/reset", headers=ADMIN).status_code == 200
    assert len(client.get(f"{s.school_path()}/leerlingen", headers=ADMIN).json()) == 6


def test_a_hostile_file_name_cannot_break_the_download_headers(client: TestClient) -> None:
    # A name with a line break is refused at the door (no control characters in names: rules/text.py).
    injected = 'rapport "definitief"\r\nX-Evil: 1 é.pdf'
    refused = client.post(
        ENROL, json=s.enrolment(documenten=[s.document(s.PDF, name=injected)]), headers=s.INSCHRIJFWIJZER
    )
    assert refused.status_code == 400
    name = 'rapport "definitief"; X-Evil: 1 é.pdf'
    client.post(ENROL, json=s.enrolment(documenten=[s.document(s.PDF, name=name)]), headers=s.INSCHRIJFWIJZER)
    (info,) = client.get(f"{s.school_path()}/leerlingen/26007", headers=ADMIN).json()["aanmeldingsdocumenten"]
    assert info["bestandsnaam"] == name  # stored as sent
    response = client.get(info["download"], headers=ADMIN)
    assert "x-evil" not in response.headers
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="rapport _definitief_; X-Evil: 1 _.pdf"')
    assert "filename*=UTF-8''rapport%20%22definitief%22%3B%20X-Evil%3A%201%20%C3%A9.pdf" in disposition
