"""Domain checks for provider conformance, registered as schemathesis checks.

Schemathesis already checks the contract's shapes; these check what a schema cannot say:
- `kbx_error_body`: an error answer names itself in the API's own format (Wimpel and Aanmeld repeat the
  HTTP status in `status`; Edu-V uses its functional codes: 11 schema, 21 scope, 22 consent, 23 unknown
  organisation, 99 other);
- `kbx_dutch_identifiers`: BRIN, BRIN6, postcode, PGN/BSN and ECK iD values in answers are valid;
- `kbx_filter_semantics`: filters do what they say (Wimpel `active`, `limit`, `X-Total-Count`; Edu-V
  `filterByOrgId=true` with a location id);
- `kbx_scope_trimming`: Edu-V leaves out attributes the token's scopes do not cover.

Registration is global in schemathesis, so every check does nothing unless a provider run set `ACTIVE`
(the sandbox's own self-fuzz, in the same process, is left alone).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import schemathesis

from koppelbox.rules import dutch


@dataclass(frozen=True)
class RunContext:
    api: str  # "wimpel", "eduv", ...
    scopes: frozenset[str] | None  # the token's scopes, when known


class _Active:
    """The run in progress. A plain holder, not a ContextVar: schemathesis calls checks from its own
    worker threads, which do not inherit the caller's context."""

    def __init__(self) -> None:
        self.run: RunContext | None = None

    def get(self) -> RunContext | None:
        return self.run

    def set(self, run: RunContext | None) -> None:
        self.run = run


ACTIVE = _Active()
# Check names, for the report and for enabling them in the schemathesis config.
NAMES = ("kbx_error_body", "kbx_dutch_identifiers", "kbx_filter_semantics", "kbx_scope_trimming")

EDUV_FUNCTIONAL_CODES = {400: {11, 99}, 401: {21, 99}, 403: {22, 99}, 404: {23, 99}}


def _json(response: Any) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def error_body_problem(api: str, status: int, body: Any, path: str = "") -> str | None:
    """What is wrong with an error answer's body in `api`'s own format, or None."""
    if not isinstance(body, dict):
        return f"The {status} answer has no JSON error body."
    if path.endswith("/oauth2/token"):  # RFC 6749 §5.2 has its own error body
        ok = isinstance(body.get("error"), str) and body["error"]
        return None if ok else f"The token endpoint's {status} answer has no RFC 6749 `error`."
    if api == "eduv":
        allowed = EDUV_FUNCTIONAL_CODES.get(status, {99})
        if body.get("status") not in allowed:
            return (
                f"Edu-V answers {status} with functional code {sorted(allowed)} in `status`, "
                f"not {body.get('status')!r}."
            )
        if not isinstance(body.get("statusMessage"), str) or not body["statusMessage"]:
            return f"The {status} answer has no `statusMessage`."
        return None
    if body.get("status") != status:
        return f"The error body's `status` is {body.get('status')!r}, the HTTP status {status}."
    if not body.get("code") or not isinstance(body.get("message"), str):
        return f"The {status} answer lacks a `code` or `message`."
    return None


@schemathesis.check
def kbx_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    run = ACTIVE.get()
    if run is None or response.status_code < 400:
        return None
    problem = error_body_problem(run.api, response.status_code, _json(response), case.path)
    if problem:
        raise AssertionError(problem)
    return None


def _identifier_problems(node: Any, path: str = "") -> Iterator[str]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _identifier_problems(item, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    rules: dict[str, Callable[[str], str | None]] = {
        "brin": dutch.brin_or_brin6_problem,
        "postcode": dutch.postcode_problem,
        "pgn": dutch.pgn_problem,
        "bsn": dutch.bsn_problem,
    }
    for key, value in node.items():
        where = f"{path}.{key}" if path else key
        rule = rules.get(key.lower())
        if rule is not None and isinstance(value, str) and (problem := rule(value)):
            yield f"`{where}` {problem}"
        yield from _identifier_problems(value, where)
    kind = node.get("userIdType") or node.get("organisationIdType")
    value = node.get("userId") or node.get("organisationId")
    typed = {"eckId": dutch.eck_id_problem, "OIE_CODE": dutch.brin_problem, "V_ID": dutch.brin6_problem}
    if isinstance(kind, str) and isinstance(value, str) and kind in typed and (problem := typed[kind](value)):
        yield f"`{path}` {kind} {value!r} {problem}"


@schemathesis.check
def kbx_dutch_identifiers(ctx: Any, response: Any, case: Any) -> bool | None:
    if ACTIVE.get() is None or response.status_code >= 400 or case.path.startswith("/journal"):
        return None  # (the control plane's journal echoes whatever clients sent, valid or not)
    problems = list(_identifier_problems(_json(response)))
    if problems:
        raise AssertionError("Invalid Dutch identifiers: " + "; ".join(problems[:5]))
    return None


def _query(case: Any) -> dict[str, Any]:
    return {str(k): v for k, v in (case.query or {}).items()}


def _truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return None


@schemathesis.check
def kbx_filter_semantics(ctx: Any, response: Any, case: Any) -> bool | None:
    run = ACTIVE.get()
    if run is None or response.status_code != 200 or case.method.upper() != "GET":
        return None
    body, query = _json(response), _query(case)
    if not isinstance(body, list):
        return None
    if run.api == "wimpel" and case.path == "/v1/organisations":
        active = _truthy(query.get("active"))
        wrong = [
            o.get("id")
            for o in body
            if isinstance(o, dict) and active is not None and (o.get("status") == "active") != active
        ]
        if wrong:
            raise AssertionError(
                f"`active={str(active).lower()}` returned organisations {wrong[:5]} with the other status."
            )
        limit = query.get("limit")
        if isinstance(limit, int) and len(body) > limit:
            raise AssertionError(f"`limit={limit}` returned {len(body)} organisations.")
        total = response.headers.get("X-Total-Count") or response.headers.get("x-total-count")
        total_value = total[0] if isinstance(total, list) else total
        if total_value is not None and str(total_value).isdigit() and int(total_value) < len(body):
            raise AssertionError(
                f"`X-Total-Count: {total_value}` is less than the {len(body)} organisations returned."
            )
    if run.api == "eduv" and _truthy(query.get("filterByOrgId")) and query.get("orgIdType") == "V_ID":
        location = query.get("orgId")
        for employee in body:
            roles = employee.get("organisationRoles") if isinstance(employee, dict) else None
            if not roles:
                continue  # without the roles scope the filter cannot be seen
            ids = {
                o.get("organisationId")
                for role in roles
                for o in (role.get("organisation") or {}).get("organisationIds") or []
            }
            if location not in ids:
                raise AssertionError(
                    f"`filterByOrgId=true` for location {location} returned an employee with no role there."
                )
    return None


COMMUNICATION = ("email", "phone", "mobile")


@schemathesis.check
def kbx_scope_trimming(ctx: Any, response: Any, case: Any) -> bool | None:
    run = ACTIVE.get()
    if run is None or run.api != "eduv" or run.scopes is None or response.status_code != 200:
        return None
    body = _json(response)
    if not isinstance(body, list):
        return None
    hidden: list[str] = []
    if "eduv.employee.communication" not in run.scopes:
        hidden += COMMUNICATION
    if "eduv.employee.roles" not in run.scopes:
        hidden.append("organisationRoles")
    for employee in body:
        leaked = [name for name in hidden if isinstance(employee, dict) and name in employee]
        if leaked:
            raise AssertionError(
                f"The token's scopes ({' '.join(sorted(run.scopes))}) do not cover {leaked}, "
                "but the answer includes them."
            )
    return None
