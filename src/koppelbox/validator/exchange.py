"""One HTTP exchange judged against its API's contract: which operation it was (from method and path), what
is wrong with the request (the contract and the Dutch rules, as `koppelbox validate` finds them), and
where the response breaks the contract (upstream drift: the server's fault, never the client's).

Used by `koppelbox proxy` on live traffic and by `koppelbox validate --har` on recorded traffic, so both
say the same about the same exchange. Pure: no web framework, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, unquote

from koppelbox.validator import payload
from koppelbox.validator.contracts import OPERATION_METHODS, Contract, Target
from koppelbox.validator.findings import Finding, Severity, finding, rule, schema_rule
from koppelbox.validator.locate import located
from koppelbox.validator.schema import check
from koppelbox.validator.semantic import Context

ROUTE = rule("KBX-HTTP-ROUTE", "A request's method and path match no operation of the contract.", "http")
MEDIA_TYPE = rule(
    "KBX-HTTP-MEDIA-TYPE", "A body's Content-Type is not one the contract declares for it.", "http"
)
BODY_MISSING = rule(
    "KBX-HTTP-BODY-MISSING", "A request or response has no body where the contract requires one.", "http"
)
STATUS = rule("KBX-HTTP-STATUS", "A response status the operation does not document.", "http")
NOT_CHECKED = rule(
    "KBX-HTTP-NOT-CHECKED",
    "A body that was passed on but not checked (larger than the limit, or in an unknown encoding).",
    "http",
    Severity.WARNING,
)

_PARAMETER = re.compile(r"\\\{([^/]+?)\\\}")


def media_of(content_type: str | None) -> str:
    """`application/json; charset=utf-8` → `application/json`."""
    return (content_type or "").split(";")[0].strip().lower()


def is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


@dataclass(frozen=True)
class Operation:
    """One operation of a contract, as an exchange is judged against it."""

    api: str
    method: str  # upper case
    template: str  # `/v1/organisations/{id}`, below the API's prefix
    operation_id: str
    pattern: re.Pattern[str] = field(repr=False)  # the template, anchored at the end, one group per parameter
    body_required: bool = False
    bodies: Mapping[str, Target] = field(default_factory=dict, repr=False)  # media type → request schema
    body_types: tuple[str, ...] = ()  # every declared request media type (multipart ones have no Target)
    query: Target | None = field(default=None, repr=False)
    path: Target | None = field(default=None, repr=False)
    responses: Mapping[str, Mapping[str, Target | None]] = field(default_factory=dict, repr=False)

    def response(self, status: int) -> Mapping[str, Target | None] | None:
        """The documented content of a response with this status (`200`, then `2XX`, then `default`)."""
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in self.responses:
                return self.responses[key]
        return None


@dataclass(frozen=True)
class Match:
    operation: Operation | None
    parameters: dict[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()  # the methods the path documents, when the method is not one of them


class Routes:
    """An API's operations, found from a request's method and path."""

    def __init__(self, contract: Contract) -> None:
        self.api = contract.name
        self.operations: list[Operation] = []
        for template, item in (contract.raw.get("paths") or {}).items():
            resolved = contract.resolve(item)
            for method in OPERATION_METHODS:
                operation = resolved.get(method)
                if isinstance(operation, Mapping) and "operationId" in operation:
                    self.operations.append(_operation(contract.name, template, method, resolved, operation))
        # Longer templates first: `/v1/organisations/{id}` is tried before a shorter one could claim a tail.
        self.operations.sort(key=lambda o: -len(o.template))

    def match(self, method: str, path: str, *, anywhere: bool = False) -> Match:
        """The operation for `method` and `path` (below the API's prefix). With `anywhere`, the path may
        have any base before the template (recorded traffic from a production host: `/api/aanmeld/v1/...`);
        the match with the shortest base wins."""
        best: tuple[int, Operation, dict[str, str]] | None = None
        allowed: list[str] = []
        for operation in self.operations:
            found = operation.pattern.search(path)
            if found is None or (not anywhere and found.start() != 0):
                continue
            if operation.method != method.upper():
                if found.start() == 0 or anywhere:
                    allowed.append(operation.method)
                continue
            if best is None or found.start() < best[0]:
                best = (found.start(), operation, found.groupdict())
        if best is not None:
            return Match(best[1], best[2])
        return Match(None, allowed=tuple(sorted(set(allowed))))


def _operation(
    api: str, template: str, method: str, item: Mapping[str, Any], operation: Mapping[str, Any]
) -> Operation:
    operation_id = str(operation["operationId"])
    regex = _PARAMETER.sub(lambda m: f"(?P<{_group(m.group(1))}>[^/]+)", re.escape(template))
    parameters = {
        (p.get("in"), p.get("name")): p
        for p in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]
        if isinstance(p, Mapping)
    }
    request_body = operation.get("requestBody") or {}
    bodies = {
        media_of(media): Target(api, "request", content["schema"], operation=operation_id)
        for media, content in (request_body.get("content") or {}).items()
        if isinstance(content, Mapping)
        and isinstance(content.get("schema"), Mapping)
        and (is_json(media_of(media)) or media_of(media) == "application/x-www-form-urlencoded")
    }
    responses: dict[str, dict[str, Target | None]] = {}
    for status, response in (operation.get("responses") or {}).items():
        content = (response or {}).get("content") or {}
        responses[str(status).upper()] = {
            media_of(media): Target(
                api, "response", body["schema"], operation=operation_id, status=str(status)
            )
            if is_json(media_of(media))
            and isinstance(body, Mapping)
            and isinstance(body.get("schema"), Mapping)
            else None
            for media, body in content.items()
        }
    return Operation(
        api=api,
        method=method.upper(),
        template=template,
        operation_id=operation_id,
        pattern=re.compile(f"{regex}/?$"),
        body_required=bool(request_body.get("required")),
        bodies=bodies,
        body_types=tuple(media_of(m) for m in (request_body.get("content") or {})),
        query=_parameters_target(api, operation_id, parameters, "query"),
        path=_parameters_target(api, operation_id, parameters, "path"),
        responses=responses,
    )


def _group(name: str) -> str:
    # A regex group name must be an identifier; contract parameter names are (`aanmeldingId`, `id`).
    return re.sub(r"\W", "_", name)


def _parameters_target(
    api: str, operation_id: str, parameters: Mapping[tuple[Any, Any], Mapping[str, Any]], where: str
) -> Target | None:
    chosen = {name: p for (kind, name), p in parameters.items() if kind == where}
    if not chosen:
        return None
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: p.get("schema", {}) for name, p in chosen.items()},
    }
    required = sorted(name for name, p in chosen.items() if p.get("required"))
    if required:
        schema["required"] = required
    return Target(api, "query", schema, operation=operation_id)


# --- the request ---------------------------------------------------------------------------------------


def typed_query(query: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The query string as the object the contract's query schema describes: each value converted to its
    parameter's type where it converts (a value that does not is kept as text, and the schema says why)."""
    return typed_values(parse_qsl(query, keep_blank_values=True), schema)


def typed_values(pairs: Sequence[tuple[str, str]], schema: Mapping[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    typed: dict[str, Any] = {}
    for name, sent in values.items():
        parameter = properties.get(name) or {}
        if parameter.get("type") == "array":
            typed[name] = [_typed(v, parameter.get("items") or {}) for v in sent]
        else:
            typed[name] = _typed(sent[-1], parameter) if len(sent) == 1 else sent
    return typed


def _typed(value: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    if kind == "integer" and value.lstrip("-").isdigit() and len(value) <= 30:
        return int(value)
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return value
    return value


def request_findings(
    operation: Operation,
    parameters: Mapping[str, str],
    query: str,
    content_type: str | None,
    body: bytes | None,
    *,
    name: str,
    context: Context | None = None,
) -> list[Finding]:
    """Everything wrong with a request to `operation`: path parameters, query string, body media type and
    body (schema, Dutch identifiers, the API's own rules). `body` None means it was not kept (too large):
    a warning says so."""
    context = context or Context()
    found: list[Finding] = []
    if operation.path is not None and parameters:
        sent = [(key, unquote(value)) for key, value in parameters.items()]
        values = typed_values(sent, operation.path.schema)
        found += _prefixed(payload.validate(operation.path, values, name, context), "path")
    if operation.query is not None:
        values = typed_query(query, operation.query.schema)
        found += _prefixed(payload.validate(operation.query, values, name, context), "query")
    elif query:
        found.append(
            finding(name, "", "query", ROUTE, "is not expected: the operation has no query parameters")
        )
    media = media_of(content_type)
    if body is None:
        found.append(finding(name, "", "body", NOT_CHECKED, "was passed on without being checked"))
    elif not body:
        if operation.body_required:
            found.append(finding(name, "", "body", BODY_MISSING, "is required by this operation"))
    elif not operation.body_types:
        found.append(finding(name, "", "body", MEDIA_TYPE, "is not expected: the operation takes no body"))
    elif media not in operation.body_types:
        declared = ", ".join(operation.body_types)
        found.append(
            finding(
                name,
                "",
                "Content-Type",
                MEDIA_TYPE,
                f"is {media or 'missing'}; the contract declares {declared}",
            )
        )
    elif media in operation.bodies:
        target = operation.bodies[media]
        if is_json(media):
            found += _json_findings(target, body, name, context)
        else:  # a form post: the same schema, its values typed as the contract describes them
            try:
                pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            except (UnicodeDecodeError, ValueError):
                pairs = []
            found += payload.validate(target, typed_values(pairs, target.schema), name, context)
    return found


def _json_findings(target: Target, raw: bytes, name: str, context: Context) -> list[Finding]:
    parsed = payload.parse(raw, name)
    if not parsed.ok:
        return parsed.findings
    return [*parsed.findings, *located(payload.validate(target, parsed.value, name, context), parsed.text)]


def _prefixed(findings: list[Finding], part: str) -> list[Finding]:
    return [replace(f, field=f"{part}.{f.field}" if f.field != "body" else part) for f in findings]


def route_finding(method: str, path: str, match: Match, name: str) -> Finding:
    if match.allowed:
        allowed = ", ".join(match.allowed)
        return finding(
            name, "", "method", ROUTE, f"{method} is not an operation of {path} (it allows {allowed})"
        )
    return finding(name, "", "path", ROUTE, f"{path or '/'} is no path of the contract")


# --- the response --------------------------------------------------------------------------------------


def response_findings(
    operation: Operation,
    status: int,
    content_type: str | None,
    body: bytes | None,
    *,
    name: str,
    head: bool = False,
) -> list[Finding]:
    """Where a response breaks the contract (schema only: the data in it is the server's business). `body`
    None means it was not kept for checking (larger than the limit)."""
    documented = operation.response(status)
    if documented is None:
        listed = ", ".join(sorted(operation.responses))
        return [
            finding(
                name,
                "",
                "status",
                STATUS,
                f"{status} is not documented for {operation.operation_id} ({listed})",
            )
        ]
    if body is None:
        return [finding(name, "", "body", NOT_CHECKED, "was passed on without being checked")]
    if not documented or head:
        return []
    media = media_of(content_type)
    if not body:
        if any(is_json(m) for m in documented):
            return [
                finding(name, "", "body", BODY_MISSING, f"is empty; the contract documents a {status} body")
            ]
        return []
    if media not in documented:
        declared = ", ".join(documented)
        return [
            finding(
                name,
                "",
                "Content-Type",
                MEDIA_TYPE,
                f"is {media or 'missing'}; the contract declares {declared}",
            )
        ]
    target = documented[media]
    if target is None:
        return []
    parsed = payload.parse(body, name)
    if not parsed.ok:
        return parsed.findings
    found = [
        finding(name, f.pointer, f.field, schema_rule(f.keyword), f.message)
        for f in check(target.schema, parsed.value)
    ]
    return [*parsed.findings, *located(found, parsed.text)]


def as_journal(findings: Sequence[Finding]) -> list[dict[str, str]]:
    """Findings as the journal keeps them: `{field, message}`, the message naming the rule and where."""
    kept = []
    for f in findings:
        where = f", line {f.line} column {f.column}" if f.line is not None and f.column is not None else ""
        kept.append({"field": f.field, "message": f"{f.message} [{f.rule}{where}]"})
    return kept
