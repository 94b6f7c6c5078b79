"""Is a client's evidence whole? A certification judges what the journal still holds, so it must know
whether anything of the client's is gone: fallen out of the ring, removed by `DELETE /sandbox/journal`,
or left out of a saved file (`--limit`, a filter). Each loss is named, so that the report can say what
is missing instead of claiming PASSED or FAILED on part of the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from koppelbox.journal import JournalEntry

_HOW = {
    "ring": "fell out of the journal (a ring of the newest exchanges; `koppelbox serve --journal-size N`)",
    "cleared": "were removed by DELETE /sandbox/journal",
}


def evidence_lost(
    entries: Sequence[JournalEntry], client: str, accounts: Mapping[str, Any] | None, since: int = 0
) -> list[str]:
    """What is missing of `client`'s exchanges after entry `since`; empty when the evidence is whole."""
    if accounts is None:
        return _unaccounted(entries, since)
    account = accounts.get(client) or {"recorded": 0, "lost": []}
    missing = []
    lost_total = 0
    for loss in account.get("lost", []):
        lost_total += int(loss["count"])
        if int(loss["lastSeq"]) > since:
            how = _HOW.get(str(loss["reason"]), str(loss["reason"]))
            missing.append(
                f"{loss['count']} exchange(s) of {client} {how}, the newest of them #{loss['lastSeq']}; "
                f"to judge only a later run, pass --since {loss['lastSeq']}."
            )
    held = int(account.get("recorded", 0)) - lost_total
    present = sum(1 for e in entries if e.client == client)
    if present < held:
        missing.append(
            f"the journal given holds {present} of the {held} exchange(s) the sandbox held for {client} "
            "(saved with --limit or a filter?); save it whole with `koppelbox journal --json`."
        )
    return missing


def _unaccounted(entries: Sequence[JournalEntry], since: int) -> list[str]:
    """Without the journal's accounts, the only proof of a whole journal is an unbroken run of `seq`."""
    seqs = sorted(e.seq for e in entries if e.seq > since)
    expected = list(range(since + 1, since + 1 + len(seqs)))
    if seqs == expected:
        return []
    first_gap = next(n for n, seq in zip(expected, seqs, strict=False) if n != seq) if seqs else since + 1
    return [
        f"the journal has no accounts of lost exchanges and entry #{first_gap} is missing from it, so "
        "exchanges of this client may be gone; read it from the sandbox (--url) or save it with "
        "`koppelbox journal --json`."
    ]
