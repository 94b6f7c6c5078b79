"""The proxy as an ASGI app: one API at the sandbox's paths, forwarded to the real one (upstream.py).

What it does with each request (docs/proxy.md):

- it finds the operation from method and path and checks the request as `koppelbox validate` does
  (validator/exchange.py: the contract, the Dutch identifiers, the API's own rules);
- with `guard`, a request with findings is answered here, in the API's own error format (400, or 404/405
  for a path or method the contract does not have), and never sent upstream. A JSON body too large to
  check is refused too (413): the guard fails closed;
- otherwise the request goes upstream byte for byte: the same method, path below the prefix, query string,
  headers (credentials untouched) and body; only the hop-by-hop headers and `Host` are the proxy's own;
- the answer comes back as the upstream sent it (status, headers, body bytes, compressed or not) and is
  checked against the contract once it is through; where it breaks the contract, that is upstream drift,
  kept apart from the client's findings;
- an upstream that refuses, fails TLS or says nothing is answered with 502 or 504 in the API's format,
  the reason in the message.

Bodies: a JSON or form body is read once (up to `max_body_bytes`), checked, and sent from that same
buffer; a document upload (multipart, binary) streams through unread, and so does every response, which
is kept once (in one growing buffer) only when it is to be checked. The journal keeps what the sandbox's
keeps: bodies up to its limit, secrets masked.
"""

from __future__ import annotations

import hmac
import json
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.types import Message, Receive, Scope, Send

from koppelbox.contracts import spec_for
from koppelbox.journal import DEFAULT_CAPACITY, Journal, JournalFilter
from koppelbox.journal.masking import DEFAULT_BODY_LIMIT, capture_body
from koppelbox.proxy.recording import credentials_of, make_entry
from koppelbox.proxy.upstream import Upstream, UpstreamError, UpstreamTimeout, UpstreamUnreachable
from koppelbox.rules.errors import FieldError
from koppelbox.server.error_formats import Problem, render_for_api, standard_format
from koppelbox.validator import contracts
from koppelbox.validator.exchange import (
    NOT_CHECKED,
    ROUTE,
    Routes,
    as_journal,
    is_json,
    media_of,
    request_findings,
    response_findings,
    route_finding,
)
from koppelbox.validator.findings import Finding
from koppelbox.version import version

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024  # as the sandbox's cap: the largest body the proxy checks
DEFAULT_TIMEOUT = 30.0
# RFC 9110 §7.6.1: these belong to one connection, not to the message; every other header passes as sent.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
    }
)
CHECKED_MEDIA = ("application/x-www-form-urlencoded", "")  # besides JSON: read whole and checked
PROXY_HEADER = "Koppelbox-Proxy"  # on the proxy's own answers only: what it did instead of forwarding


@dataclass(frozen=True)
class ProxySettings:
    api: str  # aanmeld, eduv, wimpel
    upstream: str  # the real API's base URL, standing for the API's prefix (`/aanmeld`)
    guard: bool = False
    verify: bool | str = True  # False with --insecure, a CA bundle's path with --ca-bundle
    timeout: float = DEFAULT_TIMEOUT
    admin_token: str = "kbx-admin-local"
    client: str | None = None  # who the traffic belongs to, when tokens do not say
    journal_size: int = DEFAULT_CAPACITY
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    body_limit: int = DEFAULT_BODY_LIMIT  # what the journal keeps of a body


@dataclass(frozen=True)
class Outcome:
    """What the proxy did with one request, for the one line the command prints per exchange."""

    action: str  # forwarded, refused, unreachable, timeout
    method: str
    path: str
    status: int
    findings: int
    drift: int
    reason: str = ""


class ProxyApp:
    def __init__(self, settings: ProxySettings, on_exchange: Callable[[Outcome], None] | None = None) -> None:
        self.settings = settings
        self.spec = spec_for(settings.api)
        self.prefix = self.spec.prefix
        self.upstream = settings.upstream.rstrip("/")
        contract = next(c for c in contracts.load() if c.name == self.spec.name)
        self.routes = Routes(contract)
        self.journal = Journal(settings.journal_size)
        self.on_exchange = on_exchange
        # No header of its own but `Host`, no redirect followed (a redirect is the upstream's answer, passed
        # on as it is); connections opened inside the server's event loop, closed on shutdown (lifespan).
        self.client = Upstream(self.upstream, verify=settings.verify, timeout=settings.timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._serve_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path in ("/sandbox/health", "/health"):
            body = {
                "status": "ok",
                "version": version(),
                "apis": [self.prefix],
                "proxy": {
                    "api": self.spec.name,
                    "upstream": self.upstream,
                    "guard": self.settings.guard,
                },
            }
            await _answer(send, 200, json.dumps(body).encode(), {})
        elif path == "/sandbox/journal":
            await self._journal(scope, send)
        elif path == self.prefix or path.startswith(self.prefix + "/"):
            await self._proxy(scope, receive, send)
        else:
            problem = Problem(
                404, "not_found", f"This proxy serves {self.prefix} only; {path} is not under it."
            )
            _, body_json = standard_format(problem)
            await _answer(send, 404, json.dumps(body_json, ensure_ascii=False).encode(), {})

    async def _serve_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # --- the control plane's journal, as the sandbox serves it --------------------------------------------

    async def _journal(self, scope: Scope, send: Send) -> None:
        authorization = _header(scope["headers"], b"authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self.settings.admin_token.encode()
        ):
            problem = Problem(401, "unauthorized", "The journal needs the proxy's admin token (Bearer).")
            await _standard(send, problem, {"WWW-Authenticate": "Bearer"})
            return
        method = scope["method"]
        if method == "DELETE":
            await _answer(send, 200, json.dumps({"cleared": self.journal.clear()}).encode(), {})
            return
        if method != "GET":
            problem = Problem(405, "method_not_allowed", "This path does not support this method.")
            await _standard(send, problem, {"Allow": "GET, DELETE"})
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        numbers: dict[str, int | None] = {}
        for name in ("status", "statusClass", "after", "before", "limit"):
            text = query.get(name)
            if text is not None and not text.isdigit():
                problem = Problem(400, "invalid_request", f"`{name}` must be a whole number.", [])
                await _standard(send, problem, {})
                return
            numbers[name] = int(text) if text is not None else None
        where = JournalFilter(
            client=query.get("client"),
            api=query.get("api"),
            status=numbers["status"],
            status_class=numbers["statusClass"],
            operation=query.get("operation"),
            after=numbers["after"],
            before=numbers["before"],
        )
        entries = self.journal.entries(where, limit=numbers["limit"] or 1000)
        page = {
            "capacity": self.journal.capacity,
            "size": len(self.journal),
            "dropped": self.journal.dropped,
            "accounts": self.journal.accounts(),
            "entries": [entry.to_dict() for entry in entries],
        }
        await _answer(send, 200, json.dumps(page, ensure_ascii=False).encode("utf-8", "backslashreplace"), {})

    # --- one proxied exchange -------------------------------------------------------------------------------

    async def _proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.time()
        clock = time.perf_counter()
        method: str = scope["method"]
        path: str = scope["path"]
        below = path[len(self.prefix) :]
        query = scope.get("query_string", b"").decode("latin-1")
        headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        content_type = _header(headers, b"content-type")
        media = media_of(content_type)
        settings = self.settings

        # The body: a JSON or form body (or one without a type) is read whole to be checked; anything
        # else streams through, only its first chunk read here (enough to know there is a body).
        # Held once: the chunks are joined into one bytes object (no copy for the usual single chunk), which
        # is checked, forwarded and journalled as it is.
        checked = is_json(media) or media in CHECKED_MEDIA
        chunks: list[bytes] = []
        size = 0
        more = True
        too_large = False
        while more and (checked or not size):
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            if chunk:
                chunks.append(chunk)
                size += len(chunk)
            more = message.get("more_body", False)
            if checked and size > settings.max_body_bytes:
                too_large = True
                break
        complete = not more
        buffer = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.clear()

        name = f"{method} {path}"
        match = self.routes.match(method, below)
        findings: list[Finding]
        target = match.operation
        if target is None:
            findings = [route_finding(method, below, match, name)]
        else:
            sent: bytes | None = buffer if not too_large else None
            findings = _judged(
                lambda: request_findings(target, match.parameters, query, content_type, sent, name=name),
                name,
            )
        operation = match.operation.operation_id if match.operation else None
        client, token = credentials_of(_header(headers, b"authorization"), settings.client)

        sizes = [len(buffer)]  # bytes of the request body, counted as they stream upstream

        def record(
            status: int,
            response_headers: list[tuple[bytes, bytes]],
            response_raw: bytes | None,
            drift: list[Finding],
            response_note: Any = None,
        ) -> None:
            elapsed = (time.perf_counter() - clock) * 1000
            request_raw = buffer if checked and complete else b""
            request_body: Any = None
            if len(request_raw) > settings.body_limit:
                # Reduced now (the ring must not hold megabytes per entry); small bodies when read.
                request_body = capture_body(request_raw, content_type, settings.body_limit)
                request_raw = b""
            elif not (checked and complete) and sizes[0]:
                kind = "truncated" if checked else "binary"
                request_body = {kind: True, "bytes": sizes[0], "content_type": media or None}
            decoded = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
            answered = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response_headers]
            response_type = _header(response_headers, b"content-type")

            def build(seq: int) -> Any:
                body = request_body
                if request_raw:
                    body = capture_body(request_raw, content_type, settings.body_limit)
                response_body = response_note
                if response_raw is not None:
                    response_body = capture_body(response_raw, response_type, settings.body_limit)
                return make_entry(
                    seq,
                    started=started,
                    elapsed_ms=elapsed,
                    client=client,
                    token=token,
                    api=self.spec.name,
                    operation=operation,
                    method=method,
                    path=path,
                    query=query,
                    request_headers=decoded,
                    request_body=body,
                    status=status,
                    response_headers=answered,
                    response_body=response_body,
                    findings=as_journal(findings),
                    drift=as_journal(drift),
                )

            self.journal.record_later(build, client)

        if settings.guard and (findings or too_large):
            problem = self._refusal(findings, match, too_large)
            code, body, extra = render_for_api(self.spec.name, problem)
            extra = {**extra, PROXY_HEADER: "refused"}
            await _answer(send, code, body, extra)
            record(code, _encode(extra, body), body, [])
            self._tell("refused", method, path, code, len(findings), 0)
            return

        request_target = _raw_below(scope, self.prefix, below)
        if scope.get("query_string"):
            request_target += b"?" + scope["query_string"]
        forwarded = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        content: bytes | AsyncIterator[bytes] = buffer if complete else _rest(buffer, receive, sizes)
        try:
            response = await self.client.send(method, request_target, forwarded, content)
        except UpstreamTimeout as exc:
            await self._unreachable(
                send,
                record,
                504,
                f"the upstream did not answer within {settings.timeout:g} s",
                exc,
                method,
                path,
                len(findings),
            )
            return
        except UpstreamError as exc:
            await self._unreachable(send, record, 502, _reason(exc), exc, method, path, len(findings))
            return

        out_headers = [(k, v) for k, v in response.headers if k.lower() not in HOP_BY_HOP]
        await send({"type": "http.response.start", "status": response.status_code, "headers": out_headers})
        response_type = response.header(b"content-type")
        encoding = (response.header(b"content-encoding") or "").strip().lower()
        keep_whole = is_json(media_of(response_type))
        # Kept once, as the chunks that were passed on: all of a JSON body (to check it), else only what
        # the journal keeps.
        kept: list[bytes] = []
        kept_size = 0
        whole = True
        total = [0]
        try:
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                total[0] += len(chunk)
                if keep_whole and whole:
                    if kept_size + len(chunk) <= settings.max_body_bytes:
                        kept.append(chunk)
                        kept_size += len(chunk)
                        continue
                    whole = False  # too large to check: keep no more than the journal would
                    kept = [b"".join(kept)[: settings.body_limit + 1]]
                    kept_size = len(kept[0])
                if kept_size <= settings.body_limit:
                    piece = chunk[: settings.body_limit + 1 - kept_size]
                    kept.append(piece)
                    kept_size += len(piece)
        except UpstreamError as exc:
            # Too late for a 502: the status is sent. The connection is broken off, so the client sees
            # a failed exchange rather than a short body that looks whole.
            cut = {"truncated": True, "bytes": total[0], "content_type": media_of(response_type) or None}
            broke = [_drift(name, f"broke off the response: {_reason(exc)}")]
            record(response.status_code, out_headers, None, broke, cut)
            self._tell("forwarded", method, path, response.status_code, len(findings), 1, _reason(exc))
            await response.aclose()
            raise
        except BaseException:  # cancelled, or the client's side failed: the half-read connection is closed
            await response.aclose()
            raise
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        await response.aclose()

        drift: list[Finding] = []
        whole_json = keep_whole and whole
        received = kept[0] if len(kept) == 1 else b"".join(kept)
        kept.clear()
        checkable: bytes | None = received if whole_json else None
        if checkable is not None and encoding:
            checkable = _decoded(checkable, encoding)
        if target is not None:
            # A body that is not JSON is not checked beyond its media type: what was kept of it says
            # whether there was one.
            drift = _judged(
                lambda: response_findings(
                    target,
                    response.status_code,
                    response_type,
                    checkable if keep_whole else received,
                    name=name,
                    head=method == "HEAD",
                ),
                name,
            )
        journal_raw: bytes | None = checkable if checkable is not None else received
        note: dict[str, Any] | None = None
        unreadable = whole_json and checkable is None  # compressed in a way the proxy cannot undo
        if unreadable or total[0] > len(received) or (not whole_json and len(received) > settings.body_limit):
            journal_raw = None
            kind = "truncated" if keep_whole and not unreadable else "binary"
            note = {kind: True, "bytes": total[0], "content_type": media_of(response_type) or None}
        record(response.status_code, out_headers, journal_raw, drift, note)
        self._tell("forwarded", method, path, response.status_code, len(findings), len(drift))

    def _refusal(self, findings: list[Finding], match: Any, too_large: bool) -> Problem:
        headers: dict[str, str] = {}
        if too_large:
            limit = self.settings.max_body_bytes
            message = f"The request body exceeds {limit} bytes, more than the guard checks; it was not sent."
            return Problem(413, "payload_too_large", message)
        routing = [f for f in findings if f.rule == ROUTE and f.field in ("path", "method")]
        if routing:
            status = 405 if match.allowed else 404
            if match.allowed:
                headers["Allow"] = ", ".join(match.allowed)
            code = "method_not_allowed" if match.allowed else "not_found"
            message = f"koppelbox guard: {routing[0].message}; the request was not sent upstream."
            return Problem(status, code, message, headers=headers)
        errors = [FieldError(item["field"], item["message"]) for item in as_journal(findings)]
        summary = "; ".join(f"`{f.field}` {f.message}" for f in findings[:3])
        more = f" (and {len(findings) - 3} more)" if len(findings) > 3 else ""
        message = (
            f"koppelbox guard: the request breaks the contract and was not sent upstream: {summary}{more}."
        )
        return Problem(400, "invalid_request", message, errors)

    async def _unreachable(
        self,
        send: Send,
        record: Callable[..., None],
        status: int,
        reason: str,
        exc: Exception,
        method: str,
        path: str,
        findings: int,
    ) -> None:
        code = "gateway_timeout" if status == 504 else "bad_gateway"
        problem = Problem(
            status, code, f"koppelbox proxy: {reason}; the request may not have reached the upstream."
        )
        answered, body, extra = render_for_api(self.spec.name, problem)
        extra = {**extra, PROXY_HEADER: "timeout" if status == 504 else "unreachable"}
        await _answer(send, answered, body, extra)
        record(answered, _encode(extra, body), body, [])
        self._tell("timeout" if status == 504 else "unreachable", method, path, answered, findings, 0, reason)

    def _tell(
        self, action: str, method: str, path: str, status: int, findings: int, drift: int, reason: str = ""
    ) -> None:
        if self.on_exchange is not None:
            self.on_exchange(Outcome(action, method, path, status, findings, drift, reason))


def _judged(judge: Callable[[], list[Finding]], name: str) -> list[Finding]:
    """Findings, or one saying the check itself failed: a body the validator cannot read is never a 500,
    and in guard mode never waved through (a finding refuses it)."""
    try:
        return judge()
    except Exception as exc:  # whatever a hostile body does to the checks, the exchange goes on
        return [_drift(name, f"could not be checked ({type(exc).__name__})")]


def _drift(name: str, message: str) -> Finding:
    from koppelbox.validator.findings import finding

    return finding(name, "", "body", NOT_CHECKED, message)


def _reason(exc: Exception) -> str:
    """Why the upstream could not be reached, in words a vendor can act on."""
    text = str(exc) or type(exc).__name__
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS verification of the upstream failed ({cause.verify_message or cause})"
        if isinstance(cause, ssl.SSLError):
            return f"TLS with the upstream failed ({cause.reason or cause})"
        cause = cause.__cause__ or cause.__context__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return f"TLS verification of the upstream failed ({text})"
    if isinstance(exc, UpstreamUnreachable):
        return f"the upstream refused the connection or could not be reached ({text})"
    return f"the upstream exchange failed ({type(exc).__name__}: {text})"


def _decoded(raw: bytes, encoding: str) -> bytes | None:
    """A compressed response's JSON, for checking only (the client gets the bytes as they came)."""
    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return zlib.decompress(raw)
    except zlib.error:
        return None
    return None if encoding != "identity" else raw


async def _rest(first: bytes, receive: Receive, sizes: list[int]) -> AsyncIterator[bytes]:
    """A streamed request body: the chunk already read, then the rest as the client sends it (counted in
    `sizes[0]`, for the journal's size note)."""
    if first:
        yield first
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        if chunk:
            sizes[0] += len(chunk)
            yield chunk
        if not message.get("more_body", False):
            return


def _raw_below(scope: Scope, prefix: str, below: str) -> bytes:
    """The path below the prefix exactly as the client encoded it (`%2F` stays `%2F`); re-encoded from the
    decoded path only when the client encoded the prefix itself (`/w%69mpel/...`)."""
    raw: bytes = scope.get("raw_path") or b""
    if raw.startswith(prefix.encode()):
        return raw[len(prefix) :]
    return quote(below).encode("ascii")


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _encode(headers: dict[str, str], body: bytes) -> list[tuple[bytes, bytes]]:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *raw]


async def _answer(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    message: Message = {"type": "http.response.start", "status": status, "headers": _encode(headers, body)}
    await send(message)
    await send({"type": "http.response.body", "body": body})


async def _standard(send: Send, problem: Problem, headers: dict[str, str]) -> None:
    _, body = standard_format(problem)
    await _answer(send, problem.status, json.dumps(body, ensure_ascii=False).encode(), headers)
