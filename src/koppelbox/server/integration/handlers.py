"""Handler calls without per-request set-up.

Stock `AsyncApp` rebuilds, for every request, the whole decorator chain around a handler: a
`StarletteDecorator`, a parameter decorator that runs `inspect.signature` on the handler, a response
decorator that looks the operation up through werkzeug context proxies, and a new URI parser. All of that
depends only on the operation, so here it is built once, when Connexion creates the operation, as one flat
call: request → arguments (`PreparedArguments`, Connexion's argument rules prepared per operation) →
handler → response (`PreparedResponse`, Connexion's response rules with the operation's media types
looked up once). Error handling stays Connexion's.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.decorators.parameter import pythonic, sanitized
from connexion.decorators.response import AsyncResponseDecorator
from connexion.exceptions import NonConformingResponseHeaders
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.jsonifier import JSONEncoder as ConnexionJSONEncoder
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.operations import OpenAPIOperation
from connexion.utils import is_json_mimetype, split_content_type
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from koppelbox.server.integration.headers import content_type_of
from koppelbox.server.integration.parameters import PreparedArguments
from koppelbox.server.integration.private import (
    Hooks,
    receive_var,
    scope_var,
    stock_infer_content_type,
)


class PreparedResponse(Hooks, AsyncResponseDecorator):  # type: ignore[misc]
    """Connexion's conversion of a handler's return value into a Starlette response, with the operation's
    `produces` read once instead of through the `operation` context proxy on every response."""

    def __init__(self, op: OpenAPIOperation, jsonifier: Any) -> None:
        super().__init__(framework=StarletteFramework, jsonifier=jsonifier)
        self._operation_produces = op.produces
        # Connexion takes `list(set(produces))` on every call; within one process that order is stable.
        self._media_types = list(set(op.produces))
        self._encode = _json_encoder(jsonifier) if len(self._media_types) == 1 else None
        if self._encode is not None and not is_json_mimetype(split_content_type(self._media_types[0])[0]):
            self._encode = None

    def infer_content_type(self, data: Any, headers: dict[str, Any]) -> str | None:
        content_type = content_type_of(headers)
        produces = self._media_types
        if data is not None and not produces:
            produces = ["application/json"]
        if content_type:
            if content_type not in produces:
                raise NonConformingResponseHeaders(
                    f"Returned content type ({content_type}) is not defined in operation spec "
                    f"({self._operation_produces})."
                )
            return content_type
        if len(produces) <= 1:
            return produces[0] if produces else None
        # Several media types and none named: Connexion's own choice (it reads the context's operation).
        return stock_infer_content_type(data, headers)

    def respond(self, result: Any) -> Any:
        simple = self._json_answer(result)
        if simple is not None:
            return simple
        if StarletteFramework.is_framework_response(result):
            return result
        if isinstance(result, ConnexionResponse):
            return StarletteFramework.connexion_to_framework_response(result)
        return self.build_framework_response(result)

    def _json_answer(self, result: Any) -> Response | None:
        """`build_framework_response` for what the sandbox's handlers return nearly always: a dict or list,
        alone or with an int status and a header dict without Content-Type, for an operation with one JSON
        media type. Same bytes and headers: the jsonifier's text, `Content-Type` after the handler's
        headers, then Starlette's `content-length`. None for anything else (Connexion's rules then)."""
        encode = self._encode
        if encode is None:
            return None
        if type(result) is tuple and len(result) in (2, 3) and type(result[1]) is int:
            data, status = result[0], result[1]
            headers = result[2] if len(result) == 3 else {}
            if type(headers) is not dict or content_type_of(headers) is not None:
                return None
        elif type(result) is dict or type(result) is list:
            data, status, headers = result, 200, {}
        else:
            return None
        if type(data) is not dict and type(data) is not list:
            return None
        headers["Content-Type"] = self._media_types[0]  # as `_update_headers` adds it to the handler's dict
        return Response((encode(data) + "\n").encode("utf-8"), status_code=status, headers=headers)


def _json_encoder(jsonifier: Any) -> Any:
    """The jsonifier's `dumps` without its per-call set-up, when it is Connexion's default (the stdlib with
    Connexion's `JSONEncoder` and nothing else): `json.dumps(data, cls=JSONEncoder)` builds that encoder
    with default options on every call, and one built once encodes the same. None for any other jsonifier."""
    if jsonifier.json is not json or jsonifier.dumps_args != {"cls": ConnexionJSONEncoder}:
        return None
    return ConnexionJSONEncoder().encode


class FlatHandler:
    """One operation's handler with Connexion's argument and response rules, prepared once."""

    def __init__(self, function: Any, op: OpenAPIOperation, *, pythonic_params: bool, jsonifier: Any) -> None:
        if not isinstance(op, OpenAPIOperation):
            raise TypeError("the sandbox serves OpenAPI 3 contracts only")
        self.function = function
        self.is_coroutine = asyncio.iscoroutinefunction(function)
        # URI parsers keep nothing per request: one per operation serves every request.
        self.uri_parser = op.uri_parser_class(op.parameters, op.body_definition())
        self.arguments = PreparedArguments(function, op, pythonic if pythonic_params else sanitized)
        self.response = PreparedResponse(op, jsonifier)

    async def __call__(self, scope: Scope, receive: Receive) -> Any:
        request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
        return await self.answer(await self.arguments(request))

    async def answer(self, kwargs: dict[str, Any]) -> Any:
        """Call the handler with its arguments and turn what it returns into a response."""
        if self.is_coroutine:
            result = await self.function(**kwargs)
        else:
            result = await run_in_threadpool(self.function, **kwargs)
        return self.response.respond(result)


class _FlatOperation(AsyncOperation):  # type: ignore[misc]
    flat: FlatHandler

    @classmethod
    def from_operation(cls, operation: Any, *, pythonic_params: bool, jsonifier: Any) -> _FlatOperation:
        made: _FlatOperation = super().from_operation(
            operation, pythonic_params=pythonic_params, jsonifier=jsonifier
        )
        made.flat = FlatHandler(
            operation.function, operation, pythonic_params=pythonic_params, jsonifier=jsonifier
        )
        return made

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The context's scope and receive, as Connexion's decorator reads them (Starlette's router hands
        # this call a child scope; the handler sees the one the context middleware set).
        response = await self.flat(scope_var.get(), receive_var.get())
        await response(scope, receive, send)


class _FlatApi(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: Any) -> Any:
        return _FlatOperation.from_operation(
            operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )


class FlatASGIApp(AsyncASGIApp):  # type: ignore[misc]
    """The app behind Connexion's middleware whose operations call their handler through `FlatHandler`
    (made the inner app of an `AsyncApp` with `private.use_inner_app`)."""

    api_cls = _FlatApi
