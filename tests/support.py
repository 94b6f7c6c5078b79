"""Helpers the tests share (conftest.py holds the pytest fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """Time that only moves when a test says so (token expiry, timestamps)."""

    START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def rewind(self) -> None:
        self.now = self.START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


ADMIN = bearer("kbx-admin-local")
