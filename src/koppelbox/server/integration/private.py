"""Every private name of Connexion and Starlette the server relies on, and nothing else.

Connexion keeps these out of its public API, so any release may move them; pyproject.toml pins Connexion
to the minor range on which tests/test_connexion_private.py found each one with the shape used here. No
other module names them: they are imported from here under public names, and a private hook that one of
our subclasses overrides is defined there under its public name in `HOOKS` (`Hooks` makes it the hook).
Nothing here runs per request: the names are the library's own objects, bound once at import.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from operator import attrgetter
from typing import Any

from connexion.context import _context, _operation, _receive, _scope
from connexion.decorators.parameter import (
    _get_body_argument,
    _get_file_arguments,
    _get_query_defaults,
    _get_val_from_param,
    _query_args_helper,
)
from connexion.decorators.response import BaseResponseDecorator
from connexion.security import AbstractSecurityHandler
from connexion.validators import FormDataValidator, JSONResponseBodyValidator
from starlette._utils import get_route_path as _get_route_path

# --- module-level names ------------------------------------------------------------------------------

# The request context as Connexion's context middleware sets it; its public names (`connexion.context`)
# are werkzeug proxies, several Python calls per lookup.
context_var: ContextVar[dict[str, Any]] = _context
operation_var: ContextVar[Any] = _operation
receive_var: ContextVar[Any] = _receive
scope_var: ContextVar[Any] = _scope

# Connexion's handler-argument rules (`connexion.decorators.parameter`), reused as they are.
body_argument: Callable[..., dict[str, Any]] = _get_body_argument
file_arguments: Callable[..., dict[str, Any]] = _get_file_arguments
query_defaults: Callable[[dict[str, dict[str, Any]]], dict[str, Any]] = _get_query_defaults
value_from_param: Callable[[Any, dict[str, Any]], Any] = _get_val_from_param
query_arguments: Callable[..., dict[str, Any]] = _query_args_helper

# Starlette's path as its routers match it (the path without the root path).
route_path: Callable[[Any], str] = _get_route_path

# Whether a function takes a keyword argument, as Connexion's security handlers decide it.
accepts_kwarg: Callable[[Callable[..., Any], str], bool] = AbstractSecurityHandler._accepts_kwarg

# Connexion's own implementations of hooks our subclasses override and fall back on.
stock_form_parse: Callable[..., Any] = FormDataValidator._parse
stock_response_check: Callable[..., Any] = JSONResponseBodyValidator._validate
stock_infer_content_type: Callable[[Any, dict[str, Any]], str | None] = (
    BaseResponseDecorator._infer_content_type
)

# --- attributes of Connexion's objects ----------------------------------------------------------------


def parsed_parameters(request: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """What a `ConnexionRequest` has parsed of its path and query (None where it has not yet)."""
    return request._path_params, request._query_params


def adopt_parameters(request: Any, path: dict[str, Any] | None, query: dict[str, Any] | None) -> None:
    """Hand a `ConnexionRequest` path and query values parsed before (None: parse them when asked), and
    an empty query for an empty query string (what its URI parser would resolve it to)."""
    if path is not None:
        request._path_params = path
    if query is not None:
        request._query_params = query
    elif request._query_params is None and not request.scope.get("query_string"):
        request._query_params = {}


def use_inner_app(app: Any, inner: Any) -> None:
    """Make `inner` the ASGI app an `AsyncApp` routes to behind its middleware (before the first request:
    the middleware stack is built then)."""
    app._middleware_app = inner
    app.middleware.app = inner


def layers(app: Any) -> list[Any]:
    """The middleware stack Connexion built, outermost first, through each layer's `app` or `next_app`."""
    found = []
    while app is not None:
        found.append(app)
        app = getattr(app, "app", None) or getattr(app, "next_app", None)
    return found


# --- private hooks our subclasses override ------------------------------------------------------------

# Public name in our subclasses → the private hook Connexion calls.
HOOKS = {
    "parse_body": "_parse",  # request body validators: the body from the receive stream
    "check_body": "_validate",  # request and response body validators: the verdict on the parsed body
    "form_parser_class": "_form_parser_cls",  # form validators: the Starlette parser class (a property)
    "infer_content_type": "_infer_content_type",  # response decorator: the answer's media type
    "generic_check": "_generic_check",  # security handlers: the token-info call
    "verify_func": "_get_verify_func",  # security handlers: the request check
    "resolve_func": "_resolve_func",  # security handlers: the token-info function for a scheme
}


class Hooks:
    """Mix in first: a method (or property) a subclass defines under a public name in `HOOKS` also
    becomes, on that class, the private hook Connexion calls, once when the class is made."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        for public, private in HOOKS.items():
            if public in own:
                setattr(cls, private, own[public])


class BodyValidatorFields(Hooks):
    """Mix in first on a Connexion body validator: what it was made with, under public names (read by
    C-level getters, no Python call)."""

    schema: Any = property(attrgetter("_schema"))
    encoding: Any = property(attrgetter("_encoding"))
    required: Any = property(attrgetter("_required"))
    nullable: Any = property(attrgetter("_nullable"))
