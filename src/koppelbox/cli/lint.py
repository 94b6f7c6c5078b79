"""`koppelbox lint`: check the OpenAPI contracts themselves."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from koppelbox.cli.output import BadInput, emit, exit_code, format_options
from koppelbox.validator.contracts import ContractError
from koppelbox.validator.lint import lint_paths
from koppelbox.validator.semantic import Context


@click.command()
@click.argument("specs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@format_options
def lint(
    specs: tuple[Path, ...], output_format: str, output: Path | None, fail_on: str, color: str, quiet: bool
) -> None:
    """Check OpenAPI contracts (default: the ones koppelbox ships; or the files and folders named).

    Valid OpenAPI 3.0 (openapi-spec-validator), a unique operationId on every operation, known
    x-koppelbox-check hints, and every example passing the same checks as `koppelbox validate`.
    Exit code 0: no findings; 1: findings; 2: usage error or unreadable contract.
    """
    try:
        results = lint_paths(list(specs) or None, Context(today=date.today()))
    except ContractError as exc:
        raise BadInput(str(exc)) from exc
    emit(results, output_format, output, color, show_clean=not quiet, suite="koppelbox lint")
    sys.exit(exit_code(results, fail_on))
