"""What happens to one enrolment on receipt (docs/aanmeld.md, rules 1-23), applied to one school's records.

The caller has checked the Dutch data (`validation`) and the documents (`documents.accept`) already, and
calls these functions inside one unit of work over the school's records (ARCHITECTURE.md, "Storage").
What is refused here (activation, an unknown location, a used-up stamnummer range, which refuses every
enrolment at the school, known pupil or not) is refused before the first change, so a refused enrolment
leaves nothing behind even where the unit of work cannot roll back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from koppelbox.rules.aanmeld import matching, origin, stamnummer
from koppelbox.rules.aanmeld.documents import Attachment
from koppelbox.rules.aanmeld.records import API, Document, Enrolment, Partner, Pupil, SchoolRecords
from koppelbox.rules.errors import FieldError, Forbidden, NotFound


@dataclass(frozen=True)
class Receipt:
    """All a partner ever learns: its enrolment (or document) was stored, under this id, at this time."""

    id: str
    ontvangen: str


def check_activation(records: SchoolRecords, partner: Partner) -> None:
    if partner.aanmeld_api_id not in records.config.partners:
        raise Forbidden(
            f"School {records.config.brin} has not switched on {partner.naam} in its Privacy Manager; "
            "enrolments from you are refused until it does.",
            [FieldError("brin", "this school has not activated your Aanmeld-API tile")],
            code="partner_not_activated",
        )


def check_location(records: SchoolRecords, brin: str) -> None:
    """A BRIN6 must be one of the school's own locations."""
    if len(brin) == 6 and brin not in {loc["code"] for loc in records.config.locaties}:
        raise NotFound(
            f"School {records.config.brin} has no location {brin}.",
            [FieldError("brin", "no such location of this school")],
            code="school_unknown",
        )


def find_pupil(records: SchoolRecords, leerling: Mapping[str, Any]) -> Pupil | None:
    """By PGN when one is sent; otherwise by surname + date of birth + gender, lowest stamnummer first."""
    pgn = leerling.get("pgn")
    if pgn:
        return records.pupil_by_pgn(str(pgn))
    first = matching.first_by_stamnummer(records.stamnummers_by_key(matching.pupil_key(leerling)))
    return records.pupils[first] if first is not None else None


def _extra_data(body: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"naam": str(k), "waarde": str(v)} for k, v in (body.get("extraGegevens") or {}).items()]


def new_pupil(
    records: SchoolRecords,
    body: Mapping[str, Any],
    partner: Partner,
    known_advice: Sequence[str],
    now: str,
) -> Pupil:
    """A pupil as the first enrolment creates it; raises RangeExhausted before anything is stored."""
    config = records.config
    number = stamnummer.or_exhausted(records.lowest_free_stamnummer())
    vooropleiding = body.get("vooropleiding") or {}
    advies = vooropleiding.get("advies")
    return Pupil(
        stamnummer=number,
        gegevens=dict(body["leerling"]),
        bron=API,
        aangemaakt=now,
        externe_aanmelding={
            "aanmeldApiId": partner.aanmeld_api_id,
            "codeExternePartij": body["codeExternePartij"],
            "gewensteLocatie": body.get("gewensteLocatie"),
            "gewensteOpleiding": body.get("gewensteOpleiding"),
        },
        aanvullend={"memo": origin.advice_memo(advies), "gegevens": _extra_data(body)},
        vooropleiding={
            **origin.place_school_of_origin(vooropleiding, config.relatiescholen),
            "adviesVorigeSchool": origin.known_advice(advies, known_advice),
        },
    )


def _link_parents(
    records: SchoolRecords, pupil: Pupil, sent: Sequence[Mapping[str, Any]], now: str
) -> list[dict[str, Any]]:
    outcome = []
    # Kept here rather than re-read from `pupil`: a backend may hand out snapshots (see SchoolRecords).
    linked = set(pupil.ouders)
    for ouder in sent:
        key = matching.parent_key(ouder)
        candidates = records.parents_by_key(key)
        own = [p for p in candidates if p.id in linked]
        others = [p for p in candidates if p.id not in linked and records.children_of(p.id)]
        found = matching.find_parent(own, others, ouder)
        parent = found or records.add_parent(dict(ouder), API, now)
        records.link(parent.id, pupil.stamnummer)
        linked.add(parent.id)
        outcome.append({"ouderId": parent.id, "nieuw": found is None})
    return outcome


def _attach(
    records: SchoolRecords,
    enrolment: Enrolment,
    attachment: Attachment,
    document_id: str,
    now: str,
) -> Document:
    document = Document(
        id=document_id,
        aanmelding_id=enrolment.id,
        stamnummer=enrolment.stamnummer,
        bestandsnaam=attachment.bestandsnaam,
        type=attachment.type,
        inhoud=attachment.inhoud,
        sha256=attachment.sha256,
        client_id=enrolment.client_id,
        aanmeld_api_id=enrolment.aanmeld_api_id,
        ontvangen=now,
    )
    records.add_document(document)
    return document


def without_contents(body: Mapping[str, Any]) -> dict[str, Any]:
    """The enrolment as sent, with each document's base64 replaced by nothing (it is stored separately)."""
    kept = dict(body)
    if "documenten" in kept:
        kept["documenten"] = [
            {k: v for k, v in d.items() if k != "inhoud"}
            for d in kept["documenten"]
            if isinstance(d, Mapping)
        ]
    return kept


def enrol(
    records: SchoolRecords,
    partner: Partner,
    body: Mapping[str, Any],
    attachments: Sequence[Attachment],
    *,
    known_advice: Sequence[str],
    now: str,
    new_id: Callable[[], str],
) -> Receipt:
    """Store one enrolment: find or create the pupil, store and link the enrolment, add missing parents,
    attach the documents. An existing pupil's data is never changed."""
    check_activation(records, partner)
    check_location(records, str(body["brin"]))
    # Rule 10, before matching: with the range used up every enrolment at the school is refused alike,
    # so the answer never tells the partner whether the school already has the pupil (rule 22).
    stamnummer.or_exhausted(records.lowest_free_stamnummer())
    pupil = find_pupil(records, body["leerling"])
    created = pupil is None
    if pupil is None:
        pupil = new_pupil(records, body, partner, known_advice, now)
        records.add_pupil(pupil)
    enrolment_id = new_id()
    enrolment = Enrolment(
        id=enrolment_id,
        stamnummer=pupil.stamnummer,
        client_id=partner.client_id,
        aanmeld_api_id=partner.aanmeld_api_id,
        ontvangen=now,
        verzonden=without_contents(body),
        nieuwe_leerling=created,
        ouders=_link_parents(records, pupil, body.get("ouders") or [], now),
    )
    records.add_enrolment(enrolment)
    for attachment in attachments:
        _attach(records, enrolment, attachment, new_id(), now)
    return Receipt(enrolment.id, now)


def own_enrolment(records: SchoolRecords, partner: Partner, enrolment_id: str) -> Enrolment:
    enrolment = records.enrolments.get(enrolment_id)
    if enrolment is None or enrolment.client_id != partner.client_id:
        # Another partner's enrolment is as unknown to you as one that never existed.
        raise NotFound(f"You have no enrolment {enrolment_id}.", code="enrolment_unknown")
    return enrolment


def add_document(
    records: SchoolRecords,
    partner: Partner,
    enrolment_id: str,
    attachment: Attachment,
    *,
    now: str,
    new_id: Callable[[], str],
) -> Receipt:
    """A document sent after the enrolment lands on the same pupil's Aanmeldingsdocumenten card."""
    enrolment = own_enrolment(records, partner, enrolment_id)
    check_activation(records, partner)
    document = _attach(records, enrolment, attachment, new_id(), now)
    return Receipt(document.id, now)
