"""Clients, static tokens and issued tokens."""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import timedelta
from typing import Any

from koppelbox.rules import oauth
from koppelbox.rules.clock import Clock, parse_rfc3339
from koppelbox.rules.errors import Unauthorized
from koppelbox.rules.identity import AccessToken, Client
from koppelbox.store.fixtures import FixtureError, Fixtures

DEFAULT_TOKEN_LIFETIME = 3600
# Owners of issued tokens dropped after expiry, kept so that a client resending one is still told it
# expired, and the journal still attributes that 401 to it (certify judges reuse of a rejected token).
RETIRED_OWNERS = 10_000


class IdentityStore:
    def __init__(self, fixtures: Fixtures, clock: Clock) -> None:
        document = fixtures.get("clients") or {}
        if not isinstance(document, dict) or "clients" not in document:
            raise FixtureError("clients: expected a mapping with a `clients` list")
        self._clock = clock
        self._lock = threading.Lock()
        self.admin_token: str = str(document.get("admin_token", ""))
        self.token_lifetime = int(document.get("token_lifetime_seconds", DEFAULT_TOKEN_LIFETIME))
        self.clients: dict[str, Client] = {}
        self._static: dict[str, AccessToken] = {}
        for entry in document["clients"]:
            client = Client(
                id=str(entry["id"]),
                name=str(entry.get("name", entry["id"])),
                kind=str(entry.get("kind", "partner")),
                secret=str(entry["secret"]),
                scopes=frozenset(entry.get("scopes", [])),
                attributes=dict(entry.get("attributes", {})),
            )
            self.clients[client.id] = client
            for token in entry.get("tokens", []):
                scopes = frozenset(token["scopes"]) if "scopes" in token else client.scopes
                expires = parse_rfc3339(str(token["expires_at"])) if "expires_at" in token else None
                self._static[str(token["token"])] = AccessToken(
                    str(token["token"]), client.id, scopes, expires
                )
        self._issued: dict[str, AccessToken] = {}
        self._retired: OrderedDict[str, str] = OrderedDict()  # dropped expired token → its client

    def static_tokens(self, client_id: str) -> list[AccessToken]:
        return [t for t in self._static.values() if t.client_id == client_id]

    def summaries(self, *, with_secrets: bool = False) -> list[dict[str, Any]]:
        """Every client with its scopes and static tokens, as JSON. Secrets only when asked for: the CLI
        prints them for the person running the sandbox; the control plane never returns them."""
        now = self._clock()
        summaries = []
        for client in self.clients.values():
            summary: dict[str, Any] = {"id": client.id, "name": client.name, "kind": client.kind}
            if with_secrets:
                summary["secret"] = client.secret
            summary["scopes"] = sorted(client.scopes)
            summary["tokens"] = [
                {"token": t.token, "scopes": sorted(t.scopes), "expired": t.expired(now)}
                for t in self.static_tokens(client.id)
            ]
            summaries.append(summary)
        return summaries

    def owner_of(self, token: str) -> str | None:
        """The client a token belongs to, expired or not (the journal attributes a 401 to it)."""
        with self._lock:
            found = self._issued.get(token) or self._static.get(token)
            return found.client_id if found else self._retired.get(token)

    def authenticate(self, token: str) -> AccessToken:
        """The live token for a bearer value, or Unauthorized saying why not."""
        with self._lock:
            found = self._issued.get(token) or self._static.get(token)
            retired = token in self._retired
        if found is None and retired:
            raise Unauthorized("The bearer token has expired; fetch a new one.")
        if found is None:
            raise Unauthorized("The bearer token is not known to this sandbox.")
        if found.expired(self._clock()):
            raise Unauthorized("The bearer token has expired; fetch a new one.")
        return found

    def issue(self, credentials: oauth.ClientCredentials, requested_scope: str | None) -> AccessToken:
        client = self._check_secret(credentials)
        scopes = oauth.granted_scopes(requested_scope, client.scopes)
        token = AccessToken(
            token="kbx_" + secrets.token_urlsafe(24),
            client_id=client.id,
            scopes=scopes,
            expires_at=self._clock() + timedelta(seconds=self.token_lifetime),
        )
        with self._lock:
            self._drop_expired()
            self._issued[token.token] = token
        return token

    def _check_secret(self, credentials: oauth.ClientCredentials) -> Client:
        client = self.clients.get(credentials.client_id)
        # Compare secrets in constant time, and give unknown clients the same answer as wrong secrets.
        expected = client.secret if client else secrets.token_hex(16)
        if not hmac.compare_digest(expected.encode(), credentials.client_secret.encode()) or client is None:
            raise oauth.OAuthError("invalid_client", "Unknown client or wrong secret.")
        return client

    def expire(self, token: str) -> bool:
        """Expire a token the token endpoint issued, now (the `401` scenario): from here on it is refused
        as expired, and still attributed to its client. Seeded static tokens are left as they are (an
        admin token expired by accident would lock the control plane); False for those."""
        with self._lock:
            found = self._issued.get(token)
            if found is None:
                return False
            self._issued[token] = replace(found, expires_at=self._clock())
            return True

    def _drop_expired(self) -> None:
        # Called with the lock held: keeps memory flat however many tokens a long CI run fetches.
        now = self._clock()
        for key in [k for k, t in self._issued.items() if t.expired(now)]:
            self._retired[key] = self._issued.pop(key).client_id
        while len(self._retired) > RETIRED_OWNERS:
            self._retired.popitem(last=False)
