"""OAuth2 client-credentials grant (RFC 6749 §4.4), as pure decisions.

The token endpoint's only job in the sandbox is to behave like a strict authorisation server, so that a
vendor's token flow is exercised for real: both client authentication methods, scope narrowing, and the
RFC's error codes for every way to get it wrong.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote_plus


@dataclass
class OAuthError(Exception):
    """RFC 6749 §5.2. `invalid_client` is 401 (with a Basic challenge), the rest 400."""

    error: str
    description: str

    def __post_init__(self) -> None:
        super().__init__(self.description)

    @property
    def status(self) -> int:
        return 401 if self.error == "invalid_client" else 400


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str
    method: str  # "client_secret_basic" or "client_secret_post"


def client_credentials(
    authorization: str | None, form_client_id: str | None, form_client_secret: str | None
) -> ClientCredentials:
    """Pick the client authentication the request used; RFC 6749 §2.3 forbids using two at once."""
    basic = _parse_basic(authorization) if authorization else None
    in_form = form_client_id is not None or form_client_secret is not None
    if basic and in_form:
        raise OAuthError("invalid_request", "Authenticate with HTTP Basic or with form fields, not both.")
    if basic:
        return ClientCredentials(basic[0], basic[1], "client_secret_basic")
    if form_client_id and form_client_secret is not None:
        return ClientCredentials(form_client_id, form_client_secret, "client_secret_post")
    raise OAuthError(
        "invalid_client", "No client authentication: send HTTP Basic or client_id + client_secret."
    )


def _parse_basic(authorization: str) -> tuple[str, str]:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise OAuthError("invalid_client", "The Authorization header must use the Basic scheme.")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):  # ValueError: characters outside ASCII
        raise OAuthError("invalid_client", "The Basic credentials are not valid base64.") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "The Basic credentials must be client_id:client_secret.")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
    return unquote_plus(client_id), unquote_plus(secret)


def check_grant_type(grant_type: str | None) -> None:
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required.")
    if grant_type != "client_credentials":
        raise OAuthError(
            "unsupported_grant_type", f"Only client_credentials is supported, not {grant_type!r}."
        )


def granted_scopes(requested: str | None, allowed: frozenset[str]) -> frozenset[str]:
    """The scopes a new token carries: all of the client's when none are asked for, else exactly the
    requested ones, provided the client may have every one of them."""
    if requested is None or not requested.strip():
        return allowed
    asked = frozenset(requested.split())
    refused = sorted(asked - allowed)
    if refused:
        raise OAuthError("invalid_scope", f"This client may not have scope(s): {', '.join(refused)}.")
    return asked
