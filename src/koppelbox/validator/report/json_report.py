"""The machine-readable report: every finding with its file, pointer, rule id and severity."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from koppelbox.validator.results import FileResult, Summary


def render(results: Sequence[FileResult]) -> str:
    document = {
        "summary": asdict(Summary.of(results)),
        "files": [
            {
                "file": r.file,
                "target": r.target or None,
                "guessed": bool(r.how),
                "chosen": r.how or "named",  # named, guessed (it fits), or closest match (nothing fits)
                "findings": [f.as_dict() for f in r.findings],
            }
            for r in results
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
