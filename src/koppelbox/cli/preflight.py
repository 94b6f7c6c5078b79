"""Bad input found before any work: one line and exit 2, instead of a traceback half-way through a run.

Used by `conformance` (a vendor's base URL), and meant for every option that names a server (`certify
--url`, `journal --url`): the URL is well-formed, its host answers on its port, and a sandbox URL really
is a koppelbox sandbox.
"""

from __future__ import annotations

import errno
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import yaml

from koppelbox.conformance.local import sandbox_health

_TENANT_BASE = re.compile(r"/tenants/[a-z0-9-]+/?")  # a tenant's base URL (server/tenants.py)
TIMEOUT = 3.0  # seconds; a server that does not accept a connection this fast will not pass a run


def check_url(url: str, option: str = "--url") -> str:
    """`url` without a trailing slash, if it is an absolute http(s) URL with a host and a valid port."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port outside 0..65535 or not a number
    except ValueError as exc:
        problem = "its port is not a number in 1..65535" if "port" in str(exc).lower() else str(exc)
        raise click.BadParameter(f"{url!r} is not a valid URL: {problem}", param_hint=option) from exc
    if parts.scheme not in ("http", "https"):
        raise click.BadParameter(f"{url!r} must start with http:// or https://", param_hint=option)
    if not parts.hostname:
        raise click.BadParameter(f"{url!r} names no host", param_hint=option)
    if port == 0:
        raise click.BadParameter(
            f"{url!r} is not a valid URL: its port is not a number in 1..65535", param_hint=option
        )
    return url.rstrip("/")


def check_base_url(url: str, version_prefix: str = "/v1", option: str = "--base-url") -> str:
    """`check_url`, and the contract's paths (`/v1/...`) must not be in it already: they are appended."""
    url = check_url(url, option)
    path = urlsplit(url).path.rstrip("/")
    if path.endswith(version_prefix) or f"{version_prefix}{version_prefix}" in path:
        raise click.BadParameter(
            f"{url!r}: --base-url is where the API's paths start; drop the trailing {version_prefix}",
            param_hint=option,
        )
    return url


def _reason(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return "host not found"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"no answer within {TIMEOUT:g} s"
    if exc.errno == errno.ECONNREFUSED or isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return exc.strerror or type(exc).__name__


def check_reachable(url: str, timeout: float = TIMEOUT) -> None:
    """The host accepts a TCP connection on the URL's port (no HTTP request yet: any path may be secured)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    origin = f"{parts.scheme}://{parts.netloc}"
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            pass
    except OSError as exc:
        raise click.UsageError(f"cannot reach {origin} ({_reason(exc)})") from exc


def check_sandbox_url(url: str, option: str = "--url") -> str:
    """A running koppelbox sandbox at `url` (its origin, or a tenant's base URL `…/tenants/<id>`):
    reachable, and `GET /sandbox/health` answers as ours does. Returns the URL without a trailing slash."""
    url = check_url(url, option)
    parts = urlsplit(url)
    if parts.path not in ("", "/") and not _TENANT_BASE.fullmatch(parts.path):
        # The common mistake: an API's base URL (…/wimpel/v1) where the sandbox's root is meant.
        root = f"{parts.scheme}://{parts.netloc}"
        raise click.BadParameter(
            f"{url!r}: give the sandbox's root URL, e.g. {root} (or a tenant's, {root}/tenants/<id>)",
            param_hint=option,
        )
    check_reachable(url)
    if sandbox_health(url, TIMEOUT) is None:
        raise click.UsageError(f"{url} does not answer like a koppelbox sandbox (GET /sandbox/health)")
    return url


def parse_id(text: str) -> tuple[str, str]:
    """`--id NAME=VALUE` → (NAME, VALUE); NAME is a parameter name, or `in.NAME` (`path.id`)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value:
        raise click.BadParameter(f"{text!r} is not NAME=VALUE (e.g. id=16SK07)", param_hint="--id")
    return name.strip(), value


def load_ids(path: Path) -> dict[str, str]:
    """`--ids FILE`: a YAML or JSON mapping of `--id` names to one value each."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.strerror or exc}", param_hint="--ids") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise click.BadParameter(f"{path} is not YAML or JSON{line}", param_hint="--ids") from exc
    scalar = (str, int, float)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, scalar) and not isinstance(v, bool) for k, v in data.items()
    ):
        raise click.BadParameter(
            f"{path} must map names to one value each, e.g. `id: 16SK07`", param_hint="--ids"
        )
    return {key: str(value) for key, value in data.items()}
