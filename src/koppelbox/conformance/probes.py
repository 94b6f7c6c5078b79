"""Authentication probes: every secured operation, asked without a token and with a made-up one.

Schemathesis' `ignored_auth` check fails a server that ignores credentials, but its probe requests do
not appear in the run's interactions, so the report could not show that 401 was exercised. These probes
make the documented 401 of every operation a judged line of the report: the answer must be 401, in the
API's error format, and match the contract's 401 schema.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from koppelbox.conformance.checks import error_body_problem
from koppelbox.validator import contracts
from koppelbox.validator.schema import check

_METHODS = ("get", "put", "post", "delete", "patch")
INVALID_TOKEN = "kbx-conformance-probe-not-a-token"


@dataclass(frozen=True)
class ProbeResult:
    label: str  # "GET /v1/organisations"
    status: int
    problem: str | None
    exchange: dict[str, Any]


def _sample(parameter: Mapping[str, Any]) -> str:
    """A value the path accepts, so that only the credentials can be wrong with the request."""
    schema = parameter.get("schema") or {}
    value = parameter.get("example", schema.get("example"))
    if value is None and schema.get("enum"):
        value = schema["enum"][0]
    if value is None and schema.get("type") == "integer":
        value = schema.get("minimum", 1)
    if value is None and schema.get("format") == "uuid":
        value = "00000000-0000-4000-8000-000000000000"
    return str(value if value is not None else "kbx-probe")


def _made_up(parameter: Mapping[str, Any]) -> str:
    """A value no server holds, for probing an operation that would change what it names."""
    schema = parameter.get("schema") or {}
    if schema.get("type") == "integer":
        return str(schema.get("maximum", 2_000_000_011))
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-00000000b0e0"
    return "kbx-conformance-probe"


def _operations(
    contract: contracts.Contract, allow_writes: bool, values: Mapping[str, str], spare_existing: bool = False
) -> Iterator[tuple[str, str, Mapping[str, Any], Any]]:
    secured_by_default = bool(contract.raw.get("security"))
    for template, raw_item in contract.raw.get("paths", {}).items():
        item = contract.resolve(raw_item)
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            if method != "get" and not allow_writes:
                continue  # a server that ignored the missing token would really change its data
            security = operation.get("security")
            if not (security if security is not None else secured_by_default):
                continue
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            path = template
            for parameter in parameters:
                if parameter.get("in") == "path" and method != "get" and spare_existing:
                    # Without a token nothing may change; but a server that ignored the missing token
                    # would change what the path names, so it names nothing that exists.
                    path = path.replace("{" + parameter["name"] + "}", _made_up(parameter))
                elif parameter.get("in") == "path":
                    value = values.get(parameter["name"]) or _sample(parameter)
                    path = path.replace("{" + parameter["name"] + "}", value)
            schema = (
                operation.get("responses", {}).get("401", {}).get("content", {}).get("application/json", {})
            ).get("schema")
            yield f"{method.upper()} {template}", method.upper(), {"path": path}, schema


def probe_authentication(
    api: str,
    base_url: str,
    timeout: float = 10.0,
    allow_writes: bool = True,
    values: Mapping[str, str] | None = None,
    spare_existing: bool = False,
) -> list[ProbeResult]:
    """`values`: path parameter values that exist on the server (`--id`), else the contract's examples.
    Without `allow_writes` only reading operations are probed; with `spare_existing` (a server that is
    not a local sandbox) writing operations are probed on made-up ids only."""
    contract = next(c for c in contracts.load() if c.matches(api))
    results = []
    for label, method, where, schema in _operations(contract, allow_writes, values or {}, spare_existing):
        for headers in ({}, {"Authorization": f"Bearer {INVALID_TOKEN}"}):
            results.append(
                _probe(api, label, method, base_url.rstrip("/") + where["path"], headers, schema, timeout)
            )
    return results


def _probe(
    api: str, label: str, method: str, url: str, headers: dict[str, str], schema: Any, timeout: float
) -> ProbeResult:
    request = urllib.request.Request(url, method=method, headers={"Accept": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, answer_headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, raw, answer_headers = exc.code, exc.read(), dict(exc.headers)
    except OSError as exc:
        exchange = {"request": {"method": method, "uri": url, "headers": headers}, "error": str(exc)}
        return ProbeResult(label, 0, f"The server could not be reached: {exc}", exchange)
    text = raw.decode("utf-8", "replace")
    exchange = {
        "request": {"method": method, "uri": url, "headers": headers},
        "response": {"status": status, "headers": answer_headers, "body": text[:4000]},
    }
    credentials = "an invalid token" if headers else "no token"
    if status != 401:
        return ProbeResult(label, status, f"With {credentials} the answer was {status}, not 401.", exchange)
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    problem = error_body_problem(api, 401, body, url)
    if problem is None and isinstance(schema, Mapping):
        findings = check(schema, body)
        if findings:
            problem = f"The 401 body breaks the contract: `{findings[0].field}` {findings[0].message}."
    return ProbeResult(label, status, problem, exchange)
