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
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
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

    def entries(self, where: JournalFilter | None = None, limit: int | None = None) -> list[JournalEntry]:
        """Matching entries, oldest first; with `limit`, the newest `limit` of them."""
        with self._lock:
            snapshot = list(self._entries)
        selected = [e for e in snapshot if where is None or where.matches(e)]
        return selected[-limit:] if limit is not None and limit >= 0 else selected

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count

    @property
    def dropped(self) -> int:
        """How many entries fell out of the ring since start-up."""
        with self._lock:
            return self._dropped

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
