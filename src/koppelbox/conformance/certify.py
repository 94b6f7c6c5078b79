"""`koppelbox certify`: judge one vendor client of one API from the sandbox's journal."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from koppelbox import contracts
from koppelbox.conformance import handling
from koppelbox.conformance.evidence import evidence_lost
from koppelbox.conformance.meta import provenance, spec_for
from koppelbox.conformance.outcomes import Outcomes, aanmeld_outcomes
from koppelbox.conformance.payloads import DELIBERATE, payload_verdict
from koppelbox.conformance.requirements import ApiRequirements, load_requirements
from koppelbox.conformance.verdicts import Outcome, Report, Verdict
from koppelbox.journal import JournalEntry

__all__ = ["DELIBERATE", "UnknownClient", "certify", "choose_client"]


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


# Declared on every operation because any server can fail (the `500` scenario), but never asked of a
# client: certify asks for the statuses it asked for before the contracts declared the scenario statuses.
NOT_REQUIRED = frozenset({500})


def documented_error_statuses(spec_path: Path) -> list[int]:
    return sorted(
        {
            int(status)
            for _, _, operation in contracts.operations(contracts.document(spec_path))
            for status in operation.get("responses", {})
            if str(status).isdigit() and int(status) >= 400 and int(status) not in NOT_REQUIRED
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
