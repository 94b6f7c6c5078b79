"""Talking to a running sandbox's control plane (stdlib only, so the CLI needs no HTTP client)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import click

DEFAULT_URL = "http://127.0.0.1:8080"
# The seeded admin token; a sandbox served with other fixtures needs --admin-token or the variable.
DEFAULT_ADMIN_TOKEN = "kbx-admin-local"


def admin_token_option(function: Any) -> Any:
    return click.option(
        "--admin-token",
        default=lambda: os.environ.get("KOPPELBOX_ADMIN_TOKEN", DEFAULT_ADMIN_TOKEN),
        show_default="$KOPPELBOX_ADMIN_TOKEN or the seeded kbx-admin-local",
        help="Control-plane admin token of the running sandbox.",
    )(function)


def get_json(base_url: str, path: str, admin_token: str, query: dict[str, Any] | None = None) -> Any:
    params = {k: str(v) for k, v in (query or {}).items() if v is not None}
    url = base_url.rstrip("/") + path + ("?" + urllib.parse.urlencode(params) if params else "")
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {admin_token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace")[:500]
        raise click.ClickException(f"{url} answered {exc.code}: {detail}") from exc
    except urllib.error.URLError as exc:
        raise click.ClickException(f"cannot reach the sandbox at {base_url}: {exc.reason}") from exc


def fetch_journal_page(base_url: str, admin_token: str, **filters: Any) -> dict[str, Any]:
    """The whole `GET /sandbox/journal` answer: the entries and the per-client accounts of lost ones."""
    page: dict[str, Any] = get_json(base_url, "/sandbox/journal", admin_token, {"limit": 100000, **filters})
    return page


def fetch_journal(base_url: str, admin_token: str, **filters: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = fetch_journal_page(base_url, admin_token, **filters)["entries"]
    return entries
