"""Did the client send what the contract describes? Each JSON request body and each query string of the
client's requests, checked by the same engine as `koppelbox validate` (schema plus Dutch identifier rules).

Only what was sent as JSON is judged as a JSON body: a multipart document upload or a form post is kept
by the journal as a size note, never as the payload, and the sandbox's own answer (201, or 400/413/422
naming the part) already judged it against its contract. Query parameters are judged as the typed object
the contract describes (`filterByOrgId=true` is the boolean true). Requests marked
`Prefer: kbx-deliberate` were sent wrong on purpose (to see a 400) and are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koppelbox.conformance.verdicts import Outcome, Verdict
from koppelbox.journal import JournalEntry
from koppelbox.journal.masking import is_elided, is_size_note
from koppelbox.validator import contracts, payload, semantic
from koppelbox.validator.exchange import typed_query

DELIBERATE = "kbx-deliberate"  # `Prefer: kbx-deliberate` marks a request sent wrong on purpose
TITLE = "Every payload sent (JSON bodies, query parameters) conforms to the contract and the Dutch rules"


def payload_verdict(entries: Sequence[JournalEntry], api: str) -> Verdict:
    bodies, queries = _targets(api)
    judged, other, unkept = 0, 0, 0
    wrong: list[dict[str, Any]] = []
    for entry in entries:
        if _deliberate(entry):
            continue
        found: list[dict[str, Any]] = []
        query_target = queries.get(entry.operation or "")
        if entry.query and query_target is not None:
            judged += 1
            found += _findings(query_target, typed_query(entry.query, query_target.schema), entry, "query")
        if entry.request_body is not None:
            if not _sent_as_json(entry):
                other += 1
            elif _placeholder(entry.request_body):
                unkept += 1
            elif (body_target := bodies.get(entry.operation or "")) is not None:
                judged += 1
                found += _findings(body_target, entry.request_body, entry, "body")
        if found:
            evidence = entry.to_dict()
            evidence["conformance_findings"] = found
            wrong.append(evidence)
    besides = (
        f" {other} non-JSON bodies (uploads) were judged by the sandbox's answers instead." if other else ""
    )
    if unkept:
        besides += f" {unkept} JSON bodies too large for the journal to keep were not judged."
    if judged == 0:
        return Verdict(
            "payloads",
            "payloads",
            TITLE,
            Outcome.SKIP,
            f"No JSON bodies or query parameters were sent.{besides}",
        )
    if wrong:
        first = wrong[0]["conformance_findings"][0]
        detail = (
            f"{len(wrong)} request(s) break the contract ({judged} payloads judged); first: "
            f"`{first['field']}` in the {first['part']}: {first['message']} "
            f"(mark deliberate tests with `Prefer: {DELIBERATE}`)."
        )
        return Verdict("payloads", "payloads", TITLE, Outcome.FAIL, detail, wrong[:20])
    return Verdict("payloads", "payloads", TITLE, Outcome.PASS, f"All {judged} payloads conform.{besides}")


def _findings(
    target: contracts.Target, instance: Any, entry: JournalEntry, part: str
) -> list[dict[str, Any]]:
    found = []
    for finding in payload.validate(target, instance, f"#{entry.seq}", semantic.Context()):
        if part == "body" and _elided(instance, finding.pointer):
            continue
        found.append({**finding.as_dict(), "part": part})
    return found


def _targets(api: str) -> tuple[dict[str, contracts.Target], dict[str, contracts.Target]]:
    for contract in contracts.load():
        if contract.matches(api):
            bodies = {t.operation: t for t in contract.targets if t.part == "request" and t.operation}
            queries = {t.operation: t for t in contract.targets if t.part == "query" and t.operation}
            return bodies, queries
    return {}, {}


def _deliberate(entry: JournalEntry) -> bool:
    return DELIBERATE in entry.request_headers.get("prefer", "").lower()


def _sent_as_json(entry: JournalEntry) -> bool:
    media = entry.request_headers.get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _placeholder(body: Any) -> bool:
    """The size note the journal keeps in place of a body it did not keep (journal/masking.py), or text."""
    return not isinstance(body, dict | list) or is_size_note(body)


def _elided(body: Any, pointer: str) -> bool:
    """A finding on a value the journal shortened (a base64 document) says nothing about what was sent."""
    value = body
    for part in [p for p in pointer.split("/") if p][:50]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return False
    return is_elided(value)
