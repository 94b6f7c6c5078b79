"""The proxy's client to the real API: HTTP/1.1 over asyncio streams, framed by h11 (the protocol library
under httpx's own transport), one upstream, its connections kept alive and reused.

Why not httpx: per exchange its client cost the proxy 1.3 ms of CPU on the build machine (a URL and a
request model built, redirects, auth and cookies considered, anyio's streams, headers and body written
apart), where the proxy's goal is under 2 ms added in all (docs/proxy.md, bench/proxy_latency.py). A
proxy needs none of that: it sends one request it already holds as bytes and passes the answer on as it
comes. What it does keep of httpx:

- TLS verified as httpx verifies it (certifi's CAs, or a bundle given), or not at all with `--insecure`;
- a timeout on connecting, on each write and on each read (`UpstreamTimeout`), as httpx's are;
- the bytes unchanged both ways (h11 frames them; it never rewrites a header or a body), bodies streamed
  both ways (a document upload is sent as it arrives, an answer passed on chunk by chunk);
- HTTP/1.1 framing: a body read whole goes with its `Content-Length`, one streamed without one chunked.

Credentials are the client's alone: user and password in the base URL are not sent (httpx would have
put them in an `Authorization` header of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import certifi
import h11

READ_SIZE = 64 * 1024
MAX_IDLE = 20  # connections kept open for reuse, as httpx's default keep-alive limit
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BODY_METHODS = (b"POST", b"PUT", b"PATCH")


class UpstreamError(Exception):
    """The exchange with the upstream failed (the cause, if any, chained)."""


class UpstreamUnreachable(UpstreamError):
    """No connection: refused, no such host, or TLS failed."""


class UpstreamTimeout(UpstreamError):
    """The upstream did not connect, take the request or answer within the timeout."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    protocol: h11.Connection = field(default_factory=lambda: h11.Connection(h11.CLIENT))

    def reusable(self) -> bool:
        # An idle connection the upstream has closed is not used again.
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()


def tls_context(verify: bool | str) -> ssl.SSLContext:
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else certifi.where())
    context.set_alpn_protocols(["http/1.1"])
    return context


class Upstream:
    """One upstream base URL (`https://api.example.nl/base`): its requests sent over reused connections."""

    def __init__(self, base: str, *, verify: bool | str = True, timeout: float = 30.0) -> None:
        parts = urlsplit(base)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base}")
        self.host = parts.hostname
        self.port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self.tls = tls_context(verify) if parts.scheme == "https" else None
        # `Host` as httpx sends it: the URL's host, and its port unless it is the scheme's default.
        netloc = parts.netloc.rpartition("@")[2]
        if parts.port == _DEFAULT_PORTS[parts.scheme]:
            netloc = netloc.rsplit(":", 1)[0]
        self.host_header = netloc.encode("ascii")
        # The base URL's path as written, percent-encoding what HTTP cannot carry raw; its query is not used.
        self.base_path = quote(parts.path.rstrip("/"), safe="/%!$&'()*+,;=:@-._~").encode("ascii")
        self.timeout = timeout
        self._idle: list[_Connection] = []

    async def send(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        content: bytes | AsyncIterator[bytes],
    ) -> UpstreamResponse:
        """Send the request (headers as given, `Host` the upstream's) and read the answer's head. `target`
        is the path below the base URL, with its query."""
        head = [(b"host", self.host_header), *headers]
        names = {name.lower() for name, _ in headers}
        if isinstance(content, bytes):
            if b"content-length" not in names and (content or method.encode() in _BODY_METHODS):
                head.append((b"content-length", str(len(content)).encode()))
        elif b"content-length" not in names:
            head.append((b"transfer-encoding", b"chunked"))
        connection = await self._connection()
        try:
            protocol = connection.protocol
            request = protocol.send(h11.Request(method=method, target=self.base_path + target, headers=head))
            assert request is not None
            if isinstance(content, bytes):
                # One write for a small request: one wake-up of the upstream, not two.
                body = protocol.send(h11.Data(data=content)) if content else b""
                end = protocol.send(h11.EndOfMessage()) or b""
                if len(content) <= READ_SIZE:
                    await self._write(connection, request + (body or b"") + end)
                else:
                    await self._write(connection, request)
                    await self._write(connection, body or b"")
                    await self._write(connection, end)
            else:
                await self._write(connection, request)
                async for chunk in content:
                    await self._write(connection, protocol.send(h11.Data(data=chunk)) or b"")
                await self._write(connection, protocol.send(h11.EndOfMessage()) or b"")
            while True:
                event = await self._next(connection)
                if isinstance(event, h11.Response):
                    return UpstreamResponse(self, connection, event)
                # 1xx informational answers are the connection's business, not the client's
        except h11.LocalProtocolError as exc:  # a request h11 will not frame (a header it refuses)
            connection.close()
            raise UpstreamError(f"the request cannot be sent as HTTP/1.1 ({exc})") from exc
        except BaseException:
            connection.close()
            raise

    async def aclose(self) -> None:
        closing = [connection.writer for connection in self._idle]
        self._idle.clear()
        for writer in closing:
            writer.close()
        # Let TLS say goodbye before the event loop ends (or it warns of a transport left open).
        for writer in closing:
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(1):
                    await writer.wait_closed()

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.reusable():
                return connection
            connection.close()
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = await asyncio.open_connection(
                    self.host,
                    self.port,
                    ssl=self.tls,
                    server_hostname=self.host if self.tls else None,
                    limit=READ_SIZE * 4,
                )
        except TimeoutError as exc:
            raise UpstreamTimeout("timed out connecting") from exc
        except OSError as exc:  # refused, unknown host, TLS (ssl.SSLError is an OSError)
            raise UpstreamUnreachable(str(exc) or type(exc).__name__) from exc
        return _Connection(reader, writer)

    async def _write(self, connection: _Connection, data: bytes) -> None:
        if not data:
            return
        connection.writer.write(data)
        if connection.writer.transport.get_write_buffer_size() == 0:
            return  # all of it went out at once: nothing to wait for
        try:
            async with asyncio.timeout(self.timeout):
                await connection.writer.drain()
        except TimeoutError as exc:
            raise UpstreamTimeout("timed out sending the request") from exc
        except OSError as exc:
            raise UpstreamError(f"the connection broke while sending ({exc})") from exc

    async def _next(self, connection: _Connection) -> object:
        protocol = connection.protocol
        while True:
            try:
                event = protocol.next_event()
            except h11.RemoteProtocolError as exc:
                raise UpstreamError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event
            try:
                async with asyncio.timeout(self.timeout):
                    data = await connection.reader.read(READ_SIZE)
            except TimeoutError as exc:
                raise UpstreamTimeout("timed out waiting for the answer") from exc
            except OSError as exc:
                raise UpstreamError(f"the connection broke ({exc})") from exc
            protocol.receive_data(data)

    def _release(self, connection: _Connection) -> None:
        protocol = connection.protocol
        if protocol.our_state is h11.DONE and protocol.their_state is h11.DONE and len(self._idle) < MAX_IDLE:
            protocol.start_next_cycle()
            self._idle.append(connection)
        else:
            connection.close()


class UpstreamResponse:
    """The upstream's answer: status and headers as received (names in their own case), the body as it
    arrives. `aclose` gives the connection back for reuse once the answer has been read whole."""

    def __init__(self, upstream: Upstream, connection: _Connection, head: h11.Response) -> None:
        self.status_code = head.status_code
        self.headers: list[tuple[bytes, bytes]] = list(head.headers.raw_items())
        self._upstream = upstream
        self._connection: _Connection | None = connection

    def header(self, name: bytes) -> str | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value.decode("latin-1")
        return None

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body's bytes as the upstream sent them (a compressed body stays compressed)."""
        connection = self._connection
        assert connection is not None
        while True:
            event = await self._upstream._next(connection)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            self._upstream._release(connection)
