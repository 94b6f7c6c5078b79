"""`koppelbox conformance` and `koppelbox fuzz`: our contract and checks against a server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import click
from rich.console import Console
from rich.markup import escape

from koppelbox.cli.certify import summarise
from koppelbox.cli.options import store_options
from koppelbox.conformance.reports import write_reports
from koppelbox.conformance.verdicts import Report

PHASES = ("examples", "coverage", "fuzzing", "stateful")


def _finish(console: Console, report: Report, out: Path) -> None:
    paths = write_reports(report, out)
    summarise(console, report, paths)
    if not report.passed:
        raise SystemExit(1)


@click.command()
@click.option("--api", required=True, type=click.Choice(["eduv", "wimpel"]))
@click.option("--base-url", required=True, help="Where the API's paths start, e.g. https://host/eduv.")
@click.option("--token", help="A bearer token for the server under test.")
@click.option("--client-id", help="Fetch a token with the client credentials grant instead.")
@click.option("--client-secret")
@click.option("--token-url", help="Token endpoint (default: the contract's tokenUrl on the base URL's host).")
@click.option("--scope", "requested_scope", help="Scopes to request with --client-id (space-separated).")
@click.option(
    "--scopes",
    help="The token's scopes, space-separated, when --token is used (enables the scope-trimming check).",
)
@click.option("--max-examples", type=click.IntRange(1), default=25, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--phase", "phases", multiple=True, type=click.Choice(PHASES), help="Repeatable; default all.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
def conformance(
    api: str,
    base_url: str,
    token: str | None,
    client_id: str | None,
    client_secret: str | None,
    token_url: str | None,
    requested_scope: str | None,
    scopes: str | None,
    max_examples: int,
    seed: int,
    phases: tuple[str, ...],
    out: Path,
) -> None:
    """Test a vendor's own implementation against our contract; report per operation × status."""
    from koppelbox.conformance.provider import ProviderRun, client_credentials_token, run_provider

    granted = frozenset(scopes.split()) if scopes else None
    if client_id:
        if token or not client_secret:
            raise click.UsageError("use --client-id with --client-secret, not with --token")
        url = token_url or urljoin(base_url, "/sandbox/oauth2/token")
        try:
            token, granted = client_credentials_token(url, client_id, client_secret, requested_scope)
        except OSError as exc:
            raise click.ClickException(f"cannot get a token from {url}: {exc}") from exc
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    console = Console()
    run = ProviderRun(api, base_url, headers, granted, max_examples, seed, phases or PHASES)
    console.print(f"[bold]koppelbox conformance[/bold] {api} against {base_url} (seed {seed})")
    _finish(console, run_provider(run, lambda line: console.print(escape(line), highlight=False)), out)


@click.command()
@click.option("--api", required=True, help="wimpel, eduv, aanmeld or sandbox.")
@store_options
@click.option("--max-examples", type=click.IntRange(1), default=200, show_default=True)
@click.option("--no-stateful", is_flag=True, help="Skip the stateful (linked-operation) phase.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
def fuzz(api: str, fixtures: Path | None, seed: int, max_examples: int, no_stateful: bool, out: Path) -> None:
    """Long seeded fuzz run of the sandbox itself, over HTTP, with every check."""
    from koppelbox.conformance.fuzz import fuzz_sandbox

    console = Console()
    console.print(f"[bold]koppelbox fuzz[/bold] {api}, seed {seed}, {max_examples} examples per operation")
    report = fuzz_sandbox(
        api,
        seed=seed,
        max_examples=max_examples,
        fixtures=fixtures,
        stateful=not no_stateful,
        progress=lambda line: console.print(escape(line), highlight=False),
    )
    _finish(console, report, out)
