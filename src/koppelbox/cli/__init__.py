"""The `koppelbox` command: one group, one module per subcommand."""

from __future__ import annotations

import click

from koppelbox.cli.lazy import LazyGroup
from koppelbox.version import version

# Each subcommand's module is imported only when it runs (fast `koppelbox serve`, see cli/lazy.py).
COMMANDS = {
    "serve": "koppelbox.cli.serve:serve",
    "tokens": "koppelbox.cli.tokens:tokens",
    "fixtures": "koppelbox.cli.fixtures:fixtures",
    "journal": "koppelbox.cli.journal:journal",
    "certify": "koppelbox.cli.certify:certify",
    "conformance": "koppelbox.cli.conformance:conformance",
    "fuzz": "koppelbox.cli.conformance:fuzz",
    "scenarios": "koppelbox.cli.scenarios:scenarios",
    "validate": "koppelbox.cli.validate:validate",
    "lint": "koppelbox.cli.lint:lint",
    "proxy": "koppelbox.cli.proxy:proxy",
}


def _print_version(ctx: click.Context) -> None:
    # As click's `version_option` prints it, with the version looked up only now (see koppelbox/__init__).
    click.echo(f"koppelbox, version {version()}")
    ctx.exit()


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, value: _print_version(ctx) if value and not ctx.resilient_parsing else None,
    help="Show the version and exit.",
)
def main() -> None:
    """Sandbox, validator and conformance toolkit for Dutch school data exchange."""
