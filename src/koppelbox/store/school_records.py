"""One Aanmeld school's records in memory, indexed by the keys the matching rules look up.

Implements `koppelbox.rules.aanmeld.records.SchoolRecords`. Not thread-safe by itself: it is only reached
through the unit of work of `store/aanmeld_records.py`, which holds the school's lock.
"""

from __future__ import annotations

from typing import Any

from koppelbox.rules.aanmeld import stamnummer as numbering
from koppelbox.rules.aanmeld.matching import ParentKey, PupilKey
from koppelbox.rules.aanmeld.records import Document, Enrolment, Parent, Pupil, SchoolConfig


class MemorySchoolRecords:
    def __init__(self, config: SchoolConfig, enrolment_schools: dict[str, str]) -> None:
        self._config = config
        # Shared by all schools (enrolment id -> BRIN), for document uploads that name only the enrolment.
        self._enrolment_schools = enrolment_schools
        # Every number of the range below this one is taken: new pupils need not walk past them again.
        self._taken_below = 0
        self.pupils: dict[int, Pupil] = {}
        self.parents: dict[int, Parent] = {}
        self.enrolments: dict[str, Enrolment] = {}
        self.documents: dict[str, Document] = {}
        self._by_pgn: dict[str, int] = {}
        self._by_key: dict[PupilKey, set[int]] = {}
        self._parents_by_key: dict[ParentKey, list[int]] = {}
        self._children: dict[int, set[int]] = {}  # parent id -> stamnummers
        self._next_parent_id = 1

    @property
    def config(self) -> SchoolConfig:
        return self._config

    def reconfigure(self, config: SchoolConfig) -> None:
        self._config = config
        self._taken_below = 0  # the range may have moved

    # pupils

    def lowest_free_stamnummer(self) -> int | None:
        return numbering.lowest_free(
            self._config.laagste, self._config.hoogste, self.pupils, start=self._taken_below
        )

    def add_pupil(self, pupil: Pupil) -> None:
        if pupil.stamnummer in self.pupils:
            raise ValueError(f"stamnummer {pupil.stamnummer} is already taken")
        self.pupils[pupil.stamnummer] = pupil
        if pupil.stamnummer == max(self._taken_below, self._config.laagste):
            self._taken_below = pupil.stamnummer + 1
        if pupil.pgn:
            self._by_pgn.setdefault(pupil.pgn, pupil.stamnummer)
        self._by_key.setdefault(pupil.key, set()).add(pupil.stamnummer)

    def pupil_by_pgn(self, pgn: str) -> Pupil | None:
        stamnummer = self._by_pgn.get(pgn)
        return self.pupils[stamnummer] if stamnummer is not None else None

    def stamnummers_by_key(self, key: PupilKey) -> set[int]:
        return set(self._by_key.get(key, ()))

    def remove_pupil(self, stamnummer: int) -> Pupil:
        pupil = self.pupils.pop(stamnummer)
        self._taken_below = min(self._taken_below, stamnummer)
        if pupil.pgn and self._by_pgn.get(pupil.pgn) == stamnummer:
            del self._by_pgn[pupil.pgn]
            # Another pupil with the same PGN (entered by hand) becomes findable again.
            for other in sorted(self.pupils.values(), key=lambda p: p.stamnummer):
                if other.pgn == pupil.pgn:
                    self._by_pgn[pupil.pgn] = other.stamnummer
                    break
        self._by_key[pupil.key].discard(stamnummer)
        for enrolment_id in pupil.aanmeldingen:
            self.enrolments.pop(enrolment_id, None)
            self._enrolment_schools.pop(enrolment_id, None)
        for document_id in pupil.documenten:
            self.documents.pop(document_id, None)
        for parent_id in pupil.ouders:
            children = self._children[parent_id]
            children.discard(stamnummer)
            if not children:
                self._remove_parent(parent_id)
        return pupil

    # parents

    def add_parent(self, gegevens: dict[str, Any], bron: str, aangemaakt: str) -> Parent:
        parent = Parent(self._next_parent_id, gegevens, bron, aangemaakt)
        self._next_parent_id += 1
        self.parents[parent.id] = parent
        self._parents_by_key.setdefault(parent.key, []).append(parent.id)
        self._children[parent.id] = set()
        return parent

    def _remove_parent(self, parent_id: int) -> None:
        parent = self.parents.pop(parent_id)
        self._parents_by_key[parent.key].remove(parent_id)
        del self._children[parent_id]

    def link(self, parent_id: int, stamnummer: int) -> bool:
        pupil = self.pupils[stamnummer]
        if parent_id in pupil.ouders:
            return False
        pupil.ouders.append(parent_id)
        self._children[parent_id].add(stamnummer)
        return True

    def parents_by_key(self, key: ParentKey) -> list[Parent]:
        return [self.parents[i] for i in self._parents_by_key.get(key, [])]

    def children_of(self, parent_id: int) -> set[int]:
        return set(self._children.get(parent_id, ()))

    # enrolments and documents

    def add_enrolment(self, enrolment: Enrolment) -> None:
        self.enrolments[enrolment.id] = enrolment
        self.pupils[enrolment.stamnummer].aanmeldingen.append(enrolment.id)
        self._enrolment_schools[enrolment.id] = self._config.brin

    def add_document(self, document: Document) -> None:
        self.documents[document.id] = document
        self.enrolments[document.aanmelding_id].documenten.append(document.id)
        self.pupils[document.stamnummer].documenten.append(document.id)
