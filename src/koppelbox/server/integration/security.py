"""Security handlers that inspect the token-info function once, not on every request.

Connexion's token-info call (its `generic_check` hook) asks `inspect.signature` twice per request whether
the token-info function takes `required_scopes` and `request`. The answer depends only on the function,
so it is asked once when the check is built. Everything else (header parsing, scope checks, errors)
stays Connexion's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from connexion.exceptions import OAuthResponseProblem, OAuthScopeProblem
from connexion.security import NO_VALUE

from koppelbox.server.integration.private import Hooks, accepts_kwarg


class InspectOnce(Hooks):
    """Mix in before a Connexion security handler class."""

    required_scopes_kw: str
    request_kw: str

    def generic_check(self, func: Any, exception_msg: str) -> Any:
        pass_scopes = accepts_kwarg(func, self.required_scopes_kw)
        pass_request = accepts_kwarg(func, self.request_kw)
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


class FlatOAuth(InspectOnce):
    """Mix in before `OAuthSecurityHandler`: the bearer check as one coroutine instead of three nested
    ones (header → token-info wrapper → scope check), with the same steps, values and errors."""

    def verify_func(self, token_info_func: Any, scope_validate_func: Any, required_scopes: Any) -> Any:
        get_token_info = self.generic_check(token_info_func, "Provided token is not valid")
        header_value = self.get_auth_header_value  # type: ignore[attr-defined]

        async def verify(request: Any) -> Any:
            auth_type, token = header_value(request)
            if auth_type != "bearer":
                return NO_VALUE
            token_info = await get_token_info(request, token, required_scopes=required_scopes)
            # As Connexion: fall back to `scopes` for backward compatibility.
            token_scopes = token_info.get("scope", token_info.get("scopes", ""))
            validation = scope_validate_func(required_scopes, token_scopes)
            while asyncio.iscoroutine(validation):
                validation = await validation
            if not validation:
                raise OAuthScopeProblem(required_scopes=required_scopes, token_scopes=token_scopes)
            return token_info

        return verify
