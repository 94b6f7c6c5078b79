"""Identity on a database: clients and their static tokens come from the fixtures (every worker reads the
same files), tokens issued by the token endpoint are rows, so a token one worker issued is accepted by
every other as soon as `issue` has returned it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from koppelbox.rules import oauth
from koppelbox.rules.clock import Clock
from koppelbox.rules.errors import Unauthorized
from koppelbox.rules.identity import AccessToken
from koppelbox.store.fixtures import Fixtures
from koppelbox.store.identity import IdentityStore
from koppelbox.store.sql import engine as engines
from koppelbox.store.sql.schema import identity_tokens

_tok = identity_tokens.c


class SqlIdentityStore(IdentityStore):
    def __init__(self, fixtures: Fixtures, clock: Clock, engine: Engine, tenant: str) -> None:
        super().__init__(fixtures, clock)
        self.engine = engine
        self._tenant = tenant

    @engines.guarded
    def _lookup(self, token: str) -> AccessToken | None:
        static = self._static.get(token)
        if static is not None:
            return static
        with self.engine.connect() as connection:
            row = connection.execute(
                select(_tok.client_id, _tok.scopes, _tok.expires_at).where(
                    _tok.tenant == self._tenant, _tok.token == token
                )
            ).first()
        if row is None:
            return None
        return AccessToken(
            token, row.client_id, frozenset(row.scopes), datetime.fromisoformat(row.expires_at)
        )

    def owner_of(self, token: str) -> str | None:
        found = self._lookup(token)
        return found.client_id if found else None

    def authenticate(self, token: str) -> AccessToken:
        found = self._lookup(token)
        if found is None:
            raise Unauthorized("The bearer token is not known to this sandbox.")
        if found.expired(self._clock()):
            raise Unauthorized("The bearer token has expired; fetch a new one.")
        return found

    @engines.guarded
    def issue(self, credentials: oauth.ClientCredentials, requested_scope: str | None) -> AccessToken:
        client = self._check_secret(credentials)
        token = AccessToken(
            token="kbx_" + secrets.token_urlsafe(24),
            client_id=client.id,
            scopes=oauth.granted_scopes(requested_scope, client.scopes),
            expires_at=self._clock() + timedelta(seconds=self.token_lifetime),
        )
        assert token.expires_at is not None
        # Issued tokens stay as rows after expiry, so a resent one is still told it expired and still
        # attributed to its client; a reset removes them.
        with self.engine.begin() as connection:
            connection.execute(
                insert(identity_tokens).values(
                    tenant=self._tenant,
                    token=token.token,
                    client_id=token.client_id,
                    scopes=sorted(token.scopes),
                    expires_at=token.expires_at.isoformat(),
                )
            )
        return token

    @engines.guarded
    def expire(self, token: str) -> bool:
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(identity_tokens)
                .where(_tok.tenant == self._tenant, _tok.token == token)
                .values(expires_at=self._clock().isoformat())
            )
            return changed.rowcount > 0
