"""HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) in and out: traffic recorded elsewhere (a
browser's developer tools, mitmproxy, Postman, Insomnia) judged as the proxy judges live traffic, turned
into the journal entries `certify` reads; and the journal written back as a HAR that developer tools open.

Each exchange's API and operation come from its method and path: the contract's path templates are matched
against the end of the recorded path, so a production base (`https://api.school.nl/aanmeld-prod/v1/...`)
works as well as the sandbox's (`/aanmeld/v1/...`). An exchange no contract describes (a page, a script,
a favicon) is left out and counted.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from koppelbox.contracts import api_names
from koppelbox.journal import JournalEntry
from koppelbox.journal.masking import DEFAULT_BODY_LIMIT, capture_body, is_size_note, mask_headers
from koppelbox.proxy.recording import credentials_of, make_entry
from koppelbox.validator import contracts
from koppelbox.validator.exchange import Operation, Routes, as_journal, request_findings, response_findings
from koppelbox.validator.findings import Finding
from koppelbox.validator.results import FileResult

HTTP_VERSION = "HTTP/1.1"


class HarError(ValueError):
    """The file is not a HAR 1.2 log koppelbox can read."""


@dataclass(frozen=True)
class Exchange:
    index: int  # position in the file, from 1
    started: float  # seconds since the epoch
    elapsed_ms: float
    method: str
    url: str
    path: str
    query: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes | None  # None: the recorder did not keep it

    def header(self, name: str, response: bool = False) -> str | None:
        for key, value in self.response_headers if response else self.request_headers:
            if key.lower() == name:
                return value
        return None


@dataclass(frozen=True)
class Judged:
    exchange: Exchange
    api: str
    operation: Operation
    parameters: dict[str, str]
    findings: list[Finding] = field(default_factory=list)
    drift: list[Finding] = field(default_factory=list)


def read(path: Path) -> list[Exchange]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise HarError(f"{path} is not a JSON HAR file: {exc}") from exc
    entries = document.get("log", {}).get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise HarError(f"{path} is not a HAR file: it has no log.entries")
    exchanges = []
    for index, entry in enumerate(entries, start=1):
        try:
            exchanges.append(_exchange(index, entry))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise HarError(f"{path}: entry {index} is not a HAR 1.2 entry ({exc})") from exc
    return exchanges


def _exchange(index: int, entry: dict[str, Any]) -> Exchange:
    request, response = entry["request"], entry["response"]
    url = str(request["url"])
    parts = urlsplit(url)
    post = request.get("postData") or {}
    content = response.get("content") or {}
    started = entry.get("startedDateTime")
    return Exchange(
        index=index,
        started=datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp() if started else 0.0,
        elapsed_ms=float(entry.get("time") or 0.0),
        method=str(request["method"]).upper(),
        url=url,
        path=parts.path or "/",
        query=parts.query,
        request_headers=_headers(request.get("headers")),
        request_body=_text(post.get("text"), post.get("encoding") or post.get("_encoding")) or b"",
        status=int(response["status"]),
        response_headers=_headers(response.get("headers")),
        response_body=_text(content.get("text"), content.get("encoding")),
    )


def _headers(listed: Any) -> list[tuple[str, str]]:
    # HTTP/2 recordings (Chromium) carry pseudo-headers (`:authority`, `:path`): not headers of the message.
    return [
        (str(h["name"]), str(h["value"]))
        for h in listed or []
        if isinstance(h, dict) and not str(h.get("name", "")).startswith(":")
    ]


def _text(text: Any, encoding: Any) -> bytes | None:
    if not isinstance(text, str):
        return None
    if encoding == "base64":
        try:
            return base64.b64decode(text)
        except (ValueError, binascii.Error):
            return None
    return text.encode("utf-8")


# --- judging -----------------------------------------------------------------------------------------------


def judge(exchanges: Iterable[Exchange], api: str | None = None) -> tuple[list[Judged], list[Exchange]]:
    """Each exchange an API's contract describes, judged; and those none does (left out)."""
    routes = [
        Routes(c) for c in contracts.load() if c.name in api_names() and (api is None or c.matches(api))
    ]
    judged: list[Judged] = []
    other: list[Exchange] = []
    for exchange in exchanges:
        found = _operation(routes, exchange)
        if found is None:
            other.append(exchange)
            continue
        name, operation, parameters = found
        label = f"#{exchange.index} {exchange.method} {exchange.path}"
        findings = request_findings(
            operation,
            parameters,
            exchange.query,
            exchange.header("content-type"),
            exchange.request_body,
            name=label,
        )
        drift = response_findings(
            operation,
            exchange.status,
            exchange.header("content-type", response=True),
            exchange.response_body,
            name=label,
            head=exchange.method == "HEAD",
        )
        judged.append(Judged(exchange, name, operation, parameters, findings, drift))
    return judged, other


def _operation(routes: Sequence[Routes], exchange: Exchange) -> tuple[str, Operation, dict[str, str]] | None:
    """The API and operation of an exchange. The API whose prefix is in the path wins (`/wimpel/v1/...`);
    otherwise the first contract with a template the path ends in."""
    best: tuple[int, str, Operation, dict[str, str]] | None = None
    for table in routes:
        match = table.match(exchange.method, exchange.path, anywhere=True)
        if match.operation is None:
            continue
        rank = 0 if f"/{table.api}/" in exchange.path else 1
        if best is None or rank < best[0]:
            best = (rank, table.api, match.operation, match.parameters)
    return (best[1], best[2], best[3]) if best else None


def results(judged: Sequence[Judged], file: str) -> list[FileResult]:
    """What `koppelbox validate --har` reports: per exchange, the request (the client's faults) and the
    response (upstream drift), as two results."""
    out = []
    for item in judged:
        where = f"{file}#{item.exchange.index} {item.exchange.method} {item.exchange.path}"
        operation = item.operation.operation_id
        out.append(
            FileResult(
                f"{where} request", f"{item.api} {operation} request", "", _named(item.findings, where)
            )
        )
        out.append(
            FileResult(
                f"{where} response {item.exchange.status}",
                f"{item.api} {operation} {item.exchange.status} response (checked for upstream drift)",
                "",
                _named(item.drift, where),
            )
        )
    return out


def _named(findings: list[Finding], file: str) -> list[Finding]:
    from dataclasses import replace

    return [replace(f, file=file) for f in findings]


def entries(
    judged: Sequence[Judged], client: str | None = None, body_limit: int = DEFAULT_BODY_LIMIT
) -> list[JournalEntry]:
    """The judged exchanges as journal entries, numbered from 1 in the file's order, secrets masked as the
    sandbox masks them. `client` names whose traffic it is when the credentials do not say."""
    made = []
    for seq, item in enumerate(sorted(judged, key=lambda j: j.exchange.index), start=1):
        exchange = item.exchange
        who, token = credentials_of(exchange.header("authorization"), client)
        response_type = exchange.header("content-type", response=True)
        made.append(
            make_entry(
                seq,
                started=exchange.started,
                elapsed_ms=exchange.elapsed_ms,
                client=who,
                token=token,
                api=item.api,
                operation=item.operation.operation_id,
                method=exchange.method,
                path=exchange.path,
                query=exchange.query,
                request_headers=exchange.request_headers,
                request_body=capture_body(exchange.request_body, exchange.header("content-type"), body_limit),
                status=exchange.status,
                response_headers=exchange.response_headers,
                response_body=capture_body(exchange.response_body or b"", response_type, body_limit),
                findings=as_journal(item.findings),
                drift=as_journal(item.drift),
            )
        )
    return made


# --- writing -----------------------------------------------------------------------------------------------


def from_journal(entries: Iterable[dict[str, Any]], base_url: str, version: str) -> dict[str, Any]:
    """A HAR 1.2 log of journal entries (as `GET /sandbox/journal` gives them): what was kept, secrets
    already masked. A body the journal kept only as a size note is left out, with a comment saying so."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "koppelbox", "version": version},
            "entries": [_har_entry(e, base_url.rstrip("/")) for e in entries],
        }
    }


def _har_entry(entry: dict[str, Any], base_url: str) -> dict[str, Any]:
    query = entry.get("query") or ""
    url = f"{base_url}{entry.get('path', '')}" + (f"?{query}" if query else "")
    request_headers = mask_headers((entry.get("request_headers") or {}).items())
    response_headers = mask_headers((entry.get("response_headers") or {}).items())
    request: dict[str, Any] = {
        "method": entry.get("method") or "GET",
        "url": url,
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": [{"name": k, "value": v} for k, v in request_headers.items()],
        "queryString": [{"name": k, "value": v} for k, v in _pairs(query)],
        "headersSize": -1,
        "bodySize": -1,
    }
    body, note = _body_text(entry.get("request_body"))
    if body is not None:
        request["postData"] = {"mimeType": request_headers.get("content-type", ""), "text": body}
        request["bodySize"] = len(body.encode("utf-8"))
    response_text, response_note = _body_text(entry.get("response_body"))
    content: dict[str, Any] = {
        "size": len(response_text.encode("utf-8")) if response_text is not None else 0,
        "mimeType": response_headers.get("content-type", ""),
    }
    if response_text is not None:
        content["text"] = response_text
    status = int(entry.get("status") or 0)
    comments = [
        c
        for c in (note and f"request body: {note}", response_note and f"response body: {response_note}")
        if c
    ]
    findings = [f"{f.get('field')}: {f.get('message')}" for f in entry.get("findings") or []]
    drift = [f"{f.get('field')}: {f.get('message')}" for f in entry.get("drift") or []]
    if findings:
        comments.append("findings: " + "; ".join(findings))
    if drift:
        comments.append("upstream drift: " + "; ".join(drift))
    har: dict[str, Any] = {
        "startedDateTime": entry.get("time")
        or datetime.fromtimestamp(float(entry.get("at") or 0), UTC).isoformat(),
        "time": float(entry.get("elapsed_ms") or 0),
        "request": request,
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": HTTP_VERSION,
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in response_headers.items()],
            "content": content,
            "redirectURL": response_headers.get("location", ""),
            "headersSize": -1,
            "bodySize": content["size"] if response_text is not None else -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": float(entry.get("elapsed_ms") or 0), "receive": 0},
    }
    if comments:
        har["comment"] = " | ".join(comments)
    return har


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


def _body_text(body: Any) -> tuple[str | None, str | None]:
    """The recorded body as text for the HAR, or (None, why it is not there)."""
    if body is None:
        return None, None
    if is_size_note(body):
        kind = "binary" if body.get("binary") else "too large"
        return None, f"not kept by the journal ({kind}, {body.get('bytes')} bytes)"
    if isinstance(body, str):
        return body, None
    return json.dumps(body, ensure_ascii=False), None
