"""One school's Magister data as the Aanmeld-API touches it: configuration, pupils, parents, enrolments
and documents, and `SchoolRecords`, the interface through which the rules read and change them.

Plain data and an interface; keeping the records (indexes, locks, transactions) is the store's job
(ARCHITECTURE.md, "Storage: the seam, units of work, what a backend must guarantee").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from koppelbox.rules.aanmeld.matching import ParentKey, PupilKey, parent_key, pupil_key
from koppelbox.rules.aanmeld.origin import RelatedSchool

API = "aanmeld-api"  # created by an enrolment: the school may delete it (docs/aanmeld.md, rule 23)
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


class SchoolRecords(Protocol):
    """One school's records as the rules see them, for the length of one unit of work.

    Entities handed out belong to the records: the rules read them and change them only through the
    methods below, so that a backend which stores rows (not objects) sees every change. A backend may
    hand out snapshots; what the rules changed is visible to their next read within the same unit.
    """

    @property
    def config(self) -> SchoolConfig: ...

    @property
    def pupils(self) -> Mapping[int, Pupil]: ...  # by stamnummer

    @property
    def parents(self) -> Mapping[int, Parent]: ...  # by id, in creation order

    @property
    def enrolments(self) -> Mapping[str, Enrolment]: ...

    @property
    def documents(self) -> Mapping[str, Document]: ...

    # the lookups of the matching rules (docs/aanmeld.md, rules 6-16)

    def pupil_by_pgn(self, pgn: str) -> Pupil | None:
        """The pupil with this PGN; if the school entered several by hand, the one it entered first."""
        ...

    def stamnummers_by_key(self, key: PupilKey) -> Collection[int]: ...

    def parents_by_key(self, key: ParentKey) -> list[Parent]:
        """Parents with this key, oldest first."""
        ...

    def children_of(self, parent_id: int) -> Collection[int]: ...

    def lowest_free_stamnummer(self) -> int | None:
        """The lowest number of the configured range that no pupil holds; None when all are taken."""
        ...

    # changes

    def reconfigure(self, config: SchoolConfig) -> None: ...

    def add_pupil(self, pupil: Pupil) -> None:
        """Store a new pupil; ValueError if its stamnummer is taken."""
        ...

    def add_parent(self, gegevens: dict[str, Any], bron: str, aangemaakt: str) -> Parent:
        """Store a new parent under the next free id."""
        ...

    def link(self, parent_id: int, stamnummer: int) -> bool:
        """Link a parent to a pupil (appended to `Pupil.ouders`); False if they were linked already."""
        ...

    def add_enrolment(self, enrolment: Enrolment) -> None:
        """Store an enrolment and append it to its pupil's `aanmeldingen`."""
        ...

    def add_document(self, document: Document) -> None:
        """Store a document and append it to its enrolment's and its pupil's `documenten`."""
        ...

    def remove_pupil(self, stamnummer: int) -> Pupil:
        """The pupil with its enrolments and documents; parents no other pupil has are removed too."""
        ...
