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


@contextmanager
def serving(app: Any, host: str = "127.0.0.1", start_timeout: float = 20.0) -> Iterator[str]:
    """Yields the base URL while `app` runs under uvicorn in a background thread."""
    import uvicorn

    port = free_port(host)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="error", access_log=False))
    thread = threading.Thread(target=server.run, name=f"koppelbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server on {host}:{port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
