"""Every private name of Connexion and Starlette the server uses is still there, with the shape it uses,
and is reached only through `koppelbox.server.integration.private`.

pyproject.toml pins Connexion to the minor range this test has passed on. Before widening the pin,
install the new release and run this file: a failure names the private name that moved.
"""

from __future__ import annotations

import ast
import inspect
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import connexion
import pytest
import starlette
from connexion import AsyncApp
from connexion import context as connexion_context
from connexion.decorators.response import BaseResponseDecorator
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.security import AbstractSecurityHandler, OAuthSecurityHandler
from connexion.uri_parsing import OpenAPIURIParser
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
)
from connexion.validators.abstract import AbstractRequestBodyValidator, AbstractResponseBodyValidator
from starlette.testclient import TestClient

import koppelbox
from koppelbox.server import security as server_security
from koppelbox.server import validation as server_validation
from koppelbox.server.app import create_app
from koppelbox.server.integration import handlers, private
from koppelbox.server.integration import validation as integration_validation
from koppelbox.server.integration.handlers import FlatASGIApp


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


# --- module-level names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "proxy_name"),
    [
        (private.context_var, "context"),
        (private.operation_var, "operation"),
        (private.receive_var, "receive"),
        (private.scope_var, "scope"),
    ],
)
def test_context_variables_are_the_ones_behind_connexions_proxies(variable: Any, proxy_name: str) -> None:
    assert isinstance(variable, ContextVar)
    proxy = getattr(connexion_context, proxy_name)
    value = {"marker": object()}
    token = variable.set(value)
    try:
        assert proxy.get("marker") is value["marker"]  # the werkzeug proxy reads this very variable
    finally:
        variable.reset(token)


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (private.body_argument, ["body", "operation", "arguments", "has_kwargs", "sanitize", "content_type"]),
        (private.file_arguments, ["files", "arguments", "body_schema", "has_kwargs"]),
        (private.query_defaults, ["query_definitions"]),
        (private.value_from_param, ["value", "param_definitions"]),
        (
            private.query_arguments,
            ["query_definitions", "query_arguments", "function_arguments", "has_kwargs", "sanitize"],
        ),
        (private.route_path, ["scope"]),
        (private.accepts_kwarg, ["func", "keyword"]),
        (private.stock_form_parse, ["self", "stream", "scope"]),
        (private.stock_response_check, ["self", "body"]),
        (private.stock_infer_content_type, ["data", "headers"]),
    ],
    ids=lambda value: getattr(value, "__qualname__", None) or "",
)
def test_functions_take_the_parameters_used(function: Any, expected: list[str]) -> None:
    assert callable(function)
    assert parameters(function) == expected


def test_route_path_is_the_path_without_the_root_path() -> None:
    assert private.route_path({"path": "/proxy/wimpel/ui/", "root_path": "/proxy"}) == "/wimpel/ui/"
    assert private.route_path({"path": "/wimpel/ui/", "root_path": ""}) == "/wimpel/ui/"


def test_accepts_kwarg_answers_for_a_keyword() -> None:
    def with_request(token: str, request: Any) -> None: ...

    def with_kwargs(token: str, **kwargs: Any) -> None: ...

    assert private.accepts_kwarg(with_request, "request")
    assert not private.accepts_kwarg(with_request, "required_scopes")
    assert private.accepts_kwarg(with_kwargs, "required_scopes")


# --- attributes of Connexion's objects ----------------------------------------------------------------


def test_a_request_takes_parameters_parsed_before() -> None:
    http_scope = {"type": "http", "method": "GET", "path": "/x", "query_string": b"", "headers": []}
    request = ConnexionRequest(http_scope, uri_parser=OpenAPIURIParser([], {}))
    assert private.parsed_parameters(request) == (None, None)  # nothing parsed yet
    private.adopt_parameters(request, {"id": "16SK"}, None)
    assert request.path_params == {"id": "16SK"}
    assert request.query_params == {}  # an empty query string, resolved without parsing
    assert private.parsed_parameters(request) == ({"id": "16SK"}, {})


def test_the_scan_knows_the_private_names_used() -> None:
    assert {"_path_params", "_query_params", "_middleware_app", "_schema", "_encoding"} <= LIBRARY_PRIVATE


def test_the_inner_app_and_the_layer_chain() -> None:
    inner = FlatASGIApp()
    app = AsyncApp("koppelbox-private-test")
    private.use_inner_app(app, inner)
    assert app.middleware.app is inner

    served = create_app(fast_lane=False)
    TestClient(served).get("/sandbox/health")  # the middleware stack is built on the first request
    stack = private.layers(served.middleware)
    for kind in (ExceptionMiddleware, RoutingMiddleware, SecurityMiddleware, ContextMiddleware, FlatASGIApp):
        assert sum(isinstance(layer, kind) for layer in stack) == 1, kind.__name__


def test_body_validators_keep_what_they_were_made_with() -> None:
    schema = {"type": "object"}
    request_validator = server_validation.JSONBodyValidator(
        schema=schema, required=True, nullable=False, encoding="latin-1", strict_validation=True
    )
    assert (request_validator.schema, request_validator.required) == (schema, True)
    assert (request_validator.nullable, request_validator.encoding) == (False, "latin-1")
    response_validator = integration_validation.ResponseBodyValidator(
        {"type": "http"}, schema=schema, nullable=True, encoding="utf-8"
    )
    assert (response_validator.schema, response_validator.nullable) == (schema, True)


# --- private hooks our subclasses override ------------------------------------------------------------

# (Connexion class that calls the hook, hook, its parameters; None: a property)
HOOK_SHAPES: list[tuple[type, str, list[str] | None]] = [
    (AbstractRequestBodyValidator, "_parse", ["self", "stream", "scope"]),
    (JSONRequestBodyValidator, "_parse", ["self", "stream", "scope"]),
    (FormDataValidator, "_parse", ["self", "stream", "scope"]),
    (AbstractRequestBodyValidator, "_validate", ["self", "body"]),
    (AbstractResponseBodyValidator, "_validate", ["self", "body"]),
    (FormDataValidator, "_form_parser_cls", None),
    (MultiPartFormDataValidator, "_form_parser_cls", None),
    (BaseResponseDecorator, "_infer_content_type", ["data", "headers"]),
    (AbstractSecurityHandler, "_generic_check", ["self", "func", "exception_msg"]),
    (
        OAuthSecurityHandler,
        "_get_verify_func",
        ["self", "token_info_func", "scope_validate_func", "required_scopes"],
    ),
    (AbstractSecurityHandler, "_resolve_func", ["self", "security_scheme"]),
]


def test_every_hook_is_checked() -> None:
    assert {hook for _, hook, _ in HOOK_SHAPES} == set(private.HOOKS.values())


@pytest.mark.parametrize(("owner", "hook", "expected"), HOOK_SHAPES, ids=lambda v: getattr(v, "__name__", v))
def test_hooks_have_the_shape_overridden(owner: type, hook: str, expected: list[str] | None) -> None:
    found = inspect.getattr_static(owner, hook)
    if expected is None:
        assert isinstance(found, property)
    else:
        assert parameters(getattr(owner, hook)) == expected


@pytest.mark.parametrize(
    ("ours", "public", "hook"),
    [
        (server_validation.JSONBodyValidator, "parse_body", "_parse"),
        (server_validation.JSONBodyValidator, "check_body", "_validate"),
        (server_validation.FormValidator, "parse_body", "_parse"),
        (server_validation.MultiPartValidator, "form_parser_class", "_form_parser_cls"),
        (integration_validation.ResponseBodyValidator, "check_body", "_validate"),
        (handlers.PreparedResponse, "infer_content_type", "_infer_content_type"),
        (server_security.ClientTokenHandler, "generic_check", "_generic_check"),
        (server_security.ClientTokenHandler, "verify_func", "_get_verify_func"),
        (server_security.AdminTokenHandler, "resolve_func", "_resolve_func"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_our_overrides_are_the_hooks(ours: type, public: str, hook: str) -> None:
    assert inspect.getattr_static(ours, hook) is inspect.getattr_static(ours, public)


# --- nobody else names them ---------------------------------------------------------------------------

SOURCE = Path(koppelbox.__file__).parent
PRIVATE_MODULE = SOURCE / "server" / "integration" / "private.py"


def _private_names_of(package: Any) -> set[str]:
    """Every `_name` (not dunder) that the package's source defines or reads as an attribute."""
    names: set[str] = set()
    for path in Path(package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = node.name
            else:
                continue
            if name.startswith("_") and not name.startswith("__"):
                names.add(name)
    return names


LIBRARY_PRIVATE = _private_names_of(connexion) | _private_names_of(starlette)


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return []


def _is_private_module(module: str) -> bool:
    parts = module.split(".")
    return parts[0] in {"connexion", "starlette"} and any(p.startswith("_") for p in parts)


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SOURCE.rglob("*.py") if p != PRIVATE_MODULE),
    ids=lambda p: str(p.relative_to(SOURCE)),
)
def test_only_the_private_module_names_connexions_or_starlettes_private_names(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Attributes are judged only in modules that use either library (elsewhere no object of theirs).
    imported = {name.split(".")[0] for node in ast.walk(tree) for name in _imported(node)}
    uses_library = bool(imported & {"connexion", "starlette"})
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0]
            in {
                "connexion",
                "starlette",
            }
        ):
            if _is_private_module(node.module):
                found.append(node.module)
            found += [a.name for a in node.names if a.name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if _is_private_module(a.name)]
        elif uses_library and isinstance(node, ast.Attribute) and node.attr in LIBRARY_PRIVATE:
            # Also our own attributes: one named like a private one of the library can shadow it.
            found.append(node.attr)
    assert not found, f"reach these through koppelbox.server.integration.private: {sorted(set(found))}"
