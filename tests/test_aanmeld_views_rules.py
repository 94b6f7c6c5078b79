"""What the school sees in Magister (koppelbox.rules.aanmeld.views) without HTTP: the pupil overview and
its "zonder aanmeldingen" filter, one pupil's cards with the sender of each enrolment and document, and
the configuration as the school reads it back. Each view is compared whole: a field that goes missing
or shows another record's value is something the school would see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from koppelbox.rules.aanmeld.origin import RelatedSchool
from koppelbox.rules.aanmeld.records import Document, Enrolment, Parent, Partner, Pupil, SchoolConfig
from koppelbox.rules.aanmeld.views import config_view, overview, pupil_detail, pupil_row

PARTNERS = {"partner-kompas": Partner("partner-kompas", "Kompas Aanmeldportaal", 101)}
EXTERNAL = {
    "aanmeldApiId": 101,
    "codeExternePartij": "K-1",
    "gewensteLocatie": "HOOFD",
    "gewensteOpleiding": "HAVO 1",
}


@dataclass
class Records:
    """Just the parts of SchoolRecords the views read."""

    pupils: dict[int, Pupil] = field(default_factory=dict)
    parents: dict[int, Parent] = field(default_factory=dict)
    enrolments: dict[str, Enrolment] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)


def pupil(stamnummer: int, achternaam: str, groep: str | None = None, **extra: Any) -> Pupil:
    gegevens = {
        "achternaam": achternaam,
        "tussenvoegsel": "van",
        "roepnaam": "Sam",
        "geboortedatum": "2013-05-01",
        "geslacht": "X",
    }
    return Pupil(stamnummer, gegevens, "aanmeld-api", "2026-01-05T08:00:00.000Z", groep, **extra)


def test_a_row_shows_the_pupil_and_the_external_columns() -> None:
    row = pupil_row(pupil(100, "Jansen", "2026 brugklas", externe_aanmelding=EXTERNAL | {"extra": 1}))
    assert row == {
        "stamnummer": 100,
        "achternaam": "Jansen",
        "tussenvoegsel": "van",
        "roepnaam": "Sam",
        "geboortedatum": "2013-05-01",
        "geslacht": "X",
        "aanmeldingsgroep": "2026 brugklas",
        "bron": "aanmeld-api",
        **EXTERNAL,
    }


def test_a_pupil_the_school_entered_has_empty_external_columns() -> None:
    row = pupil_row(Pupil(7, {"achternaam": "Smit"}, "school", "2026-01-05T08:00:00.000Z"))
    assert row["achternaam"] == "Smit"
    assert row["roepnaam"] is None
    assert [row[c] for c in EXTERNAL] == [None, None, None, None]


def test_the_overview_is_ordered_by_stamnummer_and_filters_on_being_placed() -> None:
    records = Records(
        pupils={p.stamnummer: p for p in (pupil(3, "C"), pupil(1, "A", "groep"), pupil(2, "B"))}
    )
    assert [r["achternaam"] for r in overview(records, zonder_aanmelding=None)] == ["A", "B", "C"]
    assert [r["stamnummer"] for r in overview(records, zonder_aanmelding=True)] == [2, 3]
    assert [r["stamnummer"] for r in overview(records, zonder_aanmelding=False)] == [1]


def school_records() -> tuple[Records, Pupil]:
    kind = pupil(
        100, "Jansen", externe_aanmelding=EXTERNAL, ouders=[2], aanmeldingen=["e1"], documenten=["d1"]
    )
    other = pupil(101, "Anders", ouders=[1], aanmeldingen=["e2"], documenten=["d2"])
    parents = {
        1: Parent(1, {"achternaam": "Anders"}, "school", "t0"),
        2: Parent(2, {"achternaam": "Jansen", "id": 99, "bron": "x"}, "aanmeld-api", "t1"),
    }
    sent = {"codeExternePartij": "K-1", "gewensteLocatie": "HOOFD", "gewensteOpleiding": "HAVO 1", "x": 1}
    enrolments = {
        "e1": Enrolment(
            "e1", 100, "partner-kompas", 101, "t2", sent, True, [{"ouderId": 2, "nieuw": True}], ["d1"]
        ),
        "e2": Enrolment("e2", 101, "partner-weg", 202, "t3", {}, False),
    }
    documents = {
        "d1": Document(
            "d1", "e1", 100, "advies.pdf", "application/pdf", b"%PDF", "abc", "partner-kompas", 101, "t2"
        ),
        "d2": Document("d2", "e2", 101, "foto.png", "image/png", b"", "def", "partner-weg", 202, "t3"),
    }
    records = Records({100: kind, 101: other}, parents, enrolments, documents)
    return records, kind


def test_a_pupils_cards_show_its_own_parents_enrolments_and_documents() -> None:
    records, kind = school_records()
    detail = pupil_detail(records, kind, PARTNERS, "/dl")
    kompas = {"clientId": "partner-kompas", "aanmeldApiId": 101, "naam": "Kompas Aanmeldportaal"}
    assert detail == {
        "stamnummer": 100,
        "bron": "aanmeld-api",
        "aangemaakt": "2026-01-05T08:00:00.000Z",
        "aanmeldingsgroep": None,
        "gebruikersaccount": False,
        "gegevens": kind.gegevens,
        "externeAanmelding": EXTERNAL,
        "aanvullend": {"memo": None, "gegevens": []},
        "vooropleiding": {"basisschool": None, "vorigeSchool": None, "adviesVorigeSchool": None},
        # The parent's own id and source win over anything of the same name in what was sent.
        "ouders": [{"achternaam": "Jansen", "id": 2, "bron": "aanmeld-api"}],
        "aanmeldingsdocumenten": [
            {
                "id": "d1",
                "aanmeldingId": "e1",
                "bestandsnaam": "advies.pdf",
                "type": "application/pdf",
                "grootte": 4,
                "sha256": "abc",
                "afzender": kompas,
                "ontvangen": "t2",
                "download": "/dl/d1",
            }
        ],
        "aanmeldingen": [
            {
                "id": "e1",
                "ontvangen": "t2",
                "afzender": kompas,
                "codeExternePartij": "K-1",
                "gewensteLocatie": "HOOFD",
                "gewensteOpleiding": "HAVO 1",
                "nieuweLeerling": True,
                "ouders": [{"ouderId": 2, "nieuw": True}],
                "documenten": ["d1"],
                "verzonden": records.enrolments["e1"].verzonden,
            }
        ],
    }


def test_a_sender_no_longer_known_is_shown_without_a_name() -> None:
    records, _ = school_records()
    detail = pupil_detail(records, records.pupils[101], PARTNERS, "/dl")
    unknown = {"clientId": "partner-weg", "aanmeldApiId": 202, "naam": None}
    assert detail["aanmeldingen"][0]["afzender"] == unknown
    assert detail["aanmeldingsdocumenten"][0]["afzender"] == unknown
    assert detail["aanmeldingen"][0]["gewensteLocatie"] is None
    assert detail["aanmeldingen"][0]["nieuweLeerling"] is False


def test_the_views_are_copies_the_school_cannot_change_the_records_through() -> None:
    records, kind = school_records()
    detail = pupil_detail(records, kind, PARTNERS, "/dl")
    detail["aanmeldingen"][0]["ouders"][0]["nieuw"] = False
    detail["aanmeldingen"][0]["documenten"].append("x")
    assert records.enrolments["e1"].ouders == [{"ouderId": 2, "nieuw": True}]
    assert records.enrolments["e1"].documenten == ["d1"]


def test_the_configuration_is_shown_sorted() -> None:
    config = SchoolConfig(
        "99XA",
        "De Wadden",
        "VO",
        100,
        199,
        {103, 101},
        {"34CD": RelatedSchool("34CD", "B", "Voortgezet onderwijs"), "12AB": RelatedSchool("12AB", "A", "x")},
        [{"code": "HOOFD", "naam": "Hoofdgebouw"}],
    )
    view = config_view(config)
    assert view == {
        "brin": "99XA",
        "naam": "De Wadden",
        "sector": "VO",
        "stamnummerbereik": {"laagste": 100, "hoogste": 199},
        "geactiveerdePartners": [101, 103],
        "relatiescholen": [
            {"brin": "12AB", "naam": "A", "schoolsoort": "x"},
            {"brin": "34CD", "naam": "B", "schoolsoort": "Voortgezet onderwijs"},
        ],
        "locaties": [{"code": "HOOFD", "naam": "Hoofdgebouw"}],
    }
    view["locaties"][0]["naam"] = "changed"
    assert config.locaties == [{"code": "HOOFD", "naam": "Hoofdgebouw"}]
