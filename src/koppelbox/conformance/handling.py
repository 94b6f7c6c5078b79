"""Did the client handle errors sensibly? Judged from the order and timing of its journal entries.

- After a 4xx that retrying cannot fix (400, 403, 404, ...), the identical request (same method, path,
  query and body) may be sent again at most once within `STORM_WINDOW` seconds.
- After a 429 or 503 with `Retry-After`, the client's next request to that API must start no earlier than
  the answer's end plus `Retry-After` (less a small tolerance for clock granularity).
- After a 401, the rejected token must not be used again (the journal keeps a one-way fingerprint of it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from koppelbox.conformance.verdicts import Outcome, Verdict
from koppelbox.journal import JournalEntry

STORM_WINDOW = 60.0
MAX_IDENTICAL_REPEATS = 1
TOLERANCE = 0.05


def fingerprint(entry: JournalEntry) -> tuple[str, str, str, str]:
    return (entry.method, entry.path, entry.query, json.dumps(entry.request_body, sort_keys=True))


def no_retry_storm(entries: Sequence[JournalEntry], statuses: frozenset[int]) -> Verdict:
    title = "No identical retry storm after an error retrying cannot fix"
    errors = [e for e in entries if e.status in statuses]
    if not errors:
        return Verdict("no-retry-storm", "error handling", title, Outcome.SKIP, "No such error was received.")
    storms = []
    for error in errors:
        repeats = [
            later
            for later in entries
            if later.seq > error.seq
            and later.at - error.at <= STORM_WINDOW
            and fingerprint(later) == fingerprint(error)
        ]
        if len(repeats) > MAX_IDENTICAL_REPEATS:
            storms.append((error, repeats))
    if storms:
        error, repeats = storms[0]
        detail = (
            f"{len(storms)} error(s) were followed by identical requests; e.g. {error.method} {error.path} "
            f"got {error.status} and was sent {len(repeats)} more time(s) within {STORM_WINDOW:g} s."
        )
        return Verdict(
            "no-retry-storm", "error handling", title, Outcome.FAIL, detail, _pairs([error, *repeats])
        )
    return Verdict(
        "no-retry-storm",
        "error handling",
        title,
        Outcome.PASS,
        f"{len(errors)} error(s) received; none repeated unchanged more than {MAX_IDENTICAL_REPEATS}x.",
        _pairs(errors[:5]),
    )


def honours_retry_after(entries: Sequence[JournalEntry], status: int) -> Verdict:
    title = f"Backs off after {status}, honouring Retry-After"
    rid = f"backs-off-after-{status}"
    throttled = [e for e in entries if e.status == status and _retry_after(e) is not None]
    if not throttled:
        return Verdict(
            rid, "error handling", title, Outcome.SKIP, f"No {status} with Retry-After was received."
        )
    for answer in throttled:
        wait = _retry_after(answer) or 0.0
        allowed_from = answer.at + answer.elapsed_ms / 1000 + wait - TOLERANCE
        following = next((e for e in entries if e.seq > answer.seq and e.api == answer.api), None)
        if following is not None and following.at < allowed_from:
            early = allowed_from + TOLERANCE - following.at
            detail = (
                f"After {status} with Retry-After {wait:g} s, the next request came {early:.2f} s too early "
                f"({following.method} {following.path})."
            )
            return Verdict(rid, "error handling", title, Outcome.FAIL, detail, _pairs([answer, following]))
    return Verdict(
        rid,
        "error handling",
        title,
        Outcome.PASS,
        f"Waited at least Retry-After after each of {len(throttled)} {status} answer(s).",
        _pairs(throttled[:5]),
    )


def new_token_after_401(entries: Sequence[JournalEntry]) -> Verdict:
    title = "Fetches a new token after 401 instead of resending the rejected one"
    rejected = [e for e in entries if e.status == 401 and e.token_ref]
    if not rejected:
        return Verdict(
            "new-token-after-401",
            "error handling",
            title,
            Outcome.SKIP,
            "No 401 on a sent token was received.",
        )
    for answer in rejected:
        reused = [e for e in entries if e.seq > answer.seq and e.token_ref == answer.token_ref]
        if reused:
            detail = f"The token rejected at #{answer.seq} was sent again {len(reused)} time(s)."
            return Verdict(
                "new-token-after-401",
                "error handling",
                title,
                Outcome.FAIL,
                detail,
                _pairs([answer, *reused[:5]]),
            )
    return Verdict(
        "new-token-after-401",
        "error handling",
        title,
        Outcome.PASS,
        f"No rejected token was used again after {len(rejected)} 401 answer(s).",
        _pairs(rejected[:5]),
    )


def _retry_after(entry: JournalEntry) -> float | None:
    value = entry.response_headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _pairs(entries: Sequence[JournalEntry]) -> list[dict[str, object]]:
    return [entry.to_dict() for entry in entries]
