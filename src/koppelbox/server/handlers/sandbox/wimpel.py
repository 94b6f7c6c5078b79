"""Control-plane view of Wimpel: what the sandbox keeps that the API itself never shows."""

from __future__ import annotations

from typing import Any

from koppelbox.server.context import current


async def get_wimpel_history(clientId: str, organisationId: str) -> tuple[Any, int]:
    return current().store.wimpel.history(clientId, organisationId), 200
