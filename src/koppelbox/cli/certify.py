"""`koppelbox certify`: judge a vendor's client from the sandbox's journal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from koppelbox.cli.options import store_options
from koppelbox.cli.remote import admin_token_option, fetch_journal
from koppelbox.conformance.certify import certify as judge
from koppelbox.conformance.reports import write_reports
from koppelbox.conformance.verdicts import Report
from koppelbox.journal import JournalEntry


@click.command()
@click.option("--api", required=True, type=click.Choice(["aanmeld", "eduv", "wimpel"]))
@click.option("--client", help="The client id to judge (needed when several clients used the API).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--url", help="Read the journal of the sandbox running here (e.g. http://127.0.0.1:8080).")
@click.option(
    "--journal",
    "journal_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the journal from a file (`koppelbox journal --json` output).",
)
@admin_token_option
@store_options
def certify(
    api: str,
    client: str | None,
    out: Path,
    url: str | None,
    journal_file: Path | None,
    admin_token: str,
    fixtures: Path | None,
    seed: int,
) -> None:
    """Judge one client: scenarios exercised, payloads conformant, errors handled.

    Writes junit.xml, evidence.json and report.html to --out; exits 1 when a check failed. --fixtures
    and --seed must match the sandbox that recorded the journal (they replay Aanmeld enrolments).
    """
    if (url is None) == (journal_file is None):
        raise click.UsageError("give exactly one of --url and --journal")
    if url is not None:
        raw: Any = fetch_journal(url, admin_token)
        source = f"{url}/sandbox/journal"
    else:
        assert journal_file is not None
        raw = json.loads(journal_file.read_text(encoding="utf-8"))
        source = str(journal_file)
    entries = [JournalEntry.from_dict(e) for e in (raw["entries"] if isinstance(raw, dict) else raw)]
    try:
        report = judge(entries, api, client, fixtures=fixtures, seed=seed, source=source)
    except (ValueError, LookupError) as exc:
        raise click.ClickException(str(exc)) from exc
    paths = write_reports(report, out)
    summarise(Console(), report, paths)
    if not report.passed:
        raise SystemExit(1)


def summarise(console: Console, report: Report, paths: dict[str, Path]) -> None:
    for verdict in report.verdicts:
        mark = {"pass": "[green]PASS[/green]", "fail": "[red]FAIL[/red]", "skip": "[dim]n/a [/dim]"}
        text = escape(f"{verdict.title}: {verdict.detail}")
        console.print(f"{mark[str(verdict.outcome)]}  {text}", highlight=False)
    counts = report.counts()
    word = "[green]PASSED[/green]" if report.passed else "[red]FAILED[/red]"
    console.print(
        f"\n{report.kind} {report.api} / {report.subject}: {word} "
        f"({counts['pass']} passed, {counts['fail']} failed, {counts['skip']} not applicable)"
    )
    for kind, path in paths.items():
        console.print(f"  {kind:<6} {path}")
