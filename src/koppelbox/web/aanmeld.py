"""Aanmeld as a school sees it in Magister: the pupil overview (Leerlingen, with the filter "zonder
aanmelding" and the Externe aanmelding columns), a pupil's cards, the documents, and the school's own
configuration. Every read and change goes through `AanmeldBackend`; its rules refuse what a school cannot
do (a bad range, deleting a pupil the school entered itself), and the page shows their message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from koppelbox.rules.aanmeld.config import SECTORS
from koppelbox.rules.aanmeld.origin import SCHOOL_TYPES
from koppelbox.rules.errors import DomainError
from koppelbox.web.site import Site, paginate

# The columns a school can add to the overview under "Externe aanmelding" (as Magister labels them).
EXTRA_COLUMNS = {
    "aanmeldApiId": "Aanmeld-API ID",
    "codeExternePartij": "Code van externe partij",
    "gewensteLocatie": "Gewenste locatie",
    "gewensteOpleiding": "Gewenste opleiding",
}


def _site(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def _brin(request: Request) -> str:
    return str(request.path_params["brin"])


def _stamnummer(request: Request) -> int:
    raw = str(request.path_params["stamnummer"])
    if not raw.isdigit() or len(raw) > 9:
        raise HTTPException(404, "There is no pupil with this stamnummer.")
    return int(raw)


def base(brin: str) -> str:
    return f"/inspector/aanmeld/{quote(brin, safe='')}"


async def schools(request: Request) -> Response:
    site = _site(request)
    aanmeld = site.store.aanmeld
    return site.render(
        request,
        "aanmeld_schools.html",
        schools=paginate(aanmeld.school_list(), request),
        partners=aanmeld.partner_list(),
    )


async def overview(request: Request) -> Response:
    site = _site(request)
    brin = _brin(request)
    aanmeld = site.store.aanmeld
    school = aanmeld.school(brin)
    zonder = request.query_params.get("zonderAanmelding") == "1"
    pupils = aanmeld.pupils(brin, zonder_aanmelding=True if zonder else None)
    chosen = [c for c in EXTRA_COLUMNS if c in request.query_params.getlist("kolom")]
    if "kolom" not in request.query_params and not request.query_params.get("kolommen"):
        chosen = list(EXTRA_COLUMNS)  # every column until the school chooses
    query = [("zonderAanmelding", "1")] if zonder else []
    query += [("kolom", c) for c in chosen] + [("kolommen", "1")]
    return site.render(
        request,
        "aanmeld_overview.html",
        school=school,
        base=base(brin),
        paged=paginate(pupils, request),
        zonder=zonder,
        columns=EXTRA_COLUMNS,
        chosen=chosen,
        query="&".join(f"{k}={quote(v)}" for k, v in query),
        deleted=request.query_params.get("verwijderd"),
    )


async def pupil(request: Request) -> Response:
    site = _site(request)
    brin = _brin(request)
    school = site.store.aanmeld.school(brin)
    record = site.store.aanmeld.pupil(brin, _stamnummer(request), base(brin) + "/documenten")
    return site.render(request, "aanmeld_pupil.html", school=school, base=base(brin), pupil=record)


async def delete_pupil(request: Request) -> Response:
    site = _site(request)
    await site.csrf.form(request)
    brin = _brin(request)
    stamnummer = _stamnummer(request)
    try:
        site.store.aanmeld.delete_pupil(brin, stamnummer)
    except DomainError as refused:
        school = site.store.aanmeld.school(brin)
        record = site.store.aanmeld.pupil(brin, stamnummer, base(brin) + "/documenten")
        return site.render(
            request,
            "aanmeld_pupil.html",
            status=refused.status,
            school=school,
            base=base(brin),
            pupil=record,
            refused=refused.message,
        )
    site.did(f"{brin}: leerling {stamnummer} verwijderd")
    return RedirectResponse(f"{base(brin)}?verwijderd={stamnummer}", status_code=303)


async def download(request: Request) -> Response:
    """The document exactly as the partner sent it, as an attachment (never shown inline: its bytes are
    the partner's)."""
    site = _site(request)
    document = site.store.aanmeld.document(_brin(request), str(request.path_params["document"]))
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_" for ch in document.bestandsnaam)
    disposition = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(document.bestandsnaam, safe='')}"
    )
    return Response(
        document.inhoud,
        media_type=document.type,
        headers={"Content-Disposition": disposition, "X-Content-SHA256": document.sha256},
    )


async def settings(request: Request) -> Response:
    site = _site(request)
    brin = _brin(request)
    if request.method == "POST":
        form = await site.csrf.form(request)
        try:
            changes = _changes(form)
            site.store.aanmeld.configure(brin, changes, replace=True)
        except DomainError as refused:
            return _settings_page(site, request, brin, refused=refused, sent=form)
        site.did(f"{brin}: instellingen opgeslagen")
        return RedirectResponse(f"{base(brin)}/instellingen?opgeslagen=1", status_code=303)
    return _settings_page(site, request, brin)


def _settings_page(
    site: Site,
    request: Request,
    brin: str,
    refused: DomainError | None = None,
    sent: FormData | None = None,
) -> Response:
    school = site.store.aanmeld.school(brin)
    related = list(school["relatiescholen"])
    if sent is not None:  # show what was typed, so that one mistake does not cost the whole form
        related = _related_rows(sent)
    return site.render(
        request,
        "aanmeld_settings.html",
        status=refused.status if refused else 200,
        school=school,
        base=base(brin),
        partners=site.store.aanmeld.partner_list(),
        sectors=SECTORS,
        school_types=SCHOOL_TYPES,
        related=[*related, {"brin": "", "naam": "", "schoolsoort": ""}],
        refused=refused,
        sent=sent,
        saved=request.query_params.get("opgeslagen") == "1",
    )


def _number(form: FormData, name: str) -> Any:
    raw = str(form.get(name, "")).strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else raw  # not a number: the rules name the field


def _related_rows(form: FormData) -> list[dict[str, str]]:
    rows = zip(
        form.getlist("relatie_brin"),
        form.getlist("relatie_naam"),
        form.getlist("relatie_soort"),
        strict=False,
    )
    return [
        {"brin": str(b).strip().upper(), "naam": str(n).strip(), "schoolsoort": str(s)}
        for b, n, s in rows
        if str(b).strip() or str(n).strip()
    ]


def _changes(form: FormData) -> dict[str, Any]:
    partners = []
    for value in form.getlist("partner"):
        text = str(value)
        partners.append(int(text) if text.isdigit() and len(text) < 10 else text)
    removed = {str(v) for v in form.getlist("relatie_weg")}
    return {
        "sector": str(form.get("sector", "")),
        "stamnummerbereik": {"laagste": _number(form, "laagste"), "hoogste": _number(form, "hoogste")},
        "geactiveerdePartners": partners,
        "relatiescholen": [r for r in _related_rows(form) if r["brin"] not in removed],
    }
