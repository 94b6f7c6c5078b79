"""`koppelbox validate` without the command line: sources in, one result per file out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from koppelbox.validator import payload
from koppelbox.validator.findings import Finding
from koppelbox.validator.inputs import Source
from koppelbox.validator.locate import locate
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
        name, choice.target.label, choice.how, [*parsed.findings, *_located(findings, parsed.text)]
    )


def _located(findings: list[Finding], text: str) -> list[Finding]:
    """The findings with the line and column of their value in the file (of its object, when missing)."""
    located = []
    for found in findings:
        where = locate(text, found.pointer) if found.line is None and found.pointer else None
        located.append(replace(found, line=where[0], column=where[1]) if where else found)
    return located


def check_all(sources: Iterable[Source], selection: Selection, context: Context) -> list[FileResult]:
    return [check_source(source, selection, context) for source in sources]
