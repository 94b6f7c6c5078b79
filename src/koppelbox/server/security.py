"""Token checks plugged into Connexion through its `security_map`, so the contracts stay free of
implementation hooks (`x-tokenInfoFunc`) and every API shares one identity store."""

from __future__ import annotations

import hmac
from typing import Any

from connexion.security import SECURITY_HANDLERS, BearerSecurityHandler, OAuthSecurityHandler

from koppelbox.rules.errors import Unauthorized
from koppelbox.server.context import sandbox_of
from koppelbox.server.fastpath.security import FlatOAuth, InspectOnce


def client_token_info(token: str, request: Any) -> dict[str, Any]:
    """Connexion's token-info hook: who holds this bearer token, and with which scopes."""
    access = sandbox_of(request.scope).store.identity.authenticate(token)
    return {"sub": access.client_id, "scope": sorted(access.scopes), "client_id": access.client_id}


def admin_token_info(token: str, request: Any) -> dict[str, Any]:
    expected = sandbox_of(request.scope).store.identity.admin_token
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized("The control plane needs the sandbox admin token (see `koppelbox tokens`).")
    return {"sub": "admin", "scope": []}


class ClientTokenHandler(FlatOAuth, OAuthSecurityHandler):  # type: ignore[misc]
    def get_tokeninfo_func(self, security_definition: dict[str, Any]) -> Any:
        return client_token_info


class AdminTokenHandler(InspectOnce, BearerSecurityHandler):  # type: ignore[misc]
    def _resolve_func(self, security_scheme: dict[str, Any]) -> Any:
        return admin_token_info


SECURITY_MAP: dict[str, Any] = {
    **SECURITY_HANDLERS,
    "oauth2": ClientTokenHandler,
    "bearer": AdminTokenHandler,
}
