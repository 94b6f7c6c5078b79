"""`koppelbox certify`: judge one vendor client of one API from the sandbox's journal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from koppelbox.conformance import handling
from koppelbox.conformance.meta import provenance, spec_for
from koppelbox.conformance.outcomes import Outcomes, aanmeld_outcomes
from koppelbox.conformance.requirements import ApiRequirements, load_requirements
from koppelbox.conformance.verdicts import Outcome, Report, Verdict
from koppelbox.journal import JournalEntry
from koppelbox.validator import contracts, payload, semantic

DELIBERATE = "kbx-deliberate"  # `Prefer: kbx-deliberate` marks a request sent wrong on purpose


def certify(
    entries: Sequence[JournalEntry],
    api: str,
    client: str | None,
    *,
    fixtures: Path | None = None,
    seed: int = 0,
    source: str = "",
) -> Report:
    spec = spec_for(api)
    requirements = load_requirements()[spec.name]
    everything = sorted(entries, key=lambda e: e.seq)
    clients = sorted({e.client for e in everything if e.api == spec.name and e.client})
    if client is None:
        if len(clients) != 1:
            raise ValueError(
                f"name the client with --client; the journal has {spec.name} requests from {clients}"
            )
        client = clients[0]
    mine = [e for e in everything if e.client == client and e.api in (spec.name, "sandbox")]
    api_entries = [e for e in mine if e.api == spec.name]
    outcomes = aanmeld_outcomes(everything, fixtures, seed) if spec.name == "aanmeld" else {}
    report = Report(
        "certification",
        spec.name,
        client,
        provenance(spec.name, seed=seed, source=source, requests_judged=len(api_entries)),
    )
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
    title = "Every payload sent conforms to the contract (schema and Dutch identifier rules)"
    targets = _request_targets(api)
    checked = 0
    wrong: list[dict[str, Any]] = []
    for entry in entries:
        target = targets.get(entry.operation or "")
        if target is None or not isinstance(entry.request_body, dict | list) or _deliberate(entry):
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
    if checked == 0:
        return Verdict("payloads", "payloads", title, Outcome.SKIP, "No request bodies were sent.")
    if wrong:
        first = wrong[0]["conformance_findings"][0]
        detail = (
            f"{len(wrong)} of {checked} request bodies break the contract; first: "
            f"`{first['field']}` {first['message']} (mark deliberate tests with `Prefer: {DELIBERATE}`)."
        )
        return Verdict("payloads", "payloads", title, Outcome.FAIL, detail, wrong[:20])
    return Verdict("payloads", "payloads", title, Outcome.PASS, f"All {checked} request bodies conform.")


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
