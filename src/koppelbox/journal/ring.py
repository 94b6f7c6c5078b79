"""A fixed-size, thread-safe ring of journal entries: the oldest falls out when a new one arrives, so
memory stays flat however long the sandbox runs.

Because entries fall out (and `clear` empties the ring), the journal also keeps a small account per
client: how many of its exchanges were recorded, and how many were lost, how and up to which `seq`. A
certification reads it to know whether the client's evidence is whole (docs/conformance.md).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from koppelbox.journal.entry import JournalEntry, JournalFilter

DEFAULT_CAPACITY = 1000


@dataclass
class Loss:
    """Exchanges of one client lost one way: `ring` (fell out) or `cleared` (DELETE /sandbox/journal)."""

    reason: str
    count: int = 0
    last_seq: int = 0  # the newest lost seq: a certification judging only later entries is unaffected
    last_at: float = 0.0  # when the latest of them was lost

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "count": self.count, "lastSeq": self.last_seq, "lastAt": self.last_at}


@dataclass
class Account:
    recorded: int = 0
    losses: dict[str, Loss] = field(default_factory=dict)

    def lose(self, reason: str, seq: int, now: float) -> None:
        loss = self.losses.setdefault(reason, Loss(reason))
        loss.count += 1
        loss.last_seq = max(loss.last_seq, seq)
        loss.last_at = now

    def as_dict(self) -> dict[str, Any]:
        return {"recorded": self.recorded, "lost": [loss.as_dict() for loss in self.losses.values()]}


class Journal:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("a journal needs room for at least one entry")
        self.capacity = capacity
        self._entries: deque[JournalEntry | _Pending] = deque(maxlen=capacity)
        self._pending = False  # whether some entry still waits to be built
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._dropped = 0
        self._accounts: dict[str, Account] = {}

    def record(self, make: Callable[[int], JournalEntry]) -> JournalEntry:
        """Build the entry with the next sequence number and append it, under one lock so that
        sequence order and journal order never disagree."""
        with self._lock:
            entry = make(next(self._seq))
            self._append(entry, entry.client)
            return entry

    def record_later(self, make: Callable[[int], JournalEntry], client: str | None = None) -> None:
        """Like `record`, but `make` runs when the journal is next read. Recording sits on the path of every
        request and reading is rare, so parsing and masking bodies waits until someone looks (the caller
        computes eagerly whatever could change in between, such as who owns a token, and names the
        client here for the account)."""
        with self._lock:
            self._append(_Pending(next(self._seq), make, client), client)
            self._pending = True

    def _append(self, entry: JournalEntry | _Pending, client: str | None) -> None:
        # Called with the lock held.
        if len(self._entries) == self.capacity:
            self._dropped += 1
            self._lose(self._entries[0], "ring", time.time())
        self._entries.append(entry)
        if client is not None:
            self._accounts.setdefault(client, Account()).recorded += 1

    def _lose(self, entry: JournalEntry | _Pending, reason: str, now: float) -> None:
        if entry.client is not None:
            self._accounts.setdefault(entry.client, Account()).lose(reason, entry.seq, now)

    def _built(self) -> list[JournalEntry]:
        # Called with the lock held; builds what `record_later` left, once.
        if self._pending:
            built = [e.build() if isinstance(e, _Pending) else e for e in self._entries]
            self._entries = deque(built, maxlen=self.capacity)
            self._pending = False
        return list(self._entries)  # type: ignore[arg-type]  # no _Pending left

    def entries(self, where: JournalFilter | None = None, limit: int | None = None) -> list[JournalEntry]:
        """Matching entries, oldest first; with `limit`, the newest `limit` of them."""
        with self._lock:
            snapshot = self._built()
        selected = [e for e in snapshot if where is None or where.matches(e)]
        return selected[-limit:] if limit is not None and limit >= 0 else selected

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            now = time.time()
            for entry in self._entries:
                self._lose(entry, "cleared", now)
            self._entries.clear()
            self._pending = False
            return count

    def accounts(self) -> dict[str, dict[str, Any]]:
        """Per client: exchanges recorded since start-up, and those lost (fallen out, or cleared)."""
        with self._lock:
            return {client: account.as_dict() for client, account in sorted(self._accounts.items())}

    @property
    def dropped(self) -> int:
        """How many entries fell out of the ring since start-up."""
        with self._lock:
            return self._dropped

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class _Pending:
    __slots__ = ("client", "make", "seq")

    def __init__(self, seq: int, make: Callable[[int], JournalEntry], client: str | None) -> None:
        self.seq = seq
        self.make = make
        self.client = client

    def build(self) -> JournalEntry:
        try:
            return self.make(self.seq)
        except Exception as exc:  # one entry that cannot be built must not make the journal unreadable
            return JournalEntry.minimal(self.seq, self.client, f"entry not built ({type(exc).__name__})")
