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
MAX_STRING = 256

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
    """The body as the journal keeps it: parsed JSON or form fields with secrets masked and long strings
    (base64 documents) elided; other text as text; binary as a size note. Whatever would still take more
    than `limit` bytes is summarised, never kept whole."""
    if not raw:
        return None
    media = (content_type or "").split(";")[0].strip().lower()
    parsed = _parse(raw, media)
    textual = media.startswith("text/") or media.endswith(("json", "urlencoded"))
    if parsed is not None:
        kept = elide(mask_value(parsed))
        if len(json.dumps(kept, ensure_ascii=False)) <= limit:
            return kept
    elif textual and len(raw) <= limit:
        return _mask_text(raw.decode("utf-8", errors="replace"))
    elif not textual:
        return {"binary": True, "bytes": len(raw), "content_type": media or None}
    return {"truncated": True, "bytes": len(raw), "content_type": media or None}


def _parse(raw: bytes, media: str) -> Any:
    if media.endswith("json"):
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            return None
    if media == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return None
    return None


def elide(value: Any) -> Any:
    """Long strings (base64 documents, pasted essays) shortened to a note of their length: the journal is
    about the shape of what was sent, and a certification report must stay readable."""
    if isinstance(value, str) and len(value) > MAX_STRING:
        return f"{value[:40]}... ({len(value)} characters, elided)"
    if isinstance(value, dict):
        return {k: elide(v) for k, v in value.items()}
    if isinstance(value, list):
        return [elide(v) for v in value]
    return value


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
