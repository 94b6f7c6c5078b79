"""One school's Magister data as the Aanmeld-API touches it: configuration, pupils, parents, enrolments
and documents, with the indexes the matching rules look up. Plain data; locking is the store's job."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from koppelbox.rules.aanmeld import stamnummer as numbering
from koppelbox.rules.aanmeld.matching import ParentKey, PupilKey, parent_key, pupil_key
from koppelbox.rules.aanmeld.origin import RelatedSchool

API = "aanmeld-api"  # created by an enrolment: the school may delete it (domain.md §1 rule 11)
SCHOOL = "school"  # entered by the school itself (seeded): never deleted through the sandbox


@dataclass(frozen=True)
class Partner:
    client_id: str
    naam: str
    aanmeld_api_id: int  # "Aanmeld-API ID", the partner's number as the school sees it


@dataclass
class SchoolConfig:
    brin: str
    naam: str
    sector: str
    laagste: int
    hoogste: int
    partners: set[int]  # Aanmeld-API ids whose tile is switched on in the Privacy Manager
    relatiescholen: dict[str, RelatedSchool]
    locaties: list[dict[str, str]]  # {code, naam}


@dataclass
class Pupil:
    stamnummer: int
    gegevens: dict[str, Any]  # the pupil as first stored; never changed by a later enrolment
    bron: str
    aangemaakt: str
    aanmeldingsgroep: str | None = None  # None: "zonder aanmelding", not yet placed in a group
    externe_aanmelding: dict[str, Any] | None = None
    aanvullend: dict[str, Any] = field(default_factory=lambda: {"memo": None, "gegevens": []})
    vooropleiding: dict[str, Any] = field(
        default_factory=lambda: {"basisschool": None, "vorigeSchool": None, "adviesVorigeSchool": None}
    )
    ouders: list[int] = field(default_factory=list)
    aanmeldingen: list[str] = field(default_factory=list)
    documenten: list[str] = field(default_factory=list)
    gebruikersaccount: bool = False  # API pupils get none (FAQ 24)

    @property
    def pgn(self) -> str | None:
        value = self.gegevens.get("pgn")
        return str(value) if value else None

    @property
    def key(self) -> PupilKey:
        return pupil_key(self.gegevens)


@dataclass
class Parent:
    id: int
    gegevens: dict[str, Any]  # never changed once stored
    bron: str
    aangemaakt: str

    @property
    def key(self) -> ParentKey:
        return parent_key(self.gegevens)


@dataclass
class Enrolment:
    id: str
    stamnummer: int
    client_id: str
    aanmeld_api_id: int
    ontvangen: str
    verzonden: dict[str, Any]  # what the partner sent, without document contents
    nieuwe_leerling: bool
    ouders: list[dict[str, Any]] = field(default_factory=list)  # {ouderId, nieuw}
    documenten: list[str] = field(default_factory=list)


@dataclass
class Document:
    id: str
    aanmelding_id: str
    stamnummer: int
    bestandsnaam: str
    type: str
    inhoud: bytes
    sha256: str
    client_id: str
    aanmeld_api_id: int
    ontvangen: str

    @property
    def grootte(self) -> int:
        return len(self.inhoud)


class SchoolRecords:
    def __init__(self, config: SchoolConfig) -> None:
        self._config = config
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

    @config.setter
    def config(self, config: SchoolConfig) -> None:
        self._config = config
        self._taken_below = 0  # the range may have moved

    # pupils

    def assign_stamnummer(self) -> int:
        """The lowest free stamnummer of the range; RangeExhausted when there is none."""
        return numbering.assign(
            self.config.laagste, self.config.hoogste, self.pupils, start=self._taken_below
        )

    def add_pupil(self, pupil: Pupil) -> None:
        if pupil.stamnummer in self.pupils:
            raise ValueError(f"stamnummer {pupil.stamnummer} is already taken")
        self.pupils[pupil.stamnummer] = pupil
        if pupil.stamnummer == max(self._taken_below, self.config.laagste):
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
        """The pupil with its enrolments and documents; parents no other pupil has are removed too."""
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
        """Link a parent to a pupil; False if they were linked already."""
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
