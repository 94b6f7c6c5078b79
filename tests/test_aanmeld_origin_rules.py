"""The school of origin (koppelbox.rules.aanmeld.origin) without HTTP: the cases tests/test_aanmeld_rules.py
leaves open, where only a name, or only an unknown BRIN, was sent."""

from __future__ import annotations

from koppelbox.rules.aanmeld.origin import BASISONDERWIJS, RelatedSchool, place_school_of_origin

RELATED = {"12AB": RelatedSchool("12AB", "De Klimop", BASISONDERWIJS)}


def test_a_name_without_a_brin_is_a_previous_school_without_a_brin() -> None:
    assert place_school_of_origin({"naam": "Het Baken"}, RELATED) == {
        "basisschool": None,
        "vorigeSchool": {"brin": None, "naam": "Het Baken", "schoolsoort": None},
    }


def test_an_unknown_brin_without_a_name_is_a_previous_school_without_a_name() -> None:
    assert place_school_of_origin({"brin": "99ZZ"}, RELATED) == {
        "basisschool": None,
        "vorigeSchool": {"brin": "99ZZ", "naam": None, "schoolsoort": None},
    }


def test_a_known_brin6_without_a_name_takes_the_tables_name() -> None:
    assert place_school_of_origin({"brin": "12AB01"}, RELATED) == {
        "basisschool": {"brin": "12AB01", "naam": "De Klimop", "schoolsoort": BASISONDERWIJS},
        "vorigeSchool": None,
    }
