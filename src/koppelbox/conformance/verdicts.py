"""What a certification or conformance run concludes, check by check, with the evidence behind it.

A report ends in one of three words. PASSED and FAILED are claims about the subject, so they are only
made on whole evidence: when evidence was lost (the journal dropped some of a client's exchanges) or a
part that must be seen was never exercised (an operation's success answer), the report says INCOMPLETE
and names what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"  # nothing to judge (e.g. no 429 was received, so back-off cannot be judged)
    NOT_EXERCISED = "not-exercised"  # provider runs: a documented answer no request produced


class Status(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    INCOMPLETE = "INCOMPLETE"

    @property
    def exit_code(self) -> int:
        return {"PASSED": 0, "FAILED": 1, "INCOMPLETE": 3}[self.value]


@dataclass
class Verdict:
    id: str
    category: str  # "scenarios", "payloads", "error handling", or an operation for provider runs
    title: str
    outcome: Outcome
    detail: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)  # request/response pairs behind it

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "title": self.title,
            "outcome": str(self.outcome),
            "detail": self.detail,
            "evidence": self.evidence,
        }


@dataclass
class Report:
    kind: str  # "certification" or "provider conformance"
    api: str
    subject: str  # the client id, or the base URL of the server under test
    meta: dict[str, Any]
    verdicts: list[Verdict] = field(default_factory=list)
    # Evidence that existed but is gone: no verdict at all can be claimed (INCOMPLETE, whatever failed).
    lost: list[str] = field(default_factory=list)
    # Parts that must be exercised and were not: INCOMPLETE unless something observed already failed.
    gaps: list[str] = field(default_factory=list)
    # Provider runs: documented answers exercised / documented answers, like a conformance index.
    coverage: tuple[int, int] | None = None

    @property
    def status(self) -> Status:
        if self.lost:
            return Status.INCOMPLETE
        if any(v.outcome is Outcome.FAIL for v in self.verdicts):
            return Status.FAILED
        return Status.INCOMPLETE if self.gaps else Status.PASSED

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def incomplete_reasons(self) -> list[str]:
        return [*self.lost, *self.gaps] if self.status is Status.INCOMPLETE else []

    def counts(self) -> dict[str, int]:
        return {str(o): sum(1 for v in self.verdicts if v.outcome is o) for o in Outcome}

    def coverage_text(self) -> str | None:
        if self.coverage is None:
            return None
        exercised, documented = self.coverage
        share = f"{100 * exercised / documented:.0f} %" if documented else "n/a"
        return f"{exercised} of {documented} documented responses exercised ({share})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "api": self.api,
            "subject": self.subject,
            "status": str(self.status),
            "passed": self.passed,
            "incomplete": self.incomplete_reasons,
            "coverage": (
                {"exercised": self.coverage[0], "documented": self.coverage[1], "text": self.coverage_text()}
                if self.coverage is not None
                else None
            ),
            "counts": self.counts(),
            **self.meta,
            "verdicts": [v.as_dict() for v in self.verdicts],
        }
