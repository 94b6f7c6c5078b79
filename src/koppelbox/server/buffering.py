"""Reading a request body ahead of the application, then handing it the very same bytes."""

from __future__ import annotations

from starlette.types import Message, Receive


async def read_ahead(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a `receive` that replays it once and then carries on with the original (for the
    disconnect message). Callers bound the size first: the sandbox's own cap applies further in."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay
