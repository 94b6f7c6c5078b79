"""`koppelbox conformance` and `koppelbox fuzz`: our contract and checks against a server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import click
from rich.markup import escape

from koppelbox.cli import preflight
from koppelbox.cli.options import store_options
from koppelbox.cli.output import color_option, finish, make_console
from koppelbox.contracts import api_names

PHASES = ("examples", "coverage", "fuzzing", "stateful")
VENDOR_SERVED = [name for name in api_names() if name != "aanmeld"]


@click.command()
# The APIs a vendor implements itself (an Edu-V source, a Wimpel-compatible service); Magister alone
# serves the Aanmeld-API, so there is no vendor server of it to test.
@click.option("--api", required=True, type=click.Choice(VENDOR_SERVED))
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
@click.option(
    "--id",
    "id_options",
    multiple=True,
    metavar="NAME=VALUE",
    help="A value that exists on the server for a parameter: id, path.id, query.orgMasterId. Repeatable.",
)
@click.option(
    "--ids",
    "ids_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A YAML or JSON file mapping such names to values.",
)
@click.option(
    "--allow-writes",
    is_flag=True,
    help="Run the operations that create, change or delete (always on for a local koppelbox sandbox).",
)
@click.option("--max-examples", type=click.IntRange(1), default=25, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--phase", "phases", multiple=True, type=click.Choice(PHASES), help="Repeatable; default all.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@color_option
def conformance(
    api: str,
    base_url: str,
    token: str | None,
    client_id: str | None,
    client_secret: str | None,
    token_url: str | None,
    requested_scope: str | None,
    scopes: str | None,
    id_options: tuple[str, ...],
    ids_file: Path | None,
    allow_writes: bool,
    max_examples: int,
    seed: int,
    phases: tuple[str, ...],
    out: Path,
    color: str,
) -> None:
    """Test a vendor's own implementation against our contract; report per operation × status.

    Exits 0 PASSED, 1 FAILED, 3 INCOMPLETE (an operation's success answer was never exercised), 2 on
    bad input.
    """
    from koppelbox.conformance.local import is_local_sandbox
    from koppelbox.conformance.provider import ProviderRun, client_credentials_token, run_provider

    if client_id and (token or not client_secret):
        raise click.UsageError("use --client-id with --client-secret, not with --token")
    ids = _ids(api, id_options, ids_file)
    base_url = preflight.check_base_url(base_url)
    preflight.check_reachable(base_url)
    # Writing is safe only where the data is throw-away: a koppelbox sandbox on this machine.
    sandbox = is_local_sandbox(base_url)
    writes = allow_writes or sandbox
    console = make_console(color)
    console.print(f"[bold]koppelbox conformance[/bold] {api} against {escape(base_url)} (seed {seed})")
    console.print(_plan(api, writes, allow_writes), highlight=False, soft_wrap=True)  # one line, greppable
    granted = frozenset(scopes.split()) if scopes else None
    if client_id:
        assert client_secret is not None
        url = token_url or urljoin(base_url, "/sandbox/oauth2/token")
        try:
            token, granted = client_credentials_token(url, client_id, client_secret, requested_scope)
        except (OSError, ValueError, KeyError) as exc:
            raise click.ClickException(f"cannot get a token from {url}: {exc}") from exc
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    run = ProviderRun(
        api,
        base_url,
        headers,
        granted,
        max_examples,
        seed,
        phases or PHASES,
        allow_writes=writes,
        ids=ids,
        spare_existing=not sandbox,
    )
    finish(console, run_provider(run, lambda line: console.print(escape(line), highlight=False)), out)


def _ids(api: str, id_options: tuple[str, ...], ids_file: Path | None) -> dict[str, str]:
    """`--ids FILE` then `--id NAME=VALUE` (the command line wins), each name one the contract has."""
    from koppelbox.conformance.provider import unknown_id_names

    ids = preflight.load_ids(ids_file) if ids_file is not None else {}
    ids.update(preflight.parse_id(text) for text in id_options)
    unknown = unknown_id_names(api, ids)
    if unknown:
        raise click.BadParameter(
            f"no operation of the {api} contract has a parameter {', '.join(unknown)}", param_hint="--id"
        )
    return ids


def _plan(api: str, writes: bool, asked: bool) -> str:
    """One line, before any request, saying whether the run will change data on the server."""
    from koppelbox.conformance.provider import write_operations

    names = ", ".join(op.operation_id for op in write_operations(api))
    if not names:
        return "read-only: the contract has no operation that creates, changes or deletes"
    if not writes:
        return f"read-only: will not run {names} (pass --allow-writes)"
    why = "--allow-writes" if asked else "a local koppelbox sandbox"
    return f"writes allowed ({why}): will run {names}, and delete what it creates"


@click.command()
@click.option("--api", required=True, type=click.Choice(api_names(control_plane=True)))
@store_options
@click.option("--max-examples", type=click.IntRange(1), default=200, show_default=True)
@click.option("--no-stateful", is_flag=True, help="Skip the stateful (linked-operation) phase.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@color_option
def fuzz(
    api: str, fixtures: Path | None, seed: int, max_examples: int, no_stateful: bool, out: Path, color: str
) -> None:
    """Long seeded fuzz run of the sandbox itself, over HTTP, with every check."""
    from koppelbox.conformance.fuzz import fuzz_sandbox

    console = make_console(color)
    console.print(f"[bold]koppelbox fuzz[/bold] {api}, seed {seed}, {max_examples} examples per operation")
    report = fuzz_sandbox(
        api,
        seed=seed,
        max_examples=max_examples,
        fixtures=fixtures,
        stateful=not no_stateful,
        progress=lambda line: console.print(escape(line), highlight=False),
    )
    finish(console, report, out)
