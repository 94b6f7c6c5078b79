"""Edu-V and Wimpel as a school's partners receive them: per school the employees an Edu-V consumer would
get (its consent, its scopes, the attributes they trim), and per Wimpel partner the organisations in its
list, with their history. The answers are the store's own (`EduvBackend.employees_for`,
`WimpelBackend.page` and `.history`): the page asks exactly what the API would ask.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from koppelbox.rules import eduv
from koppelbox.rules.errors import DomainError
from koppelbox.rules.identity import Client
from koppelbox.web.site import PAGE_SIZE, Paged, Site, page_number, paginate

ALL_ATTRIBUTES = sorted(frozenset().union(*eduv.ATTRIBUTES_BY_SCOPE.values()))


def _site(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def _clients(site: Site, prefix: str) -> list[Client]:
    return [c for c in site.store.identity.clients.values() if any(s.startswith(prefix) for s in c.scopes)]


def _client(site: Site, prefix: str, client_id: str) -> Client:
    for client in _clients(site, prefix):
        if client.id == client_id:
            return client
    raise HTTPException(404, f"No {prefix.rstrip('.')} client with this id.")


def _eduv_schools(site: Site) -> dict[str, str]:
    """School id → orgMasterId, as seeded (the fixture is the only list of Edu-V schools)."""
    document = site.store.fixtures.get("eduv") or {}
    return {str(k): str(v.get("orgMasterId")) for k, v in (document.get("schools") or {}).items()}


def _consents(site: Site) -> dict[str, set[str]]:
    document = site.store.fixtures.get("eduv") or {}
    return {str(c): {str(s) for s in schools} for c, schools in (document.get("consents") or {}).items()}


def _visible(scopes: frozenset[str] | list[str]) -> list[str]:
    try:
        return sorted(eduv.visible_attributes(scopes))
    except DomainError:  # without the basic scope nothing at all is answered
        return []


async def eduv_index(request: Request) -> Response:
    site = _site(request)
    consents = _consents(site)
    now = datetime.now(UTC)
    consumers = []
    for client in _clients(site, "eduv."):
        tokens = [
            {
                "token": t.token,
                "scopes": sorted(t.scopes),
                "visible": _visible(sorted(t.scopes)),
                "expired": t.expired(now),
            }
            for t in site.store.identity.static_tokens(client.id)
        ]
        consumers.append(
            {
                "client": client,
                "scopes": sorted(client.scopes),
                "visible": _visible(client.scopes),
                "tokens": tokens,
                "consent": consents.get(client.id, set()),
            }
        )
    schools = paginate(sorted(_eduv_schools(site).items()), request)
    return site.render(
        request,
        "eduv_index.html",
        consumers=consumers,
        schools=schools,
        all_attributes=ALL_ATTRIBUTES,
    )


async def eduv_employees(request: Request) -> Response:
    """The employees `GET /employees/school?orgMasterId=…` would answer this consumer, a page at a time."""
    site = _site(request)
    client = _client(site, "eduv.", str(request.path_params["client"]))
    school = str(request.path_params["school"])
    schools = _eduv_schools(site)
    if school not in schools:
        raise HTTPException(404, "No Edu-V school with this id.")
    tokens = site.store.identity.static_tokens(client.id)
    chosen = request.query_params.get("token", "")
    scopes = sorted(client.scopes)
    for token in tokens:
        if token.token == chosen:
            scopes = sorted(token.scopes)
    refused: DomainError | None = None
    employees: list[dict[str, Any]] = []
    try:
        query = eduv.parse_query(org_master_id=schools[school])
        employees = site.store.eduv.employees_for(client.id, scopes, query)
    except DomainError as error:  # no consent, no basic scope: what the API would answer instead
        refused = error
    page = page_number(request)
    pages = max(1, -(-len(employees) // PAGE_SIZE))
    page = min(page, pages)
    shown = employees[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    visible = _visible(scopes)
    return site.render(
        request,
        "eduv_employees.html",
        client=client,
        school=school,
        master=schools[school],
        scopes=scopes,
        tokens=tokens,
        chosen=chosen,
        visible=visible,
        trimmed=[a for a in ALL_ATTRIBUTES if a not in visible],
        refused=refused,
        paged=Paged(shown, page, pages, len(employees), PAGE_SIZE),
        columns=[a for a in ("givenName", "familyNamePrefix", "familyName", "status") if a in visible],
    )


async def wimpel_index(request: Request) -> Response:
    site = _site(request)
    partners = []
    for client in _clients(site, "wimpel."):
        page = site.store.wimpel.page(client.id, active=None, limit=1, offset=0)
        partners.append({"client": client, "total": page.total, "scopes": sorted(client.scopes)})
    return site.render(request, "wimpel_index.html", partners=partners)


async def wimpel_organisations(request: Request) -> Response:
    site = _site(request)
    client = _client(site, "wimpel.", str(request.path_params["client"]))
    status = request.query_params.get("status", "")
    active = {"active": True, "inactive": False}.get(status)
    number = page_number(request)
    result = site.store.wimpel.page(
        client.id, active=active, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    pages = max(1, -(-result.total // PAGE_SIZE))
    deletions = [
        e
        for e in reversed(site.journal.entries())
        if e.client == client.id and e.operation == "deleteOrganisation" and 200 <= e.status < 300
    ]
    return site.render(
        request,
        "wimpel_organisations.html",
        client=client,
        paged=Paged(result.items, min(number, pages), pages, result.total, PAGE_SIZE),
        status_filter=status,
        deletions=deletions,
    )


async def wimpel_history(request: Request) -> Response:
    site = _site(request)
    client = _client(site, "wimpel.", str(request.path_params["client"]))
    organisation_id = str(request.path_params["organisation"])
    organisation = site.store.wimpel.get(client.id, organisation_id)
    history = site.store.wimpel.history(client.id, organisation_id)
    changes = [
        e
        for e in reversed(site.journal.entries())
        if e.client == client.id
        and e.method in ("PATCH", "PUT", "POST", "DELETE")
        and organisation_id in e.path
    ]
    return site.render(
        request,
        "wimpel_history.html",
        client=client,
        organisation=organisation,
        history=history,
        changes=changes[:50],
    )
