"""Aanmeld-API: an enrolment's path through the store, rule by rule (docs/aanmeld.md), without HTTP.

Runs on the seeded fixtures: 99XA has pupils 26001-26006 (26003/26005 are twins without a PGN, 26004
their sister) and two look-alike parents "J. Bakker" at Kerkpad 7; 98YB's range 500-502 has one number
left; partner 104 is switched on nowhere.
"""

from __future__ import annotations

from typing import Any

import pytest

from koppelbox.rules.aanmeld.errors import DocumentMismatch, RangeExhausted
from koppelbox.rules.errors import Conflict, Forbidden, Invalid, NotFound
from koppelbox.store import Store
from koppelbox.store.aanmeld import AanmeldStore
from tests import aanmeld_support as s
from tests.backends import every_backend  # noqa: F401  (this module runs on every store backend)

IW = "partner-inschrijfwijzer"  # Aanmeld-API ID 101
LOKET = "partner-aanmeldloket"  # 102


@pytest.fixture
def aanmeld(store: Store) -> AanmeldStore:
    return store.aanmeld


def pupil(aanmeld: AanmeldStore, stamnummer: int, brin: str = "99XA") -> dict[str, Any]:
    return aanmeld.pupil(brin, stamnummer, "/dl")


def counts(aanmeld: AanmeldStore, brin: str) -> tuple[int, int, int, int]:
    records = aanmeld.state(brin)
    return len(records.pupils), len(records.parents), len(records.enrolments), len(records.documents)


# rule 1: activation, unknown school


@pytest.mark.parametrize(
    ("client", "brin", "error", "code"),
    [
        ("partner-instroomplein", "99XA", Forbidden, "partner_not_activated"),
        (LOKET, "16SK", Forbidden, "partner_not_activated"),
        ("partner-noordstar", "99XA", Forbidden, "not_an_aanmeld_partner"),
        (IW, "12AB", NotFound, "school_unknown"),
        (IW, "96WD", NotFound, "school_unknown"),  # in schools.yaml, but not a Magister school here
        (IW, "99XA07", NotFound, "school_unknown"),  # no such location
    ],
)
def test_refused_deliveries_store_nothing(
    aanmeld: AanmeldStore, client: str, brin: str, error: type[Exception], code: str
) -> None:
    before = counts(aanmeld, "99XA")
    with pytest.raises(error) as refused:
        aanmeld.enrol(client, s.enrolment(brin=brin))
    assert getattr(refused.value, "code", None) == code
    assert counts(aanmeld, "99XA") == before


def test_a_brin6_of_one_of_the_schools_locations_is_accepted(aanmeld: AanmeldStore) -> None:
    aanmeld.enrol(IW, s.enrolment(brin="99XA01"))
    assert pupil(aanmeld, 26007)["gegevens"]["achternaam"] == "Dijkstra"


def test_switching_a_partner_on_lets_it_deliver(aanmeld: AanmeldStore) -> None:
    aanmeld.configure("99XA", {"geactiveerdePartners": [101, 104]}, replace=False)
    aanmeld.enrol("partner-instroomplein", s.enrolment())
    with pytest.raises(Forbidden):
        aanmeld.enrol(LOKET, s.enrolment())  # 102 was switched off by the same change


# rule 2: pupil lookup


def test_pgn_finds_the_existing_pupil(aanmeld: AanmeldStore) -> None:
    receipt = aanmeld.enrol(IW, s.enrolment(leerling__pgn="398259793"))
    daan = pupil(aanmeld, 26001)
    assert [e["id"] for e in daan["aanmeldingen"]] == [receipt.id]
    assert len(aanmeld.pupils("99XA")) == 6


def test_an_unknown_pgn_is_a_new_pupil_even_when_name_and_birth_date_match(aanmeld: AanmeldStore) -> None:
    # The fallback applies only when no PGN is sent.
    aanmeld.enrol(
        IW,
        s.enrolment(
            leerling__pgn="464686957",
            leerling__achternaam="Bakker",
            leerling__geslacht="man",
            leerling__geboortedatum="2013-06-01",
        ),
    )
    assert pupil(aanmeld, 26007)["bron"] == "aanmeld-api"


@pytest.mark.parametrize(
    ("achternaam", "geslacht", "geboortedatum", "found"),
    [
        ("Bakker", "man", "2013-06-01", 26003),  # twins 26003 and 26005: the lowest stamnummer
        ("  bAKKER ", "man", "2013-06-01", 26003),
        ("Bakker", "vrouw", "2013-06-01", 26004),
        ("Vries", "vrouw", "2013-09-30", 26002),
        ("Bakker", "onbekend", "2013-06-01", 26007),  # gender differs: a new pupil
        ("Bakker", "man", "2013-06-02", 26007),
        ("de Vries", "vrouw", "2013-09-30", 26007),  # the prefix is a separate field
    ],
)
def test_without_pgn_surname_birth_date_and_gender_decide(
    aanmeld: AanmeldStore, achternaam: str, geslacht: str, geboortedatum: str, found: int
) -> None:
    aanmeld.enrol(
        IW,
        s.enrolment(
            leerling__pgn=None,
            leerling__achternaam=achternaam,
            leerling__geslacht=geslacht,
            leerling__geboortedatum=geboortedatum,
        ),
    )
    assert len(pupil(aanmeld, found)["aanmeldingen"]) == 1


# rule 3: new pupils


def test_a_new_pupil_gets_the_lowest_free_stamnummer_and_no_account(aanmeld: AanmeldStore) -> None:
    aanmeld.enrol(IW, s.enrolment())
    aanmeld.enrol(IW, s.enrolment(leerling__pgn="896935048", leerling__roepnaam="Jelle"))
    assert [pupil(aanmeld, n)["gegevens"]["roepnaam"] for n in (26007, 26008)] == ["Fenna", "Jelle"]
    assert pupil(aanmeld, 26007)["gebruikersaccount"] is False


def test_a_gap_in_the_numbers_is_filled_first(aanmeld: AanmeldStore) -> None:
    aanmeld.enrol(IW, s.enrolment())
    aanmeld.enrol(IW, s.enrolment(leerling__pgn="896935048"))
    aanmeld.delete_pupil("99XA", 26007)
    aanmeld.enrol(IW, s.enrolment(leerling__pgn="925899136"))
    assert pupil(aanmeld, 26007)["gegevens"]["pgn"] == "925899136"


def test_a_used_up_range_refuses_the_enrolment_and_stores_nothing(aanmeld: AanmeldStore) -> None:
    aanmeld.enrol(IW, s.enrolment(brin="98YB", documenten=[s.document(s.PDF)]))
    before = counts(aanmeld, "98YB")
    with pytest.raises(RangeExhausted):
        aanmeld.enrol(IW, s.enrolment(brin="98YB", leerling__pgn="896935048", documenten=[s.document(s.PDF)]))
    assert counts(aanmeld, "98YB") == before
    # A known pupil is refused alike (rule 10): the answer must not tell whether the pupil existed.
    with pytest.raises(RangeExhausted):
        aanmeld.enrol(IW, s.enrolment(brin="98YB", leerling__pgn="860129044"))
    assert counts(aanmeld, "98YB") == before
    # After the school widens its range, the same enrolment goes through.
    aanmeld.configure("98YB", {"stamnummerbereik": {"laagste": 500, "hoogste": 510}}, replace=False)
    aanmeld.enrol(IW, s.enrolment(brin="98YB", leerling__pgn="896935048"))
    assert pupil(aanmeld, 503, "98YB")["gegevens"]["pgn"] == "896935048"


# rule 4: existing pupils are never changed


def test_an_existing_pupil_is_never_changed_but_everything_else_is_added(aanmeld: AanmeldStore) -> None:
    first = aanmeld.enrol(IW, s.enrolment(gewensteLocatie="Locatie A", gewensteOpleiding="Studie A"))
    before = pupil(aanmeld, 26007)
    second = aanmeld.enrol(
        LOKET,
        s.enrolment(
            codeExternePartij="AL-9",
            gewensteLocatie="Locatie B",
            gewensteOpleiding="Studie B",
            leerling__roepnaam="Fenneke",
            leerling__adres={"postcode": "1011 AB", "huisnummer": 1},
            vooropleiding={"brin": "95VE", "advies": "vwo"},
            extraGegevens={"allergie": "noten"},
            ouders=[
                s.enrolment()["ouders"][0],  # the father again: not added twice
                {"achternaam": "Hoekstra", "voorletters": "A.", "geslacht": "vrouw"},
            ],
            documenten=[s.document(s.png(), "image/png", "pasfoto.png")],
        ),
    )
    after = pupil(aanmeld, 26007)
    for card in ("gegevens", "externeAanmelding", "aanvullend", "vooropleiding", "stamnummer", "bron"):
        assert after[card] == before[card], card
    assert after["externeAanmelding"]["gewensteLocatie"] == "Locatie A"
    assert [e["id"] for e in after["aanmeldingen"]] == [first.id, second.id]
    assert [e["nieuweLeerling"] for e in after["aanmeldingen"]] == [True, False]
    assert after["aanmeldingen"][1]["gewensteOpleiding"] == "Studie B"
    assert [o["achternaam"] for o in after["ouders"]] == ["Dijkstra", "Hoekstra"]
    assert [d["bestandsnaam"] for d in after["aanmeldingsdocumenten"]] == ["pasfoto.png"]


def test_an_enrolment_for_a_seeded_pupil_adds_parents_and_documents(aanmeld: AanmeldStore) -> None:
    aanmeld.enrol(
        IW,
        s.enrolment(
            leerling__pgn="398259793",
            ouders=[
                {
                    "achternaam": "Jansen",
                    "voorletters": "K.",
                    "geslacht": "vrouw",
                    "relatie": "moeder",
                    "adres": {"postcode": "8861 AB", "huisnummer": 12},
                }
            ],
            documenten=[s.document(s.PDF)],
        ),
    )
    daan = pupil(aanmeld, 26001)
    assert daan["externeAanmelding"] is None  # entered by the school; the API does not fill it in
    assert daan["aanmeldingsgroep"] == "Brugklas 2026-2027"
    assert [(o["voorletters"], o["bron"]) for o in daan["ouders"]] == [
        ("P.", "school"),
        ("K.", "aanmeld-api"),
    ]
    assert len(daan["aanmeldingsdocumenten"]) == 1


# rule 5: parents


def bakker_child(**ouder: Any) -> dict[str, Any]:
    father = {
        "achternaam": "Bakker",
        "voorletters": "J",
        "geslacht": "man",
        "roepnaam": "Anders",
        "adres": {"postcode": "8863EF", "huisnummer": 7},
        **ouder,
    }
    return s.enrolment(leerling__pgn="464686957", leerling__achternaam="Bakker", ouders=[father])


@pytest.mark.parametrize(
    ("contact", "linked"),
    [
        ({"email": "jan.bakker@example.nl"}, 4),  # the grandfather, by email
        ({"mobiel": "+31 6 12000003"}, 3),  # the father, by mobile
        ({"email": "nobody@example.nl"}, None),  # look-alikes, no contact match: a new parent
        ({}, None),
    ],
)
def test_look_alike_parents_of_other_pupils_are_told_apart_by_email_or_mobile(
    aanmeld: AanmeldStore, contact: dict[str, str], linked: int | None
) -> None:
    parents_before = counts(aanmeld, "99XA")[1]
    aanmeld.enrol(IW, bakker_child(**contact))
    (parent,) = pupil(aanmeld, 26007)["ouders"]
    if linked is None:
        assert parent["bron"] == "aanmeld-api"
        assert counts(aanmeld, "99XA")[1] == parents_before + 1
    else:
        assert parent["id"] == linked
        assert counts(aanmeld, "99XA")[1] == parents_before


def test_a_found_parent_is_linked_but_never_changed(aanmeld: AanmeldStore) -> None:
    seeded = pupil(aanmeld, 26006)["ouders"][0]
    aanmeld.enrol(IW, bakker_child(email="jan.bakker@example.nl", mobiel="0699999999", relatie="opa"))
    assert pupil(aanmeld, 26007)["ouders"] == [seeded]
    assert pupil(aanmeld, 26006)["ouders"] == [seeded]


def test_a_single_parent_of_another_pupil_is_found_without_a_contact_match(aanmeld: AanmeldStore) -> None:
    mother = {
        "achternaam": "vries",
        "tussenvoegsel": "de",
        "voorletters": "m",
        "geslacht": "vrouw",
        "adres": {"postcode": "8862CD", "huisnummer": 4},
    }
    aanmeld.enrol(IW, s.enrolment(ouders=[mother]))
    assert [o["id"] for o in pupil(aanmeld, 26007)["ouders"]] == [2]


def test_the_same_new_parent_twice_in_one_enrolment_is_stored_once(aanmeld: AanmeldStore) -> None:
    father = s.enrolment()["ouders"][0]
    aanmeld.enrol(IW, s.enrolment(ouders=[father, father]))
    assert len(pupil(aanmeld, 26007)["ouders"]) == 1


# rules 6-9: where the data lands


def test_where_each_piece_of_a_new_pupils_data_lands(aanmeld: AanmeldStore, clock: Any) -> None:
    aanmeld.enrol(
        IW,
        s.enrolment(
            vooropleiding={"brin": "97ZC", "naam": "OBS De Kwikstaart", "advies": "HAVO/VWO"},
            extraGegevens={"voorkeurKlasgenoot": "Sanne", "broerOpSchool": "ja"},
            documenten=[s.document(s.PDF), s.document(s.docx(), s.DOCX_TYPE, "aanmeldformulier.docx")],
        ),
    )
    fenna = pupil(aanmeld, 26007)
    assert fenna["externeAanmelding"] == {
        "aanmeldApiId": 101,
        "codeExternePartij": "IW-2026-000417",
        "gewensteLocatie": "Havo/Vwo",
        "gewensteOpleiding": "havo/vwo brugklas",
    }
    assert fenna["aanvullend"] == {
        "memo": "Advies vorige school: HAVO/VWO",
        "gegevens": [
            {"naam": "voorkeurKlasgenoot", "waarde": "Sanne"},
            {"naam": "broerOpSchool", "waarde": "ja"},
        ],
    }
    assert fenna["vooropleiding"] == {
        "basisschool": {"brin": "97ZC", "naam": "OBS De Kwikstaart", "schoolsoort": "Basisonderwijs"},
        "vorigeSchool": None,
        "adviesVorigeSchool": "havo/vwo",
    }
    pdf, word = fenna["aanmeldingsdocumenten"]
    assert (pdf["grootte"], word["type"]) == (len(s.PDF), s.DOCX_TYPE)
    assert pdf["afzender"] == {
        "clientId": IW,
        "aanmeldApiId": 101,
        "naam": "Inschrijfwijzer (Aanmeld-API partner)",
    }
    assert pdf["ontvangen"] == "2026-03-02T09:30:00.000Z"
    assert aanmeld.document("99XA", pdf["id"]).inhoud == s.PDF
    assert "inhoud" not in fenna["aanmeldingen"][0]["verzonden"]["documenten"][0]


@pytest.mark.parametrize(
    ("vooropleiding", "basisschool", "vorige", "advies"),
    [
        ({"brin": "95VE", "advies": "vmbo-kb"}, None, "95VE", "vmbo-kb"),  # Speciaal onderwijs is "other"
        ({"brin": "12AB", "naam": "Elders", "advies": "havo+"}, None, "12AB", None),  # unknown BRIN, advice
    ],
)
def test_other_schools_of_origin_and_unknown_advice(
    aanmeld: AanmeldStore,
    vooropleiding: dict[str, str],
    basisschool: str | None,
    vorige: str,
    advies: str | None,
) -> None:
    aanmeld.enrol(IW, s.enrolment(vooropleiding=vooropleiding))
    card = pupil(aanmeld, 26007)["vooropleiding"]
    assert card["basisschool"] == basisschool
    assert card["vorigeSchool"]["brin"] == vorige
    assert card["adviesVorigeSchool"] == advies
    assert pupil(aanmeld, 26007)["aanvullend"]["memo"] == f"Advies vorige school: {vooropleiding['advies']}"


# documents after the enrolment


def test_documents_can_follow_the_enrolment_but_only_from_its_own_partner(aanmeld: AanmeldStore) -> None:
    receipt = aanmeld.enrol(IW, s.enrolment())
    aanmeld.add_document(IW, receipt.id, "foto.jpg", "image/jpeg", s.JPEG)
    with pytest.raises(NotFound):
        aanmeld.add_document(LOKET, receipt.id, "foto.jpg", "image/jpeg", s.JPEG)
    with pytest.raises(DocumentMismatch):
        aanmeld.add_document(IW, receipt.id, "foto.jpg", "image/gif", s.JPEG)
    with pytest.raises(Invalid):
        aanmeld.add_document(IW, receipt.id, "foto.bmp", "image/bmp", s.JPEG)
    assert [d["bestandsnaam"] for d in pupil(aanmeld, 26007)["aanmeldingsdocumenten"]] == ["foto.jpg"]


def test_a_refused_document_refuses_the_whole_enrolment(aanmeld: AanmeldStore) -> None:
    before = counts(aanmeld, "99XA")
    with pytest.raises(DocumentMismatch):
        aanmeld.enrol(IW, s.enrolment(documenten=[s.document(s.PDF), s.document(s.png(), "application/pdf")]))
    assert counts(aanmeld, "99XA") == before


# rule 11: the school's overview and deleting API pupils


def test_api_pupils_are_listed_without_enrolment_group(aanmeld: AanmeldStore) -> None:
    aanmeld.enrol(IW, s.enrolment())
    without = aanmeld.pupils("99XA", zonder_aanmelding=True)
    assert [p["stamnummer"] for p in without] == [26002, 26003, 26004, 26005, 26007]
    assert without[-1]["codeExternePartij"] == "IW-2026-000417"
    placed = aanmeld.pupils("99XA", zonder_aanmelding=False)
    assert [p["stamnummer"] for p in placed] == [26001, 26006]


def test_deleting_an_api_pupil_lets_the_partner_send_again(aanmeld: AanmeldStore) -> None:
    before = counts(aanmeld, "99XA")
    first = aanmeld.enrol(IW, s.enrolment(documenten=[s.document(s.PDF)]))
    aanmeld.delete_pupil("99XA", 26007)
    assert counts(aanmeld, "99XA") == before  # its new parent and document went with it
    with pytest.raises(NotFound):
        aanmeld.add_document(IW, first.id, "a.pdf", "application/pdf", s.PDF)
    aanmeld.enrol(IW, s.enrolment())
    assert pupil(aanmeld, 26007)["aanmeldingen"][0]["nieuweLeerling"] is True


def test_deleting_keeps_parents_that_other_pupils_still_have(aanmeld: AanmeldStore) -> None:
    aanmeld.enrol(IW, bakker_child(email="jan.bakker@example.nl"))
    aanmeld.delete_pupil("99XA", 26007)
    assert pupil(aanmeld, 26006)["ouders"][0]["id"] == 4


def test_pupils_the_school_entered_cannot_be_deleted_here(aanmeld: AanmeldStore) -> None:
    with pytest.raises(Conflict):
        aanmeld.delete_pupil("99XA", 26001)
    with pytest.raises(NotFound):
        aanmeld.delete_pupil("99XA", 42)


def test_reset_restores_the_seed(store: Store) -> None:
    store.aanmeld.enrol(IW, s.enrolment())
    store.aanmeld.configure("98YB", {"sector": "PO"}, replace=False)
    store.reset()
    assert len(store.aanmeld.pupils("99XA")) == 6
    assert store.aanmeld.school("98YB")["sector"] == "VO"


def test_a_range_moved_down_is_filled_from_its_new_lowest_number(aanmeld: AanmeldStore) -> None:
    aanmeld.enrol(IW, s.enrolment())  # 26007
    aanmeld.configure("99XA", {"stamnummerbereik": {"laagste": 25000, "hoogste": 26999}}, replace=False)
    aanmeld.enrol(IW, s.enrolment(leerling__pgn="896935048"))
    aanmeld.configure("99XA", {"stamnummerbereik": {"laagste": 26001, "hoogste": 26999}}, replace=False)
    aanmeld.enrol(IW, s.enrolment(leerling__pgn="925899136"))
    assert [pupil(aanmeld, n)["gegevens"]["pgn"] for n in (26007, 25000, 26008)] == [
        "944117715",
        "896935048",
        "925899136",
    ]
