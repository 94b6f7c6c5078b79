"""Options several subcommands share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from koppelbox.store import Store
from koppelbox.store.fixtures import FixtureError
from koppelbox.store.interfaces import StoreBackend


def store_options(function: Any) -> Any:
    function = click.option(
        "--fixtures",
        "fixtures",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None,
        help="Seed data directory (default: the fixtures shipped with koppelbox).",
        envvar="KOPPELBOX_FIXTURES",
        show_envvar=True,
    )(function)
    function = click.option(
        "--seed",
        type=int,
        default=0,
        show_default=True,
        help="Seed for generated data; same seed, same data.",
        envvar="KOPPELBOX_SEED",
        show_envvar=True,
    )(function)
    return function


def open_state(url: str, fixtures: Path | None, seed: int) -> StoreBackend:
    """The database store of `--state URL`: migrated, seeded on first use, kept as it was otherwise. A URL
    it cannot use or a database that does not answer ends the command with one line (no password)."""
    from koppelbox.store.sql import DatabaseUnavailable, SqlStore, StateUrlError

    try:
        return SqlStore.open(url, fixtures, seed=seed)
    except StateUrlError as exc:
        raise click.BadParameter(f"{shown(url)}: {exc}", param_hint="--state") from None
    except DatabaseUnavailable as exc:
        raise click.ClickException(f"cannot open --state: {exc.detail}") from None
    except (FixtureError, KeyError, TypeError) as exc:
        raise click.ClickException(f"cannot load fixtures: {exc}") from exc


def shown(url: str) -> str:
    """A state URL as it may be printed: its password replaced by ***."""
    from koppelbox.store.sql.engine import shown as without_password

    return without_password(url)


def state_in_memory(url: str) -> bool:
    """True for SQLite without a file (`sqlite://`): a database private to one process."""
    from koppelbox.store.sql.engine import StateUrlError, is_in_memory, parse

    try:
        return is_in_memory(parse(url))
    except StateUrlError:
        return False  # refused with its own message when opened


def load_store(fixtures: Path | None, seed: int) -> Store:
    try:
        return Store.from_directory(fixtures, seed=seed)
    except (FixtureError, KeyError, TypeError) as exc:
        raise click.ClickException(f"cannot load fixtures: {exc}") from exc
