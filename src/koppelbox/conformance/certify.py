"""`koppelbox certify`: judge one vendor client of one API from the sandbox's journal."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from koppelbox.conformance import handling
from koppelbox.conformance.evidence import evidence_lost
from koppelbox.conformance.meta import provenance, spec_for
from koppelbox.conformance.outcomes import Outcomes, aanmeld_outcomes
from koppelbox.conformance.requirements import ApiRequirements, load_requirements
from koppelbox.conformance.verdicts import Outcome, Report, Verdict
from koppelbox.journal import JournalEntry
from koppelbox.validator import contracts, payload, semantic

DELIBERATE = "kbx-deliberate"  # `Prefer: kbx-deliberate` marks a request sent wrong on purpose


class UnknownClient(LookupError):
    """The client to judge is not in the journal (a typo, or the wrong API): a usage error, not a verdict."""


def choose_client(entries: Sequence[JournalEntry], api: str, client: str | None) -> str:
    """The client to judge: the one named, or the only one that used the API."""
    using = sorted({e.client for e in entries if e.api == api and e.client})
    if client is not None and client in using:
        return client
    listed = ", ".join(using) if using else "none"
    if client is None:
        if len(using) == 1:
            return using[0]
        raise UnknownClient(
            f"name the client with --client; clients with {api} requests in the journal: {listed}"
        )
    close = difflib.get_close_matches(client, using, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise UnknownClient(
        f"no client {client!r} with {api} requests in the journal{hint}; clients there: {listed}"
    )


def certify(
    entries: Sequence[JournalEntry],
    api: str,
    client: str | None,
    *,
    fixtures: Path | None = None,
    seed: int = 0,
    source: str = "",
    accounts: Mapping[str, Any] | None = None,
    since: int = 0,
) -> Report:
    """Judge `client`'s use of `api` from journal `entries` (all clients', oldest first or not).

    `accounts` is the journal's per-client account (`GET /sandbox/journal`): with it, lost evidence is
    known exactly; without it, only a journal whose entries run unbroken from #1 (or from `since`) counts
    as whole. `since` judges only the client's exchanges after that journal `seq` (a later run).
    """
    spec = spec_for(api)
    requirements = load_requirements()[spec.name]
    everything = sorted(entries, key=lambda e: e.seq)
    client = choose_client(everything, spec.name, client)
    mine = [e for e in everything if e.client == client and e.api in (spec.name, "sandbox") and e.seq > since]
    api_entries = [e for e in mine if e.api == spec.name]
    outcomes = aanmeld_outcomes(everything, fixtures, seed) if spec.name == "aanmeld" else {}
    report = Report(
        "certification",
        spec.name,
        client,
        provenance(
            spec.name,
            seed=seed,
            source=source,
            requests_judged=len(api_entries),
            judged_after_seq=since,
        ),
    )
    report.lost = evidence_lost(everything, client, accounts, since)
    report.verdicts += scenario_verdicts(api_entries, requirements, outcomes)
    report.verdicts += status_verdicts(api_entries, documented_error_statuses(spec.path), requirements)
    report.verdicts.append(payload_verdict(api_entries, spec.name))
    report.verdicts += [
        handling.no_retry_storm(api_entries, requirements.no_repeat_after),
        handling.honours_retry_after(api_entries, 429),
        handling.honours_retry_after(api_entries, 503),
        handling.new_token_after_401(mine),
    ]
    return report


def scenario_verdicts(
    entries: Sequence[JournalEntry], requirements: ApiRequirements, outcomes: Outcomes
) -> list[Verdict]:
    verdicts = []
    for requirement in requirements.scenarios:
        hits = [e for e in entries if requirement.match.accepts(e, outcomes.get(e.seq, frozenset()))]
        verdicts.append(
            Verdict(
                f"scenario-{requirement.id}",
                "scenarios",
                requirement.title,
                Outcome.PASS if hits else Outcome.FAIL,
                f"Exercised {len(hits)} time(s)." if hits else "Not exercised.",
                [hits[0].to_dict()] if hits else [],
            )
        )
    return verdicts


def documented_error_statuses(spec_path: Path) -> list[int]:
    document = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    return sorted(
        {
            int(status)
            for item in document.get("paths", {}).values()
            for operation in item.values()
            if isinstance(operation, dict)
            for status in operation.get("responses", {})
            if str(status).isdigit() and int(status) >= 400
        }
    )


def status_verdicts(
    entries: Sequence[JournalEntry], documented: list[int], requirements: ApiRequirements
) -> list[Verdict]:
    verdicts = []
    for status in sorted({*documented, *requirements.also_statuses}):
        hits = [e for e in entries if e.status == status]
        where = "documented in the contract" if status in documented else "scenario outside the contract"
        verdicts.append(
            Verdict(
                f"received-{status}",
                "scenarios",
                f"Received and survived a {status} ({where})",
                Outcome.PASS if hits else Outcome.FAIL,
                f"Received {len(hits)} time(s)."
                if hits
                else f"Never received {status}; see docs/scenarios.md.",
                [hits[0].to_dict()] if hits else [],
            )
        )
    return verdicts


def payload_verdict(entries: Sequence[JournalEntry], api: str) -> Verdict:
    """Every JSON request body against its operation's contract. Other bodies (a multipart document upload,
    form posts) are not JSON payloads: the journal keeps only a note of them, and the sandbox's own
    answer (201, or 400/413/422 naming the part) already judged them against the contract."""
    title = "Every JSON payload sent conforms to the contract (schema and Dutch identifier rules)"
    targets = _request_targets(api)
    checked, other, unkept = 0, 0, 0
    wrong: list[dict[str, Any]] = []
    for entry in entries:
        if entry.request_body is None or _deliberate(entry):
            continue
        if not _sent_as_json(entry):
            other += 1
            continue
        target = targets.get(entry.operation or "")
        if target is None:
            continue
        if _placeholder(entry.request_body):
            unkept += 1
            continue
        checked += 1
        findings = [
            f
            for f in payload.validate(target, entry.request_body, f"#{entry.seq}", semantic.Context())
            if not _elided(entry.request_body, f.pointer)
        ]
        if findings:
            evidence = entry.to_dict()
            evidence["conformance_findings"] = [f.as_dict() for f in findings]
            wrong.append(evidence)
    besides = (
        f" {other} non-JSON bodies (uploads) were judged by the sandbox's answers instead." if other else ""
    )
    if unkept:
        besides += f" {unkept} JSON bodies too large for the journal to keep were not judged."
    if checked == 0:
        return Verdict(
            "payloads", "payloads", title, Outcome.SKIP, f"No JSON request bodies were sent.{besides}"
        )
    if wrong:
        first = wrong[0]["conformance_findings"][0]
        detail = (
            f"{len(wrong)} of {checked} JSON request bodies break the contract; first: "
            f"`{first['field']}` {first['message']} (mark deliberate tests with `Prefer: {DELIBERATE}`)."
        )
        return Verdict("payloads", "payloads", title, Outcome.FAIL, detail, wrong[:20])
    return Verdict(
        "payloads", "payloads", title, Outcome.PASS, f"All {checked} JSON request bodies conform.{besides}"
    )


def _sent_as_json(entry: JournalEntry) -> bool:
    media = entry.request_headers.get("content-type", "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _placeholder(body: Any) -> bool:
    """The size note the journal keeps in place of a body it did not keep (journal/masking.py), or text."""
    if not isinstance(body, dict | list):
        return True
    return isinstance(body, dict) and set(body) in (
        {"binary", "bytes", "content_type"},
        {"truncated", "bytes", "content_type"},
    )


def _request_targets(api: str) -> dict[str, contracts.Target]:
    for contract in contracts.load():
        if contract.matches(api):
            return {t.operation: t for t in contract.targets if t.part == "request" and t.operation}
    return {}


def _deliberate(entry: JournalEntry) -> bool:
    return DELIBERATE in entry.request_headers.get("prefer", "").lower()


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
    return isinstance(value, str) and value.endswith("characters, elided)")
