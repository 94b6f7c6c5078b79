"""One recorded exchange, and the filter the control plane and the CLI select entries with."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class JournalEntry:
    seq: int  # position in the journal since start-up; never reused, so clients can page with `after`
    at: float  # request start, seconds since the epoch (back-off is judged on this)
    time: str  # the same moment, RFC 3339
    elapsed_ms: float
    client: str | None  # the client id behind the credentials, never the credentials themselves
    token_ref: str | None  # short one-way fingerprint of the bearer token: "was a new token fetched?"
    api: str  # prefix without slash: "wimpel", "eduv", "aanmeld", "sandbox"; "" outside every API
    operation: str | None  # the contract's operationId, when the request was routed to one
    method: str
    path: str
    query: str
    request_headers: dict[str, str]
    request_body: Any
    status: int
    response_headers: dict[str, str]
    response_body: Any
    findings: list[dict[str, str]] = field(default_factory=list)
    scenario: str | None = None  # the catalogue scenario that produced this answer, if any
    # `koppelbox proxy`: where the upstream's answer broke the contract. The server's fault, kept apart from
    # `findings` (the client's); the sandbox's own entries never have any.
    drift: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def minimal(
        cls, seq: int, client: str | None, note: str, *, at: float = 0.0, time: str = "", **known: Any
    ) -> JournalEntry:
        """What is known of an exchange whose full entry could not be built (docs/conformance.md §1): the
        rest empty, `findings` saying why. Reading the journal never fails on one bad entry."""
        fields: dict[str, Any] = {
            "elapsed_ms": 0.0,
            "token_ref": None,
            "api": "",
            "operation": None,
            "method": "",
            "path": "",
            "query": "",
            "request_headers": {},
            "request_body": None,
            "status": 0,
            "response_headers": {},
            "response_body": None,
        }
        fields.update({key: value for key, value in known.items() if key in fields})
        return cls(
            seq=seq,
            at=at,
            time=time,
            client=client,
            findings=[{"field": "", "message": f"koppelbox journal: {note}"}],
            **fields,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JournalEntry:
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class JournalFilter:
    client: str | None = None
    api: str | None = None
    status: int | None = None
    status_class: int | None = None  # 4 → every 4xx
    operation: str | None = None
    after: int | None = None  # only entries with a larger seq
    before: int | None = None  # only entries with a smaller seq (to page back through the journal)

    def matches(self, entry: JournalEntry) -> bool:
        return (
            (self.client is None or entry.client == self.client)
            and (self.api is None or entry.api == self.api.strip("/"))
            and (self.status is None or entry.status == self.status)
            and (self.status_class is None or entry.status // 100 == self.status_class)
            and (self.operation is None or entry.operation == self.operation)
            and (self.after is None or entry.seq > self.after)
            and (self.before is None or entry.seq < self.before)
        )
