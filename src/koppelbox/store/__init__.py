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
from koppelbox.store.aanmeld import AanmeldStore
from koppelbox.store.eduv import EmployeeDirectory
from koppelbox.store.fixtures import Fixtures, load_fixtures
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
        self._build()

    @classmethod
    def from_directory(cls, directory: Path | None = None, *, seed: int = 0, clock: Clock = utc_now) -> Store:
        fixtures = load_fixtures(directory or fixtures_dir(), seed)
        if seed:
            # Seed N≠0: the fixtures plus generated schools for that seed (docs/fixtures.md). Imported
            # here so that Faker loads only when generated data is asked for.
            from koppelbox.fixtures_gen import extend

            fixtures = Fixtures(fixtures.directory, extend(fixtures.documents, seed), seed)
        return cls(fixtures, clock)

    def _build(self) -> None:
        self.identity = IdentityStore(self.fixtures, self.clock)
        self.wimpel = OrganisationStore(self.fixtures, self.clock)
        self.aanmeld = AanmeldStore(self.fixtures, self.clock)
        self.eduv = EmployeeDirectory(self.fixtures)

    def reset(self) -> None:
        """Back to the seeded state: data and issued tokens. Static tokens keep working."""
        with self._reset_lock:
            self._build()


if TYPE_CHECKING:

    def _implements_the_seam(store: Store) -> StoreBackend:
        """Never called: mypy checks here that the in-memory store offers all that front ends may use."""
        return store
