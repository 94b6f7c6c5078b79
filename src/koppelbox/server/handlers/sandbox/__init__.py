"""Control-plane handlers, one module per concern; the resolver looks operationIds up on this package."""

from koppelbox.server.handlers.sandbox.aanmeld import (
    delete_aanmeld_leerling,
    download_aanmeld_document,
    get_aanmeld_leerling,
    get_aanmeld_school,
    list_aanmeld_leerlingen,
    list_aanmeld_partners,
    list_aanmeld_scholen,
    replace_aanmeld_school,
    update_aanmeld_school,
)
from koppelbox.server.handlers.sandbox.core import (
    get_health,
    issue_token,
    list_clients,
    reset_sandbox,
)
from koppelbox.server.handlers.sandbox.journal import clear_journal, list_journal
from koppelbox.server.handlers.sandbox.tenants import create_tenant, delete_tenant, get_tenant, list_tenants
from koppelbox.server.handlers.sandbox.wimpel import get_wimpel_history

__all__ = [
    "clear_journal",
    "create_tenant",
    "delete_aanmeld_leerling",
    "delete_tenant",
    "download_aanmeld_document",
    "get_aanmeld_leerling",
    "get_aanmeld_school",
    "get_health",
    "get_tenant",
    "get_wimpel_history",
    "issue_token",
    "list_aanmeld_leerlingen",
    "list_aanmeld_partners",
    "list_aanmeld_scholen",
    "list_clients",
    "list_journal",
    "list_tenants",
    "replace_aanmeld_school",
    "reset_sandbox",
    "update_aanmeld_school",
]
