"""The inspector's routes, and its errors: every failure on a page is answered as an HTML page with the
right status (the inspector's own error format for its prefix), never as the APIs' JSON."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from koppelbox.rules.errors import DomainError
from koppelbox.server.app import SandboxApp
from koppelbox.web import aanmeld, home, journal, people
from koppelbox.web.guard import Csrf, Guard
from koppelbox.web.site import Site

STATIC = Path(__file__).with_name("static")
PREFIX = "/inspector"  # every page but the home page, `/`


def build(app: SandboxApp, *, open_access: bool) -> ASGIApp:
    site = Site(app, Csrf(), open_access)
    school = PREFIX + "/aanmeld/{brin}"
    routes = [
        Route("/", home.home),
        Route(PREFIX, home.home),
        Route(PREFIX + "/", home.home),
        Route(PREFIX + "/reset", home.reset, methods=["POST"]),
        Route(PREFIX + "/aanmeld", aanmeld.schools),
        Route(school, aanmeld.overview),
        Route(school + "/instellingen", aanmeld.settings, methods=["GET", "POST"]),
        Route(school + "/leerlingen/{stamnummer}", aanmeld.pupil),
        Route(school + "/leerlingen/{stamnummer}/verwijderen", aanmeld.delete_pupil, methods=["POST"]),
        Route(school + "/documenten/{document}", aanmeld.download),
        Route(PREFIX + "/eduv", people.eduv_index),
        Route(PREFIX + "/eduv/{client}/{school}", people.eduv_employees),
        Route(PREFIX + "/wimpel", people.wimpel_index),
        Route(PREFIX + "/wimpel/{client}", people.wimpel_organisations),
        Route(PREFIX + "/wimpel/{client}/{organisation}", people.wimpel_history),
        Route(PREFIX + "/journal", journal.index),
        Route(PREFIX + "/journal/rows", journal.rows),
        Route(PREFIX + "/journal/{seq}", journal.entry),
        Route(PREFIX + "/certify", journal.certify_page),
        Mount(PREFIX + "/static", StaticFiles(directory=STATIC), name="static"),
    ]
    pages = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, DomainError: _domain_error, Exception: _bug},
    )
    pages.state.site = site
    return Guard(pages, open_access=open_access, admin_token=lambda: site.store.identity.admin_token)


def _error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    site: Site = request.app.state.site
    response = site.render(request, "error.html", status=status, status_code=status, message=message)
    response.headers.update(headers or {})
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = (
        exc.detail if exc.detail and exc.detail != _phrase(exc.status_code) else _default(exc.status_code)
    )
    return _error_page(request, exc.status_code, message, dict(exc.headers or {}))


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return _error_page(request, exc.status, exc.message)


async def _bug(request: Request, exc: Exception) -> Response:
    # Logged by the guard, which catches what Starlette re-raises after this page was sent.
    return _error_page(request, 500, "The inspector failed on this page; this is a koppelbox bug.")


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _default(status: int) -> str:
    return {
        404: "There is no page here.",
        405: "This page does not take this method.",
    }.get(status, "The request failed.")
