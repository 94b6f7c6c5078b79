"""Routes outside every contract: `GET /health` for container probes, and `/sandbox`, `/sandbox/`.

- `/health` (any method) is served as `/sandbox/health`: the same answer (200 and the same body when the
  sandbox is ready; a 405 in the standard format for another method), and, like it, never journalled.
- `GET` or `HEAD` on `/sandbox` or `/sandbox/` redirects (307) to the control plane's Swagger UI,
  `/sandbox/ui/`; the machine-readable index of the sandbox is `/sandbox/health` and `/sandbox/openapi.json`.

Placed outermost but for Connexion's server-error middleware (ARCHITECTURE.md, "A route outside a
contract"): a redirect is answered before the journal sees it, and every other request passes untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from koppelbox.server.context import base_path

HEALTH = "/health"
SANDBOX_HEALTH = "/sandbox/health"
SANDBOX_UI = "/sandbox/ui/"
_SANDBOX_ROOTS = frozenset({"/sandbox", "/sandbox/"})


class ProbeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "")
            if path == HEALTH:
                scope = {**scope, "path": SANDBOX_HEALTH, "raw_path": SANDBOX_HEALTH.encode()}
            elif path in _SANDBOX_ROOTS and scope["method"] in ("GET", "HEAD"):
                location = base_path(scope) + SANDBOX_UI  # a tenant's own UI
                await send(
                    {
                        "type": "http.response.start",
                        "status": 307,
                        "headers": [(b"location", location.encode()), (b"content-length", b"0")],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)
