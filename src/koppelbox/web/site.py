"""What every page shares: the sandbox it shows, the templates, the form token, paging."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from koppelbox.journal import JournalBackend
from koppelbox.server.app import SandboxApp
from koppelbox.store.interfaces import StoreBackend
from koppelbox.version import version
from koppelbox.web.guard import CSRF_FIELD, Csrf

PAGE_SIZE = 50
T = TypeVar("T")

# Autoescaping everywhere: every value a partner sent reaches a page as text, never as markup.
TEMPLATES = Environment(
    loader=PackageLoader("koppelbox.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _pretty(value: Any) -> str:
    """A JSON value as indented text (escaped by the template like any other string)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _text(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


TEMPLATES.filters["pretty"] = _pretty
TEMPLATES.filters["text"] = _text


@dataclass
class Paged(Generic[T]):
    items: Sequence[T]
    page: int  # 1-based
    pages: int
    total: int
    size: int

    @property
    def first(self) -> int:
        """The position (1-based) of the first item shown."""
        return (self.page - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.size + len(self.items)


def page_number(request: Request) -> int:
    raw = request.query_params.get("pagina", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10**9 else 1


def paginate(items: Sequence[T], request: Request, size: int = PAGE_SIZE) -> Paged[T]:
    pages = max(1, math.ceil(len(items) / size))
    page = min(page_number(request), pages)
    return Paged(items[(page - 1) * size : page * size], page, pages, len(items), size)


@dataclass
class Site:
    """The sandbox the pages show; one per mounted app."""

    app: SandboxApp
    csrf: Csrf
    open_access: bool
    reset_after_seq: int = 0  # the newest journal seq when the inspector last reset the sandbox
    # Changes made on these pages since the last reset: they are no API traffic, so the journal has none.
    actions: list[tuple[str, str]] = field(default_factory=list)  # (RFC 3339 time, what was done)

    def did(self, what: str) -> None:
        self.actions.append((datetime.now(UTC).isoformat(timespec="seconds"), what))
        del self.actions[:-100]  # the newest hundred are plenty to read

    @property
    def store(self) -> StoreBackend:
        return self.app.sandbox.store

    @property
    def journal(self) -> JournalBackend:
        return self.app.sandbox.journal

    @property
    def apis(self) -> list[str]:
        return self.app.sandbox.apis

    def render(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        token, new = self.csrf.token_for(request)
        html = TEMPLATES.get_template(template).render(
            request=request,
            csrf_field=CSRF_FIELD,
            csrf=token,
            version=version(),
            open_access=self.open_access,
            **values,
        )
        response = HTMLResponse(html, status_code=status)
        if new:
            self.csrf.remember(response, token)
        return response
