"""The fast lane changes nothing a client or the journal can see.

Two sandboxes, identical but for the lane (`create_app(..., fast_lane=False)` serves everything through
Connexion's full stack), each on its own fresh store and fake clock, get the same sequence of requests:
every API, accepted and refused, in an order where state matters (create, read, change, delete, read
again). Each answer must be byte-for-byte the same (status, headers, body), and so must the journals.

The table also says which way each request should go in the app with the lane ("lane": the lane ran the
handler itself, whatever the handler then answered; "stack": the lane handed it on to the full stack),
and the run checks that it did, so a lane that quietly handed everything on could not pass.

Each app runs the whole sequence in turn. What the store draws at random (enrolment and document ids,
issued tokens) comes from counters restarted for each run, so that the two can be compared byte for
byte. Its first run found two real faults, both fixed and kept here as cases: the lane served paths with
an encoded newline that the stack answers 404, and a JSON body sent without Content-Type reached the
handler as bytes (a 500, with or without the lane).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from koppelbox.server.app import create_app
from koppelbox.store import Store
from tests import aanmeld_support as aanmeld
from tests.lane_support import Handoffs, with_and_without_lane
from tests.support import FakeClock

# Small enough that an oversized body is cheap to send, large enough for every ordinary body below.
MAX_BODY_BYTES = 16 * 1024

WIMPEL = "/wimpel/v1/organisations"
ENROL = aanmeld.ENROL
EMPLOYEES = "/eduv/v1/employees/school"
SCHOOL = "/sandbox/aanmeld/scholen"

# Response headers that may differ between two runs of the same app. Starlette's test client adds no
# `date`, but a server in front would; nothing else is left out.
VOLATILE_HEADERS = frozenset({"date"})
# Journal fields that measure the moment and duration of a request, not what was exchanged.
VOLATILE_JOURNAL_FIELDS = frozenset({"at", "time", "elapsed_ms"})


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str  # may name values saved from earlier answers: "{enrolment}"
    via: str  # "lane" or "stack": which way the app with the lane must take it
    status: int  # what both must answer: a refusal case that was accepted would test nothing
    token: str | None = None  # may be "{issued}", a token fetched earlier in the sequence
    body: bytes | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False  # send the body without Content-Length (Transfer-Encoding: chunked)
    save: Callable[[Any], dict[str, str]] | None = None  # values from the JSON answer for later paths
    later: float = 0  # seconds the fake clock moves on before this request (token expiry)


def as_json(value: Any) -> dict[str, Any]:
    return {"body": json.dumps(value).encode(), "content_type": "application/json"}


def as_form(fields: dict[str, str]) -> dict[str, Any]:
    return {"body": urlencode(fields).encode(), "content_type": "application/x-www-form-urlencoded"}


BOUNDARY = "kbx-lane-boundary"  # fixed, so both apps (and both journals) see the same bytes


def as_multipart(filename: str, data: bytes, part_type: str, **fields: str) -> dict[str, Any]:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="bestand"; filename="{filename}"\r\n'
        f"Content-Type: {part_type}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return {
        "body": b"".join(parts) + f"--{BOUNDARY}--\r\n".encode(),
        "content_type": f"multipart/form-data; boundary={BOUNDARY}",
    }


def organisation(id_: str, source_id: str = "lane-1") -> dict[str, str]:
    return {"id": id_, "name": "Lane College", "sourceId": source_id}


ADMIN = "kbx-admin-local"
NOORDSTAR = "kbx-noordstar"
READONLY = "kbx-noordstar-readonly"
EXPIRED = "kbx-noordstar-expired"
KOMPAS = "kbx-kompas"
SLEUTELBOS = "kbx-sleutelbos"
NO_BASIC = "kbx-sleutelbos-nobasic"
BOEKENBOOT = "kbx-boekenboot"
INSCHRIJFWIJZER = "kbx-inschrijfwijzer"
AANMELDLOKET = "kbx-aanmeldloket"
INSTROOMPLEIN = "kbx-instroomplein"
PUPIL = f"{SCHOOL}/99XA/leerlingen/26007"  # the stamnummer the first new pupil at 99XA gets
TOO_BIG = as_json(organisation("KBX-BIG", "x" * MAX_BODY_BYTES))

CASES: list[Case] = [
    # --- control plane ---------------------------------------------------------------------------------
    # First, so that the journal comparison below sees everything after it (the journal's own paths are
    # not recorded).
    Case("clear journal", "DELETE", "/sandbox/journal", "lane", 200, ADMIN),
    Case("health, no security", "GET", "/sandbox/health", "lane", 200),
    Case("clients without token", "GET", "/sandbox/clients", "stack", 401),
    Case("clients with a partner token", "GET", "/sandbox/clients", "stack", 401, NOORDSTAR),
    Case("clients as admin", "GET", "/sandbox/clients", "lane", 200, ADMIN),
    Case(
        "issue token (client_secret_post)",
        "POST",
        "/sandbox/oauth2/token",
        "lane",
        200,
        **as_form(
            {
                "grant_type": "client_credentials",
                "client_id": "partner-kompas",
                "client_secret": "kompas-secret",
                "scope": "wimpel.organisations.read",
            }
        ),
        save=lambda answer: {"issued": answer["access_token"]},
    ),
    Case(
        "issue token (client_secret_basic)",
        "POST",
        "/sandbox/oauth2/token",
        "lane",
        200,
        headers={"Authorization": "Basic cGFydG5lci1ub29yZHN0YXI6bm9vcmRzdGFyLXNlY3JldA=="},
        **as_form({"grant_type": "client_credentials"}),
    ),
    Case(
        "issue token, wrong secret",
        "POST",
        "/sandbox/oauth2/token",
        "lane",
        401,
        **as_form({"grant_type": "client_credentials", "client_id": "partner-kompas", "client_secret": "x"}),
    ),
    Case(
        "issue token, no grant_type",
        "POST",
        "/sandbox/oauth2/token",
        "stack",
        400,
        **as_form({"client_id": "partner-kompas", "client_secret": "kompas-secret"}),
    ),
    Case(
        "issue token as JSON",
        "POST",
        "/sandbox/oauth2/token",
        "stack",
        415,
        **as_json({"grant_type": "client_credentials"}),
    ),
    # --- wimpel: reading ---------------------------------------------------------------------------------
    Case("wimpel list", "GET", WIMPEL, "lane", 200, NOORDSTAR),
    Case("wimpel list with an issued token", "GET", WIMPEL, "lane", 200, "{issued}"),
    Case("wimpel list, active page", "GET", f"{WIMPEL}?active=true&limit=2", "lane", 200, NOORDSTAR),
    Case("wimpel list, second page", "GET", f"{WIMPEL}?limit=2&offset=2", "lane", 200, NOORDSTAR),
    Case("wimpel list without token", "GET", WIMPEL, "stack", 401),
    Case("wimpel list, unknown token", "GET", WIMPEL, "stack", 401, "kbx-never-issued"),
    Case("wimpel list, expired token", "GET", WIMPEL, "stack", 401, EXPIRED),
    Case(
        "wimpel list, Basic instead of Bearer",
        "GET",
        WIMPEL,
        "stack",
        401,
        headers={"Authorization": "Basic eDp5"},
    ),
    Case("wimpel list, limit not a number", "GET", f"{WIMPEL}?limit=abc", "stack", 400, NOORDSTAR),
    Case("wimpel list, limit below minimum", "GET", f"{WIMPEL}?limit=0", "stack", 400, NOORDSTAR),
    Case("wimpel list, unknown parameter", "GET", f"{WIMPEL}?bogus=1", "stack", 400, NOORDSTAR),
    Case("wimpel list, limit twice", "GET", f"{WIMPEL}?limit=2&limit=3", "lane", 200, NOORDSTAR),
    Case("wimpel list, a body on a GET", "GET", WIMPEL, "lane", 200, NOORDSTAR, body=b"x" * 64),
    Case(
        "wimpel list, a JSON body on a GET",
        "GET",
        WIMPEL,
        "lane",
        200,
        NOORDSTAR,
        body=b"{",
        content_type="application/json",
    ),
    Case("wimpel get another partner's", "GET", f"{WIMPEL}/16SK", "lane", 404, KOMPAS),
    Case("wimpel get, bad id", "GET", f"{WIMPEL}/bad%20id", "stack", 400, NOORDSTAR),
    Case("wimpel get, id too long", "GET", f"{WIMPEL}/{'A' * 65}", "stack", 400, NOORDSTAR),
    Case("wimpel get, id with encoded slash", "GET", f"{WIMPEL}/16SK%2F", "stack", 307, NOORDSTAR),
    # --- wimpel: create, change, delete ------------------------------------------------------------------
    Case("wimpel create", "POST", WIMPEL, "lane", 201, NOORDSTAR, **as_json(organisation("KBX-L1"))),
    Case("wimpel create again", "POST", WIMPEL, "lane", 409, NOORDSTAR, **as_json(organisation("KBX-L1"))),
    Case(
        "wimpel create, read-only token",
        "POST",
        WIMPEL,
        "stack",
        403,
        READONLY,
        **as_json(organisation("KBX-L9")),
    ),
    Case(
        "wimpel create, form-encoded",
        "POST",
        WIMPEL,
        "lane",
        201,
        NOORDSTAR,
        **as_form(organisation("KBX-L2")),
    ),
    Case(
        "wimpel create, JSON with charset",
        "POST",
        WIMPEL,
        "lane",
        201,
        NOORDSTAR,
        body=json.dumps(organisation("KBX-L5")).encode(),
        content_type="application/json; charset=utf-8",
    ),
    Case(
        "wimpel create via contacts (alias)",
        "POST",
        "/wimpel/v1/contacts",
        "lane",
        201,
        NOORDSTAR,
        **as_json(organisation("KBX-L3")),
    ),
    Case(
        "wimpel create, bad JSON",
        "POST",
        WIMPEL,
        "stack",
        400,
        NOORDSTAR,
        body=b'{"id": "KBX-L9",',
        content_type="application/json",
    ),
    Case(
        "wimpel create, no sourceId",
        "POST",
        WIMPEL,
        "stack",
        400,
        NOORDSTAR,
        **as_json({"id": "KBX-L9", "name": "Lane College"}),
    ),
    Case(
        "wimpel create, text/plain",
        "POST",
        WIMPEL,
        "stack",
        415,
        NOORDSTAR,
        body=b"id=KBX-L9",
        content_type="text/plain",
    ),
    Case(
        "wimpel create, empty body",
        "POST",
        WIMPEL,
        "stack",
        400,
        NOORDSTAR,
        body=b"",
        content_type="application/json",
    ),
    Case("wimpel create, oversized", "POST", WIMPEL, "stack", 413, NOORDSTAR, **TOO_BIG),
    Case(
        "wimpel create, oversized chunked", "POST", WIMPEL, "stack", 413, NOORDSTAR, chunked=True, **TOO_BIG
    ),
    Case(
        "wimpel create, chunked",
        "POST",
        WIMPEL,
        "stack",
        201,
        NOORDSTAR,
        chunked=True,
        **as_json(organisation("KBX-L4")),
    ),
    Case("wimpel get created", "GET", f"{WIMPEL}/KBX-L1", "lane", 200, NOORDSTAR),
    Case("wimpel get, chunked create landed", "GET", f"{WIMPEL}/KBX-L4", "lane", 200, NOORDSTAR),
    Case(
        "wimpel put sourceId",
        "PUT",
        f"{WIMPEL}/KBX-L1",
        "lane",
        200,
        NOORDSTAR,
        **as_json({"sourceId": "lane-2"}),
    ),
    Case(
        "wimpel put a field that may not change",
        "PUT",
        f"{WIMPEL}/KBX-L1",
        "stack",
        400,
        NOORDSTAR,
        **as_json({"name": "Nieuwe naam"}),
    ),
    Case("wimpel put, empty body", "PUT", f"{WIMPEL}/KBX-L1", "lane", 200, NOORDSTAR),
    Case(
        "wimpel put, empty JSON body",
        "PUT",
        f"{WIMPEL}/KBX-L1",
        "lane",
        200,
        NOORDSTAR,
        body=b"",
        content_type="application/json",
    ),
    Case(
        "wimpel put via contacts, form-encoded",
        "PUT",
        "/wimpel/v1/contacts/KBX-L1",
        "lane",
        200,
        NOORDSTAR,
        **as_form({"sourceId": "lane-3"}),
    ),
    Case(
        "wimpel history (control plane)",
        "GET",
        "/sandbox/wimpel/partner-noordstar/organisations/KBX-L1/history",
        "lane",
        200,
        ADMIN,
    ),
    Case("wimpel delete, read-only token", "DELETE", f"{WIMPEL}/KBX-L1", "stack", 403, READONLY),
    Case("wimpel delete", "DELETE", f"{WIMPEL}/KBX-L1", "lane", 204, NOORDSTAR),
    Case("wimpel get deleted", "GET", f"{WIMPEL}/KBX-L1", "lane", 404, NOORDSTAR),
    Case("wimpel delete again", "DELETE", f"{WIMPEL}/KBX-L1", "lane", 404, NOORDSTAR),
    # --- wimpel: scenarios, and what the lane never takes ------------------------------------------------
    Case("wimpel reserved KBX-503", "GET", f"{WIMPEL}/KBX-503", "stack", 503, NOORDSTAR),
    Case("wimpel reserved KBX-429 without token", "GET", f"{WIMPEL}/KBX-429", "stack", 401),
    Case(
        "wimpel Prefer 500",
        "GET",
        WIMPEL,
        "stack",
        500,
        NOORDSTAR,
        headers={"Prefer": "kbx-scenario=500"},
    ),
    Case(
        "wimpel Prefer slow, no delay",
        "GET",
        WIMPEL,
        "stack",
        200,
        NOORDSTAR,
        headers={"Prefer": "kbx-scenario=slow, kbx-delay=0"},
    ),
    Case(
        "wimpel Prefer unknown scenario",
        "GET",
        WIMPEL,
        "stack",
        400,
        NOORDSTAR,
        headers={"Prefer": "kbx-scenario=418"},
    ),
    Case("wimpel HEAD", "HEAD", WIMPEL, "stack", 200, NOORDSTAR),
    Case("wimpel trailing slash", "GET", f"{WIMPEL}/", "stack", 307, NOORDSTAR),
    Case("wimpel unknown route", "GET", "/wimpel/v1/nothing", "stack", 404, NOORDSTAR),
    Case("wimpel method not allowed", "PATCH", WIMPEL, "stack", 405, NOORDSTAR),
    Case("wimpel OPTIONS", "OPTIONS", WIMPEL, "stack", 405, NOORDSTAR),
    Case("wimpel path in capitals", "GET", "/WIMPEL/v1/organisations", "stack", 404, NOORDSTAR),
    Case("wimpel openapi.json", "GET", "/wimpel/openapi.json", "stack", 200),
    Case("wimpel swagger ui", "GET", "/wimpel/ui/", "stack", 200),
    Case("wimpel swagger ui without slash", "GET", "/wimpel/ui", "stack", 307),
    Case("outside every API", "GET", "/nowhere", "stack", 404),
    Case("wimpel double slash", "GET", "/wimpel//v1/organisations", "stack", 404, NOORDSTAR),
    # A JSON body sent without Content-Type: request validation takes the contract's only media type,
    # and the handler gets the body it validated (it once got raw bytes and failed with a 500).
    Case(
        "wimpel create, JSON without Content-Type",
        "POST",
        WIMPEL,
        "lane",
        201,
        NOORDSTAR,
        body=json.dumps(organisation("KBX-L8")).encode(),
    ),
    # --- edu-v ---------------------------------------------------------------------------------------------
    Case("eduv by master id", "GET", f"{EMPLOYEES}?orgMasterId=100X016", "lane", 200, SLEUTELBOS),
    Case(
        "eduv by location, filtered",
        "GET",
        f"{EMPLOYEES}?orgId=16SK01&orgIdType=V_ID&filterByOrgId=true",
        "lane",
        200,
        SLEUTELBOS,
    ),
    Case(
        "eduv by school period",
        "GET",
        f"{EMPLOYEES}?orgMasterId=100X016&schoolPeriodId=schooljaar-2024-2025",
        "lane",
        200,
        SLEUTELBOS,
    ),
    Case("eduv without token", "GET", f"{EMPLOYEES}?orgMasterId=100X016", "stack", 401),
    Case("eduv without basic scope", "GET", f"{EMPLOYEES}?orgMasterId=100X016", "stack", 401, NO_BASIC),
    Case("eduv with a wimpel token", "GET", f"{EMPLOYEES}?orgMasterId=100X016", "stack", 401, NOORDSTAR),
    Case("eduv bad orgIdType", "GET", f"{EMPLOYEES}?orgId=16SK&orgIdType=BRIN", "stack", 400, SLEUTELBOS),
    Case(
        "eduv filterByOrgId not a boolean",
        "GET",
        f"{EMPLOYEES}?orgMasterId=100X016&filterByOrgId=misschien",
        "stack",
        400,
        SLEUTELBOS,
    ),
    Case(
        "eduv unknown parameter",
        "GET",
        f"{EMPLOYEES}?orgMasterId=100X016&limit=10",
        "stack",
        400,
        SLEUTELBOS,
    ),
    Case(
        "eduv school named twice",
        "GET",
        f"{EMPLOYEES}?orgMasterId=100X016&orgId=16SK&orgIdType=OIE_CODE",
        "lane",
        400,
        SLEUTELBOS,
    ),
    Case("eduv no consent", "GET", f"{EMPLOYEES}?orgMasterId=100X016", "lane", 403, BOEKENBOOT),
    Case("eduv unknown school", "GET", f"{EMPLOYEES}?orgMasterId=KBX-404", "lane", 404, SLEUTELBOS),
    Case("eduv reserved KBX-500", "GET", f"{EMPLOYEES}?orgMasterId=KBX-500", "stack", 500, SLEUTELBOS),
    # A parameter sent twice: the scenario check and Connexion both go by the last value.
    Case(
        "eduv reserved value sent last",
        "GET",
        f"{EMPLOYEES}?orgMasterId=100X016&orgMasterId=KBX-503",
        "stack",
        503,
        SLEUTELBOS,
    ),
    Case(
        "eduv reserved value sent first",
        "GET",
        f"{EMPLOYEES}?orgMasterId=KBX-503&orgMasterId=100X016",
        "lane",
        200,
        SLEUTELBOS,
    ),
    Case(
        "eduv Prefer 429",
        "GET",
        f"{EMPLOYEES}?orgMasterId=100X016",
        "stack",
        429,
        SLEUTELBOS,
        headers={"Prefer": "kbx-scenario=429"},
    ),
    # --- aanmeld -----------------------------------------------------------------------------------------
    Case(
        "aanmeld enrol",
        "POST",
        ENROL,
        "lane",
        201,
        INSCHRIJFWIJZER,
        **as_json(aanmeld.enrolment()),
        save=lambda answer: {"enrolment": answer["aanmeldingId"]},
    ),
    Case(
        "aanmeld enrol again, Prefer slow",
        "POST",
        ENROL,
        "stack",
        201,
        INSCHRIJFWIJZER,
        headers={"Prefer": "kbx-scenario=slow, kbx-delay=0"},
        **as_json(aanmeld.enrolment(codeExternePartij="IW-2026-000418")),
    ),
    Case(
        "aanmeld enrol, invalid pgn",
        "POST",
        ENROL,
        "lane",
        400,
        INSCHRIJFWIJZER,
        **as_json(aanmeld.enrolment(leerling__pgn="123456789")),
    ),
    Case(
        "aanmeld enrol, unknown field",
        "POST",
        ENROL,
        "stack",
        400,
        INSCHRIJFWIJZER,
        **as_json(aanmeld.enrolment(onbekendVeld=1)),
    ),
    Case(
        "aanmeld enrol, partner not activated",
        "POST",
        ENROL,
        "lane",
        403,
        INSTROOMPLEIN,
        **as_json(aanmeld.enrolment()),
    ),
    Case(
        "aanmeld enrol, wimpel token",
        "POST",
        ENROL,
        "stack",
        403,
        NOORDSTAR,
        **as_json(aanmeld.enrolment()),
    ),
    Case(
        "aanmeld enrol, unknown school",
        "POST",
        ENROL,
        "lane",
        404,
        INSCHRIJFWIJZER,
        **as_json(aanmeld.enrolment(brin="12AB")),
    ),
    Case(
        "aanmeld enrol, reserved KBX-503",
        "POST",
        ENROL,
        "stack",
        503,
        INSCHRIJFWIJZER,
        **as_json(aanmeld.enrolment(codeExternePartij="KBX-503")),
    ),
    Case(
        "aanmeld enrol, PNG declared as PDF",
        "POST",
        ENROL,
        "lane",
        422,
        INSCHRIJFWIJZER,
        **as_json(
            aanmeld.enrolment(documenten=[aanmeld.document(aanmeld.png(), "application/pdf", "advies.pdf")])
        ),
    ),
    Case(
        "aanmeld upload document",
        "POST",
        f"{ENROL}/{{enrolment}}/documenten",
        "lane",
        201,
        INSCHRIJFWIJZER,
        **as_multipart("verklaring.pdf", aanmeld.PDF, "application/pdf"),
    ),
    Case(
        "aanmeld upload with declared type and name",
        "POST",
        f"{ENROL}/{{enrolment}}/documenten",
        "lane",
        201,
        INSCHRIJFWIJZER,
        **as_multipart(
            "blob", aanmeld.PDF, "application/octet-stream", type="application/pdf", bestandsnaam="b.pdf"
        ),
    ),
    Case(
        "aanmeld upload to another partner's enrolment",
        "POST",
        f"{ENROL}/{{enrolment}}/documenten",
        "lane",
        404,
        AANMELDLOKET,
        **as_multipart("a.pdf", aanmeld.PDF, "application/pdf"),
    ),
    Case(
        "aanmeld upload without token",
        "POST",
        f"{ENROL}/{{enrolment}}/documenten",
        "stack",
        401,
        **as_multipart("a.pdf", aanmeld.PDF, "application/pdf"),
    ),
    # The path parameter's `format: uuid` is not checked (by Connexion either): the handler's own 404.
    Case(
        "aanmeld upload, id not a uuid",
        "POST",
        f"{ENROL}/not-a-uuid/documenten",
        "lane",
        404,
        INSCHRIJFWIJZER,
        **as_multipart("a.pdf", aanmeld.PDF, "application/pdf"),
    ),
    Case(
        "aanmeld upload as JSON",
        "POST",
        f"{ENROL}/{{enrolment}}/documenten",
        "stack",
        415,
        INSCHRIJFWIJZER,
        **as_json({"bestand": "x"}),
    ),
    # --- aanmeld, as the school sees it (control plane) --------------------------------------------------
    Case(
        "school's pupil card",
        "GET",
        PUPIL,
        "lane",
        200,
        ADMIN,
        save=lambda answer: {"document": answer["aanmeldingsdocumenten"][0]["id"]},
    ),
    Case("download a document", "GET", f"{SCHOOL}/99XA/documenten/{{document}}", "lane", 200, ADMIN),
    Case(
        "pupils without enrolment",
        "GET",
        f"{SCHOOL}/99XA/leerlingen?zonderAanmelding=true",
        "lane",
        200,
        ADMIN,
    ),
    # An integer path parameter becomes Starlette's `int` convertor: no route matches, so a 404.
    Case("pupil, stamnummer not a number", "GET", f"{SCHOOL}/99XA/leerlingen/abc", "stack", 404, ADMIN),
    Case("unknown school", "GET", f"{SCHOOL}/12AB", "lane", 404, ADMIN),
    Case(
        "widen a school's range",
        "PATCH",
        f"{SCHOOL}/98YB",
        "lane",
        200,
        ADMIN,
        **as_json({"stamnummerbereik": {"laagste": 500, "hoogste": 599}}),
    ),
    Case(
        "widen a school's range, wrong type",
        "PATCH",
        f"{SCHOOL}/98YB",
        "stack",
        400,
        ADMIN,
        **as_json({"stamnummerbereik": "500-599"}),
    ),
    Case("partners", "GET", "/sandbox/aanmeld/partners", "lane", 200, ADMIN),
    Case("delete the API pupil", "DELETE", PUPIL, "lane", 204, ADMIN),
    Case("deleted pupil is gone", "GET", PUPIL, "lane", 404, ADMIN),
    # --- reset, and the state after it ------------------------------------------------------------------
    Case("reset without admin token", "POST", "/sandbox/reset", "stack", 401, NOORDSTAR),
    Case("reset", "POST", "/sandbox/reset", "lane", 200, ADMIN),
    Case("wimpel created organisation gone after reset", "GET", f"{WIMPEL}/KBX-L2", "lane", 404, NOORDSTAR),
    Case("wimpel list after reset", "GET", WIMPEL, "lane", 200, NOORDSTAR),
    # An hour later the token issued at the start has expired; the seeded ones have not.
    Case("wimpel list, issued token expired", "GET", WIMPEL, "stack", 401, "{issued}", later=3601),
    Case("wimpel list, an hour later", "GET", WIMPEL, "lane", 200, NOORDSTAR),
    # --- a path ending in an encoded newline ---------------------------------------------------------------
    # Starlette's Mount pattern `^/wimpel/(?P<path>.*)$` still matches `/wimpel/...\n` (`.` stops at the
    # newline, `$` matches before it) but then splits the path one character off, so no route inside the
    # mount matches: the stack answers 404 Not Found, which is what the table expects.
    Case("wimpel list, path ends in newline", "GET", f"{WIMPEL}%0A", "stack", 404, NOORDSTAR),
    Case("wimpel list, path ends in newline, no token", "GET", f"{WIMPEL}%0A", "stack", 404),
    Case("wimpel get, id ends in newline", "GET", f"{WIMPEL}/16SK%0A", "stack", 404, NOORDSTAR),
    Case("health, path ends in newline", "GET", "/sandbox/health%0A", "stack", 404),
    Case(
        "history, newline inside the id",
        "GET",
        "/sandbox/wimpel/partner-noordstar/organisations/16%0ASK/history",
        "stack",
        404,
        ADMIN,
    ),
    # Last, each followed by the request that undoes what it did in the app with the lane, so that a
    # difference here cannot spread to the cases before.
    Case(
        "wimpel create, path ends in newline",
        "POST",
        f"{WIMPEL}%0A",
        "stack",
        404,
        NOORDSTAR,
        **as_json(organisation("KBX-NL")),
    ),
    Case("wimpel delete what the newline create made", "DELETE", f"{WIMPEL}/KBX-NL", "lane", 404, NOORDSTAR),
]


@dataclass(frozen=True)
class Exchange:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    handed_on: bool | None  # whether the lane handed the request to the stack; None: no lane


@dataclass
class Run:
    exchanges: dict[str, Exchange]
    journal: list[tuple[str, dict[str, Any]]]  # (the case that made it, the entry)


class _Saved(dict[str, str]):
    """Values saved from earlier answers. One that was never saved (its request failed) fills in as a
    placeholder, so that the run goes on and the failure shows at the case that caused it."""

    def __missing__(self, key: str) -> str:
        return f"never-saved-{key}"


def _send(client: TestClient, case: Case, saved: _Saved) -> Any:
    headers = dict(case.headers)
    if case.token is not None:
        headers["Authorization"] = f"Bearer {case.token.format_map(saved)}"
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    content: Any = case.body
    if case.chunked:
        assert case.body is not None
        content = iter([case.body])  # no length known up front: httpx sends it chunked
    return client.request(case.method, case.path.format_map(saved), content=content, headers=headers)


def _run(*, fast_lane: bool) -> Run:
    clock = FakeClock()
    app = create_app(
        Store.from_directory(clock=clock),
        validate_responses=True,
        max_body_bytes=MAX_BODY_BYTES,
        fast_lane=fast_lane,
    )
    exchanges = {}
    saved = _Saved()
    recorded_by: list[str] = []  # the case behind each journal entry, in journal order
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        for case in CASES:
            clock.advance(seconds=case.later)
            before = Handoffs.count
            response = _send(client, case, saved)
            recorded_by += [case.name] * (len(app.sandbox.journal) - len(recorded_by))
            exchanges[case.name] = Exchange(
                status=response.status_code,
                headers=[(k, v) for k, v in response.headers.multi_items() if k not in VOLATILE_HEADERS],
                body=response.content,
                handed_on=Handoffs.count > before if fast_lane else None,
            )
            if case.save is not None and response.status_code == case.status:
                # Not the answer expected: that case fails, and the ones using the value show it.
                with contextlib.suppress(ValueError, LookupError):
                    saved.update(case.save(response.json()))
    entries = app.sandbox.journal.entries()
    journal = [
        (name, {k: v for k, v in entry.to_dict().items() if k not in VOLATILE_JOURNAL_FIELDS})
        for name, entry in zip(recorded_by, entries, strict=True)
    ]
    return Run(exchanges, journal)


def run_both() -> tuple[Run, Run]:
    """The whole sequence, once through the app with the lane and once through the one without."""
    return with_and_without_lane(lambda fast_lane: _run(fast_lane=fast_lane))


@pytest.fixture(scope="module")
def runs() -> tuple[Run, Run]:
    return run_both()


def _never_for_the_lane(case: Case) -> bool:
    """Requests the lane leaves to the stack by design, however valid: a scenario asked for, a chunked
    body, HEAD, the docs."""
    return (
        "Prefer" in case.headers
        or case.chunked
        or case.method == "HEAD"
        or case.path.endswith(("/openapi.json", "/ui/"))
    )


def test_the_table_is_well_formed() -> None:
    assert len({case.name for case in CASES}) == len(CASES), "case names must be unique"
    assert {case.via for case in CASES} == {"lane", "stack"}
    accepted = [case for case in CASES if case.via == "lane" and case.status < 300]
    refused = [case for case in CASES if case.via == "stack" and case.status >= 400]
    assert len(accepted) >= 25
    assert len(refused) >= 40
    # Everything that succeeds is the lane's to serve, except what it never takes by design.
    for case in CASES:
        if case.status < 300 and case.via == "stack":
            assert _never_for_the_lane(case), f"{case.name}: a success the lane should serve"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_same_answer_with_and_without_the_lane(runs: tuple[Run, Run], case: Case) -> None:
    lane, stack = runs[0].exchanges[case.name], runs[1].exchanges[case.name]
    request = f"{case.name}: {case.method} {case.path}"
    assert stack.status == case.status, f"{request}: the case no longer provokes what it is named for"
    assert (lane.status, lane.body) == (stack.status, stack.body), (
        f"{request}: answers differ\n lane: {lane.status} {lane.body!r}\nstack: {stack.status} {stack.body!r}"
    )
    assert lane.headers == stack.headers, f"{request}: headers differ"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_lane_serves_what_it_accepts_and_hands_on_the_rest(runs: tuple[Run, Run], case: Case) -> None:
    taken = "stack" if runs[0].exchanges[case.name].handed_on else "lane"
    assert taken == case.via, f"{case.name}: {case.method} {case.path} went to the {taken}"


def test_same_journal_with_and_without_the_lane(runs: tuple[Run, Run]) -> None:
    lane, stack = runs[0].journal, runs[1].journal
    assert [name for name, _ in lane] == [name for name, _ in stack], "not the same requests recorded"
    assert len(lane) > 80
    for (name, with_lane), (_, without) in zip(lane, stack, strict=True):
        assert with_lane == without, f"{name}: journal entry {without['seq']} differs"


def test_the_journals_are_not_empty_of_what_matters(runs: tuple[Run, Run]) -> None:
    # The comparison above is only as good as what the entries hold.
    entries = [entry for _, entry in runs[0].journal]
    assert {entry["api"] for entry in entries} >= {"wimpel", "eduv", "aanmeld", "sandbox"}
    assert {entry["scenario"] for entry in entries} >= {"429", "500", "503", "slow"}
    assert sum(entry["operation"] is not None for entry in entries) > 60
    assert sum(entry["request_body"] is not None for entry in entries) > 30
    assert {entry["client"] for entry in entries} >= {"partner-noordstar", "consumer-sleutelbos"}


def test_a_refused_body_reaches_the_stack_intact(runs: tuple[Run, Run]) -> None:
    # The lane read these bodies to validate them, refused them, and replayed them to the stack: the
    # stack's answer names the offending field, and the journal holds the body as sent.
    lane = runs[0]
    missing = lane.exchanges["wimpel create, no sourceId"]
    assert missing.handed_on
    assert missing.status == 400
    assert [error["field"] for error in json.loads(missing.body)["errors"]] == ["sourceId"]
    (entry,) = [entry for name, entry in lane.journal if name == "wimpel create, no sourceId"]
    assert entry["request_body"] == {"id": "KBX-L9", "name": "Lane College"}
    assert (entry["operation"], entry["status"]) == ("createOrganisation", 400)
    unknown = lane.exchanges["aanmeld enrol, unknown field"]
    assert unknown.handed_on
    assert [error["field"] for error in json.loads(unknown.body)["errors"]] == ["onbekendVeld"]
