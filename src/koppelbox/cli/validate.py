"""`koppelbox validate`: check payloads against the contracts, field by field."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import click

from koppelbox.cli.output import BadInput, emit, exit_code, format_options
from koppelbox.validator import catalogue, contracts
from koppelbox.validator.contracts import PARTS, ContractError
from koppelbox.validator.findings import TARGET_AMBIGUOUS
from koppelbox.validator.inputs import InputError, expand
from koppelbox.validator.run import check_all
from koppelbox.validator.selection import Selection, SelectionError
from koppelbox.validator.semantic import Context


@click.command()
@click.argument("inputs", nargs=-1)
@click.option("--api", "-a", help="API to check against: wimpel, eduv, aanmeld (default: guessed).")
@click.option("--operation", "-o", help="operationId whose request body (or --part) the payload is.")
@click.option("--schema", "-s", "schema_name", help="Name of a schema under components/schemas.")
@click.option(
    "--part",
    type=click.Choice(PARTS),
    help="request body, response, query parameters (a JSON object), or a component schema.",
)
@click.option("--status", help="Response status, with --part response (e.g. 200).")
@click.option(
    "--spec",
    "specs",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="OpenAPI file or folder to use instead of the contracts koppelbox ships (repeatable).",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date rules like 'birth date not in the future' compare against (default: today).",
)
@click.option(
    "--list-targets", is_flag=True, help="List what the payloads could be checked against, and stop."
)
@click.option(
    "--rules", "list_rules", is_flag=True, help="List every rule id with its severity and meaning, and stop."
)
@click.option(
    "--har",
    "har_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Judge every exchange of a HAR 1.2 file (browser, mitmproxy, Postman, Insomnia): each request, and "
    "each response as upstream drift; the operation is found from method and path.",
)
@format_options
def validate(
    inputs: tuple[str, ...],
    api: str | None,
    operation: str | None,
    schema_name: str | None,
    part: str | None,
    status: str | None,
    specs: tuple[Path, ...],
    today: datetime | None,
    list_targets: bool,
    list_rules: bool,
    har_file: Path | None,
    output_format: str,
    output: Path | None,
    fail_on: str,
    color: str,
    quiet: bool,
) -> None:
    """Check JSON payloads (files, folders, globs, or - for stdin) against the API contracts.

    Every problem is reported with its file, the JSON pointer of the value, a stable rule id and a plain
    explanation. Exit code 0: no findings; 1: findings; 2: usage error or unreadable input.

    \b
    Examples:
      koppelbox validate --api wimpel --operation createOrganisation organisation.json
      koppelbox validate recorded/ --format junit -O validate.xml
      curl -s .../employees/school | koppelbox validate --api eduv --part response -
      koppelbox validate --har recorded.har
    """
    if list_rules:
        for rule in catalogue.rules():
            click.echo(f"{rule.id:<26} {rule.severity:<8} {rule.title}")
        return
    if har_file is not None:
        _validate_har(har_file, inputs, api, output_format, output, fail_on, color, quiet)
        return
    try:
        loaded = contracts.load(list(specs) or None)
        selection = Selection(
            loaded, api=api, operation=operation, schema=schema_name, part=part, status=status
        )
    except (ContractError, SelectionError) as exc:
        raise BadInput(str(exc)) from exc
    if list_targets:
        for target in selection.candidates:
            click.echo(target.label)
        return
    if not inputs:
        raise BadInput("name at least one file, folder or glob to check (or - for standard input)")
    context = Context(today=today.date() if today else date.today())
    try:
        results = check_all(expand(inputs), selection, context)
    except InputError as exc:
        raise BadInput(str(exc)) from exc
    emit(results, output_format, output, color, show_clean=not quiet)
    # A payload whose target could not be decided was not checked: that is no verdict (exit 2), so that a
    # guess can never pass a wrong payload.
    undecided = any(f.rule == TARGET_AMBIGUOUS for result in results for f in result.findings)
    sys.exit(2 if undecided else exit_code(results, fail_on))


def _validate_har(
    har_file: Path,
    inputs: tuple[str, ...],
    api: str | None,
    output_format: str,
    output: Path | None,
    fail_on: str,
    color: str,
    quiet: bool,
) -> None:
    from koppelbox.proxy import har

    if inputs:
        raise BadInput("give payload files or --har, not both")
    try:
        judged, other = har.judge(har.read(har_file), api)
    except har.HarError as exc:
        raise BadInput(str(exc)) from exc
    if not judged:
        raise BadInput(f"no exchange in {har_file} is a request to {api or 'an API koppelbox knows'}")
    results = har.results(judged, str(har_file))
    emit(results, output_format, output, color, show_clean=not quiet)
    if other:
        click.echo(f"{len(other)} exchange(s) in {har_file} are not API requests and were left out", err=True)
    sys.exit(exit_code(results, fail_on))
