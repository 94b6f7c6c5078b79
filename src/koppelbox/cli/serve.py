"""`koppelbox serve`: every API on one port."""

from __future__ import annotations

import gc
from pathlib import Path

import click
from rich.console import Console

from koppelbox.cli.options import load_store, store_options
from koppelbox.cli.output import credentials, print_credentials
from koppelbox.contracts import discover
from koppelbox.journal import DEFAULT_CAPACITY as DEFAULT_JOURNAL_SIZE
from koppelbox.server.app import DEFAULT_MAX_BODY_BYTES, create_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="KOPPELBOX_HOST", show_envvar=True)
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    envvar="KOPPELBOX_PORT",
    show_envvar=True,
)
@store_options
@click.option(
    "--max-body-bytes",
    default=DEFAULT_MAX_BODY_BYTES,
    show_default=True,
    type=click.IntRange(1),
    help="413 above this.",
    envvar="KOPPELBOX_MAX_BODY_BYTES",
    show_envvar=True,
)
@click.option(
    "--validate-responses",
    is_flag=True,
    help="Check every response against its contract (slower).",
    envvar="KOPPELBOX_VALIDATE_RESPONSES",
    show_envvar=True,
)
@click.option(
    "--journal-size",
    default=DEFAULT_JOURNAL_SIZE,
    show_default=True,
    type=click.IntRange(1),
    help="Requests the journal keeps (the oldest fall out).",
    envvar="KOPPELBOX_JOURNAL_SIZE",
    show_envvar=True,
)
def serve(
    host: str,
    port: int,
    fixtures: Path | None,
    seed: int,
    max_body_bytes: int,
    validate_responses: bool,
    journal_size: int,
) -> None:
    """Serve every API in openapi/ under its own prefix, over the seeded in-memory store."""
    import uvicorn

    store = load_store(fixtures, seed)
    app = create_app(
        store, max_body_bytes=max_body_bytes, validate_responses=validate_responses, journal_size=journal_size
    )
    console = Console()
    base = f"http://{host}:{port}"
    console.print(f"[bold]koppelbox sandbox[/bold] on {base} (seed {seed})")
    for spec in discover():
        console.print(f"  {spec.title:<48} {base}{spec.prefix}   docs: {base}{spec.prefix}/ui/")
    print_credentials(console, credentials(store))
    # What exists now (contracts, compiled validators, seed data) lives as long as the process: keep it
    # out of the collector's full passes, each of which would otherwise walk it and stall every request.
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
