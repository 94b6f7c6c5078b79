"""One pass through the stack for a request its operation accepts; the whole stack for any other.

Behind Connexion's exception middleware sit eight more layers (docs, sandbox, routing, security,
scenarios, request validation, response validation, context) and an inner app that routes a second time
through two Starlette routers. Each layer looks the operation up again and wraps the request once more:
about half of the sandbox's time per request went into passing it down that chain.

The lane sits just inside the exception middleware. For a request to a documented operation it runs the
same steps as the stack, in the same order, with the objects Connexion built for that operation at
start-up: the route match (Starlette's own compiled patterns and convertors), the security check (our
`security_map` handlers' check reduced to accept-or-not for a one-scheme operation, else
`SecurityOperation.verification_fn`), the scenario catalogue's reserved values, request validation
(the prepared operation's `admit`), response validation (Connexion's operation, when switched on), the
request context, and the prepared handler call. It only ever *accepts*: when any step before the
handler would refuse the request, or the request is one the lane does not take (a `Prefer` header, a
chunked, oversized or unreadable body length, HEAD, docs paths, a proxy root path, an encoded newline),
the request goes, untouched and with its body replayed, down the full stack, which refuses or serves it
exactly as it always did. What the handler raises takes the same way out as in the stack: up to the
exception middleware. tests/test_lane.py and tests/test_lane_generated.py hold the app with and
without the lane to the same answers and journal.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from connexion.apps.asynchronous import AsyncASGIApp
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedMiddleware
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.response_validation import (
    ResponseValidationMiddleware,
    ResponseValidationOperation,
)
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.security import SecurityMiddleware, SecurityOperation
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from starlette.convertors import StringConvertor
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from koppelbox.server.context import SCOPE_KEY
from koppelbox.server.integration.body import afresh, read_once, replaying
from koppelbox.server.integration.docs_routes import docs_paths
from koppelbox.server.integration.private import context_var, layers, operation_var, receive_var, scope_var
from koppelbox.server.integration.validation import PreparedRequestValidationMiddleware
from koppelbox.server.middleware import SandboxMiddleware
from koppelbox.server.scenarios import ScenarioMiddleware
from koppelbox.server.security import accepting_check

# Requests with these headers are left to the stack: a scenario asked for, or a chunked body.
_STACK_ONLY_HEADERS = frozenset({b"prefer", b"transfer-encoding"})


@dataclass
class _Operation:
    """Everything Connexion's layers hold for one operation, found once."""

    base_path: str
    operation_id: str
    api: str  # first path segment, as the scenario catalogue names APIs
    security: SecurityOperation
    validation: Any  # a prepared request validation operation (integration/validation.py)
    spec_operation: Any  # Connexion's AbstractOperation, for `connexion.context.operation`
    handler: Any  # the inner app's operation: its prepared handler call (integration/handlers.py)
    respond: Callable[[Scope, Receive, Send], Any]  # response validation around `run`, or `run` itself
    # Our security handlers' check reduced to accept-or-not (server/security.py), when the operation has one
    # scheme; else None and Connexion's verification function runs.
    accept_token: Callable[[Scope], dict[str, Any] | None] | None = None
    reserved: frozenset[str] = frozenset()  # the scenario catalogue's reserved-value locations for the API

    async def run(self, scope: Scope, receive: Receive, send: Send) -> None:
        # What Connexion's context middleware does before the inner app: the handler reads these.
        context_var.set(scope["extensions"].get("connexion_context", {}))
        operation_var.set(self.spec_operation)
        receive_var.set(receive)
        scope_var.set(scope)
        flat = self.handler.flat
        # The arguments from what validation already parsed, when that is all the handler needs.
        kwargs = flat.arguments.from_validated(scope)
        response = await (flat(scope, receive) if kwargs is None else flat.answer(kwargs))
        await response(scope, receive, send)


@dataclass
class _Route:
    pattern: re.Pattern[str]
    convertors: dict[str, Any] | None  # None: every parameter is a string, as matched
    operation: _Operation | None  # None: an operation some layer does not know; left to the stack


def add_lane(middlewares: list[Any]) -> None:
    """Put the lane just inside the exception middleware of an app's middleware list (after the last
    `add_middleware`, as `MiddlewarePosition` finds its anchors among the stock classes)."""
    middlewares.insert(middlewares.index(ExceptionMiddleware) + 1, FastLane)


class FastLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Per API mount: its prefix and its routes by method, in the router's order. Built on first use.
        self._mounts: list[tuple[str, dict[str, list[_Route]]]] | None = None
        self._sandbox: Any = None
        self._scenarios: ScenarioMiddleware | None = None
        self._docs: tuple[set[str], tuple[str, ...]] = (set(), ())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._mounts is None:
            self._build()
        found = self._match(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        declared = None
        # One pass over the headers: those that send a request to the stack, and the declared length.
        for name, value in scope["headers"]:
            if name in _STACK_ONLY_HEADERS:
                await self.app(scope, receive, send)
                return
            if name == b"content-length" and declared is None:
                # Any length of more than 19 digits is over the cap (and `int()` refuses thousands).
                declared = int(value) if value.isdigit() and len(value) < 20 else -1
        operation, path_params = found
        if declared is not None and not 0 <= declared <= self._sandbox.max_body_bytes:
            await self.app(scope, receive, send)  # an unreadable length, or the sandbox middleware's 413
            return
        body = b""
        if declared:  # read once, here or by the journal further out (integration/body.py)
            body, receive = await read_once(scope, receive)
        # A shallow copy, as Connexion's routing passes on; `extensions` stays shared with the layers
        # outside (the journal reads the operation id and scenario from it).
        extensions = scope.setdefault("extensions", {})
        before = set(extensions)
        inner: Scope = dict(scope)
        inner["path_params"] = path_params
        inner[SCOPE_KEY] = scope.get(SCOPE_KEY, self._sandbox)  # a tenant's, set by server/tenants.py
        try:
            inner_receive, inner = await self._admit(operation, inner, receive, body)
        except Exception:
            # The body from its start again (validation may have read the `receive` in hand).
            handed = afresh(scope, receive) if declared else replaying(b"", receive)
            for key in set(extensions) - before:  # leave the stack the scope it would have had
                del extensions[key]
            await self.app(scope, handed, send)
            return
        await operation.respond(inner, inner_receive, send)

    async def _admit(
        self, operation: _Operation, scope: Scope, receive: Receive, body: bytes
    ) -> tuple[Receive, Scope]:
        """The stack's steps before the handler, in its order; raises where the stack would refuse."""
        scope["extensions"].setdefault(ROUTING_CONTEXT, {}).update(
            {"api_base_path": operation.base_path, "operation_id": operation.operation_id}
        )
        if operation.accept_token is not None:
            token_info = operation.accept_token(scope)
            if token_info is None:
                raise _LeaveToStack  # Connexion's check decides, and words the refusal
            # As Connexion's `verify_security` records an accepted token.
            scope["extensions"].setdefault("connexion_context", {}).update(
                {"user": token_info.get("sub", token_info.get("uid")), "token_info": token_info}
            )
        elif operation.security.security:
            await operation.security.verification_fn(ConnexionRequest(scope))
        where = operation.reserved  # where this API's requests can carry a reserved scenario value
        if where:
            assert self._scenarios is not None
            query = {}
            if "query" in where:
                query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            parsed = None
            if body and "body" in where:
                try:
                    parsed = json.loads(body)
                except (ValueError, RecursionError):
                    parsed = None
            if self._scenarios.catalogue.reserved_scenario(
                operation.api, scope["path_params"], query, parsed
            ):
                raise _LeaveToStack
        receive, scope = await operation.validation.admit(scope, receive)
        return receive, scope

    def _match(self, scope: Scope) -> tuple[_Operation, dict[str, Any]] | None:
        """Starlette's match, as the routing middleware's router would make it: the first route whose
        pattern and method both match wins. Anything unusual is left to the stack."""
        path: str = scope["path"]
        bases, docs = self._docs
        # A newline defeats Starlette's mount pattern (`.` stops at it; `$` matches before a final one),
        # so the stack answers 404 where the lane's route patterns alone would match: leave it to the stack.
        if scope.get("root_path") or "\n" in path or path in bases or path.startswith(docs):
            return None
        method: str = scope["method"]
        assert self._mounts is not None
        for prefix, by_method in self._mounts:
            if not path.startswith(prefix):
                continue
            rest = path[len(prefix) - 1 :]  # keeps the leading "/", as Mount hands it on
            # The routes for this method, in the router's order: the first whose pattern matches wins.
            for route in by_method.get(method, ()):
                match = route.pattern.match(rest)
                if match is None:
                    continue
                if route.operation is None:
                    return None
                if route.convertors is None:  # every parameter a plain string: nothing to convert
                    return route.operation, match.groupdict()
                converted = {k: route.convertors[k].convert(v) for k, v in match.groupdict().items()}
                return route.operation, converted
            return None  # Starlette would not look at a later mount either once this one matched
        return None

    def _build(self) -> None:
        stack = layers(self.app)
        routing = _one(stack, RoutingMiddleware)
        security = _one(stack, SecurityMiddleware)
        validation = _one(stack, PreparedRequestValidationMiddleware)
        responses = _one(stack, ResponseValidationMiddleware)
        context = _one(stack, ContextMiddleware)
        inner = _one(stack, AsyncASGIApp)
        self._sandbox = _one(stack, SandboxMiddleware).sandbox
        self._scenarios = _one(stack, ScenarioMiddleware)
        # The docs layer sits before routing: a path its routes could match is left to the stack.
        self._docs = docs_paths(_one(stack, SwaggerUIMiddleware))
        mounts = []
        for mount in routing.router.routes:
            if not isinstance(mount, Mount):
                continue
            by_method: dict[str, list[_Route]] = {}
            for route in mount.routes:
                if not isinstance(route, Route) or route.methods is None:
                    continue
                operation_id = getattr(route.endpoint, "operation_id", None)
                parts = (
                    _operation_of(layer, mount.path, operation_id)
                    for layer in (security, validation, context, inner)
                )
                sec, val, ctx, handler = parts
                operation = None
                if operation_id is not None and None not in (sec, val, ctx, handler):
                    operation = _Operation(
                        base_path=mount.path,
                        operation_id=operation_id,
                        api=mount.path.strip("/").split("/")[0],
                        security=sec,
                        validation=val,
                        spec_operation=ctx.operation,
                        handler=handler,
                        respond=_no_op,
                    )
                    operation.respond = operation.run
                    operation.accept_token = accepting_check(sec.security, sec.security_schemes)
                    operation.reserved = self._scenarios.catalogue.reserved_locations(operation.api)
                    checked = _operation_of(responses, mount.path, operation_id)
                    if isinstance(checked, ResponseValidationOperation):  # on: Connexion's check around run
                        checked = copy.copy(checked)
                        checked.next_app = operation.run
                        operation.respond = checked
                convertors: dict[str, Any] | None = route.param_convertors
                if all(isinstance(c, StringConvertor) for c in route.param_convertors.values()):
                    convertors = None
                # Only the methods the route registered (Starlette adds HEAD for GET; HEAD is left to it).
                for method in route.methods:
                    if method != "HEAD":
                        by_method.setdefault(method, []).append(
                            _Route(route.path_regex, convertors, operation)
                        )
            mounts.append((mount.path + "/", by_method))
        self._mounts = mounts


class _LeaveToStack(Exception):
    """A request the lane does not take although nothing is wrong with it (a reserved scenario value)."""


async def _no_op(scope: Scope, receive: Receive, send: Send) -> None:  # replaced once built
    raise RuntimeError("fast lane operation used before it was built")


def _one(layers: list[Any], kind: type) -> Any:
    found = [layer for layer in layers if isinstance(layer, kind)]
    if len(found) != 1:
        raise RuntimeError(f"fast lane expects one {kind.__name__} in the stack, found {len(found)}")
    return found[0]


def _operation_of(layer: RoutedMiddleware[Any], base_path: str, operation_id: str | None) -> Any:
    """What a routed layer would dispatch to for this operation (its first API that knows it)."""
    for api in layer.apis.get(base_path, []):
        if operation_id in api.operations:
            return api.operations[operation_id]
    return None
