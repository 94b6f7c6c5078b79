"""`koppelbox proxy`: stand between a connector and the real API, judge every exchange, keep a journal."""

from __future__ import annotations

import contextlib
import socket
import sys
from pathlib import Path

import click

from koppelbox.cli.output import color_option, status_styler
from koppelbox.cli.preflight import check_url
from koppelbox.cli.remote import DEFAULT_ADMIN_TOKEN, admin_token_option
from koppelbox.contracts import api_names
from koppelbox.journal.access import printable

_WORDS = {
    "forwarded": "forwarded",
    "refused": "REFUSED  ",
    "unreachable": "UPSTREAM ",
    "timeout": "TIMEOUT  ",
}


@click.command()
@click.option("--api", required=True, type=click.Choice(api_names()), help="The API to stand in front of.")
@click.option(
    "--upstream",
    required=True,
    help="The real API's base URL, standing for the sandbox's prefix: /aanmeld/v1/... goes to URL/v1/...",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8081, show_default=True, type=click.IntRange(0, 65535), help="Port.")
@click.option(
    "--guard",
    is_flag=True,
    help="Answer a request with findings here (the API's 400, with the findings) and never send it on.",
)
@click.option(
    "--ca-bundle",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verify the upstream's TLS certificate against these CAs (PEM) instead of certifi's list.",
)
@click.option("--insecure", is_flag=True, help="Do not verify the upstream's TLS certificate (tests only).")
@click.option(
    "--timeout",
    type=click.FloatRange(0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for the upstream before answering 504.",
)
@click.option(
    "--client",
    help="The client id to record the traffic under (default: read from a JWT token, or Basic credentials).",
)
@click.option(
    "--journal-size", type=click.IntRange(1), default=1000, show_default=True, help="Journal entries kept."
)
@admin_token_option
@color_option
def proxy(
    api: str,
    upstream: str,
    host: str,
    port: int,
    guard: bool,
    ca_bundle: Path | None,
    insecure: bool,
    timeout: float,
    client: str | None,
    journal_size: int,
    admin_token: str,
    color: str,
) -> None:
    """Serve one API at the sandbox's paths and forward it to the real one, checking every exchange.

    Each request is checked as `koppelbox validate` checks a payload, each answer against the contract
    (upstream drift), and both are kept in a journal (secrets masked) that `koppelbox journal --url` and
    `koppelbox certify --url` read from this proxy as from a sandbox. Credentials pass through untouched
    and are never stored. One line per exchange on standard error says what was done with it.

    \b
    Examples:
      koppelbox proxy --api wimpel --upstream https://wimpel.example.nl/api --guard
      koppelbox journal --url http://127.0.0.1:8081
    """
    from koppelbox.conformance.local import is_loopback

    upstream = check_url(upstream, "--upstream")
    if insecure and ca_bundle is not None:
        raise click.UsageError("give --ca-bundle or --insecure, not both")
    if not is_loopback(host) and admin_token == DEFAULT_ADMIN_TOKEN:
        # The journal holds real schools' data: beyond this machine it needs a token of its own.
        raise click.UsageError(
            f"--host {host} reaches beyond this machine: set a journal admin token of your own "
            "(--admin-token or $KOPPELBOX_ADMIN_TOKEN)"
        )
    import uvicorn

    from koppelbox.proxy.app import Outcome, ProxyApp, ProxySettings

    verify: bool | str = str(ca_bundle) if ca_bundle is not None else not insecure

    status_style = status_styler(color, stderr=True)

    def tell(outcome: Outcome) -> None:
        notes = []
        if outcome.findings:
            notes.append(f"{outcome.findings} finding(s)")
        if outcome.drift:
            notes.append(f"{outcome.drift} drift")
        if outcome.reason:
            notes.append(outcome.reason)
        status = status_style(outcome.status, str(outcome.status))
        line = f"{_WORDS[outcome.action]} {status} {outcome.method} {printable(outcome.path)}"
        click.echo(line + (f"  ({'; '.join(notes)})" if notes else ""), err=True)

    settings = ProxySettings(
        api=api,
        upstream=upstream,
        guard=guard,
        verify=verify,
        timeout=timeout,
        admin_token=admin_token,
        client=client,
        journal_size=journal_size,
    )
    app = ProxyApp(settings, tell)
    mode = (
        "guard: requests with findings are answered here" if guard else "requests with findings are flagged"
    )
    click.echo(
        f"koppelbox proxy: http://{host}:{port}{app.prefix} -> {upstream} ({mode}); "
        f"journal at http://{host}:{port}/sandbox/journal",
        err=True,
    )
    if insecure:
        click.echo("warning: the upstream's TLS certificate is not verified (--insecure)", err=True)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        click.echo(f"cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(3)
    # server_header/date_header off: the upstream's Server and Date reach the client as it sent them.
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, server_header=False, date_header=False
    )
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
