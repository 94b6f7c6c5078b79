"""Options several subcommands share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from koppelbox.store import Store
from koppelbox.store.fixtures import FixtureError


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


def load_store(fixtures: Path | None, seed: int) -> Store:
    try:
        return Store.from_directory(fixtures, seed=seed)
    except (FixtureError, KeyError, TypeError) as exc:
        raise click.ClickException(f"cannot load fixtures: {exc}") from exc
