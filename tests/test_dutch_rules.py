"""Dutch identifiers (koppelbox.rules.dutch) without HTTP: the sentence a vendor reads for each kind of
wrong value. Which values pass is pinned table by table in tests/test_validator_semantic_rules.py."""

from __future__ import annotations

import pytest

from koppelbox.rules import dutch

ECK_ID = "https://ketenid.nl/201703/" + "a" * 128


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12345678", "must be 9 digits (a BSN or an onderwijsnummer)"),
        ("123456789", "is neither a valid BSN nor a valid onderwijsnummer (check digit fails)"),
        ("111222333", None),  # a valid BSN
    ],
)
def test_pgn_refusals(value: str, message: str | None) -> None:
    assert dutch.pgn_problem(value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("16SK00", None),
        ("16SK", "must be a BRIN6: 2 digits, 2 capital letters, 2 digits, like 16SK00"),
        ("16sk00", "must be a BRIN6: 2 digits, 2 capital letters, 2 digits, like 16SK00"),
    ],
)
def test_brin6_refusals(value: str, message: str | None) -> None:
    assert dutch.brin6_problem(value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (ECK_ID, None),
        (
            ECK_ID.upper(),
            "must be an ECK iD: https://ketenid.nl/201703/ followed by 128 lowercase hex characters",
        ),
        (
            ECK_ID[:-1],
            "must be an ECK iD: https://ketenid.nl/201703/ followed by 128 lowercase hex characters",
        ),
    ],
)
def test_eck_id_refusals(value: str, message: str | None) -> None:
    assert dutch.eck_id_problem(value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("16SK", None),
        ("16SK00", None),
        ("16SK0", "must be a BRIN (like 16SK) or a BRIN6 (like 16SK00)"),
    ],
)
def test_brin_or_brin6_refusals(value: str, message: str | None) -> None:
    assert dutch.brin_or_brin6_problem(value) == message
