"""Handler calls without per-request set-up.

Stock `AsyncApp` rebuilds, for every request, the whole decorator chain around a handler (a
`StarletteDecorator`, a parameter decorator that runs `inspect.signature` on the handler, a response
decorator) and a new URI parser. All of that depends only on the operation, so here it is built on the
operation's first request and kept: `SandboxApp` is `AsyncApp` with an inner ASGI app whose operations
cache their decorated handler. Arguments come from `PreparedParameterDecorator` (parameters.py); response
building and error handling are Connexion's own.
"""

from __future__ import annotations

import functools
from typing import Any

from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.context import receive, scope
from connexion.decorators import StarletteDecorator

from koppelbox.server.fastpath.parameters import PreparedParameterDecorator


class _DecorateOnce(StarletteDecorator):  # type: ignore[misc]
    @property
    def _parameter_decorator_cls(self) -> type[PreparedParameterDecorator]:
        return PreparedParameterDecorator

    def __call__(self, function: Any) -> Any:
        decorated: Any = None
        uri_parser: Any = None

        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal decorated, uri_parser
            if decorated is None:
                # Both read the current operation, which is fixed for this handler: build them once.
                uri_parser = self.uri_parser
                decorated = self.decorate(function)
            request = self.framework.get_request(uri_parser=uri_parser, scope=scope, receive=receive)
            return await decorated(request)

        return wrapper


class _CachedOperation(AsyncOperation):  # type: ignore[misc]
    @functools.cached_property
    def fn(self) -> Any:
        return _DecorateOnce(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)(self._fn)


class _CachedApi(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: Any) -> Any:
        return _CachedOperation.from_operation(
            operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )


class _CachedASGIApp(AsyncASGIApp):  # type: ignore[misc]
    api_cls = _CachedApi


class SandboxApp(AsyncApp):  # type: ignore[misc]
    """`AsyncApp` whose handlers are decorated once per operation instead of once per request."""

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        super().__init__(import_name, **kwargs)
        # The inner app is only read when the middleware stack is built, on the first request.
        self._middleware_app = _CachedASGIApp()
        self.middleware.app = self._middleware_app
