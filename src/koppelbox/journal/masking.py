"""What the journal keeps of a request or response: secrets masked, bodies bounded.

The journal is readable by anyone holding the admin token and ends up in certification evidence packs
handed to schools, so no credential may reach it: not the bearer token, not a client secret, not an
access token in the token endpoint's answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

MASK = "***"
DEFAULT_BODY_LIMIT = 8 * 1024

# Header names are compared lower-case.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
# Body keys (any depth, case-insensitive) whose values are credentials.
SECRET_KEYS = frozenset(
    {
        "client_secret",
        "password",
        "secret",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "assertion",
        "client_assertion",
    }
)


def mask_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    masked: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        if key in SECRET_HEADERS:
            # Keep the scheme: "Bearer ***" vs "Basic ***" tells a vendor what it sent.
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} {MASK}" if rest and key.endswith("authorization") else MASK
        masked[key] = value if key not in masked else f"{masked[key]}, {value}"
    return masked


def mask_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: MASK if str(k).lower() in SECRET_KEYS else mask_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    return value


def capture_body(raw: bytes, content_type: str | None, limit: int = DEFAULT_BODY_LIMIT) -> Any:
    """The body as the journal keeps it: parsed JSON or form fields with secrets masked; other text as
    text; binary as a size note. Anything over `limit` bytes is summarised, never kept whole."""
    if not raw:
        return None
    media = (content_type or "").split(";")[0].strip().lower()
    if len(raw) > limit:
        return {"truncated": True, "bytes": len(raw), "content_type": media or None}
    if media.endswith("json"):
        try:
            return mask_value(json.loads(raw))
        except (ValueError, RecursionError):
            pass
    if media == "application/x-www-form-urlencoded":
        try:
            return mask_value(dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)))
        except (UnicodeDecodeError, ValueError):
            pass
    if media.startswith("text/") or media.endswith("json") or media == "application/x-www-form-urlencoded":
        text = raw.decode("utf-8", errors="replace")
        return _mask_text(text)
    return {"binary": True, "bytes": len(raw), "content_type": media or None}


def _mask_text(text: str) -> str:
    # An unparseable body can still carry `client_secret=...`: mask the value up to the next separator.
    lowered = text.lower()
    for key in SECRET_KEYS:
        start = 0
        while (found := lowered.find(key + "=", start)) != -1:
            begin = found + len(key) + 1
            end = begin
            while end < len(text) and text[end] not in "&\n\r ":
                end += 1
            text = text[:begin] + MASK + text[end:]
            lowered = text.lower()
            start = begin + len(MASK)
    return text


def findings_of(status: int, body: Any) -> list[dict[str, str]]:
    """Validation findings the answer carried: each API's error body names offending fields in its own
    way; the journal keeps `{field, message}` pairs, or one message when the body names no field."""
    if status < 400 or not isinstance(body, dict):
        return []
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        return [
            {"field": str(e.get("field", "")), "message": str(e.get("message", ""))}
            for e in errors
            if isinstance(e, dict)
        ]
    for key in ("message", "statusMessage", "error_description", "detail"):
        if isinstance(body.get(key), str):
            return [{"field": "", "message": body[key]}]
    return []
