"""The control plane: health, token endpoint, clients, reset."""

from __future__ import annotations

from typing import Any

from connexion import request

from koppelbox.rules import oauth
from koppelbox.server.context import current
from koppelbox.version import version

Response = tuple[Any, int, dict[str, str]] | tuple[Any, int]


async def get_health() -> Response:
    # Readiness: a database that does not answer makes this a 503 (a load balancer stops sending here).
    current().store.check()
    # What this app serves, not what is on disk now: a contract added after start-up is not mounted.
    return {"status": "ok", "version": version(), "apis": current().apis}, 200


async def issue_token(body: dict[str, Any]) -> Response:
    oauth.check_grant_type(body.get("grant_type"))
    credentials = oauth.client_credentials(
        request.headers.get("authorization"), body.get("client_id"), body.get("client_secret")
    )
    token = current().store.identity.issue(credentials, body.get("scope"))
    identity = current().store.identity
    return (
        {
            "access_token": token.token,
            "token_type": "Bearer",
            "expires_in": identity.token_lifetime,
            "scope": " ".join(sorted(token.scopes)),
        },
        200,
        {"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


async def list_clients() -> Response:
    return current().store.identity.summaries(), 200


async def reset_sandbox() -> Response:
    store = current().store
    store.reset()
    return {"status": "reset", "seed": store.fixtures.seed}, 200
