"""`Problem`, the one shape every failure is reduced to, and each API's error format: a problem answered
as (status, headers, body) the way that API answers errors.

A leaf that knows no web framework: `server/errors.py` (Connexion's exception handler) renders with it,
and so does `koppelbox proxy`, which answers in an API's name without serving it and so must not pay
for importing Connexion and Starlette at start (tests/test_proxy.py holds it to that).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from koppelbox.contracts import spec_for
from koppelbox.rules import eduv
from koppelbox.rules.errors import FieldError
from koppelbox.rules.oauth import OAuthError


@dataclass
class Problem:
    status: int
    code: str
    message: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    # The exception it came from, for formats that need more (OAuth error codes, scopes).
    cause: Exception | None = None


# A format answers with the problem as it is to be sent and its body. It never changes the problem it is
# given: one that answers with another status or more headers returns a new problem.
ErrorFormat = Callable[[Problem], tuple[Problem, dict[str, Any]]]


def standard_format(problem: Problem) -> tuple[Problem, dict[str, Any]]:
    """`{status, code, message, errors[]}`: Wimpel, the Aanmeld-API, the control plane, and the default."""
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


# --- the Edu-V error body ---------------------------------------------------------------------------
# Edu-V answers errors as `{status: <functional code>, statusMessage}` and names the full API version in
# an `API-Version` header on every response, errors included.

_LABELS = {
    11: "Schema incorrect",
    21: "scope required",
    22: "consent required",
    23: "edu_org_id unknown",
}


@functools.cache
def eduv_version() -> str:
    """The full Edu-V version, named in `API-Version`: the contract is its single source of truth too."""
    return spec_for("eduv").version


def functional_code(problem: Problem) -> int:
    """Edu-V's code for a problem, whoever raised it (rules, Connexion validation or security, Starlette)."""
    if problem.code in eduv.FUNCTIONAL_CODES:
        return eduv.FUNCTIONAL_CODES[problem.code]
    if problem.code == "insufficient_scope":  # Connexion: the token lacks eduv.employee.basic
        return 21
    if problem.status == 400:  # a parameter of the wrong type, an unknown parameter, ...
        return 11
    return 99


def eduv_format(problem: Problem) -> tuple[Problem, dict[str, Any]]:
    code = functional_code(problem)
    status, headers = problem.status, dict(problem.headers)
    if code == 21:
        # Edu-V puts "scope required" under 401, where Connexion would answer 403.
        status = 401
        headers["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{eduv.SCOPE_BASIC}"'
    headers["API-Version"] = eduv_version()
    message = problem.message
    label = _LABELS.get(code)
    if label and not message.lower().startswith(label.lower()):
        message = f"{label}: {message}"
    details = [f"`{e.field}` {e.message}" for e in problem.errors if f"`{e.field}`" not in message]
    if details:
        message += " " + "; ".join(details) + "."
    return replace(problem, status=status, headers=headers), {"status": code, "statusMessage": message}


# An API whose errors are not in the standard format, by its name (server/app.py registers each under
# its prefix through the handler module's ERROR_FORMAT, which is this table's entry).
API_FORMATS: dict[str, ErrorFormat] = {"eduv": eduv_format}


def rendered(error_format: ErrorFormat, problem: Problem) -> tuple[int, bytes, dict[str, str]]:
    # A format may answer with another status as well as its body: Edu-V, for one, answers a missing
    # scope with 401.
    answered, body = error_format(problem)
    return answered.status, json.dumps(body, ensure_ascii=False).encode("utf-8"), dict(answered.headers)


def render_for_api(api: str, problem: Problem) -> tuple[int, bytes, dict[str, str]]:
    """`problem` answered as the API named `api` answers errors, for a front end that answers in an API's
    name without serving it (`koppelbox proxy`)."""
    return rendered(API_FORMATS.get(spec_for(api).name, standard_format), problem)
