"""How a handler reaches the store of the app that is serving it (tests run several apps at once)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koppelbox.journal import Journal, JournalBackend

# Connexion's context variables, read directly (integration/private.py says why).
from koppelbox.server.integration.private import context_var, scope_var
from koppelbox.server.routes import RouteTable
from koppelbox.store.interfaces import DEFAULT_TENANT, StoreBackend, TenantBackend

SCOPE_KEY = "koppelbox.sandbox"
TENANTS_PREFIX = "/tenants/"  # a tenant's base path: /tenants/<id> (server/tenants.py)


@dataclass
class Sandbox:
    store: StoreBackend
    max_body_bytes: int
    routes: RouteTable = field(default_factory=RouteTable)
    apis: list[str] = field(default_factory=list)  # the prefixes this app mounted, e.g. "/wimpel"
    # Outlives `/sandbox/reset`: a vendor resets between test runs and still wants the evidence.
    journal: JournalBackend = field(default_factory=Journal)
    # Which tenant this is (server/tenants.py); every tenant's Sandbox shares the app's one `tenancy`.
    tenant: str = DEFAULT_TENANT
    tenancy: Tenancy | None = None


@dataclass
class Tenancy:
    """The app's tenants: the registry (a `TenantBackend`), where a tenant's fixtures folder may be named
    from, and the server's side of each tenant (its `Sandbox`: the world plus its journal, made by
    `journal_for(tenant_id)`: in process by default, in the database with `serve --state`)."""

    backend: TenantBackend
    fixtures_root: Path | None = None
    journal_for: Callable[[str], JournalBackend] | None = None
    _sandboxes: dict[str, Sandbox] = field(default_factory=dict)

    def sandbox(self, default: Sandbox, tenant_id: str) -> Sandbox | None:
        """The tenant's sandbox; None when there is no such tenant. Asks the registry every time (cheap,
        and the truth when another worker dropped or re-created the tenant): a new world gets a new
        sandbox, and with it a journal (an empty one in process; the tenant's own from the database)."""
        if tenant_id == DEFAULT_TENANT:
            return default
        world = self.backend.world(tenant_id)
        if world is None:
            self._sandboxes.pop(tenant_id, None)
            return None
        found = self._sandboxes.get(tenant_id)
        if found is None or found.store is not world:
            journal = self.journal_for(tenant_id) if self.journal_for else Journal(default.journal.capacity)
            found = dataclasses.replace(default, store=world, journal=journal, tenant=tenant_id)
            self._sandboxes[tenant_id] = found
        return found

    def forget(self, tenant_id: str) -> None:
        """Drop the server's side of a tenant (its journal) now, not at its next request."""
        self._sandboxes.pop(tenant_id, None)


def sandbox_of(scope: Any) -> Sandbox:
    sandbox: Sandbox = scope[SCOPE_KEY]
    return sandbox


def tenant_base(root_path: str, tenant: str) -> str:
    """Where a tenant is served below the app's root path: `/tenants/<id>`, and the root for the default."""
    return root_path if tenant == DEFAULT_TENANT else f"{root_path}{TENANTS_PREFIX}{tenant}"


def tenant_prefix(scope: Any) -> str:
    """`/tenants/<id>` for a tenant's request, which the tenant middleware took off the path; "" else."""
    sandbox = scope.get(SCOPE_KEY)
    return tenant_base("", sandbox.tenant if sandbox is not None else DEFAULT_TENANT)


def base_path(scope: Any) -> str:
    """Where the sandbox a request reached is served, before the API prefixes: the app's root path and,
    for a tenant's request, its `/tenants/<id>`."""
    return str(scope.get("root_path", "")) + tenant_prefix(scope)


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
