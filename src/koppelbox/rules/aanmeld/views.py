"""What the school sees in Magister, as JSON for the control plane: the pupil overview with its
"Externe aanmelding" columns, one pupil's cards, the school's configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koppelbox.rules.aanmeld.records import Document, Enrolment, Partner, Pupil, SchoolConfig, SchoolRecords

_EXTERNAL_COLUMNS = ("aanmeldApiId", "codeExternePartij", "gewensteLocatie", "gewensteOpleiding")


def pupil_row(pupil: Pupil) -> dict[str, Any]:
    gegevens = pupil.gegevens
    external = pupil.externe_aanmelding or {}
    return {
        "stamnummer": pupil.stamnummer,
        "achternaam": gegevens.get("achternaam"),
        "tussenvoegsel": gegevens.get("tussenvoegsel"),
        "roepnaam": gegevens.get("roepnaam"),
        "geboortedatum": gegevens.get("geboortedatum"),
        "geslacht": gegevens.get("geslacht"),
        "aanmeldingsgroep": pupil.aanmeldingsgroep,
        "bron": pupil.bron,
        **{column: external.get(column) for column in _EXTERNAL_COLUMNS},
    }


def overview(records: SchoolRecords, *, zonder_aanmelding: bool | None) -> list[dict[str, Any]]:
    """`zonder_aanmelding=True` is Magister's "Leerlingen zonder aanmeldingen" filter: pupils not yet
    placed in an enrolment group, which is where API pupils arrive."""
    pupils = sorted(records.pupils.values(), key=lambda p: p.stamnummer)
    if zonder_aanmelding is not None:
        pupils = [p for p in pupils if (p.aanmeldingsgroep is None) == zonder_aanmelding]
    return [pupil_row(p) for p in pupils]


def _sender(client_id: str, aanmeld_api_id: int, partners: Mapping[str, Partner]) -> dict[str, Any]:
    partner = partners.get(client_id)
    return {"clientId": client_id, "aanmeldApiId": aanmeld_api_id, "naam": partner.naam if partner else None}


def document_view(document: Document, partners: Mapping[str, Partner], download: str) -> dict[str, Any]:
    return {
        "id": document.id,
        "aanmeldingId": document.aanmelding_id,
        "bestandsnaam": document.bestandsnaam,
        "type": document.type,
        "grootte": document.grootte,
        "sha256": document.sha256,
        "afzender": _sender(document.client_id, document.aanmeld_api_id, partners),
        "ontvangen": document.ontvangen,
        "download": download,
    }


def enrolment_view(enrolment: Enrolment, partners: Mapping[str, Partner]) -> dict[str, Any]:
    sent = enrolment.verzonden
    return {
        "id": enrolment.id,
        "ontvangen": enrolment.ontvangen,
        "afzender": _sender(enrolment.client_id, enrolment.aanmeld_api_id, partners),
        "codeExternePartij": sent.get("codeExternePartij"),
        "gewensteLocatie": sent.get("gewensteLocatie"),
        "gewensteOpleiding": sent.get("gewensteOpleiding"),
        "nieuweLeerling": enrolment.nieuwe_leerling,
        "ouders": [dict(o) for o in enrolment.ouders],
        "documenten": list(enrolment.documenten),
        "verzonden": sent,
    }


def pupil_detail(
    records: SchoolRecords, pupil: Pupil, partners: Mapping[str, Partner], download_base: str
) -> dict[str, Any]:
    return {
        "stamnummer": pupil.stamnummer,
        "bron": pupil.bron,
        "aangemaakt": pupil.aangemaakt,
        "aanmeldingsgroep": pupil.aanmeldingsgroep,
        "gebruikersaccount": pupil.gebruikersaccount,
        "gegevens": pupil.gegevens,
        "externeAanmelding": pupil.externe_aanmelding,
        "aanvullend": pupil.aanvullend,
        "vooropleiding": pupil.vooropleiding,
        "ouders": [
            {**parent.gegevens, "id": parent.id, "bron": parent.bron}
            for parent in (records.parents[i] for i in pupil.ouders)
        ],
        "aanmeldingsdocumenten": [
            document_view(records.documents[i], partners, f"{download_base}/{i}") for i in pupil.documenten
        ],
        "aanmeldingen": [enrolment_view(records.enrolments[i], partners) for i in pupil.aanmeldingen],
    }


def config_view(config: SchoolConfig) -> dict[str, Any]:
    return {
        "brin": config.brin,
        "naam": config.naam,
        "sector": config.sector,
        "stamnummerbereik": {"laagste": config.laagste, "hoogste": config.hoogste},
        "geactiveerdePartners": sorted(config.partners),
        "relatiescholen": [
            {"brin": r.brin, "naam": r.naam, "schoolsoort": r.schoolsoort}
            for r in sorted(config.relatiescholen.values(), key=lambda r: r.brin)
        ],
        "locaties": [dict(loc) for loc in config.locaties],
    }
