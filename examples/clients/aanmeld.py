"""Reference client for the Magister Aanmeld-API, run against the koppelbox sandbox.

    python examples/clients/aanmeld.py --base-url http://127.0.0.1:8080 [--careless]

An enrolment portal delivering enrolments to schools: walks the scenario catalogue (docs/scenarios.md) the
way docs/conformance.md and docs/aanmeld.md describe and handles every error answer properly.
`--careless` switches on four deliberate faults so that `koppelbox certify` has something to find: the
payload one, FAULT (4), is below; the token, the retries and FAULT (1)-(3) are the shared plumbing in
sandbox_client.py.
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
import time
from typing import Any

import httpx
from sandbox_client import SCENARIOS, SandboxClient, command_line, exit_code, explain

API = "/aanmeld/v1/aanmeldingen"
SCOPE = "aanmeld.aanmeldingen.write"
GOOD_CLIENT = "partner-inschrijfwijzer"  # Aanmeld-API partner 101
CARELESS_CLIENT = "partner-aanmeldloket"  # Aanmeld-API partner 102
# The sandbox's published test secrets (fixtures/clients.yaml); a real portal reads them from a vault.
SANDBOX_SECRETS = {
    "partner-inschrijfwijzer": "inschrijfwijzer-secret",
    "partner-aanmeldloket": "aanmeldloket-secret",
    "partner-schoolpoort": "schoolpoort-secret",
    "partner-instroomplein": "instroomplein-secret",
}

# The seeded schools (fixtures/aanmeld.yaml) and what each is good for.
SCHOOL = "99XA"  # switched on partners 101, 102 and 103; has the pupils and parents to match
NOT_SWITCHED_ON = "97ZC"  # switched on partner 103 only: 403 for the reference partners
ONE_FREE_NUMBER = "98YB"  # stamnummer range 500-502 with one number free: the next new pupil is 409
UNKNOWN_SCHOOL = "12AB"  # a valid BRIN, but no Magister school in the sandbox
MAX_DOCUMENT = 5 * 1024 * 1024  # the sandbox's largest document, decoded

TINY_PDF = b"%PDF-1.4\n%%EOF\n"
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


class AanmeldClient(SandboxClient):
    """An enrolment portal's connector: the two operations (token and error handling: SandboxClient)."""

    scope = SCOPE

    def enrol(self, enrolment: dict[str, Any], **options: Any) -> httpx.Response:
        return self.call("POST", API, json=enrolment, **options)

    def upload(self, enrolment_id: str, name: str, content: bytes, media_type: str) -> httpx.Response:
        return self.call(
            "POST", f"{API}/{enrolment_id}/documenten", files={"bestand": (name, content, media_type)}
        )


def valid_pgn() -> str:
    """A random nine-digit number passing the BSN 11-proof (never a real person's: the sandbox is closed)."""
    while True:
        digits = [secrets.randbelow(8) + 2, *(secrets.randbelow(10) for _ in range(7))]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return "".join(map(str, [*digits, check]))


def document(name: str, content: bytes, media_type: str) -> dict[str, str]:
    return {"bestandsnaam": name, "type": media_type, "inhoud": base64.b64encode(content).decode()}


class Walk:
    """The scenario catalogue, one step per line: what was sent, what came back, whether it was expected."""

    def __init__(self, client: AanmeldClient) -> None:
        self.client = client
        self.run = f"{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(2)}"
        self.count = 0
        self.surprises = 0

    def step(self, label: str, response: httpx.Response, *expected: int) -> httpx.Response:
        ok = response.status_code in expected
        self.surprises += not ok
        detail = explain(response)
        mark = "ok" if ok else f"UNEXPECTED (wanted {'/'.join(map(str, expected))})"
        print(f"{mark:>4} {label}: {response.status_code}" + (f" {detail}" if detail else ""))
        return response

    def enrolment(self, brin: str, pupil: dict[str, Any], **more: Any) -> dict[str, Any]:
        self.count += 1  # our own reference, shown to the school: unique per run and enrolment
        return {"brin": brin, "codeExternePartij": f"REF-{self.run}-{self.count}", "leerling": pupil, **more}

    def new_pupil(self) -> dict[str, Any]:
        """A pupil no school knows: a PGN of its own, so it is looked up by that alone and not found."""
        return {
            "pgn": valid_pgn(),
            "achternaam": "Dijkstra",
            "roepnaam": "Fenna",
            "voorletters": "F.",
            "geslacht": "vrouw",
            "geboortedatum": "2014-02-11",
            "adres": {
                "straat": "Voorstraat",
                "huisnummer": 21,
                "postcode": "8861 BK",
                "woonplaats": "Harlingen",
            },
        }

    def new_parent(self) -> dict[str, Any]:
        """A parent no school has: the house number makes the matching key (rule 13) new per run."""
        number = 100 + secrets.randbelow(99_000)
        return {
            "achternaam": "Dijkstra",
            "voorletters": "H.",
            "geslacht": "man",
            "relatie": "vader",
            "adres": {"postcode": "8861 BK", "huisnummer": number},
        }

    def everything(self) -> int:
        receipt = self.step("new pupil, new parent, school of origin", self.first(), 201)
        if receipt.is_success:
            upload = self.client.upload(receipt.json()["aanmeldingId"], "pasfoto.png", TINY_PNG, "image/png")
            self.step("upload a document to that enrolment", upload, 201)
        self.step(
            "existing pupil by PGN, known parent, document inline", self.client.enrol(self.by_pgn()), 201
        )
        self.step(
            "existing pupil without PGN (twins: lowest stamnummer)",
            self.client.enrol(self.by_fallback()),
            201,
        )
        self.errors()
        self.scenarios()
        if self.client.careless:
            self.careless_payload()
        return self.surprises

    def first(self) -> httpx.Response:
        origin = {"brin": "97ZC", "naam": "OBS De Kwikstaart", "advies": "havo/vwo"}
        enrolment = self.enrolment(SCHOOL, self.new_pupil(), ouders=[self.new_parent()], vooropleiding=origin)
        return self.client.enrol(enrolment)

    def by_pgn(self) -> dict[str, Any]:
        pupil = {
            "pgn": "398259793",
            "achternaam": "Jansen",
            "roepnaam": "Daan",
            "geslacht": "man",
            "geboortedatum": "2013-04-12",
        }
        father = {
            "achternaam": "Jansen",
            "voorletters": "P.",
            "geslacht": "man",
            "adres": {"postcode": "8861 AB", "huisnummer": 12},
            "email": "p.jansen@example.nl",
        }
        report = document("basisschooladvies.pdf", TINY_PDF, "application/pdf")
        return self.enrolment(SCHOOL, pupil, ouders=[father], documenten=[report])

    def by_fallback(self) -> dict[str, Any]:
        pupil = {
            "achternaam": "Bakker",
            "roepnaam": "Lucas",
            "geslacht": "man",
            "geboortedatum": "2013-06-01",
        }
        return self.enrolment(SCHOOL, pupil)

    def errors(self) -> None:
        wrong_pgn = self.enrolment(SCHOOL, {**self.new_pupil(), "pgn": "123456789"})
        self.step("PGN that fails the 11-proof", self.client.enrol(wrong_pgn, deliberate=True), 400)
        elsewhere = self.enrolment(NOT_SWITCHED_ON, self.new_pupil())
        self.step("school that did not switch us on", self.client.enrol(elsewhere), 403)
        self.step("unknown school", self.client.enrol(self.enrolment(UNKNOWN_SCHOOL, self.new_pupil())), 404)
        self.range_exhausted()
        too_big = b"%PDF-1.4\n" + b"0" * MAX_DOCUMENT + b"\n%%EOF\n"
        big = self.enrolment(
            SCHOOL, self.new_pupil(), documenten=[document("scan.pdf", too_big, "application/pdf")]
        )
        self.step("document over 5 MiB", self.client.enrol(big, deliberate=True), 413)
        text = json.dumps(self.enrolment(SCHOOL, self.new_pupil()))
        plain = self.client.call(
            "POST", API, content=text, headers={"Content-Type": "text/plain"}, deliberate=True
        )
        self.step("enrolment sent as text/plain", plain, 415)
        png_as_pdf = document("rapport.pdf", TINY_PNG, "application/pdf")
        mismatch = self.enrolment(SCHOOL, self.new_pupil(), documenten=[png_as_pdf])
        self.step("PNG declared as PDF", self.client.enrol(mismatch, deliberate=True), 422)

    def range_exhausted(self) -> None:
        """98YB has one free stamnummer (maybe used by an earlier run): new pupils until it says 409."""
        for _ in range(3):
            answer = self.client.enrol(self.enrolment(ONE_FREE_NUMBER, self.new_pupil()))
            self.step(f"new pupil at {ONE_FREE_NUMBER}", answer, 201, 409)
            if answer.status_code == 409:
                print("     kept in our queue until the school widens its range")
                return
        self.surprises += 1
        print("UNEXPECTED no 409 at a school with one free stamnummer")

    def scenarios(self) -> None:
        for scenario, label in SCENARIOS:
            enrolment = self.enrolment(SCHOOL, self.new_pupil())
            self.step(f"new pupil, {label}", self.client.enrol(enrolment, scenario=scenario), 201)

    def careless_payload(self) -> None:
        # FAULT (4): a postcode with letters never issued (SA), sent as if it were a normal enrolment.
        pupil = self.new_pupil()
        pupil["adres"] = {**pupil["adres"], "postcode": "8861 SA"}
        self.step(
            "new pupil with an impossible postcode", self.client.enrol(self.enrolment(SCHOOL, pupil)), 400
        )


def main(argv: list[str] | None = None) -> int:
    options = command_line("Aanmeld-API", __doc__, (GOOD_CLIENT, CARELESS_CLIENT), SANDBOX_SECRETS, argv)
    return exit_code(Walk(AanmeldClient(*options.credentials, careless=options.careless)).everything)


if __name__ == "__main__":
    sys.exit(main())
