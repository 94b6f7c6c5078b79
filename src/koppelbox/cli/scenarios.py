"""`koppelbox scenarios`: the catalogue of answers a vendor can provoke."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from rich.markup import escape
from rich.table import Table

from koppelbox.cli.output import color_option, make_console
from koppelbox.contracts import api_names
from koppelbox.scenarios import load_catalogue
from koppelbox.scenarios.markdown import render_markdown


@click.command()
@click.option("--api", type=click.Choice(api_names()), help="Only this API.")
@click.option("--markdown", is_flag=True, help="The docs table (docs/scenarios.md is this output).")
@click.option("--json", "as_json", is_flag=True, help="The catalogue as JSON.")
@color_option
def scenarios(api: str | None, markdown: bool, as_json: bool, color: str) -> None:
    """List every scenario: status, how to trigger it, and what a client should do."""
    catalogue = load_catalogue()
    if markdown:
        click.echo(render_markdown(catalogue), nl=False)
        return
    rows = [s for s in catalogue.scenarios if api is None or s.api == api]
    if as_json:
        click.echo(json.dumps([asdict(s) for s in rows], indent=2, ensure_ascii=False))
        return
    table = Table(title="Scenario catalogue", title_justify="left")
    for column in ("id", "status", "how", "your client should"):
        table.add_column(column, overflow="fold")
    for s in rows:
        table.add_row(*(escape(c) for c in (s.id, str(s.status or "slow"), s.how, s.vendor_should)))
    make_console(color).print(table)
