"""Where payloads come from: files, folders (every *.json below them), glob patterns, or `-` for stdin."""

from __future__ import annotations

import glob
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class InputError(Exception):
    """An input that names nothing or cannot be read (exit code 2)."""


@dataclass(frozen=True)
class Source:
    name: str  # as shown in reports: the path as given (or found), "-" for stdin
    path: Path | None  # None: stdin

    def read(self) -> bytes:
        if self.path is None:
            return sys.stdin.buffer.read()
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {self.name}: {exc.strerror or exc}") from exc


def expand(arguments: Iterable[str]) -> list[Source]:
    sources: list[Source] = []
    for argument in arguments:
        if argument == "-":
            sources.append(Source("-", None))
            continue
        path = Path(argument)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.json") if p.is_file())
            if not found:
                raise InputError(f"no *.json files in folder {argument}")
            sources += [Source(str(p), p) for p in found]
        elif path.exists():
            sources.append(Source(argument, path))
        elif glob.has_magic(argument):
            matches = sorted(Path(m) for m in glob.glob(argument, recursive=True))
            files = [m for m in matches if m.is_file()]
            if not files:
                raise InputError(f"no files match {argument}")
            sources += [Source(str(m), m) for m in files]
        else:
            raise InputError(f"no such file or folder: {argument}")
    unique = {source.name: source for source in sources}  # a file named twice is checked once
    return list(unique.values())
