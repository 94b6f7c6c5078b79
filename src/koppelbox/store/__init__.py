"""The in-memory store: every part built from the same fixtures, every part reset together.

One implementation of the storage seam in `store/interfaces.py` (`StoreBackend` and one Protocol per
API). Thread-safe (each part guards its own state: Aanmeld with a lock per school, see
`store/aanmeld_records.py`), indexed by the keys the rules look up, and imports no web framework.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from koppelbox.resources import fixtures_dir
from koppelbox.rules.clock import Clock, utc_now
from koppelbox.store import reload
from koppelbox.store.aanmeld import AanmeldStore
from koppelbox.store.eduv import EmployeeDirectory
from koppelbox.store.fixtures import Fixtures
from koppelbox.store.identity import IdentityStore
from koppelbox.store.interfaces import StoreBackend
from koppelbox.store.wimpel import OrganisationStore


class Store:
    identity: IdentityStore
    aanmeld: AanmeldStore
    wimpel: OrganisationStore
    eduv: EmployeeDirectory

    def __init__(self, fixtures: Fixtures, clock: Clock = utc_now) -> None:
        self.fixtures = fixtures
        self.clock = clock
        self._reset_lock = threading.Lock()
        # Where `from_directory` read the fixtures: directory, seed and the files' stamp at that time.
        self._source: tuple[Path, int, reload.Stamp] | None = None
        self._build()

    @classmethod
    def from_directory(cls, directory: Path | None = None, *, seed: int = 0, clock: Clock = utc_now) -> Store:
        """The store of a fixtures directory (default: the shipped one); its `reset` reads the directory
        again when a file in it changed (`store/reload.py`)."""
        directory = directory or fixtures_dir()
        stamp = reload.stamp(directory)  # before reading: an edit made while reading shows next time
        store = cls(reload.read(directory, seed), clock)
        store._source = (directory, seed, stamp)
        return store

    def _build(self) -> None:
        self._use(self.fixtures)

    def _use(self, fixtures: Fixtures) -> None:
        # Every part is built before any is replaced, so fixtures that fail half-way change nothing.
        identity = IdentityStore(fixtures, self.clock)
        wimpel = OrganisationStore(fixtures, self.clock)
        aanmeld = AanmeldStore(fixtures, self.clock)
        eduv = EmployeeDirectory(fixtures)
        self.fixtures = fixtures
        self.identity, self.wimpel, self.aanmeld, self.eduv = identity, wimpel, aanmeld, eduv

    def reset(self) -> None:
        """Back to the seeded state: data and issued tokens. Static tokens keep working.

        A store built by `from_directory` first reads its directory again if a file in it changed, so an
        edited fixture shows after a reset. If the directory no longer loads, nothing changes and
        `FixturesInvalid` (409, naming the file) is raised; the next reset tries again."""
        with self._reset_lock:
            if self._source is None:
                self._build()
                return
            directory, seed, stamp = self._source
            now = reload.stamp(directory)
            if now == stamp:
                self._build()
                return
            try:
                self._use(reload.read(directory, seed))
            except reload.BUILD_ERRORS as exc:
                raise reload.invalid(directory, exc) from exc
            self._source = (directory, seed, now)

    def check(self) -> None:
        """Ready whenever the process runs: nothing outside it to wait for."""


if TYPE_CHECKING:

    def _implements_the_seam(store: Store) -> StoreBackend:
        """Never called: mypy checks here that the in-memory store offers all that front ends may use."""
        return store
