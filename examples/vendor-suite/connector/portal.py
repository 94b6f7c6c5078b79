"""The enrolment portal's delivery to a school's Magister (Aanmeld-API)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from connector.oauth import TokenSource

ENROLMENTS = "/aanmeld/v1/aanmeldingen"


@dataclass
class Rejected(Exception):
    """The school's Magister refused the enrolment; `fields` says what the parent must correct."""

    status: int
    code: str
    fields: dict[str, str]


class EnrolmentPortal:
    def __init__(self, base_url: str, client_id: str, secret: str, *, max_waits: int = 2) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.tokens = TokenSource(
            self.http, "/sandbox/oauth2/token", client_id, secret, "aanmeld.aanmeldingen.write"
        )
        self.max_waits = max_waits

    def __enter__(self) -> EnrolmentPortal:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def deliver(self, enrolment: dict[str, Any]) -> str:
        """Deliver one enrolment; returns the school's `aanmeldingId`. Waits out 429/503 (Retry-After) a
        few times, renews the token once after 401, and raises `Rejected` for everything the parent or
        the school must fix (400, 403, 404, 409, 422): those are never sent again unchanged."""
        renewed, waits = False, 0
        while True:
            answer = self.http.post(ENROLMENTS, json=enrolment, headers=self.tokens.header())
            if answer.status_code == 201:
                return str(answer.json()["aanmeldingId"])
            if answer.status_code == 401 and not renewed:
                renewed = True
                self.tokens.forget()
                continue
            if answer.status_code in (429, 503) and waits < self.max_waits:
                waits += 1
                time.sleep(float(answer.headers.get("Retry-After", "1")))
                continue
            json_answer = answer.headers.get("content-type", "").startswith("application/json")
            body = answer.json() if json_answer else {}
            fields = {e["field"]: e["message"] for e in body.get("errors") or []}
            raise Rejected(answer.status_code, str(body.get("code", "")), fields)
