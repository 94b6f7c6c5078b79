"""`koppelbox journal`: what a running sandbox received and answered."""

from __future__ import annotations

import json

import click
from rich.markup import escape
from rich.table import Table

from koppelbox.cli.output import color_option, make_console
from koppelbox.cli.preflight import check_sandbox_url
from koppelbox.cli.remote import DEFAULT_URL, admin_token_option, fetch_journal_page
from koppelbox.contracts import api_names
from koppelbox.journal.masking import readable


@click.command()
@click.option("--url", default=DEFAULT_URL, show_default=True, help="Base URL of the running sandbox.")
@admin_token_option
@click.option("--client", help="Only this client id.")
@click.option("--api", type=click.Choice(api_names(control_plane=True)), help="Only this API.")
@click.option("--status", type=click.IntRange(100, 599), help="Only this HTTP status.")
@click.option("--errors", "errors_only", is_flag=True, help="Only 4xx and 5xx answers.")
@click.option("--operation", help="Only this operationId.")
@click.option(
    "--limit",
    type=click.IntRange(1),
    help="The newest N entries (default: 50 in the table, all of them with --json).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="The journal as JSON: entries and per-client accounts of lost ones (input for `koppelbox certify`).",
)
@click.option(
    "--har",
    "as_har",
    is_flag=True,
    help="The journal as a HAR 1.2 file (secrets masked) that browsers' developer tools open.",
)
@color_option
def journal(
    url: str,
    admin_token: str,
    client: str | None,
    api: str | None,
    status: int | None,
    errors_only: bool,
    operation: str | None,
    limit: int | None,
    as_json: bool,
    as_har: bool,
    color: str,
) -> None:
    """Show the requests a running sandbox recorded, with secrets masked."""
    url = check_sandbox_url(url)
    page = fetch_journal_page(url, admin_token, client=client, api=api, status=status, operation=operation)
    entries = page["entries"]
    if errors_only:
        entries = [e for e in entries if e["status"] >= 400]
    if as_har:
        from koppelbox.proxy.har import from_journal
        from koppelbox.version import version

        document = from_journal(entries[-limit:] if limit else entries, url, version())
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        click.echo(text.encode("utf-8", errors="backslashreplace"), nl=False)
        return
    if as_json:
        # The page as the control plane answers it, so that `certify --journal` can tell a whole journal
        # from one that lost some of a client's exchanges (the accounts).
        page["entries"] = entries[-limit:] if limit else entries
        # UTF-8 whatever the terminal's encoding (RFC 8259), and a lone surrogate a client sent (`"\ud800"`,
        # valid JSON, not valid UTF-8) written back as its JSON escape: the output is always valid JSON.
        text = json.dumps(page, indent=2, ensure_ascii=False) + "\n"
        click.echo(text.encode("utf-8", errors="backslashreplace"), nl=False)  # bytes: written as they are
        return
    entries = entries[-(limit or 50) :]
    table = Table(title=f"{len(entries)} journal entries from {url}", title_justify="left")
    for column in ("seq", "time", "client", "operation", "request", "status", "what was wrong"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        findings = "; ".join(
            f"{f['field']}: {f['message']}" if f["field"] else f["message"] for f in entry["findings"]
        )
        if entry.get("scenario"):
            findings = f"[scenario {entry['scenario']}] {findings}"
        query = f"?{entry['query']}" if entry["query"] else ""
        cells = [
            str(entry["seq"]),
            entry["time"][11:23],
            entry["client"] or "-",
            entry["operation"] or "-",
            f"{entry['method']} {entry['path']}{query}",
            str(entry["status"]),
            findings,
        ]
        # `[scenario 429]` is text, not markup; a lone surrogate is shown as U+FFFD
        table.add_row(*(escape(readable(cell)) for cell in cells))
    make_console(color).print(table)
