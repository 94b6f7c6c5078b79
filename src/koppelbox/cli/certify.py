"""`koppelbox certify`: judge a vendor's client from the sandbox's journal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from koppelbox.cli.options import store_options
from koppelbox.cli.output import color_option, finish, make_console
from koppelbox.cli.preflight import check_sandbox_url
from koppelbox.cli.remote import admin_token_option, fetch_journal_page
from koppelbox.conformance.certify import UnknownClient
from koppelbox.conformance.certify import certify as judge
from koppelbox.contracts import api_names
from koppelbox.journal import JournalEntry


@click.command()
@click.option("--api", required=True, type=click.Choice(api_names()))
@click.option("--client", help="The client id to judge (needed when several clients used the API).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--url", help="Read the journal of the sandbox running here (e.g. http://127.0.0.1:8080).")
@click.option(
    "--journal",
    "journal_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the journal from a file (`koppelbox journal --json` output).",
)
@click.option(
    "--har",
    "har_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Judge traffic recorded elsewhere: a HAR 1.2 file (browser, mitmproxy, Postman), as --client's.",
)
@click.option(
    "--since",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Judge only the client's exchanges after this journal seq (a new run after an earlier one).",
)
@admin_token_option
@store_options
@color_option
def certify(
    api: str,
    client: str | None,
    out: Path,
    url: str | None,
    journal_file: Path | None,
    har_file: Path | None,
    since: int,
    admin_token: str,
    fixtures: Path | None,
    seed: int,
    color: str,
) -> None:
    """Judge one client: scenarios exercised, payloads conformant, errors handled.

    Writes junit.xml, evidence.json and report.html to --out. Exits 0 for PASSED, 1 for FAILED, 3 for
    INCOMPLETE (some of the client's exchanges are no longer in the journal) and 2 for a usage error.
    --fixtures and --seed must match the sandbox that recorded the journal (they replay Aanmeld
    enrolments).
    """
    if sum(source is not None for source in (url, journal_file, har_file)) != 1:
        raise click.UsageError("give exactly one of --url, --journal and --har")
    page: Any
    if har_file is not None:
        page = _read_har(har_file, api, client)
        source = str(har_file)
    elif url is not None:
        url = check_sandbox_url(url)
        page = fetch_journal_page(url, admin_token)
        source = f"{url.rstrip('/')}/sandbox/journal"
    else:
        assert journal_file is not None
        page = _read_journal_file(journal_file)
        source = str(journal_file)
    raw_entries, accounts = (
        (page["entries"], page.get("accounts")) if isinstance(page, dict) else (page, None)
    )
    try:
        entries = [JournalEntry.from_dict(e) for e in raw_entries]
    except (TypeError, KeyError) as exc:
        raise click.UsageError(f"{source} does not hold journal entries ({exc})") from exc
    try:
        report = judge(
            entries, api, client, fixtures=fixtures, seed=seed, source=source, accounts=accounts, since=since
        )
    except UnknownClient as exc:
        raise click.UsageError(str(exc)) from exc
    finish(make_console(color), report, out)


def _read_journal_file(path: Path) -> Any:
    try:
        page = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.UsageError(
            f"{path} is not a JSON journal (`koppelbox journal --json` writes one): {exc}"
        ) from exc
    if not isinstance(page, list) and not (isinstance(page, dict) and isinstance(page.get("entries"), list)):
        raise click.UsageError(f"{path} is not a journal: expected `koppelbox journal --json` output")
    return page


def _read_har(path: Path, api: str, client: str | None) -> list[dict[str, Any]]:
    """A HAR file's exchanges with `api` as the journal entries the proxy would have recorded for them."""
    from koppelbox.proxy import har

    if client is None:
        raise click.UsageError("name the client whose traffic the HAR file holds with --client")
    try:
        judged, _ = har.judge(har.read(path), api)
    except har.HarError as exc:
        raise click.UsageError(str(exc)) from exc
    if not judged:
        raise click.UsageError(f"no exchange in {path} is a request to the {api} API")
    return [entry.to_dict() for entry in har.entries(judged, client)]
