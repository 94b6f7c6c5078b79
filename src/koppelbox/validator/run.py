"""`koppelbox validate` without the command line: sources in, one result per file out."""

from __future__ import annotations

from collections.abc import Iterable

from koppelbox.validator import payload
from koppelbox.validator.inputs import Source
from koppelbox.validator.locate import located
from koppelbox.validator.results import FileResult
from koppelbox.validator.selection import Selection
from koppelbox.validator.semantic import Context


def check_source(source: Source, selection: Selection, context: Context) -> FileResult:
    """Raises InputError when the source cannot be read; everything about its content is a finding."""
    return check_bytes(source.name, source.read(), selection, context)


def check_bytes(name: str, raw: bytes, selection: Selection, context: Context) -> FileResult:
    parsed = payload.parse(raw, name)
    if not parsed.ok:
        fixed = selection.fixed
        return FileResult(name, fixed.label if fixed else "", "", parsed.findings)
    choice = selection.choose(parsed.value, name)
    if choice.target is None:
        assert choice.problem is not None
        return FileResult(name, "", "", [*parsed.findings, choice.problem])
    findings = payload.validate(choice.target, parsed.value, name, context)
    return FileResult(
        name, choice.target.label, choice.how, [*parsed.findings, *located(findings, parsed.text)]
    )


def check_all(sources: Iterable[Source], selection: Selection, context: Context) -> list[FileResult]:
    return [check_source(source, selection, context) for source in sources]
