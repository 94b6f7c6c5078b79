"""A deliberately wrong upstream for tests/test_proxy.py: a plain ASGI app whose answers break the Wimpel
and Aanmeld contracts (upstream drift), one that answers too late, one that streams a large body, and an
echo that keeps every request exactly as it arrived."""

from __future__ import annotations

import asyncio
import gzip
import json
from dataclasses import dataclass, field
from typing import Any

BIG = bytes(range(256)) * (5 * 4096)  # 5 MiB, every byte value
CHUNK = 64 * 1024
# An organisation whose `id` is a number: drift the proxy can only see once it has unzipped the body.
GZIPPED = gzip.compress(json.dumps({"id": 5, "name": "Gezipt"}).encode(), mtime=0)


@dataclass
class Received:
    method: str
    raw_path: bytes
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class WrongUpstream:
    received: list[Received] = field(default_factory=list)
    slow_seconds: float = 3.0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.received.append(
            Received(scope["method"], scope["raw_path"], scope["query_string"], list(scope["headers"]), body)
        )
        path = scope["path"]
        if path.endswith("/v1/organisations") and scope["method"] == "GET":
            # `id` a number, every other required field missing
            await self._send(send, 200, json.dumps([{"id": 5}]).encode(), b"application/json")
        elif path.endswith("/v1/organisations/16SK"):
            await self._send(send, 418, b"I am a teapot", b"text/plain")
        elif path.endswith("/v1/organisations/GZIP"):
            headers = [
                (b"content-type", b"application/json"),
                (b"content-encoding", b"gzip"),
                (b"content-length", str(len(GZIPPED)).encode()),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": GZIPPED})
        elif path.endswith("/v1/organisations/BROKEN"):
            headers = [(b"content-type", b"application/json"), (b"content-length", b"1000")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"id": "16', "more_body": True})
            raise ConnectionAbortedError("the upstream breaks off half-way (on purpose)")
        elif path.endswith("/v1/organisations/SLOW"):
            await asyncio.sleep(self.slow_seconds)
            await self._send(send, 200, b"{}", b"application/json")
        elif path.endswith("/v1/organisations/BIG"):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/octet-stream"), (b"x-upstream", b"Big")],
                }
            )
            for start in range(0, len(BIG), CHUNK):
                await send(
                    {"type": "http.response.body", "body": BIG[start : start + CHUNK], "more_body": True}
                )
            await send({"type": "http.response.body", "body": b""})
        else:  # the echo: 201 with a body that answers as Aanmeld does to a document upload
            answer = json.dumps({"documentId": "d-1", "bytes": len(body)}).encode()
            await self._send(send, 201, answer, b"application/json")

    @staticmethod
    async def _send(send: Any, status: int, body: bytes, media: bytes) -> None:
        headers = [
            (b"content-type", media),
            (b"content-length", str(len(body)).encode()),
            (b"X-Upstream", b"Yes"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
