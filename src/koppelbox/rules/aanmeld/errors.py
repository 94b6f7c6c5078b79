"""The Aanmeld-API's refusals beyond the shared ones, each with its own stable code."""

from __future__ import annotations

from dataclasses import dataclass

from koppelbox.rules.errors import Conflict, DomainError, FieldError


@dataclass
class RangeExhausted(Conflict):
    """Every stamnummer of the school's range is taken: the school must widen it first."""

    code: str = "stamnummer_range_exhausted"


@dataclass
class DocumentTooLarge(DomainError):
    status: int = 413
    code: str = "document_too_large"


@dataclass
class DocumentMismatch(DomainError):
    """The bytes are not a file of the declared type (or of any accepted type)."""

    status: int = 422
    code: str = "document_type_mismatch"


def field_error(field: str, message: str) -> list[FieldError]:
    return [FieldError(field, message)]
