"""Wimpel organisations API: thin handlers over `store.wimpel`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from connexion import request

from koppelbox.server.context import base_path, caller, current, request_scope, tenant_prefix

Response = tuple[Any, int, dict[str, str]] | tuple[Any, int]


async def list_organisations(limit: int = 100, offset: int = 0, active: bool | None = None) -> Response:
    page = current().store.wimpel.page(caller(), active=active, limit=limit, offset=offset)
    headers = {"X-Total-Count": str(page.total)}
    if page.next_offset is not None:
        query = {k: v for k, v in request.query_params.items() if k != "offset"}
        query["offset"] = str(page.next_offset)
        path = tenant_prefix(request_scope()) + request.url.path  # a tenant's path keeps its prefix
        headers["Link"] = f'<{path}?{urlencode(query)}>; rel="next"'
    return page.items, 200, headers


async def create_organisation(body: dict[str, Any]) -> Response:
    organisation = current().store.wimpel.create(caller(), body)
    location = f"{base_path(request_scope())}/wimpel/v1/organisations/{organisation['id']}"
    return organisation, 201, {"Location": location}


async def get_organisation(id: str) -> Response:
    return current().store.wimpel.get(caller(), id), 200


async def update_organisation(id: str, body: dict[str, Any]) -> Response:
    return current().store.wimpel.update(caller(), id, body), 200


async def delete_organisation(id: str) -> Response:
    current().store.wimpel.delete(caller(), id)
    return None, 204


# The public documentation's examples use /v1/contacts for create and update.
create_organisation_via_contacts = create_organisation
update_organisation_via_contacts = update_organisation
