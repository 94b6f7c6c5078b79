"""How a handler reaches the store of the app that is serving it (tests run several apps at once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connexion.context import scope as current_scope

from koppelbox.journal import Journal
from koppelbox.server.routes import RouteTable
from koppelbox.store import Store

SCOPE_KEY = "koppelbox.sandbox"


@dataclass
class Sandbox:
    store: Store
    max_body_bytes: int
    routes: RouteTable = field(default_factory=RouteTable)
    apis: list[str] = field(default_factory=list)  # the prefixes this app mounted, e.g. "/wimpel"
    # Outlives `/sandbox/reset`: a vendor resets between test runs and still wants the evidence.
    journal: Journal = field(default_factory=Journal)


def sandbox_of(scope: Any) -> Sandbox:
    sandbox: Sandbox = scope[SCOPE_KEY]
    return sandbox


def current() -> Sandbox:
    return sandbox_of(current_scope)


def caller() -> str:
    """The client id behind the request's bearer token (set by the security layer)."""
    from connexion.context import context

    user: str = context["user"]
    return user
