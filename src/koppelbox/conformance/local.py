"""Serving an ASGI app on a real socket for a while: the sandbox as a stand-in for a vendor's server in
tests, and for `koppelbox fuzz` (schemathesis then talks HTTP exactly as it would to a vendor)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class ThreadedServer:
    """An ASGI app under uvicorn in a daemon thread. The socket is bound before uvicorn starts, so port 0
    gives a free port without a race between choosing it and binding it."""

    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int = 0, start_timeout: float = 20.0, **options: Any
    ) -> None:
        """`options` go to uvicorn's Config (`server_header=False`, as `koppelbox proxy` serves)."""
        import uvicorn

        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        bound: int = listener.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False, **options))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [listener]}, name=f"koppelbox-{bound}", daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + start_timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.server.should_exit = True
                listener.close()
                raise RuntimeError(f"the server on {host}:{bound} did not start")
            time.sleep(0.01)
        self.base_url = f"http://{f'[{host}]' if ':' in host else host}:{bound}"

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


@contextmanager
def serving(app: Any, host: str = "127.0.0.1", start_timeout: float = 20.0) -> Iterator[str]:
    """Yields the base URL while `app` runs under uvicorn in a background thread."""
    server = ThreadedServer(app, host, 0, start_timeout)
    try:
        yield server.base_url
    finally:
        server.stop()


def sandbox_health(origin: str, timeout: float = 3.0) -> dict[str, Any] | None:
    """`GET {origin}/sandbox/health` when it answers like koppelbox's (`status` ok, a `version`, a list of
    `apis`), else None."""
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(f"{origin.rstrip('/')}/sandbox/health", timeout=timeout) as response:
            body = json.loads(response.read(64 * 1024))
    except (OSError, ValueError):
        return None
    looks_right = (
        isinstance(body, dict)
        and body.get("status") == "ok"
        and isinstance(body.get("version"), str)
        and isinstance(body.get("apis"), list)
    )
    return body if looks_right else None


def is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_local_sandbox(base_url: str, timeout: float = 3.0) -> bool:
    """A koppelbox sandbox on this machine: its data is throw-away, so a run may write there. Both must
    hold: a server elsewhere could answer like our health probe (a vendor running koppelbox as a proxy,
    say), and a loopback port could be a vendor's tunnel to production."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    if not parts.hostname or not is_loopback(parts.hostname):
        return False
    health = sandbox_health(f"{parts.scheme}://{parts.netloc}", timeout)
    # `koppelbox proxy` answers the same probe, and names itself: behind it is a real API.
    return health is not None and "proxy" not in health
