"""A fixed-size, thread-safe ring of journal entries: the oldest falls out when a new one arrives, so
memory stays flat however long the sandbox runs."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable

from koppelbox.journal.entry import JournalEntry, JournalFilter

DEFAULT_CAPACITY = 1000


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

    def record(self, make: Callable[[int], JournalEntry]) -> JournalEntry:
        """Build the entry with the next sequence number and append it, under one lock so that
        sequence order and journal order never disagree."""
        with self._lock:
            entry = make(next(self._seq))
            if len(self._entries) == self.capacity:
                self._dropped += 1
            self._entries.append(entry)
            return entry

    def record_later(self, make: Callable[[int], JournalEntry]) -> None:
        """Like `record`, but `make` runs when the journal is next read. Recording sits on the path of every
        request and reading is rare, so parsing and masking bodies waits until someone looks (the caller
        computes eagerly whatever could change in between, such as who owns a token)."""
        with self._lock:
            if len(self._entries) == self.capacity:
                self._dropped += 1
            self._entries.append(_Pending(next(self._seq), make))
            self._pending = True

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
            self._entries.clear()
            self._pending = False
            return count

    @property
    def dropped(self) -> int:
        """How many entries fell out of the ring since start-up."""
        with self._lock:
            return self._dropped

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class _Pending:
    __slots__ = ("make", "seq")

    def __init__(self, seq: int, make: Callable[[int], JournalEntry]) -> None:
        self.seq = seq
        self.make = make

    def build(self) -> JournalEntry:
        return self.make(self.seq)
