"""Control plane for the Aanmeld-API: what the school sees in Magister, and its configuration."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from connexion.lifecycle import ConnexionResponse

from koppelbox.server.context import base_path, current, request_scope

Response = tuple[Any, int, dict[str, str]] | tuple[Any, int]


def _download_base(brin: str) -> str:
    # A tenant's documents are downloaded at its own base URL. Without a tenant and a proxy root: as ever.
    return f"{base_path(request_scope())}/sandbox/aanmeld/scholen/{brin}/documenten"


async def list_aanmeld_partners() -> Response:
    return current().store.aanmeld.partner_list(), 200


async def list_aanmeld_scholen() -> Response:
    return current().store.aanmeld.school_list(), 200


async def get_aanmeld_school(brin: str) -> Response:
    return current().store.aanmeld.school(brin), 200


async def replace_aanmeld_school(brin: str, body: dict[str, Any]) -> Response:
    return current().store.aanmeld.configure(brin, body, replace=True), 200


async def update_aanmeld_school(brin: str, body: dict[str, Any]) -> Response:
    return current().store.aanmeld.configure(brin, body, replace=False), 200


async def list_aanmeld_leerlingen(brin: str, zonderAanmelding: bool | None = None) -> Response:
    return current().store.aanmeld.pupils(brin, zonder_aanmelding=zonderAanmelding), 200


async def get_aanmeld_leerling(brin: str, stamnummer: int) -> Response:
    return current().store.aanmeld.pupil(brin, stamnummer, _download_base(brin)), 200


async def delete_aanmeld_leerling(brin: str, stamnummer: int) -> Response:
    current().store.aanmeld.delete_pupil(brin, stamnummer)
    return None, 204


async def download_aanmeld_document(brin: str, documentId: str) -> ConnexionResponse:
    document = current().store.aanmeld.document(brin, documentId)
    # The name is the partner's text: an ASCII fallback without quotes or control characters, and the
    # exact name in RFC 5987 form for clients that read it.
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_" for ch in document.bestandsnaam)
    disposition = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(document.bestandsnaam, safe='')}"
    )
    return ConnexionResponse(
        status_code=200,
        mimetype=document.type,
        content_type=document.type,
        body=document.inhoud,
        headers={
            "Content-Disposition": disposition,
            "X-Content-SHA256": document.sha256,
        },
    )
