"""Control-plane handlers, one module per concern; the resolver looks operationIds up on this package."""

from koppelbox.server.handlers.sandbox.core import (
    get_health,
    issue_token,
    list_clients,
    reset_sandbox,
)

__all__ = [
    "get_health",
    "issue_token",
    "list_clients",
    "reset_sandbox",
]
