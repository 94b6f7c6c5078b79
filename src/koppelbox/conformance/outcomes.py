"""What an enrolment did in the school's records, which the Aanmeld answer deliberately never says.

Certification needs to know whether a vendor's enrolments created a pupil or found one (by PGN or by the
fallback keys), and whether its parents were matched or added. The journal is replayed, in order, into a
fresh store seeded like the sandbox was: the same rules, the same answers. Documents are left out of the
replay (the journal keeps them elided, and they do not influence matching); a `POST /sandbox/reset` in the
journal resets the replay too.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from koppelbox.journal import JournalEntry
from koppelbox.rules.errors import DomainError
from koppelbox.store import Store

Outcomes = dict[int, frozenset[str]]  # journal seq -> outcome names


def aanmeld_outcomes(entries: Iterable[JournalEntry], fixtures: Path | None, seed: int) -> Outcomes:
    store = Store.from_directory(fixtures, seed=seed)
    found: Outcomes = {}
    for entry in sorted(entries, key=lambda e: e.seq):
        if entry.operation == "resetSandbox" and entry.status == 200:
            store.reset()
        elif entry.operation == "submitAanmelding" and entry.status == 201 and entry.client:
            outcome = _replay(store, entry.client, entry.request_body)
            if outcome:
                found[entry.seq] = outcome
    return found


def _replay(store: Store, client: str, sent: Any) -> frozenset[str]:
    if not isinstance(sent, dict) or not isinstance(sent.get("leerling"), dict):
        return frozenset()
    body = {key: value for key, value in sent.items() if key != "documenten"}
    brin = str(body.get("brin", ""))[:4]
    try:
        before = store.aanmeld.state(brin)
        pupils, parents = set(before.pupils), set(before.parents)
        store.aanmeld.enrol(client, body)
        after = store.aanmeld.state(brin)
    except (DomainError, KeyError, ValueError):
        return frozenset()  # the replay disagrees with the sandbox (changed config): judge nothing
    outcomes = set()
    if set(after.pupils) - pupils:
        outcomes.add("new-pupil")
    else:
        outcomes.add("existing-pupil-by-pgn" if body["leerling"].get("pgn") else "existing-pupil-by-fallback")
    added = len(set(after.parents) - parents)
    if added:
        outcomes.add("parent-added")
    if len(body.get("ouders") or []) > added:
        outcomes.add("parent-matched")
    return frozenset(outcomes)
