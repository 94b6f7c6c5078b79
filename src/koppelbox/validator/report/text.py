"""The terminal report: grouped by file, one line per finding, coloured only on a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from koppelbox.validator.findings import Severity
from koppelbox.validator.results import FileResult, Summary, position


def render(console: Console, results: Sequence[FileResult], *, show_clean: bool = True) -> None:
    for result in results:
        if result.clean and not show_clean:
            continue
        mark = "[green]✓[/green]" if result.clean else "[red]✗[/red]"
        against = f" [dim]→ {escape(result.target)}[/dim]" if result.target else ""
        how = f" [yellow]({result.how})[/yellow]" if result.how else ""
        console.print(f"{mark} [bold]{escape(result.file)}[/bold]{against}{how}", soft_wrap=True)
        for f in result.findings:
            colour = "red" if f.severity is Severity.ERROR else "yellow"
            where = position(f)
            location = f" [dim]{escape(f.pointer)}[/dim]" if f.pointer else ""
            console.print(
                f"  [{colour}]{f.severity}[/{colour}] [bold]`{escape(f.field)}`[/bold] {escape(f.message)}"
                f"{where}{location} [dim]\\[{f.rule}][/dim]",
                soft_wrap=True,
                highlight=False,
            )
    summary = Summary.of(results)
    style = "green" if summary.errors == summary.warnings == 0 else "red" if summary.errors else "yellow"
    console.print(f"[{style}]{summary.sentence()}[/{style}]", soft_wrap=True)
