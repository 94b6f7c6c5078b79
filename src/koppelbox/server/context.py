"""How a handler reaches the store of the app that is serving it (tests run several apps at once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from koppelbox.journal import Journal

# Connexion's context variables, read directly (integration/private.py says why).
from koppelbox.server.integration.private import context_var, scope_var
from koppelbox.server.routes import RouteTable
from koppelbox.store.interfaces import StoreBackend

SCOPE_KEY = "koppelbox.sandbox"


@dataclass
class Sandbox:
    store: StoreBackend
    max_body_bytes: int
    routes: RouteTable = field(default_factory=RouteTable)
    apis: list[str] = field(default_factory=list)  # the prefixes this app mounted, e.g. "/wimpel"
    # Outlives `/sandbox/reset`: a vendor resets between test runs and still wants the evidence.
    journal: Journal = field(default_factory=Journal)


def sandbox_of(scope: Any) -> Sandbox:
    sandbox: Sandbox = scope[SCOPE_KEY]
    return sandbox


def current() -> Sandbox:
    return sandbox_of(scope_var.get())


def caller() -> str:
    """The client id behind the request's bearer token (set by the security layer)."""
    user: str = context_var.get()["user"]
    return user


def token_info() -> dict[str, Any]:
    """What the security layer found about the request's token (client, scopes)."""
    info: dict[str, Any] = context_var.get()["token_info"]
    return info


def request_scope() -> dict[str, Any]:
    """The ASGI scope of the request being handled."""
    scope: dict[str, Any] = scope_var.get()
    return scope
