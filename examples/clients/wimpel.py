"""Reference client for the Wimpel organisations API, run against the koppelbox sandbox.

    python examples/clients/wimpel.py --base-url http://127.0.0.1:8080 [--careless]

Walks the scenario catalogue (docs/scenarios.md) the way a partner's connector would meet it and handles
every error answer as docs/conformance.md asks. `--careless` switches on four deliberate faults so that
`koppelbox certify` has something to find: the payload one, FAULT (4), is below; the token, the retries
and FAULT (1)-(3) are the shared plumbing in sandbox_client.py.
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from typing import Any

import httpx
from sandbox_client import SandboxClient, command_line, exit_code, explain

API = "/wimpel/v1/organisations"
READ = "wimpel.organisations.read"
WRITE = "wimpel.organisations.write"
GOOD_CLIENT = "partner-noordstar"
CARELESS_CLIENT = "partner-kompas"
# The sandbox's published test secrets (fixtures/clients.yaml); a real connector reads them from a vault.
SANDBOX_SECRETS = {"partner-noordstar": "noordstar-secret", "partner-kompas": "kompas-secret"}
OVERSIZED = 10 * 1024 * 1024 + 1  # one byte over the sandbox's default body limit


class WimpelClient(SandboxClient):
    """A Wimpel partner's connector: the five operations (token and error handling: SandboxClient)."""

    scope = f"{READ} {WRITE}"  # the reporting job's client asks for READ alone

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
    options = command_line("Wimpel", __doc__, (GOOD_CLIENT, CARELESS_CLIENT), SANDBOX_SECRETS, argv)
    client = WimpelClient(*options.credentials, careless=options.careless)
    reader = WimpelClient(*options.credentials, scope=READ, careless=options.careless)
    return exit_code(Walk(client, reader).everything)


if __name__ == "__main__":
    sys.exit(main())
