"""The control plane's tenant registry (operator only): list, create, show and remove tenants.

Only the operator manages tenants: the operations answer at the sandbox's root (the default tenant), with
its admin token. Inside a tenant (`/tenants/<id>/sandbox/tenants`) they answer 403, so that a vendor
holding its tenant's admin token cannot reach other tenants.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from koppelbox.rules.errors import Forbidden
from koppelbox.server.context import Sandbox, Tenancy, current, request_scope, tenant_base
from koppelbox.store.interfaces import DEFAULT_TENANT, StoreBackend, TenantInfo
from koppelbox.store.tenants import (
    TenantUnknown,
    check_tenant_id,
    fixtures_for_tenant,
    tenant_fixtures,
    tenant_folder,
)

Response = tuple[Any, int, dict[str, str]] | tuple[Any, int]


async def list_tenants() -> Response:
    _, tenancy = _operator()
    return [_describe(info) for info in tenancy.backend.tenants()], 200


async def create_tenant(body: dict[str, Any]) -> Response:
    sandbox, tenancy = _operator()
    tenant_id = check_tenant_id(str(body["id"]))
    folder = tenant_folder(tenancy.fixtures_root, str(body["fixtures"])) if "fixtures" in body else None
    seed = body.get("seed")

    def build() -> StoreBackend:
        # Off the event loop: a folder or another seed is read and parsed (generated schools take ~150 ms).
        fixtures, source = fixtures_for_tenant(sandbox.store.fixtures, folder, seed)
        return tenancy.backend.create(tenant_id, tenant_fixtures(fixtures, tenant_id), source)

    world = await run_in_threadpool(build)
    info = tenancy.backend.info(tenant_id)
    if info is None:  # dropped by another request in the meantime
        raise TenantUnknown(f"The tenant `{tenant_id}` was removed while it was created.")
    described = _with_credentials(info, world)
    return described, 201, {"Location": f"{request_scope().get('root_path', '')}/sandbox/tenants/{tenant_id}"}


async def get_tenant(tenantId: str) -> Response:
    _, tenancy = _operator()
    info = tenancy.backend.info(tenantId)
    world = tenancy.backend.world(tenantId)
    if info is None or world is None:
        raise TenantUnknown("No tenant of that id.")
    return _with_credentials(info, world), 200


async def delete_tenant(tenantId: str) -> Response:
    _, tenancy = _operator()
    if not tenancy.backend.drop(tenantId):
        raise TenantUnknown("No tenant of that id.")
    tenancy.forget(tenantId)
    return None, 204


def _operator() -> tuple[Sandbox, Tenancy]:
    sandbox = current()
    if sandbox.tenant != DEFAULT_TENANT or sandbox.tenancy is None:
        raise Forbidden(
            "Tenants are managed at the sandbox's root (/sandbox/tenants) with the operator's admin token, "
            "not from inside a tenant.",
            code="operator_only",
        )
    return sandbox, sandbox.tenancy


def _describe(info: TenantInfo) -> dict[str, Any]:
    root = str(request_scope().get("root_path", ""))
    return {
        "id": info.id,
        "baseUrl": tenant_base(root, info.id) or "/",
        "created": info.created,
        "source": info.source,
    }


def _with_credentials(info: TenantInfo, world: StoreBackend) -> dict[str, Any]:
    """What the operator hands a vendor: the base URL, the admin token, the clients with their tokens and
    secrets (the control plane shows secrets nowhere else)."""
    summaries = world.identity.summaries(with_secrets=True)
    secrets = {summary["id"]: summary.pop("secret") for summary in summaries}
    return {
        **_describe(info),
        "adminToken": world.identity.admin_token,
        "clients": summaries,
        "secrets": secrets,
    }
