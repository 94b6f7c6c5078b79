"""Property-based robustness (issue 15, item 5): whatever a client sends to any operation of any API or
the control plane (JSON of any shape, lone surrogates, integers of thousands of digits, deep nesting,
bytes that are no JSON, odd header bytes, long path and query parameters), the answer is never a 5xx, an
error is in the API's own documented format, and the journal still reads afterwards.

Catalogue scenarios that promise a 5xx are never asked for: no `Prefer` header is sent, and no generated
text holds `kbx` (the reserved values such as `KBX-500` and `KBX-SLOW`). Derandomized and bounded, so it
takes a few seconds and finds the same cases every run.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote, urlencode

import hypothesis
import pytest
from hypothesis import HealthCheck
from hypothesis import strategies as st
from starlette.testclient import TestClient

from koppelbox import contracts
from koppelbox.store import Store
from tests.support import ADMIN

# A token per API that gets past security to validation and the handlers (every scope of its API).
TOKENS = {
    "/wimpel": "kbx-kompas",
    "/aanmeld": "kbx-inschrijfwijzer",
    "/eduv": "kbx-sleutelbos",
    "/sandbox": "kbx-admin-local",
}
# A deeper run than CI's: KBX_ROBUSTNESS_EXAMPLES=5000 KBX_ROBUSTNESS_SEED=7 pytest tests/test_robustness.py
EXAMPLES = int(os.environ.get("KBX_ROBUSTNESS_EXAMPLES", "300"))
SEED = os.environ.get("KBX_ROBUSTNESS_SEED")
HUGE = "9" * 5000  # more digits than Python converts (sys.get_int_max_str_digits)
_HUGE_MARK = "\x00huge\x00"  # stands for HUGE in generated JSON, written in after serialising

OPERATIONS = [
    (spec.prefix, template, method, operation)
    for spec in contracts.discover()
    for template, method, operation in contracts.operations(contracts.document(spec.path))
]


def _no_kbx(text: str) -> bool:
    return "kbx" not in text.lower()


_odd_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\ud800", "x\udfff", "\udc00\ud800", "\u0000", "\u202e", "\U0001f3eb", "", " "]),
    st.text(alphabet="0123456789", min_size=1, max_size=30),
    st.just(HUGE),
    st.builds(lambda n: "a" * n, st.integers(min_value=60, max_value=5000)),
).filter(_no_kbx)

_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    _odd_text,
    st.just(_HUGE_MARK),
)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(_odd_text, inner, max_size=5),
    ),
    max_leaves=20,
)


def _serialised(value: Any) -> bytes:
    # ensure_ascii: a lone surrogate goes over the wire as its `\ud800` escape, as a client would send it.
    text = json.dumps(value, ensure_ascii=True).replace(json.dumps(_HUGE_MARK), HUGE)
    return text.encode()


_bodies = st.one_of(
    _json.map(_serialised),
    st.builds(lambda n: b"[" * n + b"]" * n, st.integers(min_value=1, max_value=3000)),
    st.builds(lambda n: b'{"a":' * n + b"1" + b"}" * n, st.integers(min_value=500, max_value=1500)),
    st.binary(max_size=200).filter(lambda b: b"kbx" not in b.lower()),
    st.just(b""),
)
_content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-16",
        "application/json; charset=klingon",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "multipart/form-data",
        "text/plain",
        "application/\u00e9",
    ]
)
# Header bytes a client could put on the wire (no CR, LF or NUL), ASCII or not.
_header_bytes = st.binary(max_size=300).map(
    lambda b: bytes(c for c in b if c not in b"\r\n\x00\x7f" and c >= 0x20)
)


@st.composite
def _requests(draw: st.DrawFn) -> tuple[str, str, list[tuple[bytes, bytes]], bytes]:
    prefix, template, method, operation = draw(st.sampled_from(OPERATIONS))
    parameters = [p for p in operation.get("parameters") or [] if isinstance(p, dict) and "name" in p]
    path = template
    for parameter in parameters:
        if parameter.get("in") == "path":
            value = draw(_odd_text.filter(lambda s: s not in ("", ".", "..")))
            path = path.replace("{" + parameter["name"] + "}", quote(value, safe="", errors="surrogatepass"))
    query: list[tuple[str, str]] = []
    names = [p["name"] for p in parameters if p.get("in") == "query"]
    for name in draw(st.lists(st.sampled_from([*names, "unknown"]), max_size=3)):
        query.append((name, draw(_odd_text)))
    url = prefix + path
    if query:
        url += "?" + urlencode(query, errors="surrogatepass")
    headers: list[tuple[bytes, bytes]] = []
    authorization = draw(
        st.one_of(
            st.just(b"Bearer " + TOKENS[prefix].encode()),
            st.builds(lambda b: b"Basic " + b, _header_bytes),
            st.builds(lambda b: b"Bearer " + b, _header_bytes),
            st.none(),
        )
    )
    if authorization is not None:
        headers.append((b"authorization", authorization))
    content_type = draw(_content_types)
    if content_type is not None:
        headers.append((b"content-type", content_type.encode()))
    if draw(st.booleans()):
        headers.append((b"x-odd", draw(_header_bytes)))
    body = draw(_bodies) if method in ("post", "put", "patch") or draw(st.booleans()) else b""
    return method.upper(), url, headers, body


def _assert_error_format(url: str, response: Any) -> None:
    body = response.json()
    if url.startswith("/eduv/"):
        assert set(body) == {"status", "statusMessage"}, body
    elif url.startswith("/sandbox/oauth2/token"):
        assert set(body) >= {"error", "error_description"}, body
    else:
        assert set(body) == {"status", "code", "message", "errors"}, body
        assert body["status"] == response.status_code


def test_no_input_makes_any_operation_answer_5xx(session_app: Any, store: Store) -> None:
    session_app.sandbox.journal.clear()
    with TestClient(session_app, raise_server_exceptions=False) as client:

        @hypothesis.settings(
            max_examples=EXAMPLES,
            derandomize=SEED is None,
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        @hypothesis.given(request=_requests())
        @hypothesis.seed(int(SEED or 0))
        def probe(request: tuple[str, str, list[tuple[bytes, bytes]], bytes]) -> None:
            method, url, headers, body = request
            response = client.request(method, url, headers=headers, content=body)
            assert response.status_code < 500, (method, url, headers, body[:200], response.text[:300])
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/json"), response.headers
                _assert_error_format(url, response)

        probe()
        journal = client.get("/sandbox/journal", headers=ADMIN)
        assert journal.status_code == 200
        assert isinstance(journal.json(), dict | list)


@pytest.mark.parametrize("prefix", sorted(TOKENS))
def test_every_api_has_operations_to_probe(prefix: str) -> None:
    assert any(p == prefix for p, *_ in OPERATIONS)
