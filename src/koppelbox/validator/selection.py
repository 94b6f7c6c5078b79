"""Which target a payload is checked against: the one named, or the one it evidently is.

Named by `--api`, `--operation`, `--schema`, `--part`, `--status` (any combination; an operation with a
request body means that body unless `--part` or `--status` says otherwise). When that leaves
several candidates, each payload is matched against them: request bodies and query parameters first,
then responses; the first tier where exactly one schema fits wins. A guess considers only what a client
can send or receive: bare component schemas are candidates only when asked for (`--schema`, `--part
schema`). When none fits, the schema that knows most of the payload's field names wins, then the one with
fewest problems. Either way the guess is shown; a tie is a finding that names the candidates and asks the
user to name the target (the command then exits 2: the payload was not checked).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from koppelbox.validator.contracts import NOT_GUESSED, Contract, Target
from koppelbox.validator.findings import TARGET_AMBIGUOUS, Finding, finding
from koppelbox.validator.schema import check, compiled

_TIER = {"request": 0, "query": 0, "response": 1, "schema": 2}


class SelectionError(Exception):
    """The named API, operation or schema does not exist (a usage error, exit code 2)."""


@dataclass(frozen=True)
class Choice:
    target: Target | None
    how: str  # "" when named, "guessed" or "closest match" when guessed
    problem: Finding | None = None  # when no single target could be chosen


def _priority(target: Target) -> tuple[int, bool, bool, str]:
    not_success = target.status is not None and not target.status.startswith("2")
    return (_TIER[target.part], target.deprecated, not_success, target.status or "")


class Selection:
    def __init__(
        self,
        contracts: Sequence[Contract],
        *,
        api: str | None = None,
        operation: str | None = None,
        schema: str | None = None,
        part: str | None = None,
        status: str | None = None,
    ) -> None:
        if api is not None:
            chosen = [c for c in contracts if c.matches(api)]
            if not chosen:
                known = ", ".join(sorted({c.name for c in contracts}))
                raise SelectionError(f"no API named {api!r} (known: {known})")
        elif operation or schema:
            chosen = list(contracts)
        else:
            chosen = [c for c in contracts if c.name not in NOT_GUESSED]
        targets = [t for c in chosen for t in c.targets]
        if operation is not None:
            targets = _named(targets, operation, lambda t: t.operation, "operation")
        if schema is not None:
            targets = _named(
                [t for t in targets if t.part == "schema"], schema, lambda t: t.schema_name, "schema"
            )
        if part is None and schema is None:
            # A guess considers only what a client can send or receive: the bodies and query parameters
            # of operations. A bare component schema (often a nested part, such as `Board`) would accept
            # payloads that no operation does, and so turn a wrong payload green.
            targets = [t for t in targets if t.part != "schema"]
        if part is not None:
            targets = [t for t in targets if t.part == part]
        elif operation is not None and status is None and any(t.part == "request" for t in targets):
            # An operation that takes a body: a vendor checking a payload for it means the body.
            targets = [t for t in targets if t.part == "request"]
        if status is not None:
            targets = [t for t in targets if t.status == status]
        if not targets:
            raise SelectionError(
                "nothing to check against: " + _described(api, operation, schema, part, status)
            )
        groups: dict[int, Target] = {}
        for target in sorted(targets, key=_priority):
            groups.setdefault(id(target.schema), target)
        self.candidates = list(groups.values())

    @property
    def fixed(self) -> Target | None:
        return self.candidates[0] if len(self.candidates) == 1 else None

    def choose(self, instance: Any, file: str) -> Choice:
        if self.fixed is not None:
            return Choice(self.fixed, "")
        for tier in sorted({_TIER[t.part] for t in self.candidates}):
            fits = [
                t for t in self.candidates if _TIER[t.part] == tier and compiled(t.schema).is_valid(instance)
            ]
            if len(fits) == 1:
                return Choice(fits[0], "guessed")
            if fits:
                return Choice(None, "", _ambiguous(file, fits, "fits"))
        scores = [
            (-_known_fields(t.schema, instance), len(check(t.schema, instance))) for t in self.candidates
        ]
        best = [t for score, t in zip(scores, self.candidates, strict=True) if score == min(scores)]
        if len(best) == 1:
            return Choice(best[0], "closest match")
        return Choice(None, "", _ambiguous(file, best, "is equally close to"))


def _known_fields(schema: Mapping[str, Any], instance: Any) -> int:
    """How many of the payload's field names the schema defines (for a list: those of its first item)."""
    if isinstance(instance, list):
        items = schema.get("items")
        return _known_fields(items, instance[0]) if instance and isinstance(items, Mapping) else 0
    if not isinstance(instance, Mapping):
        return 0
    names: set[str] = set()
    stack = [schema]
    while stack:
        sub = stack.pop()
        names.update(sub.get("properties") or {})
        stack += [
            s
            for keyword in ("allOf", "anyOf", "oneOf")
            for s in sub.get(keyword) or []
            if isinstance(s, Mapping)
        ]
    return sum(1 for key in instance if key in names)


def _ambiguous(file: str, targets: Sequence[Target], relation: str) -> Finding:
    listed = "; ".join(t.label for t in targets[:6]) + ("; ..." if len(targets) > 6 else "")
    message = f"{relation} several contracts ({listed}); name one with --operation or --schema"
    return finding(file, "", "body", TARGET_AMBIGUOUS, message)


def _named(targets: list[Target], name: str, key: Any, what: str) -> list[Target]:
    exact = [t for t in targets if key(t) == name]
    if exact:
        return exact
    loose = [t for t in targets if str(key(t)).casefold() == name.casefold()]
    if loose:
        return loose
    known = sorted({str(key(t)) for t in targets if key(t)})
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else f" Known: {', '.join(known)}."
    raise SelectionError(f"no {what} named {name!r}.{hint}")


def _described(*names: str | None) -> str:
    labels = ("api", "operation", "schema", "part", "status")
    return (
        ", ".join(f"{label} {value}" for label, value in zip(labels, names, strict=True) if value) or "no API"
    )
