"""Talking to a running sandbox's control plane (or a `koppelbox proxy`'s, which serves the same journal).

The policy a CI job needs from a client it does not watch (README.md, "The `koppelbox` command"):

- **Timeouts.** 5 s to connect, 30 s for each read (`KOPPELBOX_HTTP_TIMEOUT` sets the read timeout): a
  sandbox that hangs fails the job with one line instead of holding it until the runner's own limit.
- **Retries on connection errors only**, with bounded exponential backoff (0.25, 0.5, 1 s: four attempts,
  under 2 s of waiting): a sandbox that is still starting, or restarted, is reached. Every request here
  is a GET, so a retry can change nothing. An answer, even a 5xx, is never retried: it is the sandbox's
  word, and a read that timed out is not repeated against a server that is alive but slow.
- **The journal page by page**: `GET /sandbox/journal` answers the newest `limit` matching entries, and
  `before` pages back from there, so a journal of any size is read in requests of `PAGE_SIZE` entries.
"""

from __future__ import annotations

import os
import time
from typing import Any

import click
import httpx

DEFAULT_URL = "http://127.0.0.1:8080"
# The seeded admin token; a sandbox served with other fixtures needs --admin-token or the variable.
DEFAULT_ADMIN_TOKEN = "kbx-admin-local"

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
RETRY_DELAYS = (0.25, 0.5, 1.0)  # before the 2nd, 3rd and 4th attempt
PAGE_SIZE = 1000  # entries per journal request (the journal's default capacity: usually one request)
# Failures before any answer, where the request never reached a handler or got no answer at all.
_RETRIED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadError, httpx.RemoteProtocolError)


def admin_token_option(function: Any) -> Any:
    return click.option(
        "--admin-token",
        default=lambda: os.environ.get("KOPPELBOX_ADMIN_TOKEN", DEFAULT_ADMIN_TOKEN),
        show_default="$KOPPELBOX_ADMIN_TOKEN or the seeded kbx-admin-local",
        help="Control-plane admin token of the running sandbox.",
    )(function)


def timeout() -> httpx.Timeout:
    read = READ_TIMEOUT
    if os.environ.get("KOPPELBOX_HTTP_TIMEOUT"):
        try:
            read = float(os.environ["KOPPELBOX_HTTP_TIMEOUT"])
        except ValueError:
            raise click.UsageError("KOPPELBOX_HTTP_TIMEOUT must be a number of seconds") from None
    return httpx.Timeout(read, connect=min(CONNECT_TIMEOUT, read))


def control_plane(base_url: str, admin_token: str) -> httpx.Client:
    """A client for one sandbox: its base URL, the admin token, the timeouts; one connection reused."""
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        headers={"Authorization": f"Bearer {admin_token}", "Accept": "application/json"},
        timeout=timeout(),
    )


def get_json(
    base_url: str,
    path: str,
    admin_token: str,
    query: dict[str, Any] | None = None,
    *,
    http: httpx.Client | None = None,
) -> Any:
    """GET a control-plane path as JSON; any failure is one line (a `click.ClickException`)."""
    params = {k: str(v) for k, v in (query or {}).items() if v is not None}
    if http is None:
        with control_plane(base_url, admin_token) as own:
            return get_json(base_url, path, admin_token, query, http=own)
    url = f"{base_url.rstrip('/')}{path}"
    for attempt, delay in enumerate((*RETRY_DELAYS, None), start=1):
        try:
            response = http.get(path, params=params)
            break
        except _RETRIED as exc:
            if delay is None:
                raise click.ClickException(
                    f"cannot reach the sandbox at {base_url} ({attempt} attempts): {_reason(exc)}"
                ) from exc
            time.sleep(delay)
        except httpx.TimeoutException as exc:
            raise click.ClickException(
                f"the sandbox at {base_url} did not answer {path} within {http.timeout.read:g} s "
                "(KOPPELBOX_HTTP_TIMEOUT sets the limit)"
            ) from exc
        except httpx.HTTPError as exc:  # anything else httpx refuses (a malformed URL, say)
            raise click.ClickException(f"cannot ask {url}: {_reason(exc)}") from exc
    if response.status_code >= 400:
        detail = _readable(response.text[:500])
        raise click.ClickException(f"{url} answered {response.status_code}: {detail}")
    try:
        return response.json()
    except ValueError as exc:
        raise click.ClickException(f"{url} answered {response.status_code} but not with JSON") from exc


def fetch_journal_page(
    base_url: str, admin_token: str, *, page_size: int = PAGE_SIZE, **filters: Any
) -> dict[str, Any]:
    """The whole `GET /sandbox/journal` answer (every matching entry, oldest first, and the per-client
    accounts of lost ones), read newest page first and then back with `before`.

    `capacity`, `size`, `dropped` and `accounts` are the last page's: if entries fell out of the ring while
    the pages were read, the accounts say so, and a certification knows its evidence is not whole."""
    with control_plane(base_url, admin_token) as http:
        page: dict[str, Any] = get_json(
            base_url, "/sandbox/journal", admin_token, {**filters, "limit": page_size}, http=http
        )
        pages: list[list[dict[str, Any]]] = [page["entries"]]  # newest first
        while len(page["entries"]) == page_size:
            oldest = pages[-1][0]["seq"]
            query = {**filters, "limit": page_size, "before": oldest}
            page = get_json(base_url, "/sandbox/journal", admin_token, query, http=http)
            older = [entry for entry in page["entries"] if entry["seq"] < oldest]
            if not older and page["entries"]:
                # A full page and nothing older in it: the server ignored `before` (an older koppelbox).
                raise click.ClickException(
                    f"{base_url} does not page its journal back (`before`): upgrade it, or read "
                    f"fewer than {page_size} entries with a filter"
                )
            pages.append(older)
    return {**page, "entries": [entry for older in reversed(pages) for entry in older]}


def fetch_journal(base_url: str, admin_token: str, **filters: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = fetch_journal_page(base_url, admin_token, **filters)["entries"]
    return entries


def _reason(exc: Exception) -> str:
    # httpx's messages name the cause ("[Errno 111] Connection refused"); some are empty.
    return _readable(str(exc)) or type(exc).__name__


def _readable(text: str) -> str:
    """What a server said, on one line and inert on a terminal: control characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
