"""What the server, the control plane and the web inspector use of a journal: the seam between them and
where the entries are kept. `ring.Journal` (in memory, per process) is the default; `serve --state` keeps
the journal in the database instead (`koppelbox.store.sql.journal.SqlJournal`), so that every worker reads
one journal and a restart keeps it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from koppelbox.journal.entry import JournalEntry, JournalFilter


class JournalBackend(Protocol):
    @property
    def capacity(self) -> int:
        """How many entries are kept; the oldest falls out when a new one arrives."""
        ...

    def record(self, make: Callable[[int], JournalEntry]) -> JournalEntry:
        """Build the entry with the next sequence number and keep it."""
        ...

    def record_later(self, make: Callable[[int], JournalEntry], client: str | None = None) -> None:
        """Keep the entry `make` builds; it may be built later (when read), so `client` names whom the
        exchange is accounted to."""
        ...

    def entries(self, where: JournalFilter | None = None, limit: int | None = None) -> list[JournalEntry]:
        """Matching entries, oldest first; with `limit`, the newest `limit` of them."""
        ...

    def clear(self) -> int:
        """Empty the journal (each client's account notes what was `cleared`); how many entries went."""
        ...

    def accounts(self) -> dict[str, dict[str, Any]]:
        """Per client: `recorded` (how many exchanges) and `lost` (by reason: count, lastSeq, lastAt)."""
        ...

    @property
    def dropped(self) -> int:
        """How many entries fell out because the journal was full."""
        ...

    def __len__(self) -> int: ...
