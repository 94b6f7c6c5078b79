"""Every failure, whatever raised it, answered in the error format of the API the request was for.

Exceptions are first reduced to one `Problem` (`problems.py`: status, code, message, fields, headers);
then the API's `ErrorFormat`, found by the longest matching path prefix, renders it. A request outside
every API gets the control plane's format. Nothing here ever produces a framework default page.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from connexion.exceptions import OAuthScopeProblem
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from koppelbox.contracts import longest_prefix, spec_for
from koppelbox.rules.errors import DomainError
from koppelbox.rules.oauth import OAuthError
from koppelbox.server.problems import FieldValidationProblem, Problem

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


# A format answers with the problem as it is to be sent and its body. It never changes the problem it is
# given: one that answers with another status or more headers returns a new problem.
ErrorFormat = Callable[[Problem], tuple[Problem, dict[str, Any]]]


def standard_format(problem: Problem) -> tuple[Problem, dict[str, Any]]:
    """`{status, code, message, errors[]}`: Wimpel, the control plane, and the default."""
    return problem, {
        "status": problem.status,
        "code": problem.code,
        "message": problem.message,
        "errors": [{"field": e.field, "message": e.message} for e in problem.errors],
    }


def oauth_format(problem: Problem) -> tuple[Problem, dict[str, Any]]:
    """RFC 6749 §5.2 for the token endpoint: `{error, error_description}`."""
    if isinstance(problem.cause, OAuthError):
        error = problem.cause.error
    elif any(e.field == "grant_type" and e.message.startswith("must be one of") for e in problem.errors):
        # The contract enumerates grant_type, so a wrong one fails validation; RFC 6749 names it specifically.
        error = "unsupported_grant_type"
    else:
        error = "invalid_client" if problem.status == 401 else "invalid_request"
    detail = problem.message
    if problem.errors:
        detail += " " + "; ".join(f"{e.field}: {e.message}" for e in problem.errors)
    answered = replace(problem, headers={**problem.headers, "Cache-Control": "no-store"})
    return answered, {"error": error, "error_description": detail}


# Longest prefix wins. APIs add their own format here next to their handlers.
_FORMATS: dict[str, ErrorFormat] = {"/sandbox/oauth2/token": oauth_format}


def register_format(prefix: str, error_format: ErrorFormat) -> None:
    _FORMATS[prefix] = error_format


def format_for(path: str) -> ErrorFormat:
    best = longest_prefix(path, _FORMATS)
    return _FORMATS[best] if best else standard_format


def render(path: str, problem: Problem) -> tuple[int, bytes, dict[str, str]]:
    # A format may answer with another status as well as its body: Edu-V, for one, answers a missing
    # scope with 401.
    answered, body = format_for(path)(problem)
    return answered.status, json.dumps(body, ensure_ascii=False).encode("utf-8"), dict(answered.headers)


def render_for_api(api: str, problem: Problem) -> tuple[int, bytes, dict[str, str]]:
    """`problem` answered as the API named `api` answers errors, its own format included (Edu-V's), for a
    front end that answers in an API's name without serving it (`koppelbox proxy`)."""
    spec = spec_for(api)
    if spec.prefix not in _FORMATS:
        module = importlib.import_module(f"koppelbox.server.handlers.{spec.name}")
        if hasattr(module, "ERROR_FORMAT"):  # as create_app registers it
            register_format(spec.prefix, module.ERROR_FORMAT)
    return render(spec.prefix + "/", problem)


def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    status, body, headers = render(request.url.path, to_problem(exc))
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=body,
        headers=headers,
    )
