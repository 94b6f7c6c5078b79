"""What the journal keeps of a request or response: secrets masked, bodies bounded.

The journal is readable by anyone holding the admin token and ends up in certification evidence packs
handed to schools, so no credential may reach it: not the bearer token, not a client secret, not an
access token in the token endpoint's answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

MASK = "***"
DEFAULT_BODY_LIMIT = 8 * 1024
MAX_STRING = 256
# A parsed body nested deeper than this is kept as text (or a size note): no structure a client sends in
# earnest is that deep, and walking it must not exhaust the stack of whoever reads the journal.
MAX_DEPTH = 64
# What the journal keeps of a request's headers and query string (docs/conformance.md §1): every value up
# to HEADER_VALUE_LIMIT bytes, all headers together up to HEADERS_LIMIT; the rest is cut, its size noted.
HEADER_VALUE_LIMIT = 8 * 1024
HEADERS_LIMIT = 32 * 1024
QUERY_LIMIT = 8 * 1024
CUT_HEADER = b"koppelbox-cut"  # the header that stands for those left out once HEADERS_LIMIT is reached
_SURROGATE = re.compile("[\ud800-\udfff]")

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


def cut_note(kept: bytes, size: int) -> bytes:
    return kept + b"... (%d bytes, cut)" % size


def cap_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Headers as the journal keeps them: each name and value cut to HEADER_VALUE_LIMIT bytes and all of
    them to HEADERS_LIMIT, with the original size noted. On every request, so the usual case (a few small
    headers) costs one sum and returns the list as it is."""
    if sum(len(k) + len(v) for k, v in headers) <= HEADERS_LIMIT and all(
        len(v) <= HEADER_VALUE_LIMIT for _, v in headers
    ):
        return headers
    kept: list[tuple[bytes, bytes]] = []
    total = left = left_bytes = 0
    for name, value in headers:
        if left or total + min(len(name), 256) + min(len(value), HEADER_VALUE_LIMIT) > HEADERS_LIMIT:
            left += 1
            left_bytes += len(name) + len(value)
            continue
        if len(name) > 256:
            name = cut_note(name[:200], len(name))
        if len(value) > HEADER_VALUE_LIMIT:
            value = cut_note(value[: HEADER_VALUE_LIMIT - 32], len(value))
        kept.append((name, value))
        total += len(name) + len(value)
    if left:
        kept.append((CUT_HEADER, b"%d more headers (%d bytes) cut" % (left, left_bytes)))
    return kept


def cap_query(query: bytes) -> bytes:
    return query if len(query) <= QUERY_LIMIT else cut_note(query[:QUERY_LIMIT], len(query))


def mask_query(query: str) -> str:
    """The query string with the value of every secret key (`client_secret=...`, `access_token=...`)
    masked; everything else, including the order and the encoding, as it was sent."""
    if "=" not in query:
        return query
    parts = query.split("&")
    for i, part in enumerate(parts):
        key, sep, _ = part.partition("=")
        if sep and unquote_plus(key).strip().lower() in SECRET_KEYS:
            parts[i] = f"{key}={MASK}"
    return "&".join(parts)


def mask_value(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise _TooDeep
    if isinstance(value, dict):
        return {
            k: MASK if str(k).lower() in SECRET_KEYS else mask_value(v, depth + 1) for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_value(v, depth + 1) for v in value]
    return value


class _TooDeep(Exception):
    """A parsed body nested deeper than MAX_DEPTH."""


def readable(text: str) -> str:
    """`text` with lone surrogates (JSON allows `"\\ud800"`, UTF-8 does not) replaced by U+FFFD, so that
    every reader can encode what the journal holds."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def capture_body(raw: bytes, content_type: str | None, limit: int = DEFAULT_BODY_LIMIT) -> Any:
    """The body as the journal keeps it: parsed JSON or form fields with secrets masked and long strings
    (base64 documents) elided; other text as text; binary as a size note. Whatever would still take more
    than `limit` bytes is summarised, never kept whole. Never fails: a body it cannot keep otherwise is kept
    as a size note."""
    if not raw:
        return None
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        return _capture(raw, media, limit)
    except Exception:  # the journal keeps what it can of any body, whatever it holds
        return size_note("truncated", raw, media)


def _capture(raw: bytes, media: str, limit: int) -> Any:
    parsed = _parse(raw, media)
    textual = media.startswith("text/") or media.endswith(("json", "urlencoded"))
    if parsed is not None:
        try:
            kept = elide(mask_value(parsed))
        except _TooDeep:
            kept = None
        if kept is not None and len(json.dumps(kept, ensure_ascii=False)) <= limit:
            return kept
        if kept is None and len(raw) <= limit:
            return _mask_text(raw.decode("utf-8", errors="replace"))
    elif textual and len(raw) <= limit:
        return _mask_text(raw.decode("utf-8", errors="replace"))
    elif not textual:
        return size_note("binary", raw, media)
    return size_note("truncated", raw, media)


ELIDED = ", elided)"  # how a long string the journal shortened ends


def is_elided(value: Any) -> bool:
    """Whether a recorded string is the journal's shortened form of a long one (a base64 document)."""
    return isinstance(value, str) and value.endswith(ELIDED)


_NOTE_KEYS = ({"binary", "bytes", "content_type"}, {"truncated", "bytes", "content_type"})


def size_note(kind: str, raw: bytes, media: str) -> dict[str, Any]:
    """What the journal keeps in place of a body it does not keep: `binary` or `truncated`, and its size."""
    return {kind: True, "bytes": len(raw), "content_type": media or None}


def is_size_note(value: Any) -> bool:
    """Whether a recorded body is a size note, not what was sent (certify must not judge it as a payload)."""
    return isinstance(value, dict) and set(value) in _NOTE_KEYS


def client_id_of(raw: bytes, content_type: str | None) -> str | None:
    """The `client_id` of a token request's JSON or form body (client_secret_post), or None. Cheap and
    never fails: it runs while a request is recorded."""
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        parsed = _parse(raw, media)
    except Exception:  # a body it cannot read names no client
        return None
    value = parsed.get("client_id") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None


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
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            return readable(f"{value[:40]}... ({len(value)} characters{ELIDED}")
        return readable(value)
    if isinstance(value, dict):
        return {readable(str(k)): elide(v) for k, v in value.items()}
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
