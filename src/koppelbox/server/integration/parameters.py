"""Handler arguments from a request, with what depends only on the operation worked out once.

Connexion's parameter decorator re-derives, on every request, the operation's body argument name (three
regular-expression substitutions), its path and query parameter definitions and query defaults, and reads
the form channel for file uploads even when the request is JSON. This decorator computes the per-operation
parts on the operation's first request, asks for files only when the body is a form, and takes a JSON
body as request validation already parsed it instead of parsing it twice; every other per-request
step (URI parsing and type coercion, body reading, defaults, file and context arguments) is Connexion's own
code, called in the same order with the same inputs. OpenAPI 3 operations only: the sandbox serves no
Swagger 2 contract, and one would get Connexion's stock decorator.
"""

from __future__ import annotations

import asyncio
import functools
from copy import deepcopy
from typing import Any

from connexion.decorators.parameter import CONTEXT_NAME, unwrap_decorators
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.operations import OpenAPIOperation
from connexion.utils import deep_merge, inspect_function_arguments, is_null, is_nullable
from python_multipart.multipart import parse_options_header

from koppelbox.server.integration.headers import content_type_of
from koppelbox.server.integration.private import (
    adopt_parameters,
    body_argument,
    file_arguments,
    parsed_parameters,
    query_arguments,
    query_defaults,
    value_from_param,
)

# The JSON body request validation parsed, handed to the handler instead of parsing the same bytes again.
_PARSED_BODY = "koppelbox.parsed_json_body"
_MISSING = object()
_NO_CONTENT_TYPE = "application/octet-stream"  # Connexion's content type for a request without one


@functools.lru_cache(maxsize=64)
def _mimetype(content_type: str) -> str:
    """`ConnexionRequest.mimetype` for a Content-Type value (python-multipart's parser, kept per value)."""
    mimetype: bytes = parse_options_header(content_type)[0]
    return mimetype.decode()


def share_parsed_body(scope: Any, parsed: Any, encoding: str) -> None:
    """Called by the JSON body validator. Only for UTF-8: then `json.loads(bytes)`, which the handler
    side would run, reads the very same value (a body in another declared charset is read again)."""
    if encoding.lower().replace("-", "") == "utf8":
        scope.setdefault("extensions", {})[_PARSED_BODY] = parsed


# Path and query parameters as request validation parsed and coerced them (same URI parser class, same
# parameter definitions, same path match), so the handler side does not parse them again.
_PARSED_PARAMETERS = "koppelbox.parsed_parameters"


def share_parsed_parameters(request: Any) -> None:
    """Called by the parameter validator with the request it validated."""
    parsed = parsed_parameters(request)  # None where validation did not need them
    request.scope.setdefault("extensions", {})[_PARSED_PARAMETERS] = parsed


def share_parsed_values(scope: Any, path_params: dict[str, Any], query_params: dict[str, Any]) -> None:
    """Called by the parameter validator when it parsed the values itself (its compiled accept)."""
    scope.setdefault("extensions", {})[_PARSED_PARAMETERS] = (path_params, query_params)


def _shared_body(request: Any) -> Any:
    """The body as request validation parsed and checked it. Also when the request named no JSON media
    type: validation then took the contract's JSON type (Connexion's guess for a missing Content-Type),
    and Connexion's `get_body` would hand the handler raw bytes the contract never allowed (a 500)."""
    extensions = request.scope.get("extensions") or {}
    return extensions.pop(_PARSED_BODY, _MISSING)


class _Plan:
    """What Connexion's `get_arguments` works out from the operation alone."""

    def __init__(self, op: Any, sanitize: Any) -> None:
        self.operation = op
        # OpenAPI 3: `x-body-name` or "body", whatever the content type.
        self.body_name = sanitize(op.body_name(None))
        self.path_definitions = {p["name"]: p for p in op.parameters if p["in"] == "path"}
        self.query_definitions = {p["name"]: p for p in op.parameters if p["in"] == "query"}
        self.query_defaults = query_defaults(self.query_definitions)
        self.is_trace = op.method.upper() == "TRACE"
        self.has_body = bool(op.is_request_body_defined)
        self._body_schemas: dict[str, Any] = {}
        self._listed_types = set(op.consumes)
        # Names from the contract, sanitised once; anything else (form field names) as it comes.
        self.sanitized = {name: sanitize(name) for name in [*self.path_definitions, *self.query_definitions]}
        self.sanitized[op.body_name(None)] = self.body_name

    def body_schema(self, mimetype: str) -> Any:
        """`operation.body_schema`, kept for the media types the contract lists (request validation has
        refused the others when the contract lists any; the rest are looked up each time)."""
        schema = self._body_schemas.get(mimetype)
        if schema is None:
            schema = self.operation.body_schema(mimetype)
            if mimetype in self._listed_types:
                self._body_schemas[mimetype] = schema
        return schema

    def body_argument(self, body: Any, mimetype: str, arguments: list[str], has_kwargs: bool) -> Any:
        """Connexion's body-argument rule (`private.body_argument`) for a non-form body, with the schema
        looked up once."""
        if (len(arguments) <= 0 and not has_kwargs) or not self.has_body:
            return {}
        schema = self.body_schema(mimetype)
        if is_nullable(schema) and is_null(body):
            value = None
        elif body is None:
            value = deepcopy(schema.get("default", {}))
        else:
            value = body
        return {self.body_name: value} if self.body_name in arguments or has_kwargs else {}


class PreparedArguments:
    """Connexion's `AsyncParameterDecorator.get_arguments` for one handler of one operation: what depends
    only on the two is worked out once, the rest runs per request in Connexion's order with its helpers."""

    def __init__(self, function: Any, op: OpenAPIOperation, sanitize: Any) -> None:
        self.arguments, self.has_kwargs = inspect_function_arguments(unwrap_decorators(function))
        self.plan = _Plan(op, sanitize)
        self.sanitize = sanitize

    async def __call__(self, request: Any) -> dict[str, Any]:
        """The arguments for a request, read from Connexion's request object."""
        # Before anything reads the request's parameters: what validation parsed, and an empty query
        # string resolved as Connexion's URI parser would.
        extensions = request.scope.get("extensions") or {}
        path_params, query_params = extensions.pop(_PARSED_PARAMETERS, None) or (None, None)
        adopt_parameters(request, path_params, query_params)

        body = None
        if self.plan.body_name in self.arguments or self.has_kwargs:
            body = _shared_body(request)
            if body is _MISSING:
                body = request.get_body()
                while asyncio.iscoroutine(body):
                    body = await body
        mimetype = request.mimetype
        files = await request.files() if mimetype in FORM_CONTENT_TYPES else {}
        return self.build(request.path_params, request.query_params, body, mimetype, files, request.context)

    def build(
        self,
        path_params: dict[str, Any],
        query_params: dict[str, Any],
        body: Any,
        mimetype: str,
        files: Any,
        context: dict[str, Any],
    ) -> dict[str, Any]:
        """Connexion's argument rules over values already parsed: the URI parser's path and query values,
        the body, the request's media type, its files and the connexion context."""
        plan, arguments, has_kwargs, sanitize = self.plan, self.arguments, self.has_kwargs, self.sanitize
        kwargs: dict[str, Any] = {}
        for name, value in path_params.items():  # as Connexion's path-argument rule
            definition = plan.path_definitions.get(name)
            key = plan.sanitized.get(name) or sanitize(name)
            kwargs[key] = value_from_param(value, definition) if definition is not None else value
        query = query_params
        if plan.query_defaults:
            query = deep_merge(deepcopy(plan.query_defaults), query)
        if query:
            kwargs.update(query_arguments(plan.query_definitions, query, arguments, has_kwargs, sanitize))
        if not plan.is_trace:
            if mimetype in FORM_CONTENT_TYPES:
                kwargs.update(
                    body_argument(
                        body,
                        operation=plan.operation,
                        arguments=arguments,
                        has_kwargs=has_kwargs,
                        sanitize=sanitize,
                        content_type=mimetype,
                    )
                )
            else:
                kwargs.update(plan.body_argument(body, mimetype, arguments, has_kwargs))
            if files:
                kwargs.update(file_arguments(files, arguments, plan.body_schema(mimetype), has_kwargs))

        kwargs = {plan.sanitized.get(k) or sanitize(k): v for k, v in kwargs.items()}
        for key, value in context.items():
            if has_kwargs or key in arguments:
                kwargs[key] = value
        if CONTEXT_NAME in arguments:
            kwargs[CONTEXT_NAME] = context
        return kwargs

    def from_validated(self, scope: Any) -> dict[str, Any] | None:
        """The arguments straight from what request validation parsed (path and query values, the JSON
        body), for a request that needs nothing else from Connexion's request object; None for any other
        (a form, a body validation did not parse), which then goes through `__call__`."""
        extensions = scope["extensions"]
        parsed = extensions.get(_PARSED_PARAMETERS)
        if parsed is None:
            return None
        # What Connexion's request reports: the first Content-Type, else octet-stream, without parameters.
        mimetype = _mimetype(content_type_of(scope["headers"]) or _NO_CONTENT_TYPE)
        if mimetype in FORM_CONTENT_TYPES:
            return None
        path_params, query_params = parsed
        if path_params is None:  # validation had no path parameter to parse
            if scope.get("path_params"):
                return None
            path_params = {}
        if query_params is None:  # nor a query string
            if scope.get("query_string"):
                return None
            query_params = {}
        body = None
        if self.plan.body_name in self.arguments or self.has_kwargs:
            body = extensions.get(_PARSED_BODY, _MISSING)
            if body is _MISSING:
                return None
        del extensions[_PARSED_PARAMETERS]
        extensions.pop(_PARSED_BODY, None)
        context = extensions.setdefault("connexion_context", {})
        return self.build(path_params, query_params, body, mimetype, {}, context)
