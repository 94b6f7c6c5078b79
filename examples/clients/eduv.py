"""Reference client for the Edu-V Employees API, run against the koppelbox sandbox.

    python examples/clients/eduv.py --base-url http://127.0.0.1:8080 [--careless]

A Consumer (identity management, a learning-material shop) reading a school's employees: walks the
scenario catalogue (docs/scenarios.md) the way docs/conformance.md and docs/eduv.md describe and handles
every error answer properly. `--careless` switches on four deliberate faults, each marked `FAULT (n)`
below, so that `koppelbox certify` has something to find.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import httpx

API = "/eduv/v1/employees/school"
TOKEN_PATH = "/sandbox/oauth2/token"
SCOPE = "eduv.employee.basic eduv.employee.roles"  # what a Consumer needs here; both seeded consumers have it
GOOD_CLIENT = "consumer-sleutelbos"
CARELESS_CLIENT = "consumer-boekenboot"
# The sandbox's published test secrets (fixtures/clients.yaml); a real Consumer reads them from a vault.
SANDBOX_SECRETS = {"consumer-sleutelbos": "sleutelbos-secret", "consumer-boekenboot": "boekenboot-secret"}
TIMEOUT = 30.0  # longer than any delay the sandbox's "slow" scenario plays (at most 30 s)
FIRST_BACKOFF = 0.5  # seconds before the first retry after a 5xx; doubles per failure
RETRIES_AFTER_5XX = 2
CARELESS_REPEATS = 3

# The seeded schools (fixtures/eduv.yaml): 97ZC (a PO school) activated both seeded consumers.
SCHOOL_MASTER_ID = "100X097"
SCHOOL_BRIN = "97ZC"
SCHOOL_LOCATION = "97ZC01"
SCHOOL_PERIOD = "schooljaar-2025-2026"
NO_CONSENT_MASTER_ID = "100X098"  # 98YB activated no consumer at all: 403


class EduvClient:
    """A Consumer's connector: an OAuth2 token, the one operation, and error handling."""

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

    def employees(
        self, *, scenario: str | None = None, deliberate: bool = False, **query: str
    ) -> httpx.Response:
        """The employees of one school, named by `orgMasterId` or by `orgId` + `orgIdType` (one way only)."""
        return self.call("GET", API, params=query, scenario=scenario, deliberate=deliberate)

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
    """Edu-V's error body: a functional status code and its reason."""
    if response.is_success:
        return f"{len(response.json())} employee(s)"
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    return f"status {body.get('status')}: {body.get('statusMessage')}"


class Walk:
    """The scenario catalogue, one step per line: what was asked, what came back, whether it was expected."""

    def __init__(self, client: EduvClient) -> None:
        self.client = client
        self.surprises = 0

    def step(self, label: str, response: httpx.Response, expected: int) -> httpx.Response:
        ok = response.status_code == expected
        self.surprises += not ok
        mark = "ok" if ok else f"UNEXPECTED (wanted {expected})"
        print(f"{mark:>4} {label}: {response.status_code} {explain(response)}")
        return response

    def everything(self) -> int:
        employees = self.client.employees
        self.step("by orgMasterId", employees(orgMasterId=SCHOOL_MASTER_ID), 200)
        self.step("by orgId + orgIdType", employees(orgId=SCHOOL_BRIN, orgIdType="OIE_CODE"), 200)
        at_location = employees(orgId=SCHOOL_LOCATION, orgIdType="V_ID", filterByOrgId="true")
        self.step("only staff at one location (filterByOrgId)", at_location, 200)
        in_period = employees(orgMasterId=SCHOOL_MASTER_ID, schoolPeriodId=SCHOOL_PERIOD)
        self.step("one school period", in_period, 200)
        self.errors()
        self.scenarios()
        if self.client.careless:
            self.careless_query()
        return self.surprises

    def errors(self) -> None:
        employees = self.client.employees
        both = employees(
            orgMasterId=SCHOOL_MASTER_ID, orgId=SCHOOL_BRIN, orgIdType="OIE_CODE", deliberate=True
        )
        self.step("school named two ways at once", both, 400)
        unknown_period = employees(
            orgMasterId=SCHOOL_MASTER_ID, schoolPeriodId="KBX-unknown", deliberate=True
        )
        self.step("school period the school does not have", unknown_period, 400)
        self.step("school that did not activate us", employees(orgMasterId=NO_CONSENT_MASTER_ID), 403)
        self.step("unknown school", employees(orgMasterId="KBX-404"), 404)

    def scenarios(self) -> None:
        for scenario, label in (
            ("401", "token expired first"),  # the sandbox expires the token: a fresh one must be fetched
            ("429", "rate limited first"),
            ("503", "unavailable first"),
            ("500", "server failure first"),
            ("slow, kbx-delay=1", "slow answer"),
        ):
            answer = self.client.employees(orgMasterId=SCHOOL_MASTER_ID, scenario=scenario)
            self.step(f"by orgMasterId, {label}", answer, 200)

    def careless_query(self) -> None:
        # FAULT (4): an `orgIdType` outside the contract's list (BRIN instead of OIE_CODE), sent as if it
        # were a normal request.
        self.step("orgIdType BRIN", self.client.employees(orgId=SCHOOL_BRIN, orgIdType="BRIN"), 400)


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
    print(f"Edu-V Employees reference client as {client_id}{' (careless)' if args.careless else ''}")
    client = EduvClient(args.base_url, client_id, secret, careless=args.careless)
    try:
        surprises = Walk(client).everything()
    except httpx.HTTPError as error:  # the sandbox is not there, or refused our client credentials
        print(f"stopped: {error}")
        return 2
    print("done" if not surprises else f"done, {surprises} unexpected answer(s)")
    return 1 if surprises else 0


if __name__ == "__main__":
    sys.exit(main())
