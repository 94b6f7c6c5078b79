"""Mounting the inspector into a sandbox app: a middleware that answers `/` and `/inspector/...` with the
pages and passes every other request on to the APIs untouched.

Placed just outside Connexion's exception middleware (ARCHITECTURE.md, "A route outside a contract"): the
journal sees these paths and leaves them out (`_NOT_RECORDED` in `server/journal.py`), so looking never
pushes a vendor's evidence out of the ring; the pages answer their own errors in HTML (`pages.py`), so the
APIs' JSON formats never meet them.
"""

from __future__ import annotations

from connexion.middleware import MiddlewarePosition
from starlette.types import ASGIApp, Receive, Scope, Send

from koppelbox.conformance.local import is_loopback
from koppelbox.server.app import SandboxApp
from koppelbox.web.pages import PREFIX, build


def mount(app: SandboxApp, *, host: str = "127.0.0.1") -> None:
    """Serve the inspector from `app`; call it before the app serves its first request. `host` is the
    address the sandbox listens on: anything but loopback asks for the control plane's admin token."""
    pages = build(app, open_access=is_loopback(host))
    app.add_middleware(InspectorMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, pages=pages)


# Set on a tenant's request by the server's tenant middleware (`/tenants/<id>/...`, docs/hosting.md): the
# pages show the default tenant's sandbox only, so under a tenant's base URL they are not served.
_TENANT_PREFIX = "koppelbox.tenant_prefix"


def is_page(path: str) -> bool:
    return path == "/" or path == PREFIX or path.startswith(PREFIX + "/")


class InspectorMiddleware:
    def __init__(self, app: ASGIApp, pages: ASGIApp) -> None:
        self.app = app
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_page(scope.get("path", "")) and _TENANT_PREFIX not in scope:
            await self.pages(scope, receive, send)
            return
        await self.app(scope, receive, send)
