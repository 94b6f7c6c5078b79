"""Domain errors. Each carries an HTTP-like status and a stable code; the server renders them in the
error format of the API that raised them, so the rules never need to know which API they serve."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    message: str
    errors: list[FieldError] = field(default_factory=list)
    status: int = 400
    code: str = "invalid_request"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def status_code(self) -> int:
        # Connexion's security layer ranks competing auth failures by `status_code`.
        return self.status


class Invalid(DomainError):
    """The request breaks a rule; `errors` names the fields."""


@dataclass
class Unauthorized(DomainError):
    status: int = 401
    code: str = "unauthorized"


@dataclass
class Forbidden(DomainError):
    status: int = 403
    code: str = "forbidden"


@dataclass
class InsufficientScope(Forbidden):
    code: str = "insufficient_scope"
    required: tuple[str, ...] = ()


@dataclass
class NotFound(DomainError):
    status: int = 404
    code: str = "not_found"


@dataclass
class Conflict(DomainError):
    status: int = 409
    code: str = "duplicate"
