"""Client-credentials tokens, fetched when needed and fetched again after a 401."""

from __future__ import annotations

import httpx


class TokenSource:
    def __init__(self, http: httpx.Client, token_url: str, client_id: str, secret: str, scope: str) -> None:
        self.http, self.token_url = http, token_url
        self.client_id, self.secret, self.scope = client_id, secret, scope
        self._token: str | None = None

    def header(self) -> dict[str, str]:
        if self._token is None:
            answer = self.http.post(
                self.token_url,
                data={"grant_type": "client_credentials", "scope": self.scope},
                auth=(self.client_id, self.secret),
            )
            answer.raise_for_status()
            self._token = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def forget(self) -> None:
        """The token was refused: the next request fetches a new one (never resend the rejected one)."""
        self._token = None
