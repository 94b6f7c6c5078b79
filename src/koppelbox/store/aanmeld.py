"""Magister Aanmeld-API: each configured school's records, built from `aanmeld.yaml`, `schools.yaml` and
the partners in `clients.yaml`.

One lock guards all schools. An enrolment holds it from pupil lookup to the last stored document, so
concurrent enrolments can never hand out one stamnummer twice, create one new pupil twice, or lose an
enrolment; everything that can be done without the lock (validation, base64, content checks, hashing)
is done before taking it.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from koppelbox.rules.aanmeld import config as school_config
from koppelbox.rules.aanmeld import documents, intake, validation, views
from koppelbox.rules.aanmeld.records import API, SCHOOL, Document, Partner, Pupil, SchoolConfig, SchoolRecords
from koppelbox.rules.clock import Clock, rfc3339
from koppelbox.rules.errors import Conflict, FieldError, Forbidden, NotFound
from koppelbox.store.fixtures import FixtureError, Fixtures

DEFAULT_MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


def _new_id() -> str:
    return str(uuid.uuid4())


class AanmeldStore:
    def __init__(self, fixtures: Fixtures, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        document = fixtures.get("aanmeld") or {}
        self.max_document_bytes = int(
            (document.get("settings") or {}).get("max_document_bytes", DEFAULT_MAX_DOCUMENT_BYTES)
        )
        self.known_advice: tuple[str, ...] = tuple(str(v) for v in document.get("advice_values") or [])
        self.partners = _partners(fixtures)
        self._schools: dict[str, SchoolRecords] = {}
        self._enrolment_school: dict[str, str] = {}  # enrolment id -> BRIN, for document uploads
        schools = {str(s["id"]): s for s in (fixtures.get("schools") or {}).get("schools", [])}
        for brin, entry in (document.get("schools") or {}).items():
            if str(brin) not in schools:
                raise FixtureError(f"aanmeld: school {brin} is not in schools.yaml")
            self._schools[str(brin)] = self._load_school(schools[str(brin)], entry or {})

    # the partner's API

    def enrol(self, client_id: str, body: Mapping[str, Any]) -> intake.Receipt:
        partner = self._partner(client_id)
        records = self._school(str(body["brin"])[:4])
        now = self._clock()
        # Access is answered before the data is looked at: a vendor without access learns nothing more.
        with self._lock:
            intake.check_activation(records, partner)
            intake.check_location(records, str(body["brin"]))
        validation.check_enrolment(body, now.date())
        attachments = [
            self._attachment(d, f"documenten[{i}]") for i, d in enumerate(body.get("documenten") or [])
        ]
        with self._lock:
            receipt = intake.enrol(
                records,
                partner,
                body,
                attachments,
                known_advice=self.known_advice,
                now=rfc3339(now),
                new_id=_new_id,
            )
            self._enrolment_school[receipt.id] = records.config.brin
            return receipt

    def add_document(
        self, client_id: str, enrolment_id: str, bestandsnaam: str, declared_type: str, data: bytes
    ) -> intake.Receipt:
        partner = self._partner(client_id)
        with self._lock:
            records = self._enrolment_records(enrolment_id)
            intake.own_enrolment(records, partner, enrolment_id)
            intake.check_activation(records, partner)
        attachment = documents.accept(
            bestandsnaam, declared_type, data, self.max_document_bytes, "bestand", "type"
        )
        with self._lock:
            # Looked up again: the school may have deleted the pupil while the file was being checked.
            return intake.add_document(
                self._enrolment_records(enrolment_id),
                partner,
                enrolment_id,
                attachment,
                now=rfc3339(self._clock()),
                new_id=_new_id,
            )

    # the school's view (control plane)

    def partner_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "clientId": p.client_id,
                    "naam": p.naam,
                    "aanmeldApiId": p.aanmeld_api_id,
                    "geactiveerdBij": sorted(
                        b for b, r in self._schools.items() if p.aanmeld_api_id in r.config.partners
                    ),
                }
                for p in sorted(self.partners.values(), key=lambda p: p.aanmeld_api_id)
            ]

    def school_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [views.config_view(self._schools[b].config) for b in sorted(self._schools)]

    def school(self, brin: str) -> dict[str, Any]:
        with self._lock:
            return views.config_view(self._school(brin).config)

    def configure(self, brin: str, changes: Mapping[str, Any], *, replace: bool) -> dict[str, Any]:
        known = {p.aanmeld_api_id for p in self.partners.values()}
        with self._lock:
            records = self._school(brin)
            records.config = school_config.apply_changes(records.config, changes, known, replace=replace)
            return views.config_view(records.config)

    def pupils(self, brin: str, *, zonder_aanmelding: bool | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return views.overview(self._school(brin), zonder_aanmelding=zonder_aanmelding)

    def pupil(self, brin: str, stamnummer: int, download_base: str) -> dict[str, Any]:
        with self._lock:
            records = self._school(brin)
            pupil = self._pupil(records, stamnummer)
            return copy.deepcopy(views.pupil_detail(records, pupil, self.partners, download_base))

    def delete_pupil(self, brin: str, stamnummer: int) -> None:
        with self._lock:
            records = self._school(brin)
            pupil = self._pupil(records, stamnummer)
            if pupil.bron != API:
                raise Conflict(
                    f"Pupil {stamnummer} was entered by the school, not by the Aanmeld-API; only API-created "
                    "pupils can be deleted here.",
                    [FieldError("stamnummer", "is not an Aanmeld-API pupil")],
                    code="not_an_api_pupil",
                )
            for enrolment_id in pupil.aanmeldingen:
                self._enrolment_school.pop(enrolment_id, None)
            records.remove_pupil(stamnummer)

    def document(self, brin: str, document_id: str) -> Document:
        with self._lock:
            found = self._school(brin).documents.get(document_id)
        if found is None:
            raise NotFound(f"School {brin} has no document {document_id}.", code="document_unknown")
        return found

    def state(self, brin: str) -> SchoolRecords:
        """The live records, for tests that inspect invariants; hold no reference across requests."""
        return self._school(brin)

    # helpers

    def _attachment(self, entry: Mapping[str, Any], field: str) -> documents.Attachment:
        data = documents.decode_base64(str(entry["inhoud"]), f"{field}.inhoud")
        return documents.accept(
            str(entry["bestandsnaam"]),
            str(entry["type"]),
            data,
            self.max_document_bytes,
            f"{field}.inhoud",
            f"{field}.type",
        )

    def _enrolment_records(self, enrolment_id: str) -> SchoolRecords:
        brin = self._enrolment_school.get(enrolment_id)
        if brin is None:
            raise NotFound(f"You have no enrolment {enrolment_id}.", code="enrolment_unknown")
        return self._schools[brin]

    def _partner(self, client_id: str) -> Partner:
        partner = self.partners.get(client_id)
        if partner is None:
            raise Forbidden(
                "Your client is not an Aanmeld-API partner (it has no Aanmeld-API ID).",
                code="not_an_aanmeld_partner",
            )
        return partner

    def _school(self, brin: str) -> SchoolRecords:
        records = self._schools.get(brin)
        if records is None:
            raise NotFound(
                f"No Magister school {brin} receives enrolments in this sandbox.",
                [FieldError("brin", "unknown school")],
                code="school_unknown",
            )
        return records

    @staticmethod
    def _pupil(records: SchoolRecords, stamnummer: int) -> Pupil:
        pupil = records.pupils.get(stamnummer)
        if pupil is None:
            raise NotFound(f"School {records.config.brin} has no pupil {stamnummer}.", code="pupil_unknown")
        return pupil

    def _load_school(self, school: Mapping[str, Any], entry: Mapping[str, Any]) -> SchoolRecords:
        brin = str(school["id"])
        bereik = entry.get("stamnummer_range") or {}
        table, problems = school_config.related_schools(entry.get("related_schools"))
        if problems:
            raise FixtureError(f"aanmeld: school {brin}: {problems[0].field} {problems[0].message}")
        records = SchoolRecords(
            SchoolConfig(
                brin=brin,
                naam=str(school["name"]),
                sector=str(entry.get("sector", school.get("sector", "VO"))),
                laagste=int(bereik.get("lowest", 1)),
                hoogste=int(bereik.get("highest", 999999)),
                partners={int(p) for p in entry.get("partners") or []},
                relatiescholen=table,
                locaties=[
                    {"code": str(loc["id"]), "naam": str(loc["name"])} for loc in school.get("locations", [])
                ],
            )
        )
        seeded = "2026-01-05T08:00:00.000Z"  # fixed, so the seed is deterministic
        for pupil in entry.get("pupils") or []:
            records.add_pupil(
                Pupil(
                    stamnummer=int(pupil["stamnummer"]),
                    gegevens=dict(pupil["data"]),
                    bron=SCHOOL,
                    aangemaakt=seeded,
                    aanmeldingsgroep=pupil.get("enrolment_group"),
                )
            )
        for parent in entry.get("parents") or []:
            created = records.add_parent(dict(parent["data"]), SCHOOL, seeded)
            for stamnummer in parent.get("children") or []:
                if int(stamnummer) not in records.pupils:
                    raise FixtureError(f"aanmeld: school {brin}: parent of unknown pupil {stamnummer}")
                records.link(created.id, int(stamnummer))
        return records


def _partners(fixtures: Fixtures) -> dict[str, Partner]:
    partners: dict[str, Partner] = {}
    for entry in (fixtures.get("clients") or {}).get("clients", []):
        number = (entry.get("attributes") or {}).get("aanmeld_api_id")
        if number is not None:
            client_id = str(entry["id"])
            partners[client_id] = Partner(client_id, str(entry.get("name", client_id)), int(number))
    return partners
