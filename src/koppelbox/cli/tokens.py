"""`koppelbox tokens`: the seeded clients, their secrets, tokens and scopes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from koppelbox.cli.options import load_store, store_options
from koppelbox.store import Store


def credentials(store: Store) -> dict[str, Any]:
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


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@store_options
def tokens(as_json: bool, fixtures: Path | None, seed: int) -> None:
    """List the seeded clients with their secrets, static tokens and scopes."""
    data = credentials(load_store(fixtures, seed))
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        print_credentials(Console(), data)
