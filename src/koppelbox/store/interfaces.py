"""The storage seam: what the front ends (server handlers, control plane, CLI, the conformance replay) ask
of the store, one Protocol per API plus the `StoreBackend` aggregate; and `AanmeldRecords`, the unit of
work over one Aanmeld school that the Aanmeld operations are written on.

The in-memory store (`koppelbox.store.Store`) is one implementation, checked against these Protocols by
mypy (`store/__init__.py`); a database backend is to be another. Every method may be called from several
threads at once and either completes or changes nothing. What else a backend must guarantee, and where a
transaction begins: ARCHITECTURE.md, "Storage: the seam, units of work, what a backend must guarantee".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from koppelbox.rules import eduv, oauth, wimpel
from koppelbox.rules.aanmeld.intake import Receipt
from koppelbox.rules.aanmeld.records import Document, SchoolRecords
from koppelbox.rules.identity import AccessToken, Client
from koppelbox.store.fixtures import Fixtures

Json = dict[str, Any]


class IdentityBackend(Protocol):
    """Clients, their static tokens, and tokens issued by the token endpoint (shared by every API)."""

    @property
    def admin_token(self) -> str: ...

    @property
    def token_lifetime(self) -> int: ...  # seconds, of an issued token

    @property
    def clients(self) -> Mapping[str, Client]: ...

    def static_tokens(self, client_id: str) -> list[AccessToken]: ...

    def summaries(self, *, with_secrets: bool = False) -> list[Json]: ...

    def owner_of(self, token: str) -> str | None: ...

    def authenticate(self, token: str) -> AccessToken: ...

    def issue(self, credentials: oauth.ClientCredentials, requested_scope: str | None) -> AccessToken: ...

    def expire(self, token: str) -> bool: ...  # an issued token, now (the `401` scenario)


class WimpelBackend(Protocol):
    """Each client's list of organisations, with their history. A client sees only its own list."""

    def page(self, client_id: str, *, active: bool | None, limit: int, offset: int) -> wimpel.Page: ...

    def get(self, client_id: str, organisation_id: str) -> wimpel.Organisation: ...

    def create(self, client_id: str, body: Mapping[str, Any]) -> wimpel.Organisation:
        """Conflict when the client's list already holds the id, even if another create raced this one."""
        ...

    def update(
        self, client_id: str, organisation_id: str, changes: Mapping[str, Any]
    ) -> wimpel.Organisation: ...

    def delete(self, client_id: str, organisation_id: str) -> None: ...

    def history(self, client_id: str, organisation_id: str) -> list[Json]: ...


class EduvBackend(Protocol):
    """Edu-V employees, read-only: one call of the API after its parameters were parsed."""

    def employees_for(
        self, consumer_id: str, scopes: Iterable[str], query: eduv.EmployeeQuery
    ) -> list[Json]: ...


class AanmeldRecords(Protocol):
    """Every Aanmeld school's records, reached one school at a time through a unit of work:

        with records.school(brin) as school:
            ...  # reads and changes of this one school, as one transaction

    A backend makes each unit atomic and isolated from every other unit of the same school (a lock, a
    row lock on the school, or SERIALIZABLE), and durable when it ends without an exception. Units of
    different schools may run in parallel. An exception inside a unit must leave the school as it was
    (the rules refuse before their first change, so the in-memory backend need not roll back).
    """

    def brins(self) -> list[str]:
        """The schools that receive enrolments, sorted."""
        ...

    def school(self, brin: str) -> AbstractContextManager[SchoolRecords]:
        """The unit of work over one school; NotFound (`school_unknown`) for a school that is not here."""
        ...

    def school_of_enrolment(self, enrolment_id: str) -> str | None:
        """The BRIN of the school that holds an enrolment; a hint to be checked inside the unit."""
        ...

    def state(self, brin: str) -> SchoolRecords:
        """The school's records as they are now, to be read only and never kept across requests (the
        in-memory backend hands out the live records, a database backend a copy read in one unit)."""
        ...


class AanmeldBackend(Protocol):
    """The partner's Aanmeld-API (enrol, add a document) and the school's view of it (control plane)."""

    def enrol(self, client_id: str, body: Mapping[str, Any]) -> Receipt: ...

    def add_document(
        self, client_id: str, enrolment_id: str, bestandsnaam: str, declared_type: str, data: bytes
    ) -> Receipt: ...

    def partner_list(self) -> list[Json]: ...

    def school_list(self) -> list[Json]: ...

    def school(self, brin: str) -> Json: ...

    def configure(self, brin: str, changes: Mapping[str, Any], *, replace: bool) -> Json: ...

    def pupils(self, brin: str, *, zonder_aanmelding: bool | None = None) -> list[Json]: ...

    def pupil(self, brin: str, stamnummer: int, download_base: str) -> Json: ...

    def delete_pupil(self, brin: str, stamnummer: int) -> None: ...

    def document(self, brin: str, document_id: str) -> Document: ...

    def state(self, brin: str) -> SchoolRecords:
        """The school's records as they are now, to be read only (the conformance replay and tests
        compare two of them); never kept across requests."""
        ...


class StoreBackend(Protocol):
    """Everything the sandbox keeps, built from one fixtures directory and reset to it together."""

    @property
    def fixtures(self) -> Fixtures: ...

    @property
    def identity(self) -> IdentityBackend: ...

    @property
    def aanmeld(self) -> AanmeldBackend: ...

    @property
    def wimpel(self) -> WimpelBackend: ...

    @property
    def eduv(self) -> EduvBackend: ...

    def reset(self) -> None:
        """Back to the seeded state: data and issued tokens. Static tokens keep working."""
        ...

    def check(self) -> None:
        """Readiness (`/health`): raise a 503 `DomainError` when the storage cannot serve now (a database
        that does not answer); the in-memory store always can."""
        ...


# The tenant every sandbox has, served at `/`: the world `koppelbox serve` builds, exactly as without
# tenants. It cannot be created or dropped.
DEFAULT_TENANT = "default"


@dataclass(frozen=True)
class TenantInfo:
    """What the registry keeps about a tenant besides its world."""

    id: str
    created: str  # RFC 3339, UTC
    source: str  # what its world was built from, for the operator: "seed 0", "folder acme (seed 0)"


class TenantBackend(Protocol):
    """The registry of tenants: one isolated `StoreBackend` (its "world") per tenant id, each with its own
    clients, tokens, data and reset. The default tenant is always there.

    The server calls `world` on every request to a tenant's URL, so it must be cheap (a dict lookup, or
    a cache the backend keeps valid across workers). A world handed out stays usable until dropped; after
    `drop`, `world` returns None and the server forgets the tenant's journal. Credentials are the caller's
    business: `create` receives fixtures whose tokens, secrets and admin token are already the tenant's
    own (`store/tenants.py`, `tenant_fixtures`), and stores them as the seed its `reset` returns to.
    """

    def tenants(self) -> list[TenantInfo]:
        """Every tenant, the default first, then by id."""
        ...

    def info(self, tenant_id: str) -> TenantInfo | None: ...

    def world(self, tenant_id: str) -> StoreBackend | None:
        """The tenant's store; None for an id that is not (or no longer) a tenant."""
        ...

    def create(self, tenant_id: str, fixtures: Fixtures, source: str) -> StoreBackend:
        """A new world seeded from `fixtures`. `TenantExists` (409) when the id is taken, also when a
        concurrent create of the same id won; `Invalid` for an id `check_tenant_id` refuses."""
        ...

    def drop(self, tenant_id: str) -> bool:
        """Remove a tenant and everything it holds; False when there is none. `DefaultTenantFixed`
        (409) for the default tenant."""
        ...
