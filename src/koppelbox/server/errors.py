"""Every failure, whatever raised it, answered in the error format of the API the request was for.

Exceptions are first reduced to one `Problem` (`problems.py`: status, code, message, fields, headers);
then the API's `ErrorFormat` (`error_formats.py`), found by the longest matching path prefix, renders it.
A request outside every API gets the control plane's format. Nothing here ever produces a framework
default page.
"""

from __future__ import annotations

import logging

from connexion.exceptions import OAuthScopeProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from koppelbox.contracts import longest_prefix
from koppelbox.rules.errors import DomainError
from koppelbox.rules.oauth import OAuthError
from koppelbox.server.error_formats import ErrorFormat, Problem, oauth_format, rendered, standard_format
from koppelbox.server.problems import FieldValidationProblem

logger = logging.getLogger("koppelbox.errors")

_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "duplicate",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


def to_problem(exc: Exception) -> Problem:
    if isinstance(exc, DomainError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        return Problem(exc.status, exc.code, exc.message, list(exc.errors), headers, exc)
    if isinstance(exc, OAuthError):
        # RFC 6749 §5.2: a failed client authentication is a 401 with the Basic challenge.
        challenge = {"WWW-Authenticate": 'Basic realm="koppelbox"'} if exc.status == 401 else {}
        return Problem(exc.status, exc.error, exc.description, headers=challenge, cause=exc)
    if isinstance(exc, FieldValidationProblem):
        return Problem(400, "invalid_request", str(exc.detail), list(exc.errors), cause=exc)
    if isinstance(exc, OAuthScopeProblem):
        needed = " ".join(sorted(exc.required_scopes or []))
        return Problem(403, "insufficient_scope", f"This operation needs scope(s): {needed}.", cause=exc)
    if isinstance(exc, HTTPException):  # Connexion's problems and Starlette's 404/405 alike
        status = exc.status_code
        detail = getattr(exc, "detail", None) or _default_message(status)
        headers = dict(exc.headers or {})
        if status == 401:
            headers.setdefault("WWW-Authenticate", "Bearer")
        return Problem(status, _CODES.get(status, "error"), str(detail), headers=headers, cause=exc)
    logger.error("unhandled error", exc_info=exc)
    return Problem(
        500, "internal_error", "The sandbox failed on this request; this is a koppelbox bug.", cause=exc
    )


def _default_message(status: int) -> str:
    return {
        404: "There is nothing at this path.",
        405: "This path does not support this method.",
    }.get(status, "The request failed.")


# Longest prefix wins. APIs add their own format here next to their handlers.
_FORMATS: dict[str, ErrorFormat] = {"/sandbox/oauth2/token": oauth_format}


def register_format(prefix: str, error_format: ErrorFormat) -> None:
    _FORMATS[prefix] = error_format


def format_for(path: str) -> ErrorFormat:
    best = longest_prefix(path, _FORMATS)
    return _FORMATS[best] if best else standard_format


def render(path: str, problem: Problem) -> tuple[int, bytes, dict[str, str]]:
    return rendered(format_for(path), problem)


def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    status, body, headers = render(request.url.path, to_problem(exc))
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=body,
        headers=headers,
    )
