"""Reading a request body ahead of the application, then handing it the very same bytes."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length, or None when it has none (chunked) or an unreadable one."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def read_ahead(receive: Receive, *, limit: int | None = None) -> tuple[bytes, Receive]:
    """The whole body, and a `receive` that replays it once and then carries on with the original (for the
    disconnect message). With `limit`, a body that grows past it is a 413 before it is all in memory;
    without, callers bound the size first (the sandbox's own cap applies further in)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            # Imported here: the error renderer imports request validation, which reads bodies with this.
            from koppelbox.server.errors import PayloadTooLarge

            raise PayloadTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, replaying(body, receive)


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
