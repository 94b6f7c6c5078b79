"""The staff sync: a school's employees from its Edu-V source, into the vendor's own model."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from connector.oauth import TokenSource

EMPLOYEES = "/eduv/v1/employees/school"


@dataclass(frozen=True)
class StaffMember:
    name: str
    email: str | None  # only with the communication scope


class StaffSync:
    def __init__(
        self, base_url: str, client_id: str, secret: str, scope: str = "eduv.employee.basic"
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.tokens = TokenSource(self.http, "/sandbox/oauth2/token", client_id, secret, scope)

    def __enter__(self) -> StaffSync:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def staff_of(self, brin: str) -> list[StaffMember]:
        """Everyone the school shares with this consumer, named by the school's BRIN."""
        answer = self.http.get(
            EMPLOYEES, params={"orgId": brin, "orgIdType": "OIE_CODE"}, headers=self.tokens.header()
        )
        answer.raise_for_status()
        return [
            StaffMember(
                " ".join(p for p in (e["givenName"], e.get("familyNamePrefix"), e["familyName"]) if p),
                e.get("email"),
            )
            for e in answer.json()
        ]
