"""A request body read once, ahead of the application, and handed on.

Several layers need the whole body before the handler reads it: the journal (what a refused request
sent), the sandbox's cap on chunked bodies, the lane, the scenario catalogue's reserved values, request
validation. The first of them to need it calls `read_once`, which keeps the bytes in the scope's
`extensions` (the one dict all layers share, although most pass on a copy of the scope) and hands on a
`receive` that delivers those bytes once more. Every later layer finds them there, reads nothing, and
passes on the `receive` it was given, so the handler still reads the body from its `receive`.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope

# In scope["extensions"]: (the body, the `receive` it was read from, for what comes after the body).
BODY_KEY = "koppelbox.body"


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None when it has none (chunked) or an unreadable one."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def read_body(scope: Scope) -> bytes | None:
    """The body a layer further out has read, or None when none has."""
    stored = scope.get("extensions", {}).get(BODY_KEY)
    return None if stored is None else stored[0]


async def read_once(scope: Scope, receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and the `receive` to hand on: the one given when a layer further out read the body
    already (it still delivers the body), else one that delivers the body just read once and then carries
    on with `receive` (for the disconnect message). Callers bound the size first, or read from a `receive`
    that does (the sandbox's cap)."""
    extensions = scope.setdefault("extensions", {})
    stored = extensions.get(BODY_KEY)
    if stored is not None:
        return stored[0], receive
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    extensions[BODY_KEY] = (body, receive)
    return body, replaying(body, receive)


def afresh(scope: Scope, receive: Receive) -> Receive:
    """A `receive` that delivers the body from its start, for handing a request on after layers that may
    have read the `receive` in hand: `receive` itself when nothing has read the body ahead."""
    stored = scope.get("extensions", {}).get(BODY_KEY)
    return receive if stored is None else replaying(*stored)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands on `body` whole once, then carries on with `receive` (for the disconnect)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
