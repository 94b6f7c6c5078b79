"""Reference client for the Magister Aanmeld-API, run against the koppelbox sandbox.

    python examples/clients/aanmeld.py --base-url http://127.0.0.1:8080 [--careless]

An enrolment portal delivering enrolments to schools: walks the scenario catalogue (docs/scenarios.md) the
way docs/conformance.md and docs/aanmeld.md describe and handles every error answer properly.
`--careless` switches on four deliberate faults, each marked `FAULT (n)` below, so that
`koppelbox certify` has something to find.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import sys
import time
from typing import Any

import httpx

API = "/aanmeld/v1/aanmeldingen"
TOKEN_PATH = "/sandbox/oauth2/token"
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
TIMEOUT = 30.0  # longer than any delay the sandbox's "slow" scenario plays (at most 30 s)
FIRST_BACKOFF = 0.5  # seconds before the first retry after a 5xx; doubles per failure
RETRIES_AFTER_5XX = 2
CARELESS_REPEATS = 3

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


class AanmeldClient:
    """An enrolment portal's connector: an OAuth2 token, the two operations, and error handling."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        careless: bool = False,
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=TIMEOUT)
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = SCOPE
        self.token: str | None = None  # fetched on first use, again after a 401
        self.careless = careless
        self.not_before = 0.0  # time.monotonic() before which this API must not be called again
        self.backoff = FIRST_BACKOFF

    # --- the API ---------------------------------------------------------------------------------

    def enrol(self, enrolment: dict[str, Any], **options: Any) -> httpx.Response:
        return self.call("POST", API, json=enrolment, **options)

    def upload(self, enrolment_id: str, name: str, content: bytes, media_type: str) -> httpx.Response:
        return self.call(
            "POST", f"{API}/{enrolment_id}/documenten", files={"bestand": (name, content, media_type)}
        )

    # --- tokens and error handling ---------------------------------------------------------------

    def fetch_token(self) -> str:
        response = self.http.post(
            TOKEN_PATH,
            data={"grant_type": "client_credentials", "scope": self.scope},
            auth=(self.client_id, self.client_secret),
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    def call(
        self, method: str, url: str, *, scenario: str | None = None, deliberate: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One logical call: renews the token once after 401, waits out 429/503, backs off after 5xx.

        `scenario` asks the sandbox to play a scenario (docs/scenarios.md) on the first attempt only, so a
        retry is the plain request. `deliberate` marks a request that is wrong on purpose (a test).
        """
        marks = ["kbx-deliberate"] if deliberate else []
        prefer = [*marks, f"kbx-scenario={scenario}"] if scenario else marks
        renewed = throttled = False
        failures = 0
        while True:
            response = self.send(method, url, prefer, kwargs)
            prefer = marks
            status = response.status_code
            if status == 401 and not renewed:  # once: a fresh token that is refused too is not the token
                renewed = True
                self.renew_token(method, url, prefer, kwargs)
                continue
            if status in (429, 503):
                self.throttled(response)
                if not throttled:  # retry once; refused again, the caller keeps the work queued
                    throttled = True
                    continue
                return response
            if status >= 500:  # a fault on the server's side: retry a few times, each wait twice as long
                self.pause(self.backoff, f"{status}: backing off {self.backoff:g} s")
                self.backoff *= 2
                if failures < RETRIES_AFTER_5XX:
                    failures += 1
                    continue
                return response
            self.backoff = FIRST_BACKOFF
            if status == 400 and self.careless:
                # FAULT (1): "maybe it was a glitch": resends the refused request unchanged, again and again.
                for _ in range(CARELESS_REPEATS):
                    response = self.send(method, url, prefer, kwargs)
            return response

    def renew_token(self, method: str, url: str, prefer: list[str], kwargs: dict[str, Any]) -> None:
        print("     401: token rejected, fetching a new one")
        if self.careless:
            # FAULT (2): tries the token the server just rejected once more before fetching a new one.
            self.send(method, url, prefer, kwargs)
        self.token = None  # forgotten for good: the next request fetches a fresh one

    def throttled(self, response: httpx.Response) -> None:
        if self.careless:
            # FAULT (3): ignores Retry-After and sends the next request at once.
            print(f"     {response.status_code}: retrying at once")
            return
        wait = retry_after(response)
        self.pause(wait, f"{response.status_code}: waiting Retry-After {wait:g} s")

    def pause(self, seconds: float, why: str) -> None:
        """No request to this API before `seconds` from now (the wait happens before the next send)."""
        print(f"     {why}")
        self.not_before = max(self.not_before, time.monotonic() + seconds)

    def send(self, method: str, url: str, prefer: list[str], kwargs: dict[str, Any]) -> httpx.Response:
        time.sleep(max(0.0, self.not_before - time.monotonic()))
        if self.token is None:
            self.token = self.fetch_token()
        headers = {**kwargs.get("headers", {}), "Authorization": f"Bearer {self.token}"}
        if prefer:
            headers["Prefer"] = ", ".join(prefer)
        return self.http.request(method, url, **{**kwargs, "headers": headers})


def retry_after(response: httpx.Response) -> float:
    """Retry-After in seconds (the sandbox sends delta-seconds); 1 s when it is missing or unreadable."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def explain(response: httpx.Response) -> str:
    """The error as the person who entered the data must see it: the message and every field error."""
    if response.is_success:
        return ""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in body.get("errors") or [])
    return f"{body.get('code')}: {body.get('message')}" + (f" [{fields}]" if fields else "")


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
        for scenario, label in (
            ("401", "token expired first"),  # the sandbox expires the token: a fresh one must be fetched
            ("429", "rate limited first"),
            ("503", "unavailable first"),
            ("500", "server failure first"),
            ("slow, kbx-delay=1", "slow answer"),
        ):
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the sandbox root, e.g. http://127.0.0.1:8080")
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument("--careless", action="store_true", help="make the four deliberate faults")
    args = parser.parse_args(argv)
    client_id = args.client_id or (CARELESS_CLIENT if args.careless else GOOD_CLIENT)
    secret = args.client_secret or SANDBOX_SECRETS.get(client_id)
    if secret is None:
        parser.error(f"--client-secret is needed for {client_id}")
    print(f"Aanmeld-API reference client as {client_id}{' (careless)' if args.careless else ''}")
    client = AanmeldClient(args.base_url, client_id, secret, careless=args.careless)
    try:
        surprises = Walk(client).everything()
    except httpx.HTTPError as error:  # the sandbox is not there, or refused our client credentials
        print(f"stopped: {error}")
        return 2
    print("done" if not surprises else f"done, {surprises} unexpected answer(s)")
    return 1 if surprises else 0


if __name__ == "__main__":
    sys.exit(main())
