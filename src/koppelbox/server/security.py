"""Token checks plugged into Connexion through its `security_map`, so the contracts stay free of
implementation hooks (`x-tokenInfoFunc`) and every API shares one identity store."""

from __future__ import annotations

import hmac
from typing import Any

from connexion.security import SECURITY_HANDLERS, BearerSecurityHandler, OAuthSecurityHandler

from koppelbox.rules.errors import Unauthorized
from koppelbox.server.context import sandbox_of
from koppelbox.server.integration.security import FlatOAuth, InspectOnce


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
    def resolve_func(self, security_scheme: dict[str, Any]) -> Any:
        return admin_token_info


SECURITY_MAP: dict[str, Any] = {
    **SECURITY_HANDLERS,
    "oauth2": ClientTokenHandler,
    "bearer": AdminTokenHandler,
}


def accepting_check(security: list[dict[str, list[str]]], schemes: dict[str, Any]) -> Any:
    """For the fast lane: the check the handlers above make for an operation whose security is one
    scheme, reduced to "accepted" (the token info to put in the request context) or None (not accepted:
    Connexion's own check then runs, decides and words the refusal). None when the operation's security
    is anything else; the lane then uses Connexion's verification function."""
    if len(security) != 1 or len(security[0]) != 1:
        return None
    ((name, required),) = security[0].items()
    scheme = schemes[name]
    if scheme.get("type") == "oauth2":
        token_info_of, required_scopes = client_token_info, set(required)
    elif scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
        token_info_of, required_scopes = admin_token_info, set()  # Connexion checks no scopes for bearer
    else:
        return None

    def check(scope: Any) -> dict[str, Any] | None:
        token = _bearer_token(scope["headers"])
        if token is None:
            return None
        try:
            token_info = token_info_of(token, _ScopeOnly(scope))
        except Exception:
            return None
        granted = token_info.get("scope", token_info.get("scopes", ""))
        granted = set(granted) if isinstance(granted, list) else set(granted.split())
        return token_info if required_scopes <= granted else None

    return check


def _bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The token of the first Authorization header when its scheme is bearer, split as Connexion splits
    it (`split(maxsplit=1)`, scheme compared lower-cased)."""
    for name, value in headers:
        if name == b"authorization":
            parts = value.decode("latin-1").split(maxsplit=1)
            if len(parts) != 2 or parts[0].lower() != "bearer":
                return None
            return parts[1]
    return None


class _ScopeOnly:
    """What the token-info functions read of a request: its scope."""

    def __init__(self, scope: Any) -> None:
        self.scope = scope
