"""Seed data as loaded from a fixtures directory: one parsed YAML/JSON document per file stem.

The loader knows nothing about the documents' meaning; each part of the store reads its own
(`clients`, `schools`, `wimpel`, ...). That keeps adding an API to "add a file, read it in its store".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader when PyYAML was built with it: the same safe subset, some ten times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


SUFFIXES = frozenset({".yaml", ".yml", ".json"})


class FixtureError(ValueError):
    """A fixtures directory that cannot be loaded; the message names the file. `path` is that file when
    the error is in reading it, `detail` the error without the path (for a reset's error answer)."""

    def __init__(self, message: str, path: Path | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.detail = message if detail is None else detail


@dataclass(frozen=True)
class Fixtures:
    directory: Path
    documents: Mapping[str, Any]
    seed: int = 0

    def get(self, name: str, default: Any = None) -> Any:
        return self.documents.get(name, default)


def load_fixtures(directory: Path, seed: int = 0) -> Fixtures:
    if not directory.is_dir():
        raise FixtureError(f"fixtures directory {directory} does not exist")
    documents: dict[str, Any] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix not in SUFFIXES or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            documents[path.stem] = json.loads(text) if path.suffix == ".json" else yaml.load(text, _LOADER)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            raise FixtureError(f"{path}: {exc}", path, str(exc)) from exc
    return Fixtures(directory, documents, seed)
