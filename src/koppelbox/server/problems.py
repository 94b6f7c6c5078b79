"""What the server raises about a request, and `Problem`, the one shape every failure is reduced to
before an API's error format renders it.

Nearly a leaf, like Starlette's `exceptions.py`: it imports nothing of the server but
`error_formats.py` (a true leaf), so middleware, validation and error rendering all raise and read these
without importing one another.
"""

from __future__ import annotations

from connexion.exceptions import BadRequestProblem, ProblemException

from koppelbox.rules.errors import FieldError

# `Problem` lives in the one leaf beneath this one, with the error formats that render it (the proxy
# renders problems without importing Connexion); it is offered here too, where the server looks for it.
from koppelbox.server.error_formats import Problem as Problem


class PayloadTooLarge(ProblemException):  # type: ignore[misc]
    def __init__(self, limit: int) -> None:
        super().__init__(
            status=413, title="Payload Too Large", detail=f"The request body exceeds {limit} bytes."
        )


class FieldValidationProblem(BadRequestProblem):  # type: ignore[misc]
    """A 400 that lists each offending field; the error renderer turns it into the API's format."""

    def __init__(self, errors: list[FieldError]) -> None:
        summary = "; ".join(f"`{e.field}` {e.message}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(detail=f"The request body is not valid: {summary}{more}.")
        self.errors = errors
