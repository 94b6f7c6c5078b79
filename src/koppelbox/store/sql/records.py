"""Every Aanmeld school's records in a database: the unit of work over a school is one transaction that
begins by locking the school's row (`SELECT ... FOR UPDATE`), so two workers never decide "no such pupil
yet" or "the lowest free number" at the same time; the primary keys (stamnummer per school, enrolment and
document id per tenant) are the database's second guard.

`SqlSchoolRecords` implements `rules.aanmeld.records.SchoolRecords` by reading what the rules ask for
(one pupil, the pupils with a key, the lowest free number) and writing each change as it is made; within
the unit it keeps the entities it handed out, so the rules see their own changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, exists, func, insert, select, update

from koppelbox.rules.aanmeld import stamnummer as numbering
from koppelbox.rules.aanmeld.matching import ParentKey, PupilKey
from koppelbox.rules.aanmeld.records import Document, Enrolment, Parent, Pupil, SchoolConfig
from koppelbox.store.aanmeld_records import unknown_school
from koppelbox.store.sql import codec
from koppelbox.store.sql import engine as engines
from koppelbox.store.sql.schema import (
    aanmeld_documents,
    aanmeld_enrolments,
    aanmeld_links,
    aanmeld_parents,
    aanmeld_pupils,
    aanmeld_schools,
)

_UNKNOWN = object()  # the lowest free stamnummer, not yet asked for in this unit
K = TypeVar("K")
V = TypeVar("V")


class _LazyMap(Mapping[K, V]):
    """A mapping read from the database on demand: one row by key, or every row on iteration; what was
    read (or written) in this unit is kept, so an entity is one object for the length of the unit."""

    def __init__(self, one: Callable[[K], V | None], every: Callable[[], list[tuple[K, V]]]) -> None:
        self._one = one
        self._every = every
        self.cache: dict[K, V | None] = {}
        self._complete = False

    def __getitem__(self, key: K) -> V:
        if key not in self.cache and not self._complete:
            self.cache[key] = self._one(key)
        found = self.cache.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def _load(self) -> dict[K, V]:
        if not self._complete:
            for key, value in self._every():
                self.cache.setdefault(key, value)
            self._complete = True
        return {k: v for k, v in self.cache.items() if v is not None}

    def __iter__(self) -> Iterator[K]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def put(self, key: K, value: V | None) -> None:
        self.cache[key] = value


class SqlSchoolRecords:
    def __init__(
        self, connection: Connection, tenant: str, brin: str, config: SchoolConfig, next_parent: int
    ):
        self._c = connection
        self._tenant = tenant
        self._brin = brin
        self._config = config
        self._next_parent = self._stored_next_parent = next_parent
        self._dirty: set[int] = set()
        self._free: object = _UNKNOWN
        school = self._where
        self._pupils: _LazyMap[int, Pupil] = _LazyMap(
            lambda n: self._pupil_row(aanmeld_pupils.c.stamnummer == n),
            lambda: [
                (r.stamnummer, codec.pupil_of(r.data))
                for r in self._c.execute(
                    select(aanmeld_pupils.c.stamnummer, aanmeld_pupils.c.data)
                    .where(*school(aanmeld_pupils))
                    .order_by(aanmeld_pupils.c.stamnummer)
                )
            ],
        )
        self._parents: _LazyMap[int, Parent] = _LazyMap(
            self._parent_by_id,
            lambda: [
                (r.id, codec.parent_of(r.id, r.data))
                for r in self._c.execute(
                    select(aanmeld_parents.c.id, aanmeld_parents.c.data)
                    .where(*school(aanmeld_parents))
                    .order_by(aanmeld_parents.c.id)
                )
            ],
        )
        self._enrolments: _LazyMap[str, Enrolment] = _LazyMap(
            self._enrolment_by_id,
            lambda: [
                (r.id, codec.enrolment_of(r.data))
                for r in self._c.execute(
                    select(aanmeld_enrolments.c.id, aanmeld_enrolments.c.data).where(
                        *school(aanmeld_enrolments)
                    )
                )
            ],
        )
        self._documents: _LazyMap[str, Document] = _LazyMap(
            self._document_by_id,
            lambda: [
                (r.id, codec.document_of(r.data, r.inhoud))
                for r in self._c.execute(
                    select(
                        aanmeld_documents.c.id, aanmeld_documents.c.data, aanmeld_documents.c.inhoud
                    ).where(*school(aanmeld_documents))
                )
            ],
        )

    def _where(self, table: Any) -> tuple[Any, ...]:
        return (table.c.tenant == self._tenant, table.c.brin == self._brin)

    # reading

    @property
    def config(self) -> SchoolConfig:
        return self._config

    @property
    def pupils(self) -> Mapping[int, Pupil]:
        return self._pupils

    @property
    def parents(self) -> Mapping[int, Parent]:
        return self._parents

    @property
    def enrolments(self) -> Mapping[str, Enrolment]:
        return self._enrolments

    @property
    def documents(self) -> Mapping[str, Document]:
        return self._documents

    def _pupil_row(self, *condition: Any) -> Pupil | None:
        row = self._c.execute(
            select(aanmeld_pupils.c.stamnummer, aanmeld_pupils.c.data)
            .where(*self._where(aanmeld_pupils), *condition)
            .order_by(aanmeld_pupils.c.stamnummer)
            .limit(1)
        ).first()
        if row is None:
            return None
        if row.stamnummer in self._pupils.cache and self._pupils.cache[row.stamnummer] is not None:
            return self._pupils.cache[row.stamnummer]
        pupil = codec.pupil_of(row.data)
        self._pupils.put(pupil.stamnummer, pupil)
        return pupil

    def _parent_by_id(self, parent_id: int) -> Parent | None:
        row = self._c.execute(
            select(aanmeld_parents.c.data).where(
                *self._where(aanmeld_parents), aanmeld_parents.c.id == parent_id
            )
        ).first()
        return None if row is None else codec.parent_of(parent_id, row.data)

    def _enrolment_by_id(self, enrolment_id: str) -> Enrolment | None:
        row = self._c.execute(
            select(aanmeld_enrolments.c.data).where(
                *self._where(aanmeld_enrolments), aanmeld_enrolments.c.id == enrolment_id
            )
        ).first()
        return None if row is None else codec.enrolment_of(row.data)

    def _document_by_id(self, document_id: str) -> Document | None:
        row = self._c.execute(
            select(aanmeld_documents.c.data, aanmeld_documents.c.inhoud).where(
                *self._where(aanmeld_documents), aanmeld_documents.c.id == document_id
            )
        ).first()
        return None if row is None else codec.document_of(row.data, row.inhoud)

    def pupil_by_pgn(self, pgn: str) -> Pupil | None:
        # Several pupils with one PGN exist only where the school entered them by hand (an enrolment with
        # a known PGN finds its pupil): the seed's first, which is its lowest stamnummer.
        return self._pupil_row(aanmeld_pupils.c.pgn == pgn)

    def stamnummers_by_key(self, key: PupilKey) -> set[int]:
        rows = self._c.execute(
            select(aanmeld_pupils.c.stamnummer).where(
                *self._where(aanmeld_pupils), aanmeld_pupils.c.match_key == codec.key_text(key)
            )
        )
        return {r.stamnummer for r in rows}

    def parents_by_key(self, key: ParentKey) -> list[Parent]:
        rows = self._c.execute(
            select(aanmeld_parents.c.id)
            .where(*self._where(aanmeld_parents), aanmeld_parents.c.match_key == codec.key_text(key))
            .order_by(aanmeld_parents.c.id)
        )
        return [self._parents[r.id] for r in rows]

    def children_of(self, parent_id: int) -> set[int]:
        rows = self._c.execute(
            select(aanmeld_links.c.stamnummer).where(
                *self._where(aanmeld_links), aanmeld_links.c.parent_id == parent_id
            )
        )
        return {r.stamnummer for r in rows}

    def lowest_free_stamnummer(self) -> int | None:
        # Asked twice per enrolment (the range check, then the new pupil): kept until the next change.
        if self._free is _UNKNOWN:
            self._free = self._lowest_free()
        return self._free  # type: ignore[return-value]

    def _lowest_free(self) -> int | None:
        low, high = self._config.laagste, self._config.hoogste
        if low > high:
            return None
        in_range = (
            *self._where(aanmeld_pupils),
            aanmeld_pupils.c.stamnummer >= low,
            aanmeld_pupils.c.stamnummer <= high,
        )
        taken, bottom, top = self._c.execute(
            select(
                func.count(), func.min(aanmeld_pupils.c.stamnummer), func.max(aanmeld_pupils.c.stamnummer)
            ).where(*in_range)
        ).one()
        if not taken or bottom > low:
            return low
        if taken == top - low + 1:  # no gap (the usual case): one index scan, no join
            return None if top >= high else int(top) + 1
        # The lowest taken number in the range whose successor is free: the first gap (or the end).
        p = aanmeld_pupils.alias("p")
        q = aanmeld_pupils.alias("q")
        successor_taken = exists().where(
            q.c.tenant == p.c.tenant, q.c.brin == p.c.brin, q.c.stamnummer == p.c.stamnummer + 1
        )
        found = self._c.execute(
            select(func.min(p.c.stamnummer + 1)).where(
                p.c.tenant == self._tenant,
                p.c.brin == self._brin,
                p.c.stamnummer >= low,
                p.c.stamnummer < high,
                ~successor_taken,
            )
        ).scalar()
        return None if found is None else int(found)

    def snapshot(self) -> SchoolSnapshot:
        return SchoolSnapshot(
            self._config,
            dict(self._pupils),
            dict(self._parents),
            dict(self._enrolments),
            dict(self._documents),
        )

    # changes, each written at once (the transaction makes them one)

    def reconfigure(self, config: SchoolConfig) -> None:
        self._c.execute(
            update(aanmeld_schools)
            .where(*self._where(aanmeld_schools))
            .values(config=codec.config_json(config))
        )
        self._config = config
        self._free = _UNKNOWN

    def add_pupil(self, pupil: Pupil) -> None:
        if pupil.stamnummer in self._pupils:
            raise ValueError(f"stamnummer {pupil.stamnummer} is already taken")
        self._c.execute(
            insert(aanmeld_pupils).values(
                tenant=self._tenant,
                brin=self._brin,
                stamnummer=pupil.stamnummer,
                pgn=pupil.pgn,
                match_key=codec.key_text(pupil.key),
                data=codec.pupil_json(pupil),
            )
        )
        self._pupils.put(pupil.stamnummer, pupil)
        self._free = _UNKNOWN

    def _save_pupil(self, pupil: Pupil) -> None:
        # Written once when the unit ends (`flush`): an enrolment changes its pupil up to three times.
        self._dirty.add(pupil.stamnummer)

    def flush(self) -> None:
        """Write what was kept back until the end of the unit (inside its transaction)."""
        for stamnummer in sorted(self._dirty):
            pupil = self._pupils.cache.get(stamnummer)
            if pupil is not None:
                self._c.execute(
                    update(aanmeld_pupils)
                    .where(*self._where(aanmeld_pupils), aanmeld_pupils.c.stamnummer == stamnummer)
                    .values(data=codec.pupil_json(pupil))
                )
        self._dirty.clear()
        if self._next_parent != self._stored_next_parent:
            self._c.execute(
                update(aanmeld_schools)
                .where(*self._where(aanmeld_schools))
                .values(next_parent_id=self._next_parent)
            )
            self._stored_next_parent = self._next_parent

    def add_parent(self, gegevens: dict[str, Any], bron: str, aangemaakt: str) -> Parent:
        parent = Parent(self._next_parent, gegevens, bron, aangemaakt)
        self._next_parent += 1  # stored by `flush`
        self._c.execute(
            insert(aanmeld_parents).values(
                tenant=self._tenant,
                brin=self._brin,
                id=parent.id,
                match_key=codec.key_text(parent.key),
                data=codec.parent_json(parent),
            )
        )
        self._parents.put(parent.id, parent)
        return parent

    def link(self, parent_id: int, stamnummer: int) -> bool:
        pupil = self._pupils[stamnummer]
        if parent_id in pupil.ouders:
            return False
        self._c.execute(
            insert(aanmeld_links).values(
                tenant=self._tenant, brin=self._brin, parent_id=parent_id, stamnummer=stamnummer
            )
        )
        pupil.ouders.append(parent_id)
        self._save_pupil(pupil)
        return True

    def add_enrolment(self, enrolment: Enrolment) -> None:
        pupil = self._pupils[enrolment.stamnummer]
        self._c.execute(
            insert(aanmeld_enrolments).values(
                tenant=self._tenant,
                id=enrolment.id,
                brin=self._brin,
                stamnummer=enrolment.stamnummer,
                data=codec.enrolment_json(enrolment),
            )
        )
        self._enrolments.put(enrolment.id, enrolment)
        pupil.aanmeldingen.append(enrolment.id)
        self._save_pupil(pupil)

    def add_document(self, document: Document) -> None:
        enrolment = self._enrolments[document.aanmelding_id]
        pupil = self._pupils[document.stamnummer]
        self._c.execute(
            insert(aanmeld_documents).values(
                tenant=self._tenant,
                id=document.id,
                brin=self._brin,
                data=codec.document_json(document),
                inhoud=document.inhoud,
            )
        )
        self._documents.put(document.id, document)
        enrolment.documenten.append(document.id)
        self._c.execute(
            update(aanmeld_enrolments)
            .where(aanmeld_enrolments.c.tenant == self._tenant, aanmeld_enrolments.c.id == enrolment.id)
            .values(data=codec.enrolment_json(enrolment))
        )
        pupil.documenten.append(document.id)
        self._save_pupil(pupil)

    def remove_pupil(self, stamnummer: int) -> Pupil:
        pupil = self._pupils[stamnummer]
        tenant = self._tenant
        if pupil.aanmeldingen:
            self._c.execute(
                delete(aanmeld_enrolments).where(
                    aanmeld_enrolments.c.tenant == tenant, aanmeld_enrolments.c.id.in_(pupil.aanmeldingen)
                )
            )
        if pupil.documenten:
            self._c.execute(
                delete(aanmeld_documents).where(
                    aanmeld_documents.c.tenant == tenant, aanmeld_documents.c.id.in_(pupil.documenten)
                )
            )
        self._c.execute(
            delete(aanmeld_links).where(*self._where(aanmeld_links), aanmeld_links.c.stamnummer == stamnummer)
        )
        self._c.execute(
            delete(aanmeld_pupils).where(
                *self._where(aanmeld_pupils), aanmeld_pupils.c.stamnummer == stamnummer
            )
        )
        for enrolment_id in pupil.aanmeldingen:
            self._enrolments.put(enrolment_id, None)
        for document_id in pupil.documenten:
            self._documents.put(document_id, None)
        self._pupils.put(stamnummer, None)
        self._dirty.discard(stamnummer)
        self._free = _UNKNOWN
        for parent_id in pupil.ouders:
            if not self.children_of(parent_id):
                self._c.execute(
                    delete(aanmeld_parents).where(
                        *self._where(aanmeld_parents), aanmeld_parents.c.id == parent_id
                    )
                )
                self._parents.put(parent_id, None)
        return pupil


class SchoolSnapshot:
    """A school's records read whole in one unit, for reading only (`AanmeldRecords.state`)."""

    def __init__(
        self,
        config: SchoolConfig,
        pupils: dict[int, Pupil],
        parents: dict[int, Parent],
        enrolments: dict[str, Enrolment],
        documents: dict[str, Document],
    ) -> None:
        self.config = config
        self.pupils = pupils
        self.parents = parents
        self.enrolments = enrolments
        self.documents = documents

    def pupil_by_pgn(self, pgn: str) -> Pupil | None:
        return next((p for _, p in sorted(self.pupils.items()) if p.pgn == pgn), None)

    def stamnummers_by_key(self, key: PupilKey) -> set[int]:
        return {n for n, p in self.pupils.items() if p.key == key}

    def parents_by_key(self, key: ParentKey) -> list[Parent]:
        return [p for _, p in sorted(self.parents.items()) if p.key == key]

    def children_of(self, parent_id: int) -> set[int]:
        return {n for n, p in self.pupils.items() if parent_id in p.ouders}

    def lowest_free_stamnummer(self) -> int | None:
        return numbering.lowest_free(self.config.laagste, self.config.hoogste, self.pupils)

    def _read_only(self, *_: object) -> Any:
        raise TypeError("a snapshot of a school's records is read only")

    reconfigure = add_pupil = add_parent = link = add_enrolment = add_document = remove_pupil = _read_only


class SqlAanmeldRecords:
    """`interfaces.AanmeldRecords` on a database, for one tenant."""

    def __init__(self, engine: Engine, tenant: str) -> None:
        self.engine = engine
        self._tenant = tenant

    @engines.guarded
    def brins(self) -> list[str]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(aanmeld_schools.c.brin)
                .where(aanmeld_schools.c.tenant == self._tenant)
                .order_by(aanmeld_schools.c.brin)
            )
            return [r.brin for r in rows]

    @contextmanager
    def school(self, brin: str) -> Iterator[SqlSchoolRecords]:
        try:
            with self.engine.begin() as connection:
                row = connection.execute(
                    select(aanmeld_schools.c.config, aanmeld_schools.c.next_parent_id)
                    .where(aanmeld_schools.c.tenant == self._tenant, aanmeld_schools.c.brin == brin)
                    .with_for_update()
                ).first()
                if row is None:
                    raise unknown_school(brin)
                records = SqlSchoolRecords(
                    connection, self._tenant, brin, codec.config_of(row.config), row.next_parent_id
                )
                yield records
                records.flush()  # only when the unit ended without an exception; then it commits
        except engines.UNREACHABLE as exc:
            raise engines.unavailable(self.engine, exc) from None

    @engines.guarded
    def state(self, brin: str) -> SchoolSnapshot:
        with self.school(brin) as records:
            return records.snapshot()

    @engines.guarded
    def school_of_enrolment(self, enrolment_id: str) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(
                select(aanmeld_enrolments.c.brin).where(
                    aanmeld_enrolments.c.tenant == self._tenant, aanmeld_enrolments.c.id == enrolment_id
                )
            ).scalar()


def seed_school(connection: Connection, tenant: str, config: SchoolConfig) -> SqlSchoolRecords:
    """A new school row, and its records to seed (within the caller's transaction)."""
    connection.execute(
        insert(aanmeld_schools).values(
            tenant=tenant, brin=config.brin, config=codec.config_json(config), next_parent_id=1
        )
    )
    return SqlSchoolRecords(connection, tenant, config.brin, config, 1)
