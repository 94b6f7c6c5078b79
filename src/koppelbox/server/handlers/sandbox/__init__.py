"""Control-plane handlers, one module per concern; the resolver looks operationIds up on this package."""

from koppelbox.server.handlers.sandbox.core import (
    get_health,
    issue_token,
    list_clients,
    reset_sandbox,
)
from koppelbox.server.handlers.sandbox.journal import clear_journal, list_journal

__all__ = [
    "clear_journal",
    "get_health",
    "issue_token",
    "list_clients",
    "list_journal",
    "reset_sandbox",
]
