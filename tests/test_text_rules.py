"""Control characters in partner text (koppelbox.rules.text) without HTTP: which characters are found,
how many, in which order, and the words of the refusal a partner reads."""

from __future__ import annotations

import re

import pytest

from koppelbox.rules.text import (
    FREE_TEXT_PATTERN,
    NAME_PATTERN,
    code_points,
    control_characters,
    control_message,
    name_problem,
)


def test_each_control_character_is_named_once_in_order_of_appearance() -> None:
    assert control_characters("a\x00b\x07c\x00d") == ["\x00", "\x07"]


def test_at_most_three_are_named_unless_asked_otherwise() -> None:
    text = "\x01\x02\x03\x04\x05"
    assert control_characters(text) == ["\x01", "\x02", "\x03"]
    assert control_characters(text, limit=4) == ["\x01", "\x02", "\x03", "\x04"]
    assert control_characters(text, limit=9) == ["\x01", "\x02", "\x03", "\x04", "\x05"]


@pytest.mark.parametrize("character", ["\x00", "\x1f", "\x7f", "\x80", "\x9f", "\t", "\n"])
def test_category_cc_is_found(character: str) -> None:
    assert control_characters(f"x{character}y") == [character]


@pytest.mark.parametrize("text", ["", "Jansen", " ~", "\xa0é€", "\u200b"])
def test_printable_text_has_none(text: str) -> None:
    assert control_characters(text) == []
    assert name_problem(text) is None


def test_code_points_are_upper_case_hex_of_at_least_four_digits() -> None:
    assert code_points(["\x00", "\x9f", "\U0001f600"]) == "U+0000, U+009F, U+1F600"


def test_the_refusal_names_the_characters() -> None:
    assert control_message(["\x00", "\x1b"]) == "must not contain control characters (found U+0000, U+001B)"
    assert control_message(["\x00"], line_breaks_allowed=True) == (
        "must not contain control characters other than line breaks and tabs (found U+0000)"
    )


def test_a_name_with_control_characters_gets_the_refusal() -> None:
    assert name_problem("Jan\tsen\x00") == "must not contain control characters (found U+0009, U+0000)"


def test_the_contract_patterns_agree_with_the_rule() -> None:
    assert re.fullmatch(NAME_PATTERN, "Jansen")
    assert not re.fullmatch(NAME_PATTERN, "Jan\tsen")
    assert re.fullmatch(FREE_TEXT_PATTERN, "regel 1\r\n\tregel 2")
    assert not re.fullmatch(FREE_TEXT_PATTERN, "regel\x00")
