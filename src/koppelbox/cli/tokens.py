"""`koppelbox tokens`: the seeded clients, their secrets, tokens and scopes."""

from __future__ import annotations

import json
from pathlib import Path

import click

from koppelbox.cli.options import load_store, store_options
from koppelbox.cli.output import color_option, credentials, make_console, print_credentials


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@store_options
@color_option
def tokens(as_json: bool, fixtures: Path | None, seed: int, color: str) -> None:
    """List the seeded clients with their secrets, static tokens and scopes."""
    data = credentials(load_store(fixtures, seed))
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        print_credentials(make_console(color), data)
