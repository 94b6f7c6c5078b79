"""The `koppelbox` command: one group, one module per subcommand."""

from __future__ import annotations

import click

from koppelbox import __version__
from koppelbox.cli.certify import certify
from koppelbox.cli.conformance import conformance, fuzz
from koppelbox.cli.fixtures import fixtures
from koppelbox.cli.journal import journal
from koppelbox.cli.lint import lint
from koppelbox.cli.scenarios import scenarios
from koppelbox.cli.serve import serve
from koppelbox.cli.tokens import tokens
from koppelbox.cli.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="koppelbox")
def main() -> None:
    """Sandbox, validator and conformance toolkit for Dutch school data exchange."""


main.add_command(serve)
main.add_command(tokens)
main.add_command(fixtures)
main.add_command(journal)
main.add_command(certify)
main.add_command(conformance)
main.add_command(fuzz)
main.add_command(scenarios)
main.add_command(validate)
main.add_command(lint)
