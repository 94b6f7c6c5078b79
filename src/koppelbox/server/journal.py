"""ASGI middleware that records every exchange in the sandbox's journal.

Placed outside Connexion's exception middleware so it sees the final answer, error bodies included.
Routing runs further in and writes the operationId into the shared scope, which is read back here once
the response is complete. Recording never changes what the client receives.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from koppelbox.journal import JournalEntry
from koppelbox.journal.masking import DEFAULT_BODY_LIMIT, capture_body, findings_of, mask_headers
from koppelbox.rules.clock import rfc3339
from koppelbox.server.buffering import declared_length, read_ahead
from koppelbox.server.context import Sandbox

_LATER = object()  # marks a body still to be captured when the entry is built
SCENARIO_KEY = "koppelbox_scenario"  # in scope["extensions"], set by the scenario middleware
# Reading the journal or the docs is not traffic worth recording (and reading would flood it).
_NOT_RECORDED = ("/sandbox/journal", "/ui/", "/openapi.json", "/openapi.yaml")


class JournalMiddleware:
    def __init__(
        self, app: ASGIApp, sandbox: Sandbox, prefixes: list[str], body_limit: int = DEFAULT_BODY_LIMIT
    ) -> None:
        self.app = app
        self.sandbox = sandbox
        self.prefixes = prefixes
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or any(marker in path for marker in _NOT_RECORDED):
            await self.app(scope, receive, send)
            return
        started = time.time()
        request_body = bytearray()
        response_body = bytearray()
        response: dict[str, Any] = {"status": 500, "headers": []}
        limit = self.body_limit
        # A request body is read whole (up to the sandbox's own cap) so that a big JSON body, say an
        # enrolment with documents inline, can still be kept in its elided form.
        read_limit = max(limit, self.sandbox.max_body_bytes)

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(request_body) <= read_limit:
                request_body.extend(message.get("body", b"")[: read_limit + 1 - len(request_body)])
            return message

        # A request refused before anything reads its body (401, 403, 413, 415) must still show what was
        # sent: otherwise two different refused requests look identical to the retry-storm check.
        # Read it up front when its declared size is within the cap, and hand the same bytes on.
        app_receive: Receive = recording_receive
        declared = declared_length(scope)
        if declared is not None and 0 < declared <= read_limit:
            _, app_receive = await read_ahead(recording_receive)

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = message["headers"]  # decoded only when the journal is read
            elif message["type"] == "http.response.body" and len(response_body) <= limit:
                response_body.extend(message.get("body", b"")[: limit + 1 - len(response_body)])
            await send(message)

        try:
            await self.app(scope, app_receive, recording_send)
        finally:
            self._record(scope, started, bytes(request_body), bytes(response_body), response)

    def _record(
        self, scope: Scope, started: float, raw_request: bytes, raw_response: bytes, response: dict[str, Any]
    ) -> None:
        # Taken now: what the request and the moment were, and who held the token (it may be revoked
        # before anyone reads the journal). Decoding, parsing and masking wait for a reader.
        elapsed_ms = round((time.time() - started) * 1000, 1)
        raw_headers = list(scope.get("headers", []))
        authorization = _header(raw_headers, b"authorization")
        token = _bearer(authorization)
        request_type = _header(raw_headers, b"content-type")
        client = self._client_of(token, authorization, raw_request, request_type)
        extensions = scope.get("extensions", {})
        operation = extensions.get("connexion_routing", {}).get("operation_id")
        scenario = extensions.get(SCENARIO_KEY)
        status = int(response["status"])
        path = scope.get("path", "")
        method = scope.get("method", "")
        query = scope.get("query_string", b"").decode("latin-1")
        api = _api_of(path, self.prefixes)
        limit = self.body_limit
        # A big body (an enrolment with documents inline, up to the sandbox's cap) is reduced to its
        # elided form now: a ring of pending entries must not hold megabytes each until someone reads it.
        request_body: Any = _LATER
        if len(raw_request) > limit:
            request_body = capture_body(raw_request, request_type, limit)
            raw_request = b""

        def make(seq: int) -> JournalEntry:
            request_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw_headers]
            response_headers = mask_headers(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in response["headers"]
            )
            response_body = capture_body(raw_response, response_headers.get("content-type"), limit)
            return JournalEntry(
                seq=seq,
                at=started,
                time=rfc3339(datetime.fromtimestamp(started, UTC)),
                elapsed_ms=elapsed_ms,
                client=client,
                token_ref=hashlib.sha256(token.encode()).hexdigest()[:12] if token else None,
                api=api,
                operation=operation,
                method=method,
                path=path,
                query=query,
                request_headers=mask_headers(request_headers),
                request_body=(
                    capture_body(raw_request, request_type, limit) if request_body is _LATER else request_body
                ),
                status=status,
                response_headers=response_headers,
                response_body=response_body,
                findings=findings_of(status, response_body),
                scenario=scenario,
            )

        self.sandbox.journal.record_later(make)

    def _client_of(
        self, token: str | None, authorization: str | None, raw_body: bytes, content_type: str | None
    ) -> str | None:
        identity = self.sandbox.store.identity
        if token:
            return identity.owner_of(token)
        basic = _basic_user(authorization)  # the token endpoint: client_secret_basic ...
        if basic is None and raw_body:
            body = capture_body(raw_body, content_type, self.body_limit)
            if isinstance(body, dict) and isinstance(body.get("client_id"), str):
                basic = body["client_id"]  # ... or client_secret_post
        return basic if basic in identity.clients else None


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
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


def _api_of(path: str, prefixes: list[str]) -> str:
    best = ""
    for prefix in prefixes:
        if (path == prefix or path.startswith(prefix + "/")) and len(prefix) > len(best):
            best = prefix
    return best.strip("/")
