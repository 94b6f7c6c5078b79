"""`<prefix>/openapi.json` and `<prefix>/openapi.yaml`: each contract served as written.

Connexion serves the document it validated against, every `$ref` inlined: a client generator then names
each type after the operation that happens to use it (`ListOrganisationsResponse200Item`) and makes a
model per use. This middleware answers those two paths first, with `contracts.served`: the file, its
components and `$ref` kept, only the host-relative URLs made absolute (docs/clients.md). Swagger UI
(`<prefix>/ui/`) loads the same `openapi.json`; every other request passes untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from koppelbox import contracts
from koppelbox.contracts.served import origin, rendered
from koppelbox.server.integration.docs_routes import TENANT_PREFIX

_MEDIA_TYPES = {"json": b"application/json", "yaml": b"text/yaml; charset=utf-8"}


class ContractDocsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._documents = {
            f"{spec.prefix}/openapi.{kind}": (spec, kind)
            for spec in contracts.discover()
            for kind in _MEDIA_TYPES
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        path = scope.get("path", "")
        found = self._documents.get(path[len(root) :] if root and path.startswith(root) else path)
        if found is None:
            await self.app(scope, receive, send)
            return
        spec, kind = found
        host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
        base = root + scope.get(TENANT_PREFIX, "")  # a tenant's contract points at the tenant (tenants.py)
        body = rendered(
            spec.path, spec.path.stat().st_mtime_ns, origin(scope.get("scheme", ""), host, base), kind
        )
        headers = [(b"content-type", _MEDIA_TYPES[kind]), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
