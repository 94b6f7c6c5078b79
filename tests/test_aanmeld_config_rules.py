"""The school's Aanmeld-API configuration (koppelbox.rules.aanmeld.config) without HTTP: what PUT and
PATCH may change, each refusal's field and message, and that a refused change leaves nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from koppelbox.rules.aanmeld.config import apply_changes, related_schools
from koppelbox.rules.aanmeld.origin import SCHOOL_TYPES, RelatedSchool
from koppelbox.rules.aanmeld.records import SchoolConfig
from koppelbox.rules.errors import FieldError, Invalid

KNOWN = {101, 102, 103}
VO = "Voortgezet onderwijs"
BRIN_MESSAGE = "must be a BRIN: 2 digits and 2 capital letters, like 16SK"
SOORT_MESSAGE = "must be one of: " + ", ".join(SCHOOL_TYPES)


def config() -> SchoolConfig:
    return SchoolConfig(
        "99XA", "De Wadden", "VO", 100, 199, {101}, {"16SK": RelatedSchool("16SK", "Oud", VO)}, []
    )


def refusal(changes: dict[str, Any], *, replace: bool = False) -> Invalid:
    with pytest.raises(Invalid) as refused:
        apply_changes(config(), changes, KNOWN, replace=replace)
    return refused.value


FULL: dict[str, Any] = {
    "sector": "PO",
    "stamnummerbereik": {"laagste": 1, "hoogste": 1},
    "geactiveerdePartners": [102, 103],
    "relatiescholen": [{"brin": "12AB", "naam": "Nieuw", "schoolsoort": VO}],
}


# --- the related-schools table ---


def test_related_schools_builds_the_table_by_brin() -> None:
    table, problems = related_schools(
        [{"brin": "12AB", "naam": "Een", "schoolsoort": VO}, {"brin": "34CD", "schoolsoort": SCHOOL_TYPES[0]}]
    )
    assert problems == []
    assert table == {
        "12AB": RelatedSchool("12AB", "Een", VO),
        "34CD": RelatedSchool("34CD", "", SCHOOL_TYPES[0]),
    }


def test_related_schools_of_nothing_is_an_empty_table() -> None:
    assert related_schools(None) == ({}, [])


def test_related_schools_names_each_problem_with_its_index_and_field() -> None:
    table, problems = related_schools(
        [
            {"brin": "12AB", "schoolsoort": VO},
            {"brin": "12ab", "schoolsoort": VO},
            {"brin": "12AB", "schoolsoort": "Universiteit"},
            {"schoolsoort": VO},
        ],
        field="tabel",
    )
    assert problems == [
        FieldError("tabel[1].brin", BRIN_MESSAGE),
        FieldError("tabel[2].brin", "12AB is already in the table"),
        FieldError("tabel[2].schoolsoort", SOORT_MESSAGE),
        FieldError("tabel[3].brin", BRIN_MESSAGE),
    ]
    assert set(table) == {"12AB"}


def test_related_schools_field_defaults_to_relatiescholen() -> None:
    _, problems = related_schools([{"brin": "x", "schoolsoort": VO}])
    assert problems == [FieldError("relatiescholen[0].brin", BRIN_MESSAGE)]


# --- PUT and PATCH ---


def test_put_with_every_field_replaces_them_all() -> None:
    before = config()
    updated = apply_changes(before, FULL, KNOWN, replace=True)
    assert (updated.sector, updated.laagste, updated.hoogste) == ("PO", 1, 1)
    assert updated.partners == {102, 103}
    assert updated.relatiescholen == {"12AB": RelatedSchool("12AB", "Nieuw", VO)}
    assert (updated.brin, updated.naam) == ("99XA", "De Wadden")
    # The school's stored configuration is untouched until the new one is saved.
    assert before == config()


def test_put_names_every_missing_field() -> None:
    error = refusal({"sector": "VO"}, replace=True)
    assert error.errors == [
        FieldError("stamnummerbereik", "is required"),
        FieldError("geactiveerdePartners", "is required"),
        FieldError("relatiescholen", "is required"),
    ]
    assert (error.status, error.code) == (400, "invalid_request")
    assert error.message == "The school configuration was not changed: stamnummerbereik is required"


def test_patch_changes_only_what_it_names() -> None:
    updated = apply_changes(config(), {"sector": "PO"}, KNOWN, replace=False)
    assert updated == SchoolConfig(
        "99XA", "De Wadden", "PO", 100, 199, {101}, {"16SK": RelatedSchool("16SK", "Oud", VO)}, []
    )


def test_patch_of_nothing_is_the_same_configuration_in_a_copy() -> None:
    before = config()
    updated = apply_changes(before, {}, KNOWN, replace=False)
    assert updated == before
    updated.partners.add(999)
    assert before.partners == {101}


@pytest.mark.parametrize("name", ["brin", "naam", "locaties"])
def test_fields_outside_the_editable_ones_are_refused(name: str) -> None:
    assert refusal({name: "x"}).errors == [FieldError(name, "cannot be changed here")]


@pytest.mark.parametrize("sector", ["po", "MBO", None, ""])
def test_sector_must_be_po_or_vo(sector: object) -> None:
    assert refusal({"sector": sector}).errors == [FieldError("sector", "must be PO or VO")]


@pytest.mark.parametrize("sector", ["PO", "VO"])
def test_sector_po_and_vo_are_accepted(sector: str) -> None:
    assert apply_changes(config(), {"sector": sector}, KNOWN, replace=False).sector == sector


LOW = FieldError("stamnummerbereik.laagste", "must be a whole number of 1 or more")
HIGH = FieldError("stamnummerbereik.hoogste", "must be a whole number ≥ laagste")


@pytest.mark.parametrize(
    ("bereik", "problem"),
    [
        ({"laagste": 0, "hoogste": 10}, LOW),
        ({"laagste": "1", "hoogste": 10}, LOW),
        ({"hoogste": 10}, LOW),
        (None, LOW),
        ({"laagste": 10, "hoogste": 9}, HIGH),
        ({"laagste": 10, "hoogste": "20"}, HIGH),
        ({"laagste": 10}, HIGH),
    ],
)
def test_a_wrong_stamnummer_range_is_refused_by_its_field(bereik: Any, problem: FieldError) -> None:
    assert refusal({"stamnummerbereik": bereik}).errors == [problem]


def test_a_range_of_one_number_from_1_is_accepted() -> None:
    updated = apply_changes(
        config(), {"stamnummerbereik": {"laagste": 1, "hoogste": 1}}, KNOWN, replace=False
    )
    assert (updated.laagste, updated.hoogste) == (1, 1)


def test_an_unknown_partner_is_refused_by_its_index() -> None:
    assert refusal({"geactiveerdePartners": [101, 999, 102, 7]}).errors == [
        FieldError("geactiveerdePartners[1]", "is not a known Aanmeld-API partner"),
        FieldError("geactiveerdePartners[3]", "is not a known Aanmeld-API partner"),
    ]


def test_switching_every_partner_off() -> None:
    for empty in ([], None):
        assert (
            apply_changes(config(), {"geactiveerdePartners": empty}, KNOWN, replace=False).partners == set()
        )


def test_related_schools_problems_refuse_the_change() -> None:
    error = refusal({"relatiescholen": [{"brin": "bad", "schoolsoort": VO}]})
    assert error.errors == [FieldError("relatiescholen[0].brin", BRIN_MESSAGE)]
    assert error.message == "The school configuration was not changed: relatiescholen[0].brin " + BRIN_MESSAGE


def test_every_problem_is_named_at_once() -> None:
    error = refusal(
        {
            "naam": "x",
            "sector": "HO",
            "stamnummerbereik": {"laagste": 0},
            "geactiveerdePartners": [5],
            "relatiescholen": [{"brin": "12AB"}],
        }
    )
    assert [e.field for e in error.errors] == [
        "naam",
        "sector",
        "stamnummerbereik.laagste",
        "geactiveerdePartners[0]",
        "relatiescholen[0].schoolsoort",
    ]
    assert error.message == "The school configuration was not changed: naam cannot be changed here"
