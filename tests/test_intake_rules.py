"""koppelbox.rules.aanmeld.intake on its own: one enrolment applied to one small school's records
(docs/aanmeld.md, rules 1-23), without the store's locking, seed or HTTP.

The school here, 99XA "Het Lyceum", has stamnummers 100-102, one location 99XA01, partner 101 switched
on, and De Kwikstaart (97ZC) in its related-schools table as a primary school.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from koppelbox.rules.aanmeld import intake, views
from koppelbox.rules.aanmeld.documents import Attachment
from koppelbox.rules.aanmeld.errors import RangeExhausted
from koppelbox.rules.aanmeld.origin import BASISONDERWIJS, RelatedSchool
from koppelbox.rules.aanmeld.records import API, SCHOOL, Partner, Pupil, SchoolConfig
from koppelbox.rules.errors import FieldError, Forbidden, NotFound
from koppelbox.store.school_records import MemorySchoolRecords
from tests import aanmeld_support as s

NOW = "2026-03-02T09:00:00+01:00"
IW = Partner("partner-inschrijfwijzer", "Inschrijfwijzer", 101)
LOKET = Partner("partner-aanmeldloket", "Aanmeldloket", 102)  # not switched on at this school
ADVICE = ("havo/vwo", "vwo", "vmbo-t")


def school(laagste: int = 100, hoogste: int = 102) -> MemorySchoolRecords:
    config = SchoolConfig(
        brin="99XA",
        naam="Het Lyceum",
        sector="VO",
        laagste=laagste,
        hoogste=hoogste,
        partners={101},
        relatiescholen={"97ZC": RelatedSchool("97ZC", "OBS De Kwikstaart", BASISONDERWIJS)},
        locaties=[{"code": "99XA01", "naam": "Havo/Vwo"}],
    )
    return MemorySchoolRecords(config, {})


def ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"id-{next(counter)}"


def enrol(
    records: MemorySchoolRecords,
    body: dict[str, Any],
    partner: Partner = IW,
    attachments: tuple[Attachment, ...] = (),
    new_id: Callable[[], str] | None = None,
) -> intake.Receipt:
    return intake.enrol(
        records, partner, body, attachments, known_advice=ADVICE, now=NOW, new_id=new_id or ids()
    )


def attachment(name: str = "rapport.pdf", content: bytes = b"%PDF-1.4\n%%EOF") -> Attachment:
    return Attachment(bestandsnaam=name, type="application/pdf", inhoud=content)


def parent(**changes: Any) -> dict[str, Any]:
    ouder = copy.deepcopy(s.enrolment()["ouders"][0])
    ouder.update(changes)
    return ouder


def seeded_pupil(records: MemorySchoolRecords, stamnummer: int, **gegevens: Any) -> Pupil:
    pupil = Pupil(stamnummer=stamnummer, gegevens=gegevens, bron=SCHOOL, aangemaakt="2025-09-01")
    records.add_pupil(pupil)
    return pupil


def counts(records: MemorySchoolRecords) -> tuple[int, int, int, int]:
    return len(records.pupils), len(records.parents), len(records.enrolments), len(records.documents)


# --- refusals come before the first change ---


def test_a_partner_the_school_has_not_switched_on_is_forbidden_naming_brin() -> None:
    records = school()
    with pytest.raises(Forbidden) as refused:
        enrol(records, s.enrolment(), partner=LOKET)
    assert refused.value.code == "partner_not_activated"
    assert refused.value.errors == [FieldError("brin", "this school has not activated your Aanmeld-API tile")]
    assert refused.value.message == (
        "School 99XA has not switched on Aanmeldloket in its Privacy Manager; "
        "enrolments from you are refused until it does."
    )
    assert counts(records) == (0, 0, 0, 0)


@pytest.mark.parametrize("brin", ["99XA02", "16SK01"])
def test_an_unknown_location_is_not_found_naming_brin(brin: str) -> None:
    records = school()
    with pytest.raises(NotFound) as refused:
        enrol(records, s.enrolment(brin=brin))
    assert refused.value.code == "school_unknown"
    assert refused.value.errors == [FieldError("brin", "no such location of this school")]
    assert brin in refused.value.message
    assert counts(records) == (0, 0, 0, 0)


@pytest.mark.parametrize("brin", ["99XA", "99XA01"])
def test_the_school_itself_or_one_of_its_locations_is_accepted(brin: str) -> None:
    records = school()
    enrol(records, s.enrolment(brin=brin))
    assert list(records.pupils) == [100]


def test_a_used_up_range_refuses_a_known_pupil_too_naming_brin() -> None:
    records = school(laagste=100, hoogste=100)
    seeded_pupil(records, 100, pgn="944117715", achternaam="Dijkstra")
    with pytest.raises(RangeExhausted) as refused:
        enrol(records, s.enrolment())  # same PGN: the pupil is known, and still refused (rule 10)
    assert refused.value.code == "stamnummer_range_exhausted"
    assert refused.value.status == 409
    assert refused.value.errors == [FieldError("brin", "this school's stamnummer range is used up")]
    assert refused.value.message == (
        "The school has no free stamnummer left, so it takes no enrolments; this one was not stored. "
        "Send it again once the school has widened its stamnummer range "
        "(Beheer > Configuratie > Stamnummer instellingen)."
    )
    assert counts(records) == (1, 0, 0, 0)
    assert records.pupils[100].ouders == []


# --- finding the pupil ---


def test_a_sent_pgn_finds_the_pupil_and_nothing_of_it_changes() -> None:
    records = school()
    seeded = seeded_pupil(records, 101, pgn="944117715", achternaam="Dijkstra", roepnaam="Fen")
    receipt = enrol(records, s.enrolment())
    assert list(records.pupils) == [101]
    assert seeded.gegevens == {"pgn": "944117715", "achternaam": "Dijkstra", "roepnaam": "Fen"}
    assert records.enrolments[receipt.id].nieuwe_leerling is False
    assert records.enrolments[receipt.id].stamnummer == 101


def test_a_sent_pgn_nobody_has_is_a_new_pupil_even_if_the_fallback_key_matches() -> None:
    records = school()
    seeded_pupil(
        records, 101, pgn="123456782", achternaam="Dijkstra", geboortedatum="2014-02-11", geslacht="vrouw"
    )
    enrol(records, s.enrolment())
    assert sorted(records.pupils) == [100, 101]


def test_without_pgn_the_lowest_stamnummer_with_the_same_key_is_the_pupil() -> None:
    records = school(laagste=100, hoogste=110)
    key = {"achternaam": " dijk stra", "geboortedatum": "2014-02-11", "geslacht": "VROUW"}
    for number in (105, 103, 104):
        seeded_pupil(records, number, **key)
    receipt = enrol(records, s.enrolment(leerling__pgn=None))
    assert records.enrolments[receipt.id].stamnummer == 103
    assert intake.find_pupil(records, {"achternaam": "Dijkstra", "geboortedatum": "2014-02-12"}) is None


# --- a new pupil ---


def test_a_new_pupil_is_stored_as_magister_shows_it() -> None:
    records = school()
    seeded_pupil(records, 100, achternaam="Al")
    body = s.enrolment(vooropleiding={"brin": "97ZC01", "advies": "HAVO/VWO"})
    receipt = enrol(records, body, new_id=ids())
    assert receipt == intake.Receipt("id-1", NOW)
    pupil = records.pupils[101]  # the lowest free number
    assert pupil.bron == API
    assert pupil.aangemaakt == NOW
    assert pupil.gebruikersaccount is False
    assert pupil.aanmeldingsgroep is None
    assert pupil.gegevens == body["leerling"]
    assert pupil.externe_aanmelding == {
        "aanmeldApiId": 101,
        "codeExternePartij": "IW-2026-000417",
        "gewensteLocatie": "Havo/Vwo",
        "gewensteOpleiding": "havo/vwo brugklas",
    }
    assert pupil.aanvullend == {
        "memo": "Advies vorige school: HAVO/VWO",
        "gegevens": [{"naam": "voorkeurKlasgenoot", "waarde": "Sanne de Vries"}],
    }
    assert pupil.vooropleiding == {
        "basisschool": {"brin": "97ZC01", "naam": "OBS De Kwikstaart", "schoolsoort": BASISONDERWIJS},
        "vorigeSchool": None,
        "adviesVorigeSchool": "havo/vwo",  # as the school's list spells it
    }


def test_a_new_pupil_without_optional_parts_gets_empty_ones() -> None:
    records = school()
    body = s.enrolment(vooropleiding=None, extraGegevens=None, gewensteLocatie=None, ouders=None)
    enrol(records, body)
    pupil = records.pupils[100]
    assert pupil.aanvullend == {"memo": None, "gegevens": []}
    assert pupil.vooropleiding == {"basisschool": None, "vorigeSchool": None, "adviesVorigeSchool": None}
    assert pupil.externe_aanmelding is not None
    assert pupil.externe_aanmelding["gewensteLocatie"] is None
    assert pupil.ouders == []


def test_extra_data_values_are_stored_as_text() -> None:
    records = school()
    enrol(records, s.enrolment(extraGegevens={"broertje": True, "aantal": 2}))
    assert records.pupils[100].aanvullend["gegevens"] == [
        {"naam": "broertje", "waarde": "True"},
        {"naam": "aantal", "waarde": "2"},
    ]


# --- the enrolment record ---


def test_the_enrolment_keeps_what_was_sent_without_document_contents() -> None:
    records = school()
    body = s.enrolment(documenten=[s.document(b"%PDF-1.4\n%%EOF"), "not-an-object"])
    receipt = enrol(records, body, attachments=(attachment(),))
    enrolment = records.enrolments[receipt.id]
    assert enrolment.verzonden["documenten"] == [{"bestandsnaam": "rapport.pdf", "type": "application/pdf"}]
    assert body["documenten"][0]["inhoud"]  # the caller's body is left as it was
    assert enrolment.client_id == "partner-inschrijfwijzer"
    assert enrolment.aanmeld_api_id == 101
    assert enrolment.ontvangen == NOW
    assert enrolment.nieuwe_leerling is True
    assert {k: v for k, v in enrolment.verzonden.items() if k != "documenten"} == {
        k: v for k, v in body.items() if k != "documenten"
    }


def test_without_contents_leaves_a_body_without_documents_alone() -> None:
    body = s.enrolment()
    assert intake.without_contents(body) == body
    assert "documenten" not in intake.without_contents(body)


def test_documents_land_on_the_enrolment_and_on_the_pupils_card() -> None:
    records = school()
    receipt = enrol(records, s.enrolment(), attachments=(attachment("a.pdf"), attachment("b.pdf")))
    enrolment = records.enrolments[receipt.id]
    assert enrolment.documenten == ["id-2", "id-3"]
    assert records.pupils[100].documenten == ["id-2", "id-3"]
    first = records.documents["id-2"]
    assert (first.bestandsnaam, first.aanmelding_id, first.stamnummer, first.ontvangen) == (
        "a.pdf",
        receipt.id,
        100,
        NOW,
    )
    assert (first.client_id, first.aanmeld_api_id, first.type) == (IW.client_id, 101, "application/pdf")
    assert first.sha256 == hashlib.sha256(first.inhoud).hexdigest() == attachment("a.pdf").sha256
    # The school's pupil card lists the enrolment with its own documents.
    card = views.pupil_detail(records, records.pupils[100], {IW.client_id: IW}, "/dl")
    assert card["aanmeldingen"][0]["documenten"] == ["id-2", "id-3"]
    assert [d["download"] for d in card["aanmeldingsdocumenten"]] == ["/dl/id-2", "/dl/id-3"]


def test_each_enrolment_lists_only_its_own_documents_on_the_card() -> None:
    records = school()
    new_id = ids()
    first = enrol(records, s.enrolment(), attachments=(attachment("a.pdf"),), new_id=new_id)
    second = enrol(records, s.enrolment(), attachments=(attachment("b.pdf"),), new_id=new_id)
    card = views.pupil_detail(records, records.pupils[100], {}, "/dl")
    assert [(e["id"], e["documenten"]) for e in card["aanmeldingen"]] == [
        (first.id, ["id-2"]),
        (second.id, ["id-4"]),
    ]
    assert [d["id"] for d in card["aanmeldingsdocumenten"]] == ["id-2", "id-4"]


# --- parents ---


def test_a_new_parent_is_added_and_linked_and_reported_as_new() -> None:
    records = school()
    receipt = enrol(records, s.enrolment())
    assert records.enrolments[receipt.id].ouders == [{"ouderId": 1, "nieuw": True}]
    assert records.parents[1].gegevens == s.enrolment()["ouders"][0]
    assert (records.parents[1].bron, records.parents[1].aangemaakt) == (API, NOW)
    assert records.pupils[100].ouders == [1]


def test_a_second_enrolment_finds_the_pupils_own_parent() -> None:
    records = school()
    enrol(records, s.enrolment())
    again = enrol(records, s.enrolment(ouders=[parent(email="other@example.nl")]))
    assert records.enrolments[again.id].ouders == [{"ouderId": 1, "nieuw": False}]
    assert len(records.parents) == 1


def test_the_same_parent_twice_in_one_enrolment_is_stored_once() -> None:
    records = school()
    receipt = enrol(records, s.enrolment(ouders=[parent(), parent()]))
    assert records.enrolments[receipt.id].ouders == [
        {"ouderId": 1, "nieuw": True},
        {"ouderId": 1, "nieuw": False},
    ]
    assert records.pupils[100].ouders == [1]


def test_a_parent_sent_twice_is_found_among_the_pupils_own_even_beside_look_alikes() -> None:
    records = school(laagste=100, hoogste=110)
    for number, email in ((105, "a@example.nl"), (106, "b@example.nl")):  # look-alikes of other pupils
        seeded_pupil(records, number)
        records.link(records.add_parent(parent(email=email), SCHOOL, "2025-09-01").id, number)
    # No e-mail or mobile to tell the look-alikes apart: the first copy is a new parent, and the second
    # is that same parent (already this pupil's), not a third.
    receipt = enrol(records, s.enrolment(ouders=[parent(email=None), parent(email=None)]))
    assert records.enrolments[receipt.id].ouders == [
        {"ouderId": 3, "nieuw": True},
        {"ouderId": 3, "nieuw": False},
    ]
    assert len(records.parents) == 3


def test_a_parent_of_another_pupil_is_a_candidate_and_is_linked_unchanged() -> None:
    records = school(laagste=100, hoogste=110)
    sibling = seeded_pupil(records, 105, achternaam="Dijkstra")
    known = records.add_parent(parent(email=None), SCHOOL, "2025-09-01")
    records.link(known.id, sibling.stamnummer)
    receipt = enrol(records, s.enrolment())
    assert records.enrolments[receipt.id].ouders == [{"ouderId": known.id, "nieuw": False}]
    assert records.pupils[100].ouders == [known.id]
    assert records.parents[known.id].gegevens.get("email") is None


def test_a_parent_with_no_children_left_is_no_candidate() -> None:
    records = school()
    orphan = records.add_parent(parent(), SCHOOL, "2025-09-01")  # the key matches, but no pupil has them
    receipt = enrol(records, s.enrolment())
    assert records.enrolments[receipt.id].ouders == [{"ouderId": orphan.id + 1, "nieuw": True}]
    assert records.pupils[100].ouders == [orphan.id + 1]


def test_look_alike_parents_of_other_pupils_are_told_apart_by_a_foreign_mobile_number() -> None:
    records = school(laagste=100, hoogste=110)
    # A Belgian +32 number has 2 + 9 digits like a Dutch +31 one, but is no Dutch number written
    # internationally: it must not turn into the national 0470 12 34 56 of the first look-alike.
    for number, mobiel in ((105, "0470 12 34 56"), (106, "+32 470 12 34 56")):
        seeded_pupil(records, number)
        look_alike = records.add_parent(parent(email=None, mobiel=mobiel), SCHOOL, "2025-09-01")
        records.link(look_alike.id, number)
    receipt = enrol(records, s.enrolment(ouders=[parent(email=None, mobiel="+32 470 123 456")]))
    assert records.enrolments[receipt.id].ouders == [{"ouderId": 2, "nieuw": False}]


# --- documents after the enrolment ---


def test_a_later_document_lands_on_the_same_pupil_and_enrolment() -> None:
    records = school()
    receipt = enrol(records, s.enrolment())
    later = intake.add_document(records, IW, receipt.id, attachment("later.pdf"), now=NOW, new_id=lambda: "d")
    assert later == intake.Receipt("d", NOW)
    assert records.enrolments[receipt.id].documenten == ["d"]
    assert records.pupils[100].documenten == ["d"]
    assert (records.documents["d"].client_id, records.documents["d"].ontvangen) == (IW.client_id, NOW)


@pytest.mark.parametrize("enrolment_id", ["no-such-enrolment", "mine-but-not-yours"])
def test_another_partners_or_an_unknown_enrolment_is_unknown(enrolment_id: str) -> None:
    records = school()
    records.config.partners.add(102)
    receipt = enrol(records, s.enrolment(), new_id=lambda: "mine-but-not-yours")
    assert receipt.id == "mine-but-not-yours"
    with pytest.raises(NotFound) as refused:
        intake.add_document(records, LOKET, enrolment_id, attachment(), now=NOW, new_id=ids())
    assert refused.value.code == "enrolment_unknown"
    assert enrolment_id in refused.value.message
    assert records.documents == {}


def test_a_partner_switched_off_since_cannot_add_documents() -> None:
    records = school()
    receipt = enrol(records, s.enrolment())
    records.config.partners.clear()
    with pytest.raises(Forbidden) as refused:
        intake.add_document(records, IW, receipt.id, attachment(), now=NOW, new_id=ids())
    assert refused.value.code == "partner_not_activated"
    assert records.documents == {}
