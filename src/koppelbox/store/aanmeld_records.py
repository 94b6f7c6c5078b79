"""Every Aanmeld school's records in memory, each school behind its own lock: the in-memory unit of work
(`interfaces.AanmeldRecords`).

A unit holds its school's lock from entry to exit, so everything the rules read and then write for one
school happens as if alone; enrolments at different schools do not wait for each other.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType

from koppelbox.rules.errors import FieldError, NotFound
from koppelbox.store import aanmeld_seed
from koppelbox.store.fixtures import FixtureError, Fixtures
from koppelbox.store.school_records import MemorySchoolRecords


class _SchoolUnit:
    """The unit of work over one school. One per school, made once: it keeps no state per use, so
    entering it costs one lock acquisition and no allocation."""

    __slots__ = ("_lock", "_records")

    def __init__(self, records: MemorySchoolRecords) -> None:
        self._lock = threading.Lock()
        self._records = records

    def __enter__(self) -> MemorySchoolRecords:
        self._lock.acquire()
        return self._records

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._lock.release()


class MemoryAanmeldRecords:
    def __init__(self, schools: Mapping[str, MemorySchoolRecords], enrolment_schools: dict[str, str]) -> None:
        self._units = {brin: _SchoolUnit(records) for brin, records in schools.items()}
        # Written by the units of every school, each under its own lock: safe because each change is one
        # dict operation (atomic in CPython), and no two schools ever write the same enrolment id.
        self._enrolment_schools = enrolment_schools

    @classmethod
    def from_fixtures(cls, fixtures: Fixtures) -> MemoryAanmeldRecords:
        document = fixtures.get("aanmeld") or {}
        schools = {str(s["id"]): s for s in (fixtures.get("schools") or {}).get("schools", [])}
        enrolment_schools: dict[str, str] = {}
        records: dict[str, MemorySchoolRecords] = {}
        for brin, entry in (document.get("schools") or {}).items():
            if str(brin) not in schools:
                raise FixtureError(f"aanmeld: school {brin} is not in schools.yaml")
            school = MemorySchoolRecords(
                aanmeld_seed.configuration(schools[str(brin)], entry or {}), enrolment_schools
            )
            aanmeld_seed.seed(school, entry or {})
            records[str(brin)] = school
        return cls(records, enrolment_schools)

    def brins(self) -> list[str]:
        return sorted(self._units)

    def school(self, brin: str) -> _SchoolUnit:
        unit = self._units.get(brin)
        if unit is None:
            raise unknown_school(brin)
        return unit

    def school_of_enrolment(self, enrolment_id: str) -> str | None:
        return self._enrolment_schools.get(enrolment_id)

    def state(self, brin: str) -> MemorySchoolRecords:
        with self.school(brin) as records:
            return records


def unknown_school(brin: str) -> NotFound:
    return NotFound(
        f"No Magister school {brin} receives enrolments in this sandbox.",
        [FieldError("brin", "unknown school")],
        code="school_unknown",
    )
