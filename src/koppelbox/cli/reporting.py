"""How `certify`, `conformance` and `fuzz` print a report and end: one summary, one exit code per status.

Exit codes: 0 PASSED, 1 FAILED, 3 INCOMPLETE (evidence lost or never exercised); click uses 2 for
usage errors, which the commands also raise for bad input found before any work starts.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from koppelbox.conformance.reports import write_reports
from koppelbox.conformance.verdicts import Report, Status

_MARKS = {
    "pass": "[green]PASS[/green]",
    "fail": "[red]FAIL[/red]",
    "skip": "[dim]n/a [/dim]",
    "not-exercised": "[yellow]NOT EXERCISED[/yellow]",
}
_WORDS = {
    Status.PASSED: "[green]PASSED[/green]",
    Status.FAILED: "[red]FAILED[/red]",
    Status.INCOMPLETE: "[yellow]INCOMPLETE[/yellow]",
}


def summarise(console: Console, report: Report, paths: dict[str, Path]) -> None:
    # soft_wrap: a line is never broken inside a path or a message, so logs and greps see it whole.
    for verdict in report.verdicts:
        # Titles and details quote what a partner sent: text, never rich markup.
        text = escape(f"{verdict.title}: {verdict.detail}")
        console.print(f"{_MARKS[str(verdict.outcome)]}  {text}", highlight=False, soft_wrap=True)
    counts = report.counts()
    status = report.status
    console.print(
        f"\n{report.kind} {escape(report.api)} / {escape(report.subject)}: {_WORDS[status]} "
        f"({counts['pass']} passed, {counts['fail']} failed, {counts['not-exercised']} not exercised, "
        f"{counts['skip']} not applicable)",
        highlight=False,
        soft_wrap=True,
    )
    if report.coverage is not None:
        console.print(f"coverage: {report.coverage_text()}", highlight=False, soft_wrap=True)
    for reason in report.incomplete_reasons:
        console.print(f"[yellow]missing:[/yellow] {escape(reason)}", highlight=False, soft_wrap=True)
    for kind, path in paths.items():
        console.print(f"  {kind:<6} {escape(str(path))}", highlight=False, soft_wrap=True)


def finish(console: Console, report: Report, out: Path) -> None:
    """Write the reports, print the summary, and exit with the status's code."""
    paths = write_reports(report, out)
    summarise(console, report, paths)
    raise SystemExit(report.status.exit_code)
