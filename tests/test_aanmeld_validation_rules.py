"""Dutch data in an enrolment (koppelbox.rules.aanmeld.validation) without HTTP: each refusal's field
and message, the summary a partner reads, the oldest accepted birth date (also from 29 February), and
the names of `extraGegevens`."""

from __future__ import annotations

from datetime import date

import pytest

from koppelbox.rules import dutch, text
from koppelbox.rules.aanmeld.validation import check_enrolment, enrolment_problems
from koppelbox.rules.errors import FieldError, Invalid

TODAY = date(2026, 12, 3)
BAD_POSTCODE = "0123 AB"
POSTCODE_MESSAGE = dutch.postcode_problem(BAD_POSTCODE)
BRIN_MESSAGE = "must be a BRIN (like 16SK) or a BRIN6 (like 16SK00)"


def test_a_good_enrolment_has_no_problems() -> None:
    body = {
        "brin": "16SK00",
        "leerling": {"geboortedatum": "2013-05-01", "adres": {"postcode": "1234 AB"}},
        "vooropleiding": {"brin": "12AB"},
        "extraGegevens": {"sport": "judo"},
    }
    assert enrolment_problems(body, TODAY) == []
    check_enrolment(body, TODAY)


def test_the_school_brin_is_checked_under_its_own_field() -> None:
    assert enrolment_problems({"brin": "16sk"}, TODAY) == [FieldError("brin", BRIN_MESSAGE)]


def test_a_pupil_postcode_problem_names_the_field_and_why() -> None:
    body = {"leerling": {"adres": {"postcode": BAD_POSTCODE}}}
    assert POSTCODE_MESSAGE
    assert enrolment_problems(body, TODAY) == [FieldError("leerling.adres.postcode", POSTCODE_MESSAGE)]


def test_a_foreign_address_keeps_its_own_postcode() -> None:
    body = {"leerling": {"adres": {"postcode": BAD_POSTCODE, "land": "België"}}}
    assert enrolment_problems(body, TODAY) == []


def test_a_birth_date_30_years_back_is_the_oldest_accepted() -> None:
    assert enrolment_problems({"leerling": {"geboortedatum": "1996-12-03"}}, TODAY) == []
    assert enrolment_problems({"leerling": {"geboortedatum": "1996-12-02"}}, TODAY) == [
        FieldError("leerling.geboortedatum", "must not be before 1996-12-03")
    ]


def test_on_29_february_the_oldest_birth_date_is_28_february_30_years_back() -> None:
    leap_day = date(2028, 2, 29)
    assert enrolment_problems({"leerling": {"geboortedatum": "1998-02-28"}}, leap_day) == []
    assert enrolment_problems({"leerling": {"geboortedatum": "1998-02-27"}}, leap_day) == [
        FieldError("leerling.geboortedatum", "must not be before 1998-02-28")
    ]


def test_a_birth_date_in_the_future_is_refused() -> None:
    assert enrolment_problems({"leerling": {"geboortedatum": "2026-12-04"}}, TODAY) == [
        FieldError("leerling.geboortedatum", "must not be after 2026-12-03")
    ]


NAME = "sp\x00ort"


def test_a_control_character_in_an_extra_field_name_is_refused_once() -> None:
    problem = text.name_problem(NAME)
    assert problem
    body = {"extraGegevens": {NAME: "judo", "na\x07am": "x"}}
    assert enrolment_problems(body, TODAY) == [FieldError("extraGegevens", f"a field name {problem}")]


def test_extra_field_names_are_checked_after_the_other_fields() -> None:
    body = {"brin": "x", "extraGegevens": {NAME: "judo"}}
    assert [p.field for p in enrolment_problems(body, TODAY)] == ["brin", "extraGegevens"]


@pytest.mark.parametrize("extra", [None, "not an object", ["a\x00"]])
def test_extra_data_that_is_not_an_object_is_left_to_the_contract(extra: object) -> None:
    assert enrolment_problems({"extraGegevens": extra}, TODAY) == []


def test_the_refusal_summarises_the_first_three_problems_and_lists_all() -> None:
    body = {
        "brin": "x",
        "leerling": {"pgn": "12", "geboortedatum": "2099-01-01", "adres": {"postcode": BAD_POSTCODE}},
    }
    with pytest.raises(Invalid) as refused:
        check_enrolment(body, TODAY)
    error = refused.value
    assert (error.status, error.code) == (400, "invalid_request")
    assert [p.field for p in error.errors] == [
        "brin",
        "leerling.pgn",
        "leerling.geboortedatum",
        "leerling.adres.postcode",
    ]
    assert error.message == (
        "The enrolment contains invalid data: "
        f"`brin` {BRIN_MESSAGE}; "
        "`leerling.pgn` must be 9 digits (a BSN or an onderwijsnummer); "
        "`leerling.geboortedatum` must not be after 2026-12-03."
    )
