"""Aanmeld-API rules one by one, without HTTP or store (docs/aanmeld.md, "The rules")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from koppelbox.rules.aanmeld import config, documents, matching, origin, stamnummer, validation
from koppelbox.rules.aanmeld.errors import DocumentMismatch, DocumentTooLarge, RangeExhausted
from koppelbox.rules.aanmeld.origin import RelatedSchool
from koppelbox.rules.aanmeld.records import SchoolConfig
from koppelbox.rules.errors import Invalid
from tests import aanmeld_support as s

# --- rule 2: pupil lookup keys --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored", "same"),
    [
        ({"achternaam": "Bakker"}, {"achternaam": "bakker"}, True),
        ({"achternaam": " van  Dijk "}, {"achternaam": "VanDijk"}, True),
        ({"achternaam": "Bakker", "geslacht": "man"}, {"achternaam": "Bakker", "geslacht": "vrouw"}, False),
        (
            {"achternaam": "Bakker", "geboortedatum": "2013-06-01"},
            {"achternaam": "Bakker", "geboortedatum": "2013-06-02"},
            False,
        ),
        ({"achternaam": "Bakker"}, {"achternaam": "Bakkers"}, False),
    ],
)
def test_pupil_key_ignores_case_and_whitespace_but_needs_all_three(
    sent: dict[str, Any], stored: dict[str, Any], same: bool
) -> None:
    base = {"geboortedatum": "2013-06-01", "geslacht": "man"}
    assert (matching.pupil_key({**base, **sent}) == matching.pupil_key({**base, **stored})) is same


@pytest.mark.parametrize(("candidates", "chosen"), [({26005, 26003}, 26003), ({7}, 7), (set(), None)])
def test_several_fallback_matches_take_the_lowest_stamnummer(
    candidates: set[int], chosen: int | None
) -> None:
    assert matching.first_by_stamnummer(candidates) == chosen


# --- rule 5: parent lookup ------------------------------------------------------------------------


def ouder(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "achternaam": "Bakker",
        "voorletters": "J.",
        "geslacht": "man",
        "adres": {"postcode": "8863 EF", "huisnummer": 7},
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    ("sent", "same"),
    [
        (ouder(voorletters="j"), True),
        (ouder(adres={"postcode": "8863ef", "huisnummer": 7}), True),
        (ouder(achternaam=" BAKKER"), True),
        (ouder(email="other@example.nl", roepnaam="Jan"), True),  # not part of the key
        (ouder(voorletters="J.P."), False),
        (ouder(adres={"postcode": "8863 EF", "huisnummer": 8}), False),
        (ouder(adres={"postcode": "8863 EG", "huisnummer": 7}), False),
        (ouder(geslacht="vrouw"), False),
        (ouder(achternaam="Bakkers"), False),
    ],
)
def test_parent_key_is_surname_postcode_house_number_gender_initials(
    sent: dict[str, Any], same: bool
) -> None:
    assert (matching.parent_key(sent) == matching.parent_key(ouder())) is same


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("06-12345678", "0612345678"),
        ("+31 6 1234 5678", "0612345678"),
        ("0031612345678", "0612345678"),
        ("", ""),
    ],
)
def test_mobile_numbers_compare_by_their_national_digits(written: str, normal: str) -> None:
    assert matching.mobile_of({"mobiel": written}) == normal


@dataclass
class Known:
    name: str
    gegevens: dict[str, Any]


FATHER = Known("father", ouder(email="joost@example.nl", mobiel="0612000003"))
GRANDFATHER = Known("grandfather", ouder(email="jan@example.nl", mobiel="0612000004"))


@pytest.mark.parametrize(
    ("own", "others", "sent", "found"),
    [
        # this pupil's own parent first, even when another pupil has a look-alike
        ([FATHER], [GRANDFATHER], ouder(email="jan@example.nl"), "father"),
        # one candidate among other pupils' parents: taken without a contact check
        ([], [GRANDFATHER], ouder(), "grandfather"),
        # several candidates: the first whose email or mobile equals the one sent
        ([], [FATHER, GRANDFATHER], ouder(email="JAN@example.nl"), "grandfather"),
        ([], [FATHER, GRANDFATHER], ouder(mobiel="+31 6 12000003"), "father"),
        ([], [FATHER, GRANDFATHER], ouder(email="jan@example.nl", mobiel="0612000003"), "father"),
        # several candidates, none with that email or mobile: not found (a new parent is made)
        ([], [FATHER, GRANDFATHER], ouder(email="someone@example.nl"), None),
        ([], [FATHER, GRANDFATHER], ouder(), None),
        # ambiguous among own parents: go on to the other pupils' parents
        ([FATHER, GRANDFATHER], [Known("uncle", ouder())], ouder(), "uncle"),
        ([], [], ouder(), None),
    ],
)
def test_parent_cascade(
    own: list[Known], others: list[Known], sent: dict[str, Any], found: str | None
) -> None:
    result = matching.find_parent(own, others, sent)
    assert (result.name if result else None) == found


# --- rule 3: stamnummers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lowest", "highest", "used", "expected"),
    [
        (500, 502, set(), 500),
        (500, 502, {500, 501}, 502),
        (500, 502, {501}, 500),
        (500, 502, {500, 502}, 501),
        (500, 502, {1, 2, 499, 503}, 500),  # numbers outside the range do not count
        (500, 502, {500, 501, 502}, None),
        (7, 7, set(), 7),
    ],
)
def test_lowest_free_stamnummer(lowest: int, highest: int, used: set[int], expected: int | None) -> None:
    assert stamnummer.lowest_free(lowest, highest, used) == expected


def test_a_used_up_range_is_refused_with_its_own_code() -> None:
    with pytest.raises(RangeExhausted) as refused:
        stamnummer.or_exhausted(stamnummer.lowest_free(500, 502, {500, 501, 502}))
    assert (refused.value.status, refused.value.code) == (409, "stamnummer_range_exhausted")
    assert "500" not in refused.value.message  # the school's numbers are not the partner's business
    assert [(e.field, e.message) for e in refused.value.errors] == [
        ("brin", "this school's stamnummer range is used up")
    ]
    assert stamnummer.or_exhausted(501) == 501


# --- rules 6 and 7: school of origin and advice -------------------------------------------------

RELATED = {
    "97ZC": RelatedSchool("97ZC", "OBS De Kwikstaart", "Basisonderwijs"),
    "95VE": RelatedSchool("95VE", "De Regenboog", "Speciaal onderwijs"),
    "94UF": RelatedSchool("94UF", "SBO De Wegwijzer", "Speciaal basisonderwijs"),
}


@pytest.mark.parametrize(
    ("sent", "slot", "schoolsoort"),
    [
        ({"brin": "97ZC"}, "basisschool", "Basisonderwijs"),
        ({"brin": "97ZC01"}, "basisschool", "Basisonderwijs"),  # a BRIN6 is looked up by its BRIN
        ({"brin": "95VE"}, "vorigeSchool", "Speciaal onderwijs"),
        ({"brin": "94UF"}, "vorigeSchool", "Speciaal basisonderwijs"),
        ({"brin": "12AB", "naam": "Onbekende school"}, "vorigeSchool", None),
        ({"naam": "School in Gent"}, "vorigeSchool", None),
    ],
)
def test_school_of_origin_is_a_primary_school_only_for_basisonderwijs(
    sent: dict[str, str], slot: str, schoolsoort: str | None
) -> None:
    placed = origin.place_school_of_origin(sent, RELATED)
    other = "vorigeSchool" if slot == "basisschool" else "basisschool"
    assert placed[other] is None
    assert placed[slot]["schoolsoort"] == schoolsoort
    assert placed[slot]["naam"] == sent.get(
        "naam", RELATED.get(sent.get("brin", "")[:4], RELATED["97ZC"]).naam
    )


def test_no_prior_education_fills_neither_slot() -> None:
    assert origin.place_school_of_origin({"advies": "havo"}, RELATED) == {
        "basisschool": None,
        "vorigeSchool": None,
    }


@pytest.mark.parametrize(
    ("advies", "known"),
    [
        ("havo/vwo", "havo/vwo"),
        ("HAVO / VWO", "havo/vwo"),
        ("vwo", "vwo"),
        ("havo met lwoo", None),
        (None, None),
    ],
)
def test_advice_matches_a_known_value_case_and_space_insensitively(
    advies: str | None, known: str | None
) -> None:
    assert origin.known_advice(advies, ["vmbo-kb", "havo/vwo", "vwo"]) == known


def test_the_memo_keeps_the_advice_as_sent() -> None:
    assert origin.advice_memo("HAVO / VWO") == "Advies vorige school: HAVO / VWO"
    assert origin.advice_memo(None) is None


# --- Dutch data ---------------------------------------------------------------------------------

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"leerling__pgn": "123456789"}, "leerling.pgn"),
        ({"leerling__geboortedatum": "2026-03-03"}, "leerling.geboortedatum"),
        ({"leerling__geboortedatum": "1990-01-01"}, "leerling.geboortedatum"),
        ({"leerling__geboortedatum": "2014-02-30"}, "leerling.geboortedatum"),
        ({"leerling__adres": {"postcode": "8861 SA", "huisnummer": 1}}, "leerling.adres.postcode"),
        ({"leerling__adres": {"postcode": "0861 AB", "huisnummer": 1}}, "leerling.adres.postcode"),
        ({"vooropleiding": {"brin": "9ZZC"}}, "vooropleiding.brin"),
        ({"ouders": [ouder(adres={"postcode": "12345", "huisnummer": 1})]}, "ouders[0].adres.postcode"),
    ],
)
def test_each_invalid_dutch_value_is_refused_naming_its_field(changes: dict[str, Any], field: str) -> None:
    problems = validation.enrolment_problems(s.enrolment(**changes), TODAY)
    assert [p.field for p in problems] == [field]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"leerling__pgn": "104205551"},  # an onderwijsnummer
        {"leerling__pgn": None},
        {"leerling__geboortedatum": "2026-03-02"},
        {"leerling__adres": {"postcode": "8861BK", "huisnummer": 1}},
        {"leerling__adres": {"postcode": "B-9000", "huisnummer": 1, "land": "België"}},  # abroad: not Dutch
        {"brin": "99XA01"},
    ],
)
def test_valid_dutch_data_passes(changes: dict[str, Any]) -> None:
    assert validation.enrolment_problems(s.enrolment(**changes), TODAY) == []


def test_all_problems_are_reported_at_once() -> None:
    body = s.enrolment(leerling__pgn="123456789", leerling__geboortedatum="2030-01-01")
    with pytest.raises(Invalid) as refused:
        validation.check_enrolment(body, TODAY)
    assert {e.field for e in refused.value.errors} == {"leerling.pgn", "leerling.geboortedatum"}


# --- documents ----------------------------------------------------------------------------------

DOCX = documents.DOCX


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (s.PDF, documents.PDF),
        (s.DOC, documents.DOC),
        (s.docx(), DOCX),
        (s.png(), documents.PNG),
        (s.JPEG, documents.JPEG),
        (s.GIF, documents.GIF),
        (s.WEBP, documents.WEBP),
        (s.PDF + b"\r\n\x00\x00", documents.PDF),  # trailing padding after %%EOF
    ],
)
def test_accepted_files_are_recognised_by_content(data: bytes, declared: str) -> None:
    documents.check_content(data, declared, "f")
    assert documents.recognise(data) == declared


@pytest.mark.parametrize(
    ("data", "declared", "found"),
    [
        (s.png(), documents.PDF, "a PNG image"),  # a renamed image
        (s.TRUNCATED_PDF, documents.PDF, "not a file of any accepted type"),  # header only, no %%EOF
        (s.XLS, documents.DOC, "not a file of any accepted type"),  # OLE2, but no WordDocument stream
        (s.xlsx(), DOCX, "not a file of any accepted type"),  # a zip, but no word/document.xml
        (b"PK\x03\x04 not really a zip", DOCX, "not a file of any accepted type"),
        (s.png()[:-12], documents.PNG, "not a file of any accepted type"),  # no IEND
        (s.JPEG[:-2], documents.JPEG, "not a file of any accepted type"),
        (s.docx(), documents.PDF, "a Word document (.docx)"),
    ],
)
def test_content_that_is_not_the_declared_type_is_refused(data: bytes, declared: str, found: str) -> None:
    with pytest.raises(DocumentMismatch) as refused:
        documents.check_content(data, declared, "documenten[0].inhoud")
    assert refused.value.status == 422
    assert refused.value.errors[0].field == "documenten[0].inhoud"
    assert found in refused.value.errors[0].message


@pytest.mark.parametrize(
    ("text", "decoded"),
    [("JVBERg==", b"%PDF"), ("JVBE\nRg==", b"%PDF"), ("JVBE Rg==\r\n", b"%PDF")],
)
def test_base64_may_be_wrapped(text: str, decoded: bytes) -> None:
    assert documents.decode_base64(text, "f") == decoded


@pytest.mark.parametrize(
    "text", ["JVBERg=", "not base64!", "JVB*Rg==", "data:application/pdf;base64,JVBERg==", "===="]
)
def test_bad_base64_is_a_400_naming_the_field(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        documents.decode_base64(text, "documenten[2].inhoud")
    assert refused.value.status == 400
    assert refused.value.errors[0].field == "documenten[2].inhoud"


def test_size_limit_is_a_413() -> None:
    documents.check_size(b"x" * 100, 100, "f")
    with pytest.raises(DocumentTooLarge) as refused:
        documents.check_size(b"x" * 101, 100, "f")
    assert refused.value.status == 413


def test_an_accepted_document_keeps_its_bytes_and_hash() -> None:
    attachment = documents.accept("a.pdf", documents.PDF, s.PDF, 1000, "bestand", "type", "bestandsnaam")
    assert attachment.inhoud == s.PDF
    assert attachment.grootte == len(s.PDF)
    assert attachment.sha256 == __import__("hashlib").sha256(s.PDF).hexdigest()


@pytest.mark.parametrize(
    ("name", "declared", "accepted"),
    [
        ("advies.pdf", documents.PDF, True),
        ("ADVIES.PDF", documents.PDF, True),
        ("pasfoto.JPEG", documents.JPEG, True),
        ("blob", documents.PNG, True),  # no extension: the name claims no type
        ("advies.pdf", documents.PNG, False),
        (".pdf", documents.PNG, False),
        ("pasfoto.png.exe", documents.PNG, False),
        ("pasfoto.", documents.PNG, False),
    ],
)
def test_the_names_extension_must_fit_the_declared_type(name: str, declared: str, accepted: bool) -> None:
    if accepted:
        documents.check_name(name, declared, "bestandsnaam")
        return
    with pytest.raises(DocumentMismatch) as refused:
        documents.check_name(name, declared, "bestandsnaam")
    assert (refused.value.status, refused.value.code) == (422, "document_type_mismatch")


# --- school configuration -----------------------------------------------------------------------


def school_config() -> SchoolConfig:
    return SchoolConfig("99XA", "De Wadden", "VO", 100, 199, {101}, dict(RELATED), [])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stamnummerbereik": {"laagste": 200, "hoogste": 100}}, "stamnummerbereik.hoogste"),
        ({"stamnummerbereik": {"laagste": 0, "hoogste": 100}}, "stamnummerbereik.laagste"),
        ({"geactiveerdePartners": [101, 999]}, "geactiveerdePartners[1]"),
        (
            {"relatiescholen": [{"brin": "97ZC", "naam": "a", "schoolsoort": "Basisonderwijs"}] * 2},
            "relatiescholen[1].brin",
        ),
        (
            {"relatiescholen": [{"brin": "97ZC", "naam": "a", "schoolsoort": "Kinderopvang"}]},
            "relatiescholen[0].schoolsoort",
        ),
        ({"sector": "MBO"}, "sector"),
        ({"naam": "Andere naam"}, "naam"),
    ],
)
def test_configuration_changes_are_checked(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as refused:
        config.apply_changes(school_config(), changes, {101, 102}, replace=False)
    assert [e.field for e in refused.value.errors] == [field]


def test_patch_keeps_what_is_not_sent_and_put_needs_everything() -> None:
    before = school_config()
    after = config.apply_changes(before, {"geactiveerdePartners": [102]}, {101, 102}, replace=False)
    assert (after.partners, after.laagste, after.hoogste, before.partners) == ({102}, 100, 199, {101})
    with pytest.raises(Invalid) as refused:
        config.apply_changes(before, {"sector": "PO"}, {101, 102}, replace=True)
    assert {e.field for e in refused.value.errors} == {
        "stamnummerbereik",
        "geactiveerdePartners",
        "relatiescholen",
    }
