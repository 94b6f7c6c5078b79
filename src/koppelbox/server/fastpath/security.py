"""Security handlers that inspect the token-info function once, not on every request.

Connexion's `_generic_check` asks `inspect.signature` twice per request whether the token-info function
takes `required_scopes` and `request`. The answer depends only on the function, so it is asked once when
the check is built. Everything else (header parsing, scope checks, errors) stays Connexion's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from connexion.exceptions import OAuthResponseProblem
from connexion.security import NO_VALUE, AbstractSecurityHandler


class InspectOnce:
    """Mix in before a Connexion security handler class."""

    required_scopes_kw: str
    request_kw: str

    def _generic_check(self, func: Any, exception_msg: str) -> Any:
        pass_scopes = AbstractSecurityHandler._accepts_kwarg(func, self.required_scopes_kw)
        pass_request = AbstractSecurityHandler._accepts_kwarg(func, self.request_kw)
        scopes_kw, request_kw = self.required_scopes_kw, self.request_kw

        async def wrapper(request: Any, *args: Any, required_scopes: Any = None) -> Any:
            kwargs: dict[str, Any] = {}
            if pass_scopes:
                kwargs[scopes_kw] = required_scopes
            if pass_request:
                kwargs[request_kw] = request
            token_info = func(*args, **kwargs)
            while asyncio.iscoroutine(token_info):
                token_info = await token_info
            if token_info is NO_VALUE:
                return NO_VALUE
            if token_info is None:
                raise OAuthResponseProblem(detail=exception_msg)
            return token_info

        return wrapper
