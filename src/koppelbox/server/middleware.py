"""ASGI middleware: hand each request its sandbox, and cap request bodies."""

from __future__ import annotations

from connexion.exceptions import BadRequestProblem
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from koppelbox.server.context import SCOPE_KEY, Sandbox
from koppelbox.server.integration.body import read_once
from koppelbox.server.problems import PayloadTooLarge
from koppelbox.server.routes import RouteTable


class SandboxMiddleware:
    """Placed inside Connexion's exception middleware, so a too-large body becomes the API's own 413."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A tenant's request arrives with its sandbox (server/tenants.py); any other is the app's own.
        sandbox: Sandbox = scope.setdefault(SCOPE_KEY, self.sandbox)
        limit = sandbox.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            raise PayloadTooLarge(limit)
        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise PayloadTooLarge(limit)
            return message

        if declared is None and _has_chunked_body(scope):
            # Connexion reads a body only when Content-Length says there is one: a chunked body would be
            # taken for no body at all, and an optional-body PUT would silently do nothing. Read it (the
            # cap stops it at the limit) and declare its length.
            body, replay = await read_once(scope, capped_receive)
            scope = {**scope, "headers": [*scope["headers"], (b"content-length", str(len(body)).encode())]}
            await self.app(scope, replay, send)
            return
        await self.app(scope, capped_receive, send)


class AllowHeaderMiddleware:
    """Outside Connexion's exception middleware: rewrites `Allow` on 405 answers to the methods the contract
    documents for the path (see `routes.py` for why Starlette's own header is incomplete)."""

    def __init__(self, app: ASGIApp, routes: RouteTable) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            documented = self.routes.allowed(scope["path"]) if message.get("status") == 405 else []
            # A path no contract documents (a page of the web inspector) keeps the Allow it was given.
            if message["type"] == "http.response.start" and documented:
                allowed = ", ".join(documented).encode()
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message = {**message, "headers": [*headers, (b"allow", allowed)]}
            await send(message)

        await self.app(scope, receive, send_with_allow)


def _content_length(scope: Scope) -> int | None:
    """The request's Content-Length; None when it has none. One that is not a number of bytes is a 400
    (Connexion would take it for an integer and fail on it); one with more digits than any length has is
    taken for more than the cap (Python converts no more than a few thousand digits)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            digits = value.strip()
            if not digits.isdigit():
                raise BadRequestProblem(detail="The Content-Length header is not a number of bytes.")
            return int(digits) if len(digits) < 20 else 1 << 64
    return None


def _has_chunked_body(scope: Scope) -> bool:
    return any(name == b"transfer-encoding" for name, _ in scope.get("headers", []))
