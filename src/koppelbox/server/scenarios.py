"""ASGI middleware that plays catalogue scenarios, so no API handler needs to know about them.

`ScenarioMiddleware` runs after routing and authentication (the answer is attributed to a known client in
the journal) and before request validation. A status scenario is raised as an HTTP error, so the exception
handler renders it in the error format of the API the request was for; `Retry-After` rides along on 429
and 503. `PreferenceAppliedMiddleware` sits outside the exception handler and adds `Preference-Applied`
(RFC 7240) to every answer a scenario shaped, error or not, so a vendor never mistakes it for a real failure.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from koppelbox.scenarios import HeaderScenario, PreferError, load_catalogue, parse_prefer
from koppelbox.server.context import sandbox_of
from koppelbox.server.integration.body import read_once
from koppelbox.server.journal import SCENARIO_KEY

TOKEN_EXPIRED = "401"  # the header scenario that also expires the token it was sent with


class ScenarioMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.catalogue = load_catalogue()
        self.known = set(self.catalogue.header)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        prefer = [v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"prefer"]
        try:
            requested = parse_prefer(prefer, self.known)
        except PreferError as exc:
            raise HTTPException(400, f"Prefer header: {exc}.") from None
        delay = None
        if requested is not None:
            scenario: HeaderScenario | None = self.catalogue.header[requested.scenario]
            delay = requested.delay
        else:
            api = scope.get("path", "").strip("/").split("/")[0]
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            body = None
            if self.catalogue.reads_body(api):
                body, receive = await _peek_json(scope, receive)
            scenario = self.catalogue.reserved_scenario(api, scope.get("path_params", {}), query, body)
        if scenario is None:
            await self.app(scope, receive, send)
            return
        # Inner middlewares copy the scope; the `extensions` dict is what they all share with the journal.
        scope.setdefault("extensions", {})[SCENARIO_KEY] = scenario.id
        if scenario.status is not None:
            headers = {"Retry-After": str(scenario.retry_after)} if scenario.retry_after is not None else {}
            if scenario.id == TOKEN_EXPIRED:
                _expire_bearer(scope)
                headers["WWW-Authenticate"] = "Bearer"
            raise HTTPException(scenario.status, _message(scenario), headers=headers)
        await asyncio.sleep(scenario.delay if delay is None else delay)
        await self.app(scope, receive, send)


class PreferenceAppliedMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Created here so that the inner middlewares, which copy the scope, share this very dict.
        extensions = scope.setdefault("extensions", {})

        async def sending(message: Message) -> None:
            scenario = extensions.get(SCENARIO_KEY)
            if message["type"] == "http.response.start" and scenario:
                headers = [
                    *message.get("headers", []),
                    (b"preference-applied", f"kbx-scenario={scenario}".encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


async def _peek_json(scope: Scope, receive: Receive) -> tuple[Any, Receive]:
    """The body parsed as JSON when it is JSON (already capped by the sandbox's size limit)."""
    raw, replay = await read_once(scope, receive)
    try:
        return json.loads(raw), replay
    except (ValueError, RecursionError):
        return None, replay


def _expire_bearer(scope: Scope) -> None:
    """The `401` scenario: the token this request carried expires now, so that resending it is refused
    as a really expired token would be (and certify sees whether the client fetched a new one)."""
    for name, value in scope.get("headers", []):
        scheme, _, token = value.decode("latin-1").partition(" ")
        if name == b"authorization" and scheme.lower() == "bearer" and token.strip():
            sandbox_of(scope).store.identity.expire(token.strip())


def _message(scenario: HeaderScenario) -> str:
    wait = f" Retry after {scenario.retry_after} seconds." if scenario.retry_after else ""
    return f"Sandbox scenario {scenario.id!r} ({scenario.title}), asked for by the request.{wait}"
