"""Reference client for the Edu-V Employees API, run against the koppelbox sandbox.

    python examples/clients/eduv.py --base-url http://127.0.0.1:8080 [--careless]

A Consumer (identity management, a learning-material shop) reading a school's employees: walks the
scenario catalogue (docs/scenarios.md) the way docs/conformance.md and docs/eduv.md describe and handles
every error answer properly. `--careless` switches on four deliberate faults so that `koppelbox certify`
has something to find: the query one, FAULT (4), is below; the token, the retries and FAULT (1)-(3) are
the shared plumbing in sandbox_client.py.
"""

from __future__ import annotations

import sys

import httpx
from sandbox_client import SCENARIOS, SandboxClient, command_line, exit_code

API = "/eduv/v1/employees/school"
SCOPE = "eduv.employee.basic eduv.employee.roles"  # what a Consumer needs here; both seeded consumers have it
GOOD_CLIENT = "consumer-sleutelbos"
CARELESS_CLIENT = "consumer-boekenboot"
# The sandbox's published test secrets (fixtures/clients.yaml); a real Consumer reads them from a vault.
SANDBOX_SECRETS = {"consumer-sleutelbos": "sleutelbos-secret", "consumer-boekenboot": "boekenboot-secret"}

# The seeded schools (fixtures/eduv.yaml): 97ZC (a PO school) activated both seeded consumers.
SCHOOL_MASTER_ID = "100X097"
SCHOOL_BRIN = "97ZC"
SCHOOL_LOCATION = "97ZC01"
SCHOOL_PERIOD = "schooljaar-2025-2026"
NO_CONSENT_MASTER_ID = "100X098"  # 98YB activated no consumer at all: 403


class EduvClient(SandboxClient):
    """A Consumer's connector: the one operation (token and error handling: SandboxClient)."""

    scope = SCOPE

    def employees(
        self, *, scenario: str | None = None, deliberate: bool = False, **query: str
    ) -> httpx.Response:
        """The employees of one school, named by `orgMasterId` or by `orgId` + `orgIdType` (one way only)."""
        return self.call("GET", API, params=query, scenario=scenario, deliberate=deliberate)


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
        for scenario, label in SCENARIOS:
            answer = self.client.employees(orgMasterId=SCHOOL_MASTER_ID, scenario=scenario)
            self.step(f"by orgMasterId, {label}", answer, 200)

    def careless_query(self) -> None:
        # FAULT (4): an `orgIdType` outside the contract's list (BRIN instead of OIE_CODE), sent as if it
        # were a normal request.
        self.step("orgIdType BRIN", self.client.employees(orgId=SCHOOL_BRIN, orgIdType="BRIN"), 400)


def main(argv: list[str] | None = None) -> int:
    options = command_line("Edu-V Employees", __doc__, (GOOD_CLIENT, CARELESS_CLIENT), SANDBOX_SECRETS, argv)
    return exit_code(Walk(EduvClient(*options.credentials, careless=options.careless)).everything)


if __name__ == "__main__":
    sys.exit(main())
