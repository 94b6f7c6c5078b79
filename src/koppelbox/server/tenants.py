"""Tenants on the wire: `/tenants/<id>/` in front of the unchanged API prefixes addresses a tenant's world.

`TenantMiddleware` sits outermost of koppelbox's middlewares (ARCHITECTURE.md, "Middleware"). For a path
`/tenants/<id>/<rest>` it strips the tenant's prefix (the path becomes `/<rest>`) and hands the request
that tenant's `Sandbox`: its store and its own journal. The prefix does not move to `root_path`: Starlette
expects a path that still holds the root path, and every koppelbox layer reads the path as routed; what
builds a URL asks `context.base_path(scope)`, which adds the tenant's prefix back. Every layer further
in (journal, security, scenarios, the lane, the handlers) takes the sandbox from the scope, so the
contracts, the routes and every answer stay exactly as they are at `/`; a vendor's base URL is all that
changes. Any other path is the default tenant's, untouched.

Isolation follows from that one choice: a token is looked up in the identity of the tenant whose URL it
was sent to (another tenant's token is unknown there: the API's own 401), the journal a request lands in
is its tenant's, and `POST /sandbox/reset` resets the world it reaches.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from koppelbox.server.context import SCOPE_KEY, TENANTS_PREFIX, Sandbox
from koppelbox.server.integration.docs_routes import TENANT_PREFIX

PREFIX = TENANTS_PREFIX


class TenantMiddleware:
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox
        assert sandbox.tenancy is not None, "create_app gives the default sandbox its tenancy"
        self.tenancy = sandbox.tenancy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        tenant_id, _, rest = path[len(PREFIX) :].partition("/")
        sandbox = self.tenancy.sandbox(self.sandbox, tenant_id)
        if sandbox is None:
            await _unknown_tenant(send)
            return
        prefix = PREFIX + tenant_id
        raw: bytes = scope.get("raw_path") or b""
        # The raw path keeps its own encoding when it spells the prefix plainly (`%2F` after the id does not).
        plain = raw.startswith(prefix.encode() + b"/")
        raw_rest = raw[len(prefix) :] if plain else quote("/" + rest).encode()
        scope = {
            **scope,
            "path": "/" + rest,
            "raw_path": raw_rest or b"/",
            SCOPE_KEY: sandbox,
            TENANT_PREFIX: prefix,  # for the docs (integration/docs_routes.py, contract_docs.py)
        }
        await self.app(scope, receive, send)


async def _unknown_tenant(send: Send) -> None:
    """The standard error body; the id is not echoed (it is whatever the caller put in the path)."""
    body = json.dumps(
        {
            "status": 404,
            "code": "tenant_unknown",
            "message": "No tenant is served at this URL; the operator lists them at GET /sandbox/tenants.",
            "errors": [],
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})
