"""ASGI middleware that records every exchange in the sandbox's journal.

Placed outside Connexion's exception middleware so it sees the final answer, error bodies included.
Routing runs further in and writes the operationId into the shared scope, which is read back here once
the response is complete. Recording never changes what the client receives.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from koppelbox.contracts import longest_prefix
from koppelbox.journal import JournalEntry
from koppelbox.journal.access import AccessRecord, AccessSink
from koppelbox.journal.masking import (
    DEFAULT_BODY_LIMIT,
    QUERY_LIMIT,
    cap_headers,
    capture_body,
    client_id_of,
    cut_note,
    findings_of,
    mask_headers,
    mask_query,
)
from koppelbox.rules.clock import rfc3339
from koppelbox.server.context import SCOPE_KEY, Sandbox
from koppelbox.server.integration.body import declared_length, read_once

_LATER = object()  # marks a body still to be captured when the entry is built
_HEALTH = "/sandbox/health"  # `/health` arrives here rewritten (probes.py)
SCENARIO_KEY = "koppelbox_scenario"  # in scope["extensions"], set by the scenario middleware
# Reading the journal or the docs is not traffic worth recording (and reading would flood it), nor is a
# health probe: a monitor asking every few seconds would push vendors' evidence out of the ring. Nor are
# the web inspector's pages (`/`, `/inspector/...`, koppelbox/web): looking must not push evidence out.
_NOT_RECORDED = re.compile(
    "|".join(
        map(re.escape, ("/sandbox/journal", "/sandbox/health", "/ui/", "/openapi.json", "/openapi.yaml"))
    )
    + r"|^/$|^/inspector(?:/|$)"
)


class JournalMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        sandbox: Sandbox,
        prefixes: list[str],
        body_limit: int = DEFAULT_BODY_LIMIT,
        access_log: AccessSink | None = None,
    ) -> None:
        self.app = app
        self.sandbox = sandbox
        self.prefixes = prefixes
        self.body_limit = body_limit
        # `koppelbox serve`'s access log (journal/access.py): told of every request but health probes.
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or _NOT_RECORDED.search(path):
            if self.access_log is None or scope["type"] != "http" or path.endswith(_HEALTH):
                await self.app(scope, receive, send)
            else:  # the journal and the docs are not recorded, but a log shows they were asked for
                await self._logged(scope, receive, send)
            return
        started = time.time()
        request_chunks: list[bytes] = []
        response_chunks: list[bytes] = []
        sizes = [0, 0]  # bytes kept of the request and of the response
        response: dict[str, Any] = {"status": 500, "headers": []}
        limit = self.body_limit
        # A request body is read whole (up to the sandbox's own cap) so that a big JSON body, say an
        # enrolment with documents inline, can still be kept in its elided form.
        read_limit = max(limit, self._sandbox(scope).max_body_bytes)

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and sizes[0] <= read_limit:
                # A full slice of bytes is the same object: one body message is kept without a copy.
                chunk = message.get("body", b"")[: read_limit + 1 - sizes[0]]
                request_chunks.append(chunk)
                sizes[0] += len(chunk)
            return message

        # A request refused before anything reads its body (401, 403, 413, 415) must still show what was
        # sent: otherwise two different refused requests look identical to the retry-storm check.
        # Read it up front when its declared size is within the cap, once for every layer further in.
        app_receive: Receive = recording_receive
        declared = declared_length(scope)
        if declared is not None and 0 < declared <= read_limit:
            _, app_receive = await read_once(scope, recording_receive)

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = message["headers"]  # decoded only when the journal is read
            elif message["type"] == "http.response.body" and sizes[1] <= limit:
                chunk = message.get("body", b"")[: limit + 1 - sizes[1]]
                response_chunks.append(chunk)
                sizes[1] += len(chunk)
            await send(message)

        try:
            await self.app(scope, app_receive, recording_send)
        finally:
            try:
                self._record(scope, started, b"".join(request_chunks), b"".join(response_chunks), response)
            except Exception as exc:  # every request is recorded: at least what is known of it
                self._record_minimal(scope, started, response, exc)
            if self.access_log is not None:
                self._log(scope, started, response, response_chunks)

    async def _logged(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.time()
        response: dict[str, Any] = {"status": 500, "headers": []}

        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            self._log(scope, started, response, [])

    def _log(self, scope: Scope, started: float, response: dict[str, Any], body: list[bytes]) -> None:
        assert self.access_log is not None
        status = int(response["status"])
        findings = 0
        if status >= 400 and body:  # only an error answer carries findings (masking.findings_of)
            content_type = _header(list(response["headers"]), b"content-type")
            findings = len(findings_of(status, capture_body(b"".join(body), content_type, self.body_limit)))
        self.access_log(
            AccessRecord(
                at=started,
                method=str(scope.get("method", "")),
                path=str(scope.get("path", "")),
                status=status,
                ms=(time.time() - started) * 1000,
                client=response.get("client"),
                scenario=scope.get("extensions", {}).get(SCENARIO_KEY),
                findings=findings,
            )
        )

    def _record_minimal(self, scope: Scope, started: float, response: dict[str, Any], exc: Exception) -> None:
        path = str(scope.get("path", ""))[:QUERY_LIMIT]
        known = {
            "method": str(scope.get("method", ""))[:32],
            "path": path,
            "api": _api_of(path, self.prefixes),
            "status": int(response.get("status", 500)),
        }
        note = f"recorded without details ({type(exc).__name__})"
        self._sandbox(scope).journal.record_later(
            lambda seq: JournalEntry.minimal(
                seq, None, note, at=started, time=rfc3339(datetime.fromtimestamp(started, UTC)), **known
            )
        )

    def _record(
        self, scope: Scope, started: float, raw_request: bytes, raw_response: bytes, response: dict[str, Any]
    ) -> None:
        # Taken now: what the request and the moment were, and who held the token (it may be revoked
        # before anyone reads the journal). Decoding, parsing and masking wait for a reader (`_Exchange`).
        finished = time.time()
        raw_headers = list(scope.get("headers", []))
        authorization = _header(raw_headers, b"authorization")
        request_type = _header(raw_headers, b"content-type")
        token = _bearer(authorization)
        sandbox = self._sandbox(scope)
        if token:
            client = sandbox.store.identity.owner_of(token)
        else:
            client = self._client_of(sandbox, None, authorization, raw_request, request_type)
        response["client"] = client  # for the access log, as the journal attributes it
        extensions = scope.get("extensions", {})
        # Kept bounded in bytes (docs/conformance.md §1): headers, path and query string are cut with their
        # size noted; the usual small request passes through as it is.
        query = scope.get("query_string", b"")
        path = scope.get("path", "")
        if len(path) > QUERY_LIMIT:
            path = f"{path[:QUERY_LIMIT]}... ({len(path)} characters, cut)"
        exchange = _Exchange(
            self,
            started,
            finished,
            cap_headers(raw_headers),
            token,
            client,
            extensions.get("connexion_routing", {}).get("operation_id"),
            extensions.get(SCENARIO_KEY),
            int(response["status"]),
            cap_headers(list(response["headers"])),
            path,
            scope.get("method", ""),
            query[:QUERY_LIMIT],
            len(query),
            raw_request,
            raw_response,
        )
        if len(raw_request) > self.body_limit:
            # A big body (an enrolment with documents inline, up to the sandbox's cap) is reduced to its
            # elided form now: a ring of pending entries must not hold megabytes each until someone reads it.
            exchange.request_body = capture_body(raw_request, request_type, self.body_limit)
            exchange.raw_request = b""
        sandbox.journal.record_later(exchange.build, client)

    def _sandbox(self, scope: Scope) -> Sandbox:
        """The tenant's sandbox the request was sent to (server/tenants.py), else the app's own."""
        sandbox: Sandbox = scope.get(SCOPE_KEY, self.sandbox)
        return sandbox

    def _client_of(
        self,
        sandbox: Sandbox,
        token: str | None,
        authorization: str | None,
        raw_body: bytes,
        content_type: str | None,
    ) -> str | None:
        identity = sandbox.store.identity
        if token:
            return identity.owner_of(token)
        basic = _basic_user(authorization)  # the token endpoint: client_secret_basic ...
        if basic is None and raw_body and len(raw_body) <= self.body_limit:
            basic = client_id_of(raw_body, content_type)  # ... or client_secret_post
        return basic if basic in identity.clients else None


class _Exchange:
    """One recorded exchange as raw as it came, turned into a `JournalEntry` when the journal is read."""

    __slots__ = (
        "client",
        "finished",
        "method",
        "middleware",
        "operation",
        "path",
        "query_size",
        "query_string",
        "raw_headers",
        "raw_request",
        "raw_response",
        "request_body",
        "response_headers",
        "scenario",
        "started",
        "status",
        "token",
    )

    def __init__(
        self,
        middleware: JournalMiddleware,
        started: float,
        finished: float,
        raw_headers: list[tuple[bytes, bytes]],
        token: str | None,
        client: str | None,
        operation: str | None,
        scenario: str | None,
        status: int,
        response_headers: list[tuple[bytes, bytes]],
        path: str,
        method: str,
        query_string: bytes,
        query_size: int,
        raw_request: bytes,
        raw_response: bytes,
    ) -> None:
        self.middleware = middleware
        self.started = started
        self.finished = finished
        self.raw_headers = raw_headers
        self.token = token
        self.client = client
        self.operation = operation
        self.scenario = scenario
        self.status = status
        self.response_headers = response_headers
        self.path = path
        self.method = method
        self.query_string = query_string
        self.query_size = query_size
        self.raw_request = raw_request
        self.raw_response = raw_response
        self.request_body: Any = _LATER

    def request_type(self) -> str | None:
        return _header(self.raw_headers, b"content-type")

    def query(self) -> str:
        query = mask_query(self.query_string.decode("latin-1"))
        if self.query_size > len(self.query_string):
            query = cut_note(query.encode("latin-1"), self.query_size).decode("latin-1")
        return query

    def build(self, seq: int) -> JournalEntry:
        try:
            return self._build(seq)
        except Exception as exc:  # an entry that cannot be built is kept with what is known
            return JournalEntry.minimal(
                seq,
                self.client,
                f"entry built without details ({type(exc).__name__})",
                at=self.started,
                time=rfc3339(datetime.fromtimestamp(self.started, UTC)),
                method=self.method,
                path=self.path,
                api=_api_of(self.path, self.middleware.prefixes),
                operation=self.operation,
                status=self.status,
            )

    def _build(self, seq: int) -> JournalEntry:
        limit = self.middleware.body_limit
        request_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw_headers]
        response_headers = mask_headers(
            (k.decode("latin-1"), v.decode("latin-1")) for k, v in self.response_headers
        )
        response_body = capture_body(self.raw_response, response_headers.get("content-type"), limit)
        request_body = self.request_body
        if request_body is _LATER:
            request_body = capture_body(self.raw_request, self.request_type(), limit)
        return JournalEntry(
            seq=seq,
            at=self.started,
            time=rfc3339(datetime.fromtimestamp(self.started, UTC)),
            elapsed_ms=round((self.finished - self.started) * 1000, 1),
            client=self.client,
            token_ref=hashlib.sha256(self.token.encode()).hexdigest()[:12] if self.token else None,
            api=_api_of(self.path, self.middleware.prefixes),
            operation=self.operation,
            method=self.method,
            path=self.path,
            query=self.query(),
            request_headers=mask_headers(request_headers),
            request_body=request_body,
            status=self.status,
            response_headers=response_headers,
            response_body=response_body,
            findings=findings_of(self.status, response_body),
            scenario=self.scenario,
        )


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _basic_user(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except ValueError:  # not base64 (binascii.Error), not ASCII, not UTF-8
        return None
    return decoded.partition(":")[0] or None


def _api_of(path: str, prefixes: list[str]) -> str:
    return (longest_prefix(path, prefixes) or "").strip("/")
