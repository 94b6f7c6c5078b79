"""The `koppelbox` command: one group, one module per subcommand."""

from __future__ import annotations

import click

from koppelbox import __version__
from koppelbox.cli.lazy import LazyGroup

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
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="koppelbox")
def main() -> None:
    """Sandbox, validator and conformance toolkit for Dutch school data exchange."""
