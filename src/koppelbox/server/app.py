"""The sandbox app: every contract in `openapi/` served by Connexion on one port, each under the prefix its
`servers[0].url` declares (`/wimpel`, `/eduv`, `/aanmeld`, `/sandbox`), each with `openapi.json` and a
Swagger UI (`<prefix>/ui/`).

App type, measured on this machine (ARCHITECTURE.md has the figures): `AsyncApp`, about twice the
throughput of `FlaskApp`, and no 500 on an encoded newline in a path parameter.
"""

from __future__ import annotations

# Before anything imports Connexion: this package imports it with its jsonschema deprecation warnings
# silenced (see its docstring), so that `python -W error` can serve koppelbox.
import koppelbox.server.integration  # noqa: F401

# isort: split

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from starlette.exceptions import HTTPException

from koppelbox import contracts
from koppelbox.journal import DEFAULT_CAPACITY, Journal, JournalBackend
from koppelbox.journal.access import AccessSink
from koppelbox.rules.errors import DomainError
from koppelbox.rules.oauth import OAuthError
from koppelbox.server import errors
from koppelbox.server.context import Sandbox, Tenancy
from koppelbox.server.contract_docs import ContractDocsMiddleware
from koppelbox.server.integration.handlers import FlatASGIApp
from koppelbox.server.integration.private import use_inner_app
from koppelbox.server.integration.stack import use_prepared_middlewares
from koppelbox.server.journal import JournalMiddleware
from koppelbox.server.lane import add_lane
from koppelbox.server.middleware import AllowHeaderMiddleware, SandboxMiddleware
from koppelbox.server.probes import ProbeMiddleware
from koppelbox.server.resolver import HandlerResolver
from koppelbox.server.scenarios import PreferenceAppliedMiddleware, ScenarioMiddleware
from koppelbox.server.security import SECURITY_MAP
from koppelbox.server.tenants import TenantMiddleware
from koppelbox.server.validation import VALIDATORS
from koppelbox.store import Store
from koppelbox.store.interfaces import DEFAULT_TENANT, StoreBackend, TenantBackend
from koppelbox.store.tenants import MemoryTenants

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

# Connexion logs a warning on *every* request to an operation that accepts several media types (Wimpel
# takes JSON and form posts by design); that is noise, and a cost on the hot path.
logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)


class SandboxApp(AsyncApp):  # type: ignore[misc]
    """Connexion's `AsyncApp` serving one sandbox: its handlers are called through one prepared call per
    operation (`integration/handlers.py`), and `sandbox` is the state behind it (store, journal,
    settings), for tests and the CLI."""

    sandbox: Sandbox

    def __init__(self, sandbox: Sandbox, **kwargs: Any) -> None:
        super().__init__("koppelbox", **kwargs)
        self.sandbox = sandbox
        # The inner app is only read when the middleware stack is built, on the first request.
        use_inner_app(self, FlatASGIApp())


def create_app(
    store: StoreBackend | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    validate_responses: bool = False,
    journal_size: int = DEFAULT_CAPACITY,
    fast_lane: bool = True,
    access_log: AccessSink | None = None,  # told of every request but health probes (journal/access.py)
    tenants: TenantBackend | None = None,
    tenant_fixtures: Path | None = None,
    journal_for: Callable[[str], JournalBackend] | None = None,
) -> SandboxApp:
    """`fast_lane=False` serves every request through Connexion's full middleware stack (what the lane
    is tested against; see lane.py). `tenants` is the tenant registry (default: in memory, holding only
    `store` until the operator creates tenants); without `store` its default tenant's world is served at
    `/`. `tenant_fixtures` is the directory whose folders a new tenant may be built from.
    `journal_for(tenant_id)` gives a tenant's journal (default: a ring of `journal_size` in this process;
    `serve --state`: the database's, which every worker shares)."""
    if store is None and tenants is not None:
        store = tenants.world(DEFAULT_TENANT)
    store = store or Store.from_directory()
    journal = journal_for(DEFAULT_TENANT) if journal_for else Journal(journal_size)
    sandbox = Sandbox(store, max_body_bytes, journal=journal)
    sandbox.tenancy = Tenancy(tenants or MemoryTenants(store), tenant_fixtures, journal_for)
    app = SandboxApp(sandbox, validator_map=VALIDATORS, security_map=SECURITY_MAP)
    for spec in contracts.discover():
        sandbox.apis.append(spec.prefix)
        sandbox.routes.add_spec(spec.prefix, spec.path)
        module = importlib.import_module(f"koppelbox.server.handlers.{spec.name}")
        if hasattr(module, "ERROR_FORMAT"):  # an API with an error body of its own (Edu-V)
            errors.register_format(spec.prefix, module.ERROR_FORMAT)
        app.add_api(
            contracts.private_copy(spec.path),  # parsed once with libyaml, not again by Connexion
            base_path=spec.prefix,
            name=spec.name,
            resolver=HandlerResolver(module),
            strict_validation=True,
            validate_responses=validate_responses,
            swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui"),
        )
    for exc_class in (Exception, HTTPException, ProblemException, DomainError, OAuthError):
        app.add_error_handler(exc_class, errors.handle)
    app.add_middleware(SandboxMiddleware, position=MiddlewarePosition.BEFORE_ROUTING, sandbox=sandbox)
    # `<prefix>/openapi.json|yaml` as written (components, $ref), before Connexion's dereferenced copy.
    app.add_middleware(ContractDocsMiddleware, position=MiddlewarePosition.BEFORE_SWAGGER)
    # `/tenants/<id>/...` → that tenant's sandbox, before anything reads the path (tenants.py).
    app.add_middleware(TenantMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, sandbox=sandbox)
    # Routes outside every contract (`/health`, `/sandbox/`): added first, so outermost of these and
    # outside the journal (probes.py).
    app.add_middleware(ProbeMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    # After authentication, before validation: catalogue scenarios asked for with `Prefer` or reserved values.
    app.add_middleware(ScenarioMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION)
    app.add_middleware(PreferenceAppliedMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    # Outside the exception middleware, so the journal records error answers exactly as sent.
    app.add_middleware(
        JournalMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        sandbox=sandbox,
        prefixes=sandbox.apis,
        access_log=access_log,
    )
    app.add_middleware(
        AllowHeaderMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, routes=sandbox.routes
    )
    # After the last add_middleware: both find their anchors among Connexion's stock classes.
    use_prepared_middlewares(app.middleware.middlewares)
    if fast_lane:
        add_lane(app.middleware.middlewares)
    return app
