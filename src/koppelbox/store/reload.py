"""Reading a fixtures directory again on reset, and only when it changed.

`POST /sandbox/reset` runs before every test of a suite, so it must stay as cheap as rebuilding the store
from documents already parsed (well under a millisecond for the shipped seed), while parsing the shipped
YAML costs about 8 ms and adding the generated schools of seed N another 150 ms. So the directory is
read again only when its stamp changed: the name, mtime, size and inode of every fixtures file (an edit in
place changes the mtime, an editor that saves by rename the inode, an added or deleted file the names).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from koppelbox.rules.errors import Conflict, FieldError
from koppelbox.store.fixtures import SUFFIXES, FixtureError, Fixtures, load_fixtures

Stamp = tuple[tuple[str, int, int, int], ...]

# What a fixtures document of the wrong shape raises while the store is built from it.
BUILD_ERRORS = (FixtureError, KeyError, TypeError, ValueError, AttributeError)


@dataclass
class FixturesInvalid(Conflict):
    """Reset found fixtures on disk that do not load; the sandbox keeps serving what it had. A 409: the
    request is fine, the state of the fixtures directory is what stands in its way."""

    code: str = "fixtures_invalid"


def stamp(directory: Path) -> Stamp:
    """One stat per fixtures file: some microseconds for a directory of five."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return ()
    found = []
    for entry in entries:
        if os.path.splitext(entry.name)[1] in SUFFIXES and entry.is_file():
            st = entry.stat()
            found.append((entry.name, st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(sorted(found))


def read(directory: Path, seed: int) -> Fixtures:
    """The directory's documents, plus the generated schools of seed N≠0 (docs/fixtures.md)."""
    fixtures = load_fixtures(directory, seed)
    if seed:
        # Imported here so that Faker loads only when generated data is asked for.
        from koppelbox.fixtures_gen import extend

        fixtures = Fixtures(fixtures.directory, extend(fixtures.documents, seed), seed)
    return fixtures


def invalid(directory: Path, exc: Exception) -> FixturesInvalid:
    """The domain error for fixtures that stopped loading, naming the file when the loader knows it."""
    path = exc.path if isinstance(exc, FixtureError) else None
    detail = exc.detail if isinstance(exc, FixtureError) else f"{type(exc).__name__}: {exc}"
    where = path.name if path is not None else str(directory)
    return FixturesInvalid(
        f"The fixtures in {directory} do not load ({where}); the sandbox keeps its current data. "
        "Fix the file and reset again.",
        [FieldError(where, detail)],
    )
