"""Reference client for the Wimpel organisations API, run against the koppelbox sandbox.

    python examples/clients/wimpel.py --base-url http://127.0.0.1:8080 [--careless]

Walks the scenario catalogue (docs/scenarios.md) the way a partner's connector would meet it and handles
every error answer as docs/conformance.md asks. `--careless` switches on four deliberate faults, each
marked `FAULT (n)` below, so that `koppelbox certify` has something to find.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from typing import Any

import httpx

API = "/wimpel/v1/organisations"
TOKEN_PATH = "/sandbox/oauth2/token"
READ = "wimpel.organisations.read"
WRITE = "wimpel.organisations.write"
GOOD_CLIENT = "partner-noordstar"
CARELESS_CLIENT = "partner-kompas"
# The sandbox's published test secrets (fixtures/clients.yaml); a real connector reads them from a vault.
SANDBOX_SECRETS = {"partner-noordstar": "noordstar-secret", "partner-kompas": "kompas-secret"}
TIMEOUT = 30.0  # longer than any delay the sandbox's "slow" scenario plays (at most 30 s)
FIRST_BACKOFF = 0.5  # seconds before the first retry after a 5xx; doubles per failure
RETRIES_AFTER_5XX = 2
CARELESS_REPEATS = 3
OVERSIZED = 10 * 1024 * 1024 + 1  # one byte over the sandbox's default body limit


class WimpelClient:
    """A Wimpel partner's connector: an OAuth2 token, the five operations, and error handling."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = f"{READ} {WRITE}",
        careless: bool = False,
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=TIMEOUT)
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.token: str | None = None  # fetched on first use, again after a 401
        self.careless = careless
        self.not_before = 0.0  # time.monotonic() before which this API must not be called again
        self.backoff = FIRST_BACKOFF

    # --- the API ---------------------------------------------------------------------------------

    def list_page(self, *, scenario: str | None = None, **query: Any) -> httpx.Response:
        return self.call("GET", API, params=query, scenario=scenario)

    def list_all(self, limit: int) -> tuple[httpx.Response, list[dict[str, Any]], int]:
        """Every organisation, following `Link: rel="next"`; the last answer, what was found, the pages."""
        response = self.call("GET", API, params={"limit": limit})
        found, pages = [], 1
        while response.is_success:
            found += response.json()
            if "next" not in response.links:
                break
            response = self.call("GET", response.links["next"]["url"])
            pages += 1
        return response, found, pages

    def get(self, org_id: str, **options: Any) -> httpx.Response:
        return self.call("GET", f"{API}/{org_id}", **options)

    def create(self, organisation: dict[str, Any], **options: Any) -> httpx.Response:
        return self.call("POST", API, json=organisation, **options)

    def update(self, org_id: str, changes: dict[str, Any], **options: Any) -> httpx.Response:
        return self.call("PUT", f"{API}/{org_id}", json=changes, **options)

    def delete(self, org_id: str) -> httpx.Response:
        return self.call("DELETE", f"{API}/{org_id}")

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
    """The error as the operator must see it: the message and every field error."""
    if response.is_success:
        return ""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in body.get("errors") or [])
    return f"{body.get('code')}: {body.get('message')}" + (f" [{fields}]" if fields else "")


class Walk:
    """The scenario catalogue, one step per line: what was asked, what came back, whether it was expected."""

    def __init__(self, client: WimpelClient, reader: WimpelClient) -> None:
        self.client = client
        self.reader = reader  # the same partner with a read-only token (a reporting job, say)
        self.run = f"{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        self.org_id = f"REF-{self.run}"  # unique per run, so runs never collide; deleted at the end
        self.surprises = 0

    def step(self, label: str, response: httpx.Response, expected: int, note: str = "") -> httpx.Response:
        ok = response.status_code == expected
        self.surprises += not ok
        detail = note or explain(response)
        mark = "ok" if ok else f"UNEXPECTED (wanted {expected})"
        print(f"{mark:>4} {label}: {response.status_code}" + (f" {detail}" if detail else ""))
        return response

    def organisation(self) -> dict[str, Any]:
        return {"id": self.org_id, "name": "Referentieschool De Proef", "sourceId": f"ref-{self.run}"}

    def everything(self) -> int:
        listed = self.client.list_page()
        self.step("list", listed, 200, f"{len(listed.json())} organisation(s)")
        self.step("create", self.client.create(self.organisation()), 201)
        self.step("get", self.client.get(self.org_id), 200)
        self.step("change sourceId", self.client.update(self.org_id, {"sourceId": f"ref-{self.run}-2"}), 200)
        last, found, pages = self.client.list_all(limit=1)
        self.step("list all, page by page", last, 200, f"{len(found)} in {pages} page(s)")
        active = self.client.list_page(active="true")
        self.step("list active only", active, 200, f"{len(active.json())} active")
        self.errors()
        self.scenarios()
        self.step("delete", self.client.delete(self.org_id), 204)
        self.step("get after delete", self.client.get(self.org_id), 404)
        if self.client.careless:
            self.careless_payload()
        return self.surprises

    def errors(self) -> None:
        # The sync lost track and adds an organisation again: 409 means it is already there, keep going.
        self.step("create again", self.client.create(self.organisation()), 409)
        wrong = {"params": {"limit": 0}, "deliberate": True}
        self.step("invalid limit", self.client.call("GET", API, **wrong), 400)
        rename = self.client.update(self.org_id, {"name": "Nieuwe naam"}, deliberate=True)
        self.step("change a field that may not change", rename, 400)
        denied = self.reader.create({"id": f"{self.org_id}-RO", "name": "Alleen lezen", "sourceId": "ro-1"})
        self.step("create with a read-only token", denied, 403)
        self.step("get an unknown id", self.client.get("KBX-404"), 404)
        huge = b'{"id": "' + b"x" * OVERSIZED + b'"}'
        big = self.client.call(
            "POST", API, content=huge, headers={"Content-Type": "application/json"}, deliberate=True
        )
        self.step("create with an oversized body", big, 413)
        plain = self.client.call(
            "POST",
            API,
            content=json.dumps(self.organisation()),
            headers={"Content-Type": "text/plain"},
            deliberate=True,
        )
        self.step("create as text/plain", plain, 415)

    def scenarios(self) -> None:
        # The sandbox expires the token with the 401: a fresh one must be fetched, the old one never resent.
        self.step("list, token expired first", self.client.list_page(scenario="401"), 200)
        self.step("list, rate limited first", self.client.list_page(scenario="429"), 200)
        self.step("list, unavailable first", self.client.call("GET", API, scenario="503"), 200)
        self.step("get, server failure first", self.client.get(self.org_id, scenario="500"), 200)
        self.step("list, slow answer", self.client.call("GET", API, scenario="slow, kbx-delay=1"), 200)

    def careless_payload(self) -> None:
        # FAULT (4): an organisation identifier without its `type`, sent as if it were a normal request.
        broken = {
            **self.organisation(),
            "id": f"{self.org_id}-X",
            "organisationIds": [{"organisationId": "16SK"}],
        }
        self.step("create with an incomplete organisationIds entry", self.client.create(broken), 400)


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
    print(f"Wimpel reference client as {client_id}{' (careless)' if args.careless else ''}")
    client = WimpelClient(args.base_url, client_id, secret, careless=args.careless)
    reader = WimpelClient(args.base_url, client_id, secret, scope=READ, careless=args.careless)
    try:
        surprises = Walk(client, reader).everything()
    except httpx.HTTPError as error:  # the sandbox is not there, or refused our client credentials
        print(f"stopped: {error}")
        return 2
    print("done" if not surprises else f"done, {surprises} unexpected answer(s)")
    return 1 if surprises else 0


if __name__ == "__main__":
    sys.exit(main())
