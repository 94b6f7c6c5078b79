"""Connexion's Swagger UI middleware, passed by for requests that cannot be for the docs.

Stock `SwaggerUIMiddleware` sends every request through a Starlette router of one mount per API
(`openapi.json`, `openapi.yaml`, `/ui/...`) just to reach its default, "not for me, next app", a
measurable share of every request (docs/performance.md). This subclass learns at start-up which path
prefixes its routes can match, and hands any other request straight to the next app, as the default
would (with a copy of the scope, as the default does). A path equal to an API's base path still goes
through the router, which redirects it to the trailing-slash form exactly as before.
"""

from __future__ import annotations

from typing import Any

from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from koppelbox.server.integration.private import route_path

# Set by the tenant middleware (server/tenants.py) on a tenant's request: the `/tenants/<id>` it took off
# the path. Connexion's docs build their URLs from the root path, so a tenant's docs get it back there.
TENANT_PREFIX = "koppelbox.tenant_prefix"


def docs_paths(docs: SwaggerUIMiddleware) -> tuple[set[str], tuple[str, ...]]:
    """The API base paths, and the literal path prefixes, that a Swagger UI middleware's routes can match.
    A route path's literal start ("/ui" of "/ui/{filename:path}") is taken without its trailing slash so
    that the router's slash redirects keep working."""
    bases: set[str] = set()
    prefixes: list[str] = []
    for mount in docs.router.routes:  # one mount per API
        bases.add(mount.path)
        literals = {route.path.split("{")[0].rstrip("/") for route in mount.routes}
        prefixes += [mount.path + literal for literal in sorted(literals)]
    return bases, tuple(prefixes)


class DocsOnlySwaggerUIMiddleware(SwaggerUIMiddleware):  # type: ignore[misc]
    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self._bases: set[str] = set()
        self._prefixes: tuple[str, ...] = ()

    def add_api(self, *args: Any, **kwargs: Any) -> None:
        super().add_api(*args, **kwargs)
        self._bases, self._prefixes = docs_paths(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = route_path(scope)
            if path not in self._bases and not path.startswith(self._prefixes):
                await self.app(dict(scope), receive, send)
                return
            prefix = scope.get(TENANT_PREFIX)
            if prefix:  # a tenant's Swagger UI loads the tenant's contract, as seen from its base URL
                root = scope.get("root_path", "") + prefix
                raw = prefix.encode() + scope.get("raw_path", scope["path"].encode())
                scope = {**scope, "root_path": root, "path": prefix + scope["path"], "raw_path": raw}
        await super().__call__(scope, receive, send)
