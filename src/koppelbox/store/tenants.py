"""Tenants: one isolated world per vendor (or team), each built from fixtures of its own and reset alone.

What every backend of the registry (`TenantBackend` in `store/interfaces.py`) shares lives here: which ids
are tenant ids, the errors, where a tenant's fixtures come from (the sandbox's own, or a folder under the
directory the operator named), and `tenant_fixtures`, which gives a tenant credentials of its own. That
last step is what makes "a token belongs to exactly one tenant" true: two tenants built from the same seed
would otherwise accept each other's seeded tokens and secrets. `MemoryTenants` is the in-memory registry.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koppelbox.rules.clock import Clock, rfc3339, utc_now
from koppelbox.rules.errors import Conflict, FieldError, Invalid, NotFound
from koppelbox.store import reload
from koppelbox.store.copying import json_copy
from koppelbox.store.fixtures import Fixtures
from koppelbox.store.interfaces import DEFAULT_TENANT, StoreBackend, TenantBackend, TenantInfo

# Lower-case letters, digits and inner hyphens: safe in a URL path, a file name and a database key as is.
TENANT_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
# A folder under the operator's tenant fixtures directory: one path segment, never `..`.
_FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass
class TenantExists(Conflict):
    code: str = "tenant_exists"


@dataclass
class TenantUnknown(NotFound):
    code: str = "tenant_unknown"


@dataclass
class DefaultTenantFixed(Conflict):
    """The default tenant is the sandbox itself (served at `/`): it is neither created nor dropped."""

    code: str = "tenant_default"


def check_tenant_id(tenant_id: str) -> str:
    if not TENANT_ID.match(tenant_id):
        raise Invalid(
            "A tenant id is 1 to 40 lower-case letters, digits and inner hyphens.",
            [FieldError("id", "expected ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")],
        )
    if tenant_id == DEFAULT_TENANT:
        raise DefaultTenantFixed(f"`{DEFAULT_TENANT}` is the sandbox's own tenant, served at `/`.")
    return tenant_id


def tenant_folder(root: Path | None, name: str) -> Path:
    """The fixtures folder `name` under the operator's tenant fixtures directory. Only a folder of that
    directory: the control plane must not become a way to read any directory of the host."""
    if root is None:
        raise Invalid(
            "This sandbox was started without a tenant fixtures directory (`koppelbox serve "
            "--tenant-fixtures DIR`); a tenant can only be built from the sandbox's own fixtures.",
            [FieldError("fixtures", "no tenant fixtures directory configured")],
        )
    if not _FOLDER.match(name) or ".." in name:
        raise Invalid(
            "`fixtures` names one folder of the tenant fixtures directory.",
            [FieldError("fixtures", "expected a folder name, not a path")],
        )
    folder = (root / name).resolve()
    if not folder.is_relative_to(root.resolve()) or not folder.is_dir():
        raise Invalid(
            "The tenant fixtures directory has no folder of that name.",
            [FieldError("fixtures", "no such folder")],
        )
    return folder


def fixtures_for_tenant(
    base: Fixtures, folder: Path | None = None, seed: int | None = None
) -> tuple[Fixtures, str]:
    """The fixtures a new tenant is built from, and how to name them to the operator: the sandbox's own
    (`base`, already parsed: nothing is read) unless a folder or another seed is asked for."""
    seed = base.seed if seed is None else seed
    if folder is None and seed == base.seed:
        return base, f"sandbox fixtures, seed {seed}"
    directory = folder or base.directory
    try:
        fixtures = reload.read(directory, seed)
    except reload.BUILD_ERRORS as exc:
        raise reload.invalid(directory, exc) from exc
    where = f"folder {directory.name}" if folder is not None else "sandbox fixtures"
    return fixtures, f"{where}, seed {seed}"


def tenant_fixtures(fixtures: Fixtures, tenant_id: str) -> Fixtures:
    """`fixtures` with credentials of the tenant's own: every static token, client secret and the admin
    token get the tenant id and a random part, so that they work at this tenant only. Token names stay
    recognisable (`kbx-noordstar` becomes `kbx-noordstar.acme.<random>`); the rest of the seed is shared,
    not copied (a store never changes its fixtures)."""
    document = fixtures.get("clients")
    if not isinstance(document, dict):
        return fixtures  # the store refuses it when built, with its own message
    clients: dict[str, Any] = json_copy(document)
    clients["admin_token"] = f"kbx-admin.{tenant_id}.{secrets.token_urlsafe(24)}"
    for client in clients.get("clients") or []:
        if not isinstance(client, dict):
            continue
        if "secret" in client:
            client["secret"] = f"{client['secret']}.{secrets.token_urlsafe(12)}"
        for token in client.get("tokens") or []:
            if isinstance(token, dict) and "token" in token:
                token["token"] = f"{token['token']}.{tenant_id}.{secrets.token_urlsafe(12)}"
    return Fixtures(fixtures.directory, {**fixtures.documents, "clients": clients}, fixtures.seed)


class MemoryTenants:
    """The in-memory registry: a dict of worlds, the default one given. Worlds are `Store`s unless
    `build` makes something else (tests, another backend's worlds)."""

    def __init__(
        self,
        default: StoreBackend,
        *,
        clock: Clock | None = None,
        build: Callable[[Fixtures], StoreBackend] | None = None,
    ) -> None:
        # The default store's clock when it has one (the in-memory `Store`): a test's fake time is the
        # registry's too.
        found: Clock = getattr(default, "clock", utc_now)
        self._clock = clock or found
        self._build = build or self._store
        self._lock = threading.Lock()
        default_info = TenantInfo(
            DEFAULT_TENANT, rfc3339(self._clock()), f"sandbox fixtures, seed {default.fixtures.seed}"
        )
        self._worlds: dict[str, tuple[TenantInfo, StoreBackend]] = {DEFAULT_TENANT: (default_info, default)}

    def _store(self, fixtures: Fixtures) -> StoreBackend:
        from koppelbox.store import Store  # the package imports this module's neighbours, not this one

        return Store(fixtures, self._clock)

    def tenants(self) -> list[TenantInfo]:
        with self._lock:
            infos = [info for info, _ in self._worlds.values()]
        return sorted(infos, key=lambda info: (info.id != DEFAULT_TENANT, info.id))

    def info(self, tenant_id: str) -> TenantInfo | None:
        found = self._worlds.get(tenant_id)
        return found[0] if found else None

    def world(self, tenant_id: str) -> StoreBackend | None:
        found = self._worlds.get(tenant_id)  # one dict read: atomic, no lock on the request path
        return found[1] if found else None

    def create(self, tenant_id: str, fixtures: Fixtures, source: str) -> StoreBackend:
        check_tenant_id(tenant_id)
        if tenant_id in self._worlds:  # before building: a taken id costs nothing
            raise TenantExists(f"A tenant `{tenant_id}` exists already.")
        try:
            world = self._build(fixtures)  # outside the lock: other tenants keep being served
        except reload.BUILD_ERRORS as exc:
            raise reload.invalid(fixtures.directory, exc) from exc
        info = TenantInfo(tenant_id, rfc3339(self._clock()), source)
        with self._lock:
            if tenant_id in self._worlds:  # a concurrent create of the same id won
                raise TenantExists(f"A tenant `{tenant_id}` exists already.")
            self._worlds[tenant_id] = (info, world)
        return world

    def drop(self, tenant_id: str) -> bool:
        if tenant_id == DEFAULT_TENANT:
            raise DefaultTenantFixed(f"`{DEFAULT_TENANT}` is the sandbox's own tenant; it cannot be dropped.")
        with self._lock:
            return self._worlds.pop(tenant_id, None) is not None


if TYPE_CHECKING:

    def _implements_the_seam(tenants: MemoryTenants) -> TenantBackend:
        """Never called: mypy checks here that the in-memory registry is a `TenantBackend`."""
        return tenants
