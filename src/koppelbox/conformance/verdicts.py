"""What a certification or conformance run concludes, check by check, with the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"  # nothing to judge (e.g. no 429 was received, so back-off cannot be judged)


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

    @property
    def passed(self) -> bool:
        return all(v.outcome is not Outcome.FAIL for v in self.verdicts)

    def counts(self) -> dict[str, int]:
        return {str(o): sum(1 for v in self.verdicts if v.outcome is o) for o in Outcome}

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "api": self.api,
            "subject": self.subject,
            "passed": self.passed,
            "counts": self.counts(),
            **self.meta,
            "verdicts": [v.as_dict() for v in self.verdicts],
        }
