"""Output that several commands share, so that no command imports another:

- reports of `certify`, `conformance` and `fuzz`: one summary, one exit code per status (0 PASSED,
  1 FAILED, 3 INCOMPLETE: evidence lost or never exercised; click uses 2 for usage errors, which the
  commands also raise for bad input found before any work starts);
- findings of `validate` and `lint`: text, JSON or JUnit, and their exit code;
- the seeded credentials, printed by `serve` and `tokens`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:  # `serve` prints credentials and must not pay for the report machinery at start-up
    from koppelbox.conformance.verdicts import Report
    from koppelbox.store.interfaces import StoreBackend
    from koppelbox.validator.results import FileResult

_MARKS = {
    "pass": "[green]PASS[/green]",
    "fail": "[red]FAIL[/red]",
    "skip": "[dim]n/a [/dim]",
    "not-exercised": "[yellow]NOT EXERCISED[/yellow]",
}
_WORDS = {
    "PASSED": "[green]PASSED[/green]",
    "FAILED": "[red]FAILED[/red]",
    "INCOMPLETE": "[yellow]INCOMPLETE[/yellow]",
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
        f"\n{report.kind} {escape(report.api)} / {escape(report.subject)}: {_WORDS[str(status)]} "
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
    from koppelbox.conformance.reports import write_reports

    paths = write_reports(report, out)
    summarise(console, report, paths)
    raise SystemExit(report.status.exit_code)


# --- findings (`validate`, `lint`) ------------------------------------------------------------------------


class BadInput(click.ClickException):
    """Usage problems and unreadable input: exit code 2, as for click's own usage errors."""

    exit_code = 2


def emit(
    results: list[FileResult],
    output_format: str,
    output: Path | None,
    color: str,
    show_clean: bool,
    suite: str = "koppelbox validate",
) -> None:
    from koppelbox.validator.report import json_report, junit, text

    if output_format == "text":
        stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            force = {"always": True, "never": False}.get(color)
            console = Console(file=stream, force_terminal=force, no_color=color == "never", highlight=False)
            text.render(console, results, show_clean=show_clean)
        finally:
            if output:
                stream.close()
        return
    rendered = json_report.render(results) if output_format == "json" else junit.render(results, suite)
    if output:
        output.write_text(rendered + ("" if rendered.endswith("\n") else "\n"), encoding="utf-8")
    else:
        click.echo(rendered)


def exit_code(results: list[FileResult], fail_on: str) -> int:
    failing = {"error"} if fail_on == "error" else {"error", "warning"}
    return 1 if any(str(f.severity) in failing for r in results for f in r.findings) else 0


def format_options(function: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        [
            click.option(
                "--format",
                "output_format",
                type=click.Choice(["text", "json", "junit"]),
                default="text",
                show_default=True,
                help="text for people, json for tools, junit for CI.",
            ),
            click.option(
                "--output",
                "-O",
                type=click.Path(dir_okay=False, writable=True, path_type=Path),
                help="Write the report to this file instead of standard output.",
            ),
            click.option(
                "--fail-on",
                type=click.Choice(["warning", "error"]),
                default="warning",
                show_default=True,
                help="Exit 1 on any finding (warning), or only on errors.",
            ),
            click.option(
                "--color",
                type=click.Choice(["auto", "always", "never"]),
                default="auto",
                show_default=True,
                help="Colour the text report (auto: only on a terminal).",
            ),
            click.option(
                "--quiet", "-q", is_flag=True, help="Text report: leave out files without findings."
            ),
        ]
    ):
        function = option(function)
    return function


# --- consoles (`serve`, `tokens`, `journal`, `scenarios`) -------------------------------------------------

# Wider than any line a command prints: off a terminal, nothing is wrapped, folded or cut.
PIPE_WIDTH = 100_000

COLOR_CHOICE = click.Choice(["auto", "always", "never"])
color_option = click.option(
    "--color",
    type=COLOR_CHOICE,
    default="auto",
    show_default=True,
    help="Colour the output (auto: only on a terminal, and never with NO_COLOR set).",
)


def make_console(color: str = "auto", *, stderr: bool = False) -> Console:
    """A console for a command's output. On a terminal it is as wide as the terminal; otherwise (a pipe,
    a file, CI) tables and lines come out whole, at their natural width, so that URLs, ids, secrets and
    paths are never split. `color`: auto colours only a terminal (rich itself honours `NO_COLOR`), always
    forces colour, never none."""
    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty()
    return Console(
        file=stream,
        force_terminal={"always": True, "never": False}.get(color),
        no_color={"always": False, "never": True}.get(color),  # always overrides NO_COLOR, as a flag may
        width=None if terminal else PIPE_WIDTH,
        soft_wrap=not terminal,
    )


_STATUS_COLOURS = {2: "green", 3: "cyan", 4: "yellow", 5: "red"}


def status_styler(color: str, *, stderr: bool = False) -> Callable[[int, str], str]:
    """For a line per exchange (`serve`'s access log, `proxy`): a function colouring an HTTP status by
    its class when the stream is coloured as `make_console(color)` decides, and leaving it alone otherwise.
    Cheap per call: the decision is taken once, here."""
    console = make_console(color, stderr=stderr)
    if not console.is_terminal or console.no_color:
        return lambda _status, text: text
    return lambda status, text: click.style(text, fg=_STATUS_COLOURS.get(status // 100))


# --- credentials (`serve`, `tokens`) ---------------------------------------------------------------------


def credentials(store: StoreBackend) -> dict[str, Any]:
    return {
        "admin_token": store.identity.admin_token,
        "token_url": "/sandbox/oauth2/token",
        "clients": store.identity.summaries(with_secrets=True),
    }


def print_credentials(console: Console, data: dict[str, Any]) -> None:
    table = Table(title="Seeded clients", title_justify="left")
    for column in ("client", "secret", "static token", "scopes"):
        table.add_column(column, overflow="fold")  # a truncated token is useless: wrap, never cut
    for client in data["clients"]:
        for index, token in enumerate(client["tokens"] or [{"token": "-", "scopes": [], "expired": False}]):
            label = token["token"] + (" (expired)" if token["expired"] else "")
            scopes = (
                " ".join(token["scopes"]) if token["scopes"] != client["scopes"] else "all of the client's"
            )
            table.add_row(
                client["id"] if index == 0 else "", client["secret"] if index == 0 else "", label, scopes
            )
    console.print(table)
    console.print(f"Control-plane admin token: [bold]{data['admin_token']}[/bold]")
    console.print(
        f"OAuth2 client credentials: POST {data['token_url']} (Basic auth or client_id/client_secret)"
    )
