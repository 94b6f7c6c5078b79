"""Domain errors (koppelbox.rules.errors) without HTTP: the status and code each kind carries, and that
the exception reads as its message where it is logged or shown."""

from __future__ import annotations

import pytest

from koppelbox.rules.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InsufficientScope,
    Invalid,
    NotFound,
    Unauthorized,
)


def test_an_error_reads_as_its_message() -> None:
    error = Invalid("The enrolment contains invalid data.", [FieldError("brin", "must be a BRIN")])
    assert str(error) == "The enrolment contains invalid data."
    assert error.args == ("The enrolment contains invalid data.",)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Invalid("x"), 400, "invalid_request"),
        (Unauthorized("x"), 401, "unauthorized"),
        (Forbidden("x"), 403, "forbidden"),
        (InsufficientScope("x"), 403, "insufficient_scope"),
        (NotFound("x"), 404, "not_found"),
        (Conflict("x"), 409, "duplicate"),
    ],
)
def test_each_kind_carries_its_status_and_code(error: DomainError, status: int, code: str) -> None:
    assert (error.status, error.status_code, error.code, error.errors) == (status, status, code, [])
