"""What keeps the inspector safe whatever a partner sent: a strict Content-Security-Policy on every answer
(no inline script, nothing from another origin), admin credentials when the sandbox is reachable from
other machines, and a double-submitted token plus an Origin check on every form that changes state.

Escaping itself is the templates' job (autoescape on, `pages.py`); the policy here is the second wall: even
markup that slipped through could not run a script.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
import secrets
from collections.abc import Callable

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from koppelbox.conformance.local import is_loopback

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
REALM = 'Basic realm="koppelbox inspector", charset="UTF-8"'
CSRF_FIELD = "csrf"
logger = logging.getLogger("koppelbox.web")
_PLAIN_500: Message = {
    "type": "http.response.start",
    "status": 500,
    "headers": [(b"content-type", b"text/plain; charset=utf-8")],
}


class Guard:
    """ASGI middleware in front of the pages: authentication (unless open) and the security headers."""

    def __init__(self, app: ASGIApp, *, open_access: bool, admin_token: Callable[[], str]) -> None:
        self.app = app
        self.open_access = open_access
        self.admin_token = admin_token  # read per request: a reset may reload the fixtures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                message = {**message, "headers": [*kept, *HEADERS]}
            await send(message)

        if self.open_access and not _loopback_host(scope):
            # Bound to loopback, yet asked for under another name: a page of another site whose name now
            # resolves to 127.0.0.1 (DNS rebinding). Browsers cannot forge Host, so this shuts it out.
            body = b"The inspector on a loopback address answers only to a loopback host name.\n"
            await secured(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        if not self.open_access and not self.authorised(scope):
            body = b"The inspector needs the sandbox admin token as the password (see `koppelbox tokens`).\n"
            await secured(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"www-authenticate", REALM.encode()),
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await secured(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            # The pages' error handler has answered already (Starlette re-raises for the server's log);
            # logged here, so that the APIs' error layers never see a page's failure.
            logger.exception("inspector page failed")
            if not started:
                await tracked(_PLAIN_500)
                await send({"type": "http.response.body", "body": b"The inspector failed on this page.\n"})

    def authorised(self, scope: Scope) -> bool:
        """HTTP Basic, any user name, the admin token as the password (browsers can send nothing else)."""
        header = dict(scope.get("headers", [])).get(b"authorization", b"")
        scheme, _, value = header.partition(b" ")
        if scheme.lower() != b"basic":
            return False
        try:
            decoded = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        _, _, password = decoded.partition(b":")
        expected = self.admin_token().encode()
        return bool(expected) and hmac.compare_digest(password, expected)


_OURS = {name for name, _ in HEADERS}


def _loopback_host(scope: Scope) -> bool:
    host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
    name = host[1 : host.find("]")] if host.startswith("[") else host.rpartition(":")[0] or host
    return is_loopback(name)


class Csrf:
    """A double-submitted token: a random value in a cookie (HttpOnly, SameSite=Strict) and the same value
    in a hidden field of every state-changing form, checked on POST together with the browser's Origin.
    Another site can neither read the value nor make the browser send the cookie, and any worker process
    can check it (nothing is kept on the server, so `serve --workers N` needs nothing shared)."""

    COOKIE = "kbx_inspector_csrf"
    _SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")

    def token_for(self, request: Request) -> tuple[str, bool]:
        """The browser's token, or a new one; and whether it is new (then the page sets the cookie)."""
        sent = request.cookies.get(self.COOKIE, "")
        if self._SHAPE.fullmatch(sent):
            return sent, False
        return secrets.token_urlsafe(32), True

    def remember(self, response: Response, token: str) -> None:
        response.set_cookie(self.COOKIE, token, httponly=True, samesite="strict", path="/")

    async def form(self, request: Request) -> FormData:
        """The posted form, once it passed both checks; 403 otherwise."""
        if not same_origin(request):
            raise HTTPException(403, "This form was sent from another site; nothing was changed.")
        form = await request.form()
        sent = form.get(CSRF_FIELD)
        cookie = request.cookies.get(self.COOKIE, "")
        if (
            not isinstance(sent, str)
            or not self._SHAPE.fullmatch(cookie)
            or not hmac.compare_digest(sent.encode(), cookie.encode())
        ):
            raise HTTPException(
                403,
                "This form has no valid inspector token (reload the page and try again); nothing changed.",
            )
        return form


def same_origin(request: Request) -> bool:
    """The Origin header, when a browser sends one, names this server; without one, Fetch metadata must
    not say cross-site. (Browsers send Origin on every POST; tools without either pass on the token.)"""
    origin = request.headers.get("origin")
    if origin is not None:
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        return origin == own
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
