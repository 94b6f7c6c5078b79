"""Time as the rules see it (koppelbox.rules.clock) and token expiry (koppelbox.rules.identity), without
HTTP: the RFC 3339 text every API shows, parsing it back, and the moment a token stops being valid."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from koppelbox.rules.clock import parse_rfc3339, rfc3339, utc_now
from koppelbox.rules.identity import AccessToken

MOMENT = datetime(2025, 4, 18, 10, 2, 28, 7999, tzinfo=UTC)


def test_rfc3339_has_a_t_milliseconds_and_z() -> None:
    assert rfc3339(MOMENT) == "2025-04-18T10:02:28.007Z"
    assert rfc3339(MOMENT.replace(microsecond=0)) == "2025-04-18T10:02:28.000Z"
    assert rfc3339(MOMENT.replace(microsecond=1000)) == "2025-04-18T10:02:28.001Z"
    assert rfc3339(MOMENT.replace(microsecond=999999)) == "2025-04-18T10:02:28.999Z"


def test_rfc3339_shows_another_zone_as_utc() -> None:
    amsterdam = MOMENT.astimezone(timezone(timedelta(hours=2)))
    assert rfc3339(amsterdam) == "2025-04-18T10:02:28.007Z"


@pytest.mark.parametrize(
    "text", ["2025-04-18T10:02:28.007999Z", "2025-04-18 10:02:28.007999Z", "2025-04-18T12:02:28.007999+02:00"]
)
def test_parse_rfc3339_reads_z_a_space_and_offsets_as_utc(text: str) -> None:
    parsed = parse_rfc3339(text)
    assert parsed == MOMENT
    assert parsed.utcoffset() == timedelta(0)


def test_parse_rfc3339_refuses_a_time_without_zone() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        parse_rfc3339("2025-04-18T10:02:28")


@pytest.fixture
def amsterdam_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine whose local time is Amsterdam's, as a developer's laptop in the Netherlands."""
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")  # POSIX rule: needs no tzdata
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("amsterdam_host")
def test_times_are_utc_whatever_the_machines_zone() -> None:
    assert rfc3339(MOMENT) == "2025-04-18T10:02:28.007Z"
    parsed = parse_rfc3339("2025-04-18T10:02:28.007999Z")
    assert (parsed, parsed.utcoffset()) == (MOMENT, timedelta(0))


def test_utc_now_is_aware_utc() -> None:
    assert utc_now().utcoffset() == timedelta(0)


def test_a_token_expires_at_its_expiry_moment() -> None:
    token = AccessToken("t", "c", frozenset(), MOMENT)
    assert not token.expired(MOMENT - timedelta(microseconds=1))
    assert token.expired(MOMENT)
    assert not AccessToken("t", "c", frozenset(), None).expired(MOMENT)
