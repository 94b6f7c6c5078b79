"""The request journal, live: newest first, filtered like `GET /sandbox/journal`, each exchange opened to
what was sent and answered (as the journal keeps it: secrets masked, big bodies elided), its findings and
the scenario that shaped it; and certification of a client, judged by `conformance.certify` from the
same journal.

Live means polled: `static/journal.js` asks `rows?after=<newest seq>` every two seconds and puts the new
rows on top. Server-rendered rows keep every value escaped by the templates.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from koppelbox.conformance.certify import UnknownClient, certify
from koppelbox.contracts import api_names
from koppelbox.journal import JournalEntry, JournalFilter
from koppelbox.web.site import Site

SHOWN = 200  # rows on the page; the journal's own capacity is larger (`serve --journal-size`)


def _site(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def _filter(request: Request) -> tuple[JournalFilter, dict[str, str]]:
    """The page's filters as the journal's own filter, and as the form shows them back."""
    params = request.query_params
    shown = {name: params.get(name, "").strip() for name in ("client", "api", "status", "operation")}
    status = shown["status"]
    code = int(status) if status.isdigit() and len(status) == 3 else None
    status_class = int(status[0]) if len(status) == 3 and status[0].isdigit() and status[1:] == "xx" else None
    if status and code is None and status_class is None:
        shown["status"] = ""  # not a status: ignored, and the form says so by showing it empty
    after = params.get("after", "")
    where = JournalFilter(
        client=shown["client"] or None,
        api=shown["api"] or None,
        status=code,
        status_class=status_class,
        operation=shown["operation"] or None,
        after=int(after) if after.isdigit() and len(after) < 19 else None,
    )
    return where, shown


def _newest(site: Site) -> int:
    newest = site.journal.entries(limit=1)
    return newest[-1].seq if newest else 0


async def index(request: Request) -> Response:
    site = _site(request)
    where, shown = _filter(request)
    entries = site.journal.entries(where, limit=SHOWN)[::-1]
    everything = site.journal.entries()
    return site.render(
        request,
        "journal.html",
        entries=entries,
        shown=shown,
        newest=_newest(site),
        capacity=site.journal.capacity,
        size=len(site.journal),
        dropped=site.journal.dropped,
        clients=sorted({e.client for e in everything if e.client}),
        operations=sorted({e.operation for e in everything if e.operation}),
        apis=api_names(control_plane=True),
        certifiable=api_names(),
    )


async def rows(request: Request) -> Response:
    """New rows only (`after`): the fragment the live page inserts. `X-Newest-Seq` says where it got to."""
    site = _site(request)
    where, _ = _filter(request)
    entries = site.journal.entries(where, limit=SHOWN)[::-1]
    response = site.render(request, "journal_rows.html", entries=entries)
    response.headers["X-Newest-Seq"] = str(_newest(site))
    return response


async def entry(request: Request) -> Response:
    site = _site(request)
    raw = str(request.path_params["seq"])
    seq = int(raw) if raw.isdigit() and len(raw) < 19 else -1
    found = site.journal.entries(JournalFilter(after=seq - 1), limit=None)
    chosen: JournalEntry | None = next((e for e in found if e.seq == seq), None)
    if chosen is None:
        raise HTTPException(404, "This exchange is not in the journal (any more): the ring keeps the newest.")
    return site.render(request, "journal_entry.html", entry=chosen, certifiable=api_names())


async def certify_page(request: Request) -> Response:
    """Certification of one client for one API, judged now from the journal (the same core as `koppelbox
    certify`). A read: it changes nothing, so it is a plain GET form."""
    site = _site(request)
    api = request.query_params.get("api", "")
    client = request.query_params.get("client", "").strip() or None
    if api not in api_names():
        raise HTTPException(400, "Choose one of the APIs to certify: " + ", ".join(api_names()) + ".")
    fixtures = site.store.fixtures
    try:
        # In a worker thread: judging Aanmeld replays the enrolments on a store built from the fixtures,
        # seconds with a generated world (bench/web_pages.py), and the APIs must keep answering meanwhile.
        report = await run_in_threadpool(
            certify,
            site.journal.entries(),
            api,
            client,
            fixtures=fixtures.directory,
            seed=fixtures.seed,
            source="the sandbox's journal (web inspector)",
            accounts=site.journal.accounts(),
        )
    except UnknownClient as unknown:
        raise HTTPException(400, str(unknown)) from None
    return site.render(request, "certify.html", report=report, counts=report.counts())
