"""Magister Aanmeld-API: the partner's operations and the school's view, written once over a unit of work
per school (`interfaces.AanmeldRecords`; in memory by default, `store/aanmeld_records.py`).

An enrolment reads and writes its school's records inside one unit, from pupil lookup to the last stored
document, so concurrent enrolments can never hand out one stamnummer twice, create one new pupil twice, or
lose an enrolment. Everything that can be done outside it (validation, base64, content checks, hashing)
is done before entering it.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from typing import Any

from koppelbox.rules.aanmeld import config as school_config
from koppelbox.rules.aanmeld import documents, intake, validation, views
from koppelbox.rules.aanmeld.records import API, Document, Partner, Pupil, SchoolRecords
from koppelbox.rules.clock import Clock, rfc3339
from koppelbox.rules.errors import Conflict, FieldError, Forbidden, NotFound
from koppelbox.store.aanmeld_records import MemoryAanmeldRecords
from koppelbox.store.fixtures import Fixtures
from koppelbox.store.interfaces import AanmeldRecords


def _new_id() -> str:
    return str(uuid.uuid4())


class AanmeldStore:
    def __init__(self, fixtures: Fixtures, clock: Clock, records: AanmeldRecords | None = None) -> None:
        """Partners and settings come from the fixtures; the schools' records from `records` (a database
        backend passes its own), else from the fixtures into memory."""
        self._clock = clock
        document = fixtures.get("aanmeld") or {}
        self.max_document_bytes = int(
            (document.get("settings") or {}).get("max_document_bytes", documents.DEFAULT_MAX_DOCUMENT_BYTES)
        )
        self.known_advice: tuple[str, ...] = tuple(str(v) for v in document.get("advice_values") or [])
        self.partners = _partners(fixtures)
        self.records: AanmeldRecords = records or MemoryAanmeldRecords.from_fixtures(fixtures)

    # the partner's API

    def enrol(self, client_id: str, body: Mapping[str, Any]) -> intake.Receipt:
        partner = self._partner(client_id)
        brin = str(body["brin"])
        now = self._clock()
        # Access is answered before the data is looked at: a vendor without access learns nothing more.
        with self.records.school(brin[:4]) as records:
            intake.check_activation(records, partner)
            intake.check_location(records, brin)
        validation.check_enrolment(body, now.date())
        attachments = [
            self._attachment(d, f"documenten[{i}]") for i, d in enumerate(body.get("documenten") or [])
        ]
        with self.records.school(brin[:4]) as records:
            return intake.enrol(
                records,
                partner,
                body,
                attachments,
                known_advice=self.known_advice,
                now=rfc3339(now),
                new_id=_new_id,
            )

    def add_document(
        self, client_id: str, enrolment_id: str, bestandsnaam: str, declared_type: str, data: bytes
    ) -> intake.Receipt:
        partner = self._partner(client_id)
        brin = self.records.school_of_enrolment(enrolment_id)
        if brin is None:
            raise _unknown_enrolment(enrolment_id)
        with self.records.school(brin) as records:
            intake.own_enrolment(records, partner, enrolment_id)
            intake.check_activation(records, partner)
        attachment = documents.accept(
            bestandsnaam, declared_type, data, self.max_document_bytes, "bestand", "type", "bestandsnaam"
        )
        with self.records.school(brin) as records:
            # Checked again: the school may have deleted the pupil while the file was being checked.
            return intake.add_document(
                records, partner, enrolment_id, attachment, now=rfc3339(self._clock()), new_id=_new_id
            )

    # the school's view (control plane)

    def partner_list(self) -> list[dict[str, Any]]:
        activated: dict[int, list[str]] = {}
        for brin in self.records.brins():
            with self.records.school(brin) as records:
                for partner_id in records.config.partners:
                    activated.setdefault(partner_id, []).append(brin)
        return [
            {
                "clientId": p.client_id,
                "naam": p.naam,
                "aanmeldApiId": p.aanmeld_api_id,
                "geactiveerdBij": activated.get(p.aanmeld_api_id, []),
            }
            for p in sorted(self.partners.values(), key=lambda p: p.aanmeld_api_id)
        ]

    def school_list(self) -> list[dict[str, Any]]:
        return [self.school(brin) for brin in self.records.brins()]

    def school(self, brin: str) -> dict[str, Any]:
        with self.records.school(brin) as records:
            return views.config_view(records.config)

    def configure(self, brin: str, changes: Mapping[str, Any], *, replace: bool) -> dict[str, Any]:
        known = {p.aanmeld_api_id for p in self.partners.values()}
        with self.records.school(brin) as records:
            records.reconfigure(school_config.apply_changes(records.config, changes, known, replace=replace))
            return views.config_view(records.config)

    def pupils(self, brin: str, *, zonder_aanmelding: bool | None = None) -> list[dict[str, Any]]:
        with self.records.school(brin) as records:
            return views.overview(records, zonder_aanmelding=zonder_aanmelding)

    def pupil(self, brin: str, stamnummer: int, download_base: str) -> dict[str, Any]:
        with self.records.school(brin) as records:
            pupil = self._pupil(records, stamnummer)
            return copy.deepcopy(views.pupil_detail(records, pupil, self.partners, download_base))

    def delete_pupil(self, brin: str, stamnummer: int) -> None:
        with self.records.school(brin) as records:
            pupil = self._pupil(records, stamnummer)
            if pupil.bron != API:
                raise Conflict(
                    f"Pupil {stamnummer} was entered by the school, not by the Aanmeld-API; only API-created "
                    "pupils can be deleted here.",
                    [FieldError("stamnummer", "is not an Aanmeld-API pupil")],
                    code="not_an_api_pupil",
                )
            records.remove_pupil(stamnummer)

    def document(self, brin: str, document_id: str) -> Document:
        with self.records.school(brin) as records:
            found = records.documents.get(document_id)
        if found is None:
            raise NotFound(f"School {brin} has no document {document_id}.", code="document_unknown")
        return found

    def state(self, brin: str) -> SchoolRecords:
        """The live records, for tests and the conformance replay; hold no reference across requests."""
        return self.records.state(brin)

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
            f"{field}.bestandsnaam",
        )

    def _partner(self, client_id: str) -> Partner:
        partner = self.partners.get(client_id)
        if partner is None:
            raise Forbidden(
                "Your client is not an Aanmeld-API partner (it has no Aanmeld-API ID).",
                code="not_an_aanmeld_partner",
            )
        return partner

    @staticmethod
    def _pupil(records: SchoolRecords, stamnummer: int) -> Pupil:
        pupil = records.pupils.get(stamnummer)
        if pupil is None:
            raise NotFound(f"School {records.config.brin} has no pupil {stamnummer}.", code="pupil_unknown")
        return pupil


def _unknown_enrolment(enrolment_id: str) -> NotFound:
    return NotFound(f"You have no enrolment {enrolment_id}.", code="enrolment_unknown")


def _partners(fixtures: Fixtures) -> dict[str, Partner]:
    partners: dict[str, Partner] = {}
    for entry in (fixtures.get("clients") or {}).get("clients", []):
        number = (entry.get("attributes") or {}).get("aanmeld_api_id")
        if number is not None:
            client_id = str(entry["id"])
            partners[client_id] = Partner(client_id, str(entry.get("name", client_id)), int(number))
    return partners
