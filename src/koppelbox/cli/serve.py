"""`koppelbox serve`: every API on one port."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from koppelbox.cli.options import load_store, open_state, shown, state_in_memory, store_options
from koppelbox.cli.output import COLOR_CHOICE, credentials, make_console, print_credentials, status_styler
from koppelbox.contracts import discover
from koppelbox.journal import DEFAULT_CAPACITY as DEFAULT_JOURNAL_SIZE
from koppelbox.journal import JournalBackend
from koppelbox.journal.access import AccessRecord, AccessSink, json_line, text_line
from koppelbox.server.app import DEFAULT_MAX_BODY_BYTES, SandboxApp, create_app
from koppelbox.store.interfaces import StoreBackend


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
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No access-log line per request.",
    envvar="KOPPELBOX_QUIET",
    show_envvar=True,
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Access log: a line of text, or one JSON object a line (the banner then goes to standard error).",
    envvar="KOPPELBOX_LOG_FORMAT",
    show_envvar=True,
)
@click.option(
    "--color",
    type=COLOR_CHOICE,
    default="auto",
    show_default=True,
    help="Colour the banner and the log (auto: only on a terminal, and never with NO_COLOR set).",
    envvar="KOPPELBOX_COLOR",
    show_envvar=True,
)
@click.option(
    "--state",
    metavar="URL",
    default=None,
    help="Keep the data in a database instead of memory: sqlite:///path/file.db (one machine) or "
    "postgresql://user:password@host/db (several workers or hosts). See docs/hosting.md.",
    envvar="KOPPELBOX_STATE",
    show_envvar=True,
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1),
    help="Worker processes on the one port; more than 1 needs --state with a database file or server.",
    envvar="KOPPELBOX_WORKERS",
    show_envvar=True,
)
@click.option(
    "--tenant-fixtures",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="A directory of fixtures folders the operator may build tenants from "
    '(POST /sandbox/tenants {"id": ..., "fixtures": "<folder>"}). See docs/hosting.md.',
    envvar="KOPPELBOX_TENANT_FIXTURES",
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
    quiet: bool,
    log_format: str,
    color: str,
    state: str | None,
    workers: int,
    tenant_fixtures: Path | None,
) -> None:
    """Serve every API in openapi/ under its own prefix, over the seeded in-memory store.

    Exit 3 if HOST:PORT cannot be bound (a port in use, an unknown host): one line on standard error,
    before anything else is printed. While serving, one access-log line per request (health probes
    aside) on standard output: method, path, status, milliseconds, client, scenario, findings."""
    import uvicorn

    check_workers(state, workers)
    sock = bind(host, port)
    port = sock.getsockname()[1]  # the port given, or the one the system chose for --port 0
    # Opened here also with workers: the schema is migrated and the seed stored once, before any starts.
    try:
        store = load_store(fixtures, seed) if state is None else open_state(state, fixtures, seed)
    except BaseException:
        sock.close()
        raise
    settings = WorkerSettings(
        host,
        fixtures,
        seed,
        max_body_bytes,
        validate_responses,
        journal_size,
        quiet,
        log_format,
        color,
        state,
        tenant_fixtures,
    )
    app = build_app(store, settings) if workers == 1 else None
    # Off a terminal nothing is wrapped; with JSON lines, standard output carries those lines alone.
    console = make_console(color, stderr=log_format == "json")
    base = f"http://{host}:{port}"
    console.print(f"[bold]koppelbox sandbox[/bold] on {base} (seed {seed})")
    if state is not None:
        console.print(f"  {'State':<48} {shown(state)}, {workers} worker{'s' if workers > 1 else ''}")
    console.print(f"  {'Web inspector (the school and the journal)':<48} {base}/")
    for spec in discover():
        console.print(f"  {spec.title:<48} {base}{spec.prefix}   docs: {base}{spec.prefix}/ui/")
    print_credentials(console, credentials(store))
    # What exists now (contracts, compiled validators, seed data) lives as long as the process: keep it
    # out of the collector's full passes, each of which would otherwise walk it and stall every request.
    gc.freeze()
    if app is None:
        serve_workers(sock, settings, workers, store)
        return
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends it quietly, as uvicorn.run does
        server.run(sockets=[sock])  # the socket bound above: no window in which another process takes it
    if not server.started:
        raise SystemExit(CANNOT_BIND)


CANNOT_BIND = 3  # as uvicorn's own exit code for a server that could not start
# The options a worker process builds its app from (workers are started afresh and import the factory).
WORKER_SETTINGS = "KOPPELBOX_WORKER_SETTINGS"
WORKER_CANNOT_START = 3  # uvicorn's STARTUP_FAILURE: its supervisor then stops rather than respawn


@dataclass(frozen=True)
class WorkerSettings:
    host: str
    fixtures: Path | None
    seed: int
    max_body_bytes: int
    validate_responses: bool
    journal_size: int
    quiet: bool
    log_format: str
    color: str
    state: str | None
    tenant_fixtures: Path | None = None

    def to_json(self) -> str:
        paths = {key: str(getattr(self, key) or "") or None for key in _PATHS}
        return json.dumps({**self.__dict__, **paths})

    @classmethod
    def from_json(cls, text: str) -> WorkerSettings:
        raw = json.loads(text)
        return cls(**{**raw, **{key: Path(raw[key]) if raw.get(key) else None for key in _PATHS}})


_PATHS = ("fixtures", "tenant_fixtures")  # the settings that are paths (strings in JSON)


def check_workers(state: str | None, workers: int) -> None:
    """Several workers share one truth only through a database: refuse them without one."""
    if workers > 1 and (state is None or state_in_memory(state)):
        raise click.UsageError(
            "--workers above 1 needs --state with PostgreSQL (postgresql://...) or an SQLite file "
            "(sqlite:///path/file.db): the in-memory store lives inside one process, and every worker "
            "would serve a world of its own."
        )


def build_app(store: StoreBackend, settings: WorkerSettings) -> SandboxApp:
    tenants = None
    journal_for: Callable[[str], JournalBackend] | None = None
    if settings.state is not None:  # the registry and the journal in the same database: every worker
        from koppelbox.store.sql import SqlStore  # sees every tenant and one journal, kept over restarts
        from koppelbox.store.sql.journal import SqlJournal
        from koppelbox.store.sql.tenants import SqlTenants

        assert isinstance(store, SqlStore)
        tenants = SqlTenants(store)
        journal_for = functools.partial(SqlJournal, store.engine, capacity=settings.journal_size)
    app = create_app(
        store,
        tenants=tenants,
        max_body_bytes=settings.max_body_bytes,
        validate_responses=settings.validate_responses,
        journal_size=settings.journal_size,
        tenant_fixtures=settings.tenant_fixtures,
        journal_for=journal_for,
        access_log=None if settings.quiet else access_log(settings.log_format, settings.color),
    )
    from koppelbox.web import mount as mount_inspector

    mount_inspector(app, host=settings.host)  # open on loopback; elsewhere it asks for the admin token
    return app


def worker_app() -> SandboxApp:
    """The app factory each worker process calls (`uvicorn ...:worker_app --factory`): the same app as a
    single process builds, over the database the parent opened (and migrated and seeded)."""
    settings = WorkerSettings.from_json(os.environ[WORKER_SETTINGS])
    assert settings.state is not None
    try:
        store = open_state(settings.state, settings.fixtures, settings.seed)
    except click.ClickException as exc:
        # Uvicorn's code for a worker that cannot start: the supervisor stops instead of starting
        # another worker every half second for as long as the database is away.
        click.echo(f"koppelbox serve: worker {os.getpid()}: {exc.format_message()}", err=True)
        raise SystemExit(WORKER_CANNOT_START) from None
    app = build_app(store, settings)
    gc.freeze()
    return app


def serve_workers(sock: socket.socket, settings: WorkerSettings, workers: int, store: StoreBackend) -> None:
    """Uvicorn's supervisor: `workers` processes accept on the one bound socket, each building its app with
    `worker_app`; a worker that dies is replaced. The parent serves nothing and holds no connection."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    close = getattr(store, "close", None)
    if close is not None:
        close()  # the parent's pool: workers open their own
    os.environ[WORKER_SETTINGS] = settings.to_json()
    config = uvicorn.Config(
        "koppelbox.cli.serve:worker_app",
        factory=True,
        workers=workers,
        log_level="warning",
        access_log=False,
        # A worker that does not answer the supervisor's ping in time is killed and replaced: on a busy
        # machine building the app takes seconds, which uvicorn's 5 s would mistake for a hang. Also how
        # long the supervisor takes to notice a worker that could not start (it then stops, exit 1).
        timeout_worker_healthcheck=20,
    )
    supervisor = Multiprocess(config, sockets=[sock])
    with contextlib.suppress(KeyboardInterrupt):
        supervisor.run()
    if any(process.exitcode == WORKER_CANNOT_START for process in supervisor.processes):
        raise SystemExit(1)  # the worker said why on standard error


def access_log(log_format: str, color: str) -> AccessSink:
    """The sink that writes each request's line to standard output, flushed at once (a CI log shows it
    when it happens, not when a buffer fills). A closed or broken standard output never stops serving."""
    stream = sys.stdout
    status_style = status_styler(color)  # colour as for the banner: rich reads NO_COLOR and FORCE_COLOR

    def write(record: AccessRecord) -> None:
        line = json_line(record) if log_format == "json" else text_line(record, status_style)
        with contextlib.suppress(OSError, ValueError):
            stream.write(line + "\n")
            stream.flush()

    return write


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or exit CANNOT_BIND with one line naming them."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: no wait after a restart
            sock.bind(address)
        except OSError:
            sock.close()
            raise
    except OSError as error:
        reason = error.strerror or str(error)
        click.echo(f"koppelbox serve: cannot listen on {host}:{port}: {reason}", err=True)
        raise SystemExit(CANNOT_BIND) from None
    sock.set_inheritable(True)
    return sock
