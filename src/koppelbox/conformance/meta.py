"""Provenance for every report: which tool, which contract (by hash), which seed."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from koppelbox.contracts import spec_for
from koppelbox.rules.clock import rfc3339
from koppelbox.version import version

__all__ = ["provenance", "spec_for"]


def provenance(api: str, **extra: Any) -> dict[str, Any]:
    spec = spec_for(api)
    return {
        "tool": "koppelbox",
        "tool_version": version(),
        "generated_at": rfc3339(datetime.now(UTC)),
        "contract": {
            "file": spec.path.name,
            "title": spec.title,
            "version": spec.version,
            "sha256": hashlib.sha256(spec.path.read_bytes()).hexdigest(),
        },
        **extra,
    }
