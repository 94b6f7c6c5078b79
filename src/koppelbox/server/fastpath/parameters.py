"""Handler arguments from a request, with what depends only on the operation worked out once.

Connexion's parameter decorator re-derives, on every request, the operation's body argument name (three
regular-expression substitutions), its path and query parameter definitions and query defaults, and reads
the form channel for file uploads even when the request is JSON. This decorator computes the per-operation
parts on the operation's first request and asks for files only when the body is a form; every per-request
step (URI parsing and type coercion, body reading, defaults, file and context arguments) is Connexion's own
code, called in the same order with the same inputs. OpenAPI 3 operations only: the sandbox serves no
Swagger 2 contract, and one would get Connexion's stock decorator.
"""

from __future__ import annotations

import asyncio
import functools
from copy import deepcopy
from typing import Any

from connexion.context import context, operation
from connexion.decorators.parameter import (
    CONTEXT_NAME,
    AsyncParameterDecorator,
    _get_body_argument,
    _get_file_arguments,
    _get_query_defaults,
    _get_val_from_param,
    _query_args_helper,
    unwrap_decorators,
)
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.operations import OpenAPIOperation
from connexion.utils import deep_merge, inspect_function_arguments


class _Plan:
    """What Connexion's `get_arguments` works out from the operation alone."""

    def __init__(self, op: Any, sanitize: Any) -> None:
        self.operation = op
        # OpenAPI 3: `x-body-name` or "body", whatever the content type.
        self.body_name = sanitize(op.body_name(None))
        self.path_definitions = {p["name"]: p for p in op.parameters if p["in"] == "path"}
        self.query_definitions = {p["name"]: p for p in op.parameters if p["in"] == "query"}
        self.query_defaults = _get_query_defaults(self.query_definitions)
        self.is_trace = op.method.upper() == "TRACE"
        # Names from the contract, sanitised once; anything else (form field names) as it comes.
        self.sanitized = {name: sanitize(name) for name in [*self.path_definitions, *self.query_definitions]}
        self.sanitized[op.body_name(None)] = self.body_name


class PreparedParameterDecorator(AsyncParameterDecorator):  # type: ignore[misc]
    def __call__(self, function: Any) -> Any:
        arguments, has_kwargs = inspect_function_arguments(unwrap_decorators(function))
        sanitize = self.sanitize_fn
        plan: _Plan | None = None
        stock: Any = None

        @functools.wraps(function)
        async def wrapper(request: Any) -> Any:
            nonlocal plan, stock
            if plan is None and stock is None:
                current = operation._get_current_object()
                if isinstance(current, OpenAPIOperation):
                    plan = _Plan(current, sanitize)
                else:
                    stock = AsyncParameterDecorator(framework=self.framework)
                    stock.sanitize_fn = sanitize
                    stock = stock(function)
            if plan is None:
                return await stock(request)

            body = None
            if plan.body_name in arguments or has_kwargs:
                body = request.get_body()
                while asyncio.iscoroutine(body):
                    body = await body
            mimetype = request.mimetype
            files = await request.files() if mimetype in FORM_CONTENT_TYPES else {}

            kwargs: dict[str, Any] = {}
            for name, value in request.path_params.items():  # as connexion's _get_path_arguments
                definition = plan.path_definitions.get(name)
                key = plan.sanitized.get(name) or sanitize(name)
                kwargs[key] = _get_val_from_param(value, definition) if definition is not None else value
            query = deep_merge(deepcopy(plan.query_defaults), request.query_params)
            kwargs.update(_query_args_helper(plan.query_definitions, query, arguments, has_kwargs, sanitize))
            if not plan.is_trace:
                kwargs.update(
                    _get_body_argument(
                        body,
                        operation=plan.operation,
                        arguments=arguments,
                        has_kwargs=has_kwargs,
                        sanitize=sanitize,
                        content_type=mimetype,
                    )
                )
                if files:
                    schema = plan.operation.body_schema(mimetype)
                    kwargs.update(_get_file_arguments(files, arguments, schema, has_kwargs))

            kwargs = {plan.sanitized.get(k) or sanitize(k): v for k, v in kwargs.items()}
            for key, value in context.items():
                if has_kwargs or key in arguments:
                    kwargs[key] = value
            if CONTEXT_NAME in arguments:
                kwargs[CONTEXT_NAME] = context
            return await function(**kwargs)

        return wrapper
