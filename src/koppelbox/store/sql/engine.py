"""Opening a state URL: the engine (pooled connections, SQLite made to lock like a server database), the
schema brought up to date with Alembic, and the URL as it may be shown (never with its password).

`sqlite:///path` is a file for one machine; `postgresql://user:password@host/db` (psycopg 3) serves several
workers or hosts. Every transaction on SQLite begins IMMEDIATE, i.e. takes the file's write lock at once:
SQLite has no row locks, so a unit of work over a school is serialised with every other one, which is
correct (if not parallel) and never fails half-way with "database is locked" on an upgrade of a read lock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from koppelbox.rules.errors import DomainError

MIGRATIONS = Path(__file__).parent / "migrations"
# Any number, the same in every worker: the advisory lock that lets one of them migrate at a time.
_MIGRATION_LOCK = 160_016
SCHEMES = ("sqlite", "postgresql")


class StateUrlError(ValueError):
    """A state URL that cannot be used; the message never holds the password."""


@dataclass
class DatabaseUnavailable(DomainError):
    """The database did not answer (down, wrong host, wrong password): a 503 in the API's error format.
    The message, which a partner sees, names no database; `detail` (for the operator: CLI, logs) names it
    without its password."""

    status: int = 503
    code: str = "unavailable"
    detail: str = ""


def parse(url: str) -> URL:
    """The SQLAlchemy URL of a state URL, with psycopg 3 as PostgreSQL's driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StateUrlError("not a database URL; expected sqlite:///path or postgresql://...") from None
    backend = parsed.get_backend_name()
    if backend not in SCHEMES:
        raise StateUrlError(f"unsupported database {backend!r}; expected sqlite:///path or postgresql://...")
    if backend == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def shown(url: str | URL) -> str:
    """The URL to print or log: the password replaced by ***."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except ArgumentError:
        return "<unparsable URL>"
    return parsed.render_as_string(hide_password=True)


def is_in_memory(url: URL) -> bool:
    """SQLite without a file: one connection's private database, useless to a second worker."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def connect(url: str) -> Engine:
    parsed = parse(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(parsed)
    # pool_pre_ping: a connection the database dropped (restart, failover) is replaced, not handed out.
    return create_engine(parsed, pool_size=5, max_overflow=10, pool_pre_ping=True)


def _sqlite(url: URL) -> Engine:
    if is_in_memory(url):
        from sqlalchemy.pool import StaticPool

        # One connection shared by every thread: otherwise each would see an empty database of its own.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver's own BEGIN off; `_on_begin` emits ours
        cursor = dbapi_connection.cursor()
        if not is_in_memory(url):
            # WAL: readers do not wait for the writer; synchronous=NORMAL: a commit survives the process
            # being killed (not a power cut of the machine; docs/hosting.md says so).
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def check(engine: Engine) -> None:
    """DatabaseUnavailable unless the database answers a trivial query now."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except UNREACHABLE as exc:
        raise unavailable(engine, exc) from None


def unavailable(engine: Engine, exc: BaseException) -> DatabaseUnavailable:
    # The driver's message may quote the connection string; only its first line is kept, and the
    # password is removed from it in case it is there.
    reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0] if str(exc).strip() else ""
    password = engine.url.password
    if password:
        reason = reason.replace(str(password), "***")
    return DatabaseUnavailable(
        "The sandbox's database does not answer; try again in a moment.",
        detail=f"the database at {shown(engine.url)} is unreachable: {reason}",
    )


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration shipped in this package (Alembic), one worker at a time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except UNREACHABLE as exc:
        raise unavailable(engine, exc) from None


# What a database that went away looks like to SQLAlchemy (and its pool, when no connection comes back).
UNREACHABLE = (OperationalError, InterfaceError, PoolTimeout)


class _HasEngine(Protocol):
    @property
    def engine(self) -> Engine: ...


S = TypeVar("S", bound=_HasEngine)
P = ParamSpec("P")
R = TypeVar("R")


def guarded(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """A store method whose database errors of the "not there" kind become DatabaseUnavailable (a 503 in
    the API's error format) instead of a 500."""

    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as exc:
            raise unavailable(self.engine, exc) from None

    functools.update_wrapper(wrapper, method)
    return wrapper
