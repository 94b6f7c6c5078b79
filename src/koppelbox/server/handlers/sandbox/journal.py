"""The control plane's view of the request journal."""

from __future__ import annotations

from typing import Any

from koppelbox.journal import JournalFilter
from koppelbox.server.context import current

Response = tuple[Any, int]


async def list_journal(
    client: str | None = None,
    api: str | None = None,
    status: int | None = None,
    statusClass: int | None = None,  # Connexion passes query parameters by their contract name
    operation: str | None = None,
    after: int | None = None,
    before: int | None = None,
    limit: int = 1000,
) -> Response:
    journal = current().journal
    where = JournalFilter(
        client=client,
        api=api,
        status=status,
        status_class=statusClass,
        operation=operation,
        after=after,
        before=before,
    )
    entries = journal.entries(where, limit=limit)
    return {
        "capacity": journal.capacity,
        "size": len(journal),
        "dropped": journal.dropped,
        "accounts": journal.accounts(),
        "entries": [entry.to_dict() for entry in entries],
    }, 200


async def clear_journal() -> Response:
    return {"cleared": current().journal.clear()}, 200
