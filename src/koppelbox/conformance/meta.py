"""Provenance for every report: which tool, which contract (by hash), which seed."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from koppelbox import __version__
from koppelbox.rules.clock import rfc3339
from koppelbox.server.app import ApiSpec, discover_specs
from koppelbox.server.fastpath.specs import document as contract_document


def spec_for(api: str) -> ApiSpec:
    for spec in discover_specs():
        if api.strip("/") in {spec.name, spec.path.stem}:
            return spec
    known = ", ".join(s.name for s in discover_specs() if s.name != "sandbox")
    raise LookupError(f"no contract for API {api!r}; known: {known}")


def provenance(api: str, **extra: Any) -> dict[str, Any]:
    spec = spec_for(api)
    return {
        "tool": "koppelbox",
        "tool_version": __version__,
        "generated_at": rfc3339(datetime.now(UTC)),
        "contract": {
            "file": spec.path.name,
            "title": spec.title,
            "version": str(contract_document(spec.path)["info"]["version"]),
            "sha256": hashlib.sha256(spec.path.read_bytes()).hexdigest(),
        },
        **extra,
    }
