"""Rendering results: `text` for people (rich), `json` for tools, `junit` for CI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from koppelbox.validator.findings import Finding, Severity


@dataclass(frozen=True)
class FileResult:
    file: str
    target: str  # label of what the file was checked against ("" when no target could be chosen)
    how: str = ""  # "", "guessed", "closest match"
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class Summary:
    files: int
    clean: int
    errors: int
    warnings: int

    @classmethod
    def of(cls, results: Sequence[FileResult]) -> Summary:
        findings = [f for r in results for f in r.findings]
        return cls(
            files=len(results),
            clean=sum(1 for r in results if r.clean),
            errors=sum(1 for f in findings if f.severity is Severity.ERROR),
            warnings=sum(1 for f in findings if f.severity is Severity.WARNING),
        )

    def sentence(self) -> str:
        def plural(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        return (
            f"{plural(self.files, 'file')} checked, {self.clean} clean; "
            f"{plural(self.errors, 'error')}, {plural(self.warnings, 'warning')}"
        )


def position(f: Finding) -> str:
    """ " (line 3, column 7)" where the finding knows its place in the text, else ""."""
    if f.line is None:
        return ""
    return f" (line {f.line}, column {f.column})" if f.column is not None else f" (line {f.line})"
