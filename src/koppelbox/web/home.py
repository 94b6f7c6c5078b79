"""The home page: what is served, who may call it and how, the scenario catalogue, and reset."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from koppelbox import contracts
from koppelbox.journal import JournalEntry
from koppelbox.scenarios.catalogue import load_catalogue
from koppelbox.web.site import Site

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def changes_since_reset(site: Site) -> tuple[list[JournalEntry], int]:
    """Writes the APIs and the control plane accepted since the last reset (by the control plane's
    `POST /sandbox/reset` or by this page), newest first, and the seq that reset came after."""
    entries = site.journal.entries()
    since = site.reset_after_seq
    for entry in reversed(entries):
        if entry.operation == "resetSandbox" and 200 <= entry.status < 300:
            since = max(since, entry.seq)
            break
    changed = [
        e
        for e in entries
        if e.seq > since
        and e.method in WRITES
        and 200 <= e.status < 300
        and e.operation not in (None, "issueToken", "clearJournal")
    ]
    return changed[::-1], since


async def home(request: Request) -> Response:
    site: Site = request.app.state.site
    store = site.store
    mounted = set(site.apis)
    apis = [spec for spec in contracts.discover() if spec.prefix in mounted]
    clients = store.identity.summaries(with_secrets=True)
    changed, since = changes_since_reset(site)
    catalogue = load_catalogue()
    scenarios: dict[str, list[Any]] = {}
    for scenario in catalogue.scenarios:
        scenarios.setdefault(scenario.api, []).append(scenario)
    return site.render(
        request,
        "home.html",
        apis=apis,
        clients=clients,
        admin_token=store.identity.admin_token,
        scenarios=scenarios,
        header_scenarios=list(catalogue.header.values()),
        changed=changed[:100],
        actions=site.actions[::-1],
        changed_total=len(changed),
        since=since,
        seed=store.fixtures.seed,
        base=str(request.base_url).rstrip("/"),
        reset_done=request.query_params.get("reset") == "1",
    )


async def reset(request: Request) -> Response:
    site: Site = request.app.state.site
    await site.csrf.form(request)
    site.store.reset()
    site.actions.clear()
    newest = site.journal.entries(limit=1)
    site.reset_after_seq = newest[-1].seq if newest else site.reset_after_seq
    return RedirectResponse("/?reset=1", status_code=303)
