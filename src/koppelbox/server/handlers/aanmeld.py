"""Magister Aanmeld-API: thin handlers over `store.aanmeld`. Errors use the shared
`{status, code, message, errors[]}` body (the default format), documented as `AanmeldFout`."""

from __future__ import annotations

from typing import Any

from koppelbox.rules import text
from koppelbox.rules.errors import FieldError, Invalid
from koppelbox.server.context import caller, current

Response = tuple[Any, int, dict[str, str]] | tuple[Any, int]


async def submit_aanmelding(body: dict[str, Any]) -> Response:
    receipt = current().store.aanmeld.enrol(caller(), body)
    return {"aanmeldingId": receipt.id, "ontvangen": receipt.ontvangen}, 201


async def add_aanmelding_document(
    aanmeldingId: str,  # the contract's name
    body: dict[str, Any] | None = None,
    bestand: Any = None,
) -> Response:
    fields = body or {}
    upload = bestand
    if not hasattr(upload, "read"):
        raise Invalid("`bestand` must be a file part.", [FieldError("bestand", "must be a file part")])
    try:
        data = await upload.read()
    finally:
        await upload.close()
    declared = fields.get("type") or _mime(getattr(upload, "content_type", None))
    if not declared:
        raise Invalid(
            "Send `type`, or give the file part a Content-Type.",
            [FieldError("type", "is required when the file part has no Content-Type")],
        )
    name = fields.get("bestandsnaam") or getattr(upload, "filename", None) or "document"
    # The contract's pattern covers `bestandsnaam`, not the file part's own name.
    problem = text.name_problem(str(name))
    if problem:
        raise Invalid(f"The file part's name {problem}.", [FieldError("bestand", f"file name {problem}")])
    receipt = current().store.aanmeld.add_document(caller(), aanmeldingId, str(name), str(declared), data)
    return {"documentId": receipt.id, "ontvangen": receipt.ontvangen}, 201


def _mime(content_type: str | None) -> str | None:
    return content_type.split(";")[0].strip().lower() if content_type else None
