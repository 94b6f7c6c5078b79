"""A contract as the sandbox serves it (`<prefix>/openapi.json`, `<prefix>/openapi.yaml`): the file in
`openapi/` exactly as written, components and `$ref` kept, so that a client generator names its types
after the contract's schemas (`Organisation`, `WimpelError`), not after the operations that use them.

The only difference, and the one docs/clients.md states: URLs that the file gives relative to the host
(`servers[0].url`, an OAuth2 flow's `tokenUrl`) are made absolute for the address the contract was
fetched from, so that a generated client and Swagger UI work without a base URL of their own. A Host
header that is not a plain host name (or address) and port leaves them relative: the sandbox never writes
a client's arbitrary text into a contract.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import yaml

from koppelbox.contracts.documents import document

_HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$"
)
_ROOT_PATH = re.compile(r"^(?:/[A-Za-z0-9._~-]+)*$")
_FLOW_URLS = ("authorizationUrl", "tokenUrl", "refreshUrl")

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def origin(scheme: str, host: str, root_path: str = "") -> str:
    """`scheme://host/root` for a request, or "" (keep URLs relative) when any part is not plainly one."""
    if scheme not in ("http", "https") or not _HOST.match(host) or not _ROOT_PATH.match(root_path):
        return ""
    return f"{scheme}://{host}{root_path}"


def served(path: Path, base: str = "") -> dict[str, Any]:
    """The contract at `path` as served from `base` (an `origin()`; "" keeps every URL as written).
    A new document: the shared parsed one is never changed."""
    contract = document(path)
    if not base:
        return dict(contract)
    result = dict(contract)
    result["servers"] = [
        {**server, "url": _absolute(str(server.get("url", "")), base)}
        for server in contract.get("servers", [])
    ]
    components = contract.get("components") or {}
    schemes = components.get("securitySchemes") or {}
    if schemes:
        result["components"] = {
            **components,
            "securitySchemes": {name: _scheme(scheme, base) for name, scheme in schemes.items()},
        }
    return result


def _scheme(scheme: dict[str, Any], base: str) -> dict[str, Any]:
    if scheme.get("type") == "openIdConnect" and "openIdConnectUrl" in scheme:
        return {**scheme, "openIdConnectUrl": _absolute(str(scheme["openIdConnectUrl"]), base)}
    if scheme.get("type") != "oauth2":
        return scheme
    flows = {
        kind: {
            key: _absolute(str(value), base) if key in _FLOW_URLS else value for key, value in flow.items()
        }
        for kind, flow in (scheme.get("flows") or {}).items()
    }
    return {**scheme, "flows": flows}


def _absolute(url: str, base: str) -> str:
    # Only host-relative URLs (`/wimpel`, `/sandbox/oauth2/token`) are the sandbox's to complete.
    return base + url if url.startswith("/") and not url.startswith("//") else url


@functools.lru_cache(maxsize=64)
def rendered(path: Path, mtime_ns: int, base: str, kind: str) -> bytes:
    """The served contract as JSON or YAML bytes (cached per file version and origin)."""
    contract = served(path, base)
    if kind == "json":
        return json.dumps(contract, ensure_ascii=False, default=str).encode("utf-8")
    text = yaml.dump(contract, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    return str(text).encode("utf-8")
