"""An exchange the proxy saw, or a HAR file recorded, as a journal entry: secrets masked exactly as the
sandbox's journal masks them (journal/masking.py), so `koppelbox journal` and `certify` read it unchanged.

Who the client was: the proxy cannot ask the upstream who owns a token. It takes the client named on the
command line (`--client`), else the `client_id` (or `azp`, `cid`, `sub`) claim of a JWT bearer token,
read but never verified (it only labels the entry), else the user of Basic credentials.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from koppelbox.journal import JournalEntry
from koppelbox.journal.masking import (
    QUERY_LIMIT,
    capture_body,
    findings_of,
    mask_headers,
    mask_query,
)
from koppelbox.rules.clock import rfc3339

_CLAIMS = ("client_id", "azp", "cid", "sub")


def credentials_of(authorization: str | None, configured: str | None = None) -> tuple[str | None, str | None]:
    """(client, bearer token) behind an `Authorization` header. The token itself goes no further than
    `token_ref`, its one-way fingerprint."""
    scheme, _, value = (authorization or "").partition(" ")
    value = value.strip()
    token = value if scheme.lower() == "bearer" and value else None
    if configured:
        return configured, token
    if token:
        return _jwt_client(token), token
    if scheme.lower() == "basic" and value:
        try:
            user = base64.b64decode(value, validate=True).decode("utf-8").partition(":")[0]
        except (ValueError, binascii.Error):
            return None, None
        return user or None, None
    return None, None


def _jwt_client(token: str) -> str | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(claims, dict):
        return None
    for claim in _CLAIMS:
        if isinstance(claims.get(claim), str) and claims[claim]:
            return str(claims[claim])[:200]
    return None


def token_ref(token: str | None) -> str | None:
    return hashlib.sha256(token.encode()).hexdigest()[:12] if token else None


def make_entry(
    seq: int,
    *,
    started: float,
    elapsed_ms: float,
    client: str | None,
    token: str | None,
    api: str,
    operation: str | None,
    method: str,
    path: str,
    query: str,
    request_headers: Iterable[tuple[str, str]],
    request_body: Any,
    status: int,
    response_headers: Iterable[tuple[str, str]],
    response_body: Any,
    findings: list[dict[str, str]],
    drift: list[dict[str, str]],
) -> JournalEntry:
    """The entry, from headers as sent and bodies as `captured`. The upstream's own error findings are
    added when the proxy found nothing itself (what the answer said was wrong, as the sandbox records)."""
    if len(query) > QUERY_LIMIT:
        query = f"{query[:QUERY_LIMIT]}... ({len(query)} characters, cut)"
    if len(path) > QUERY_LIMIT:
        path = f"{path[:QUERY_LIMIT]}... ({len(path)} characters, cut)"
    return JournalEntry(
        seq=seq,
        at=started,
        time=rfc3339(datetime.fromtimestamp(started, UTC)),
        elapsed_ms=round(elapsed_ms, 1),
        client=client,
        token_ref=token_ref(token),
        api=api,
        operation=operation,
        method=method,
        path=path,
        query=mask_query(query),
        request_headers=mask_headers(request_headers),
        request_body=request_body,
        status=status,
        response_headers=mask_headers(response_headers),
        response_body=response_body,
        findings=findings or findings_of(status, response_body),
        drift=drift,
    )


def captured(raw: bytes, content_type: str | None, limit: int) -> Any:
    return capture_body(raw, content_type, limit)
