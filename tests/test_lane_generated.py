"""Generated requests get the same answers with and without the fast lane.

tests/test_lane.py compares the app with the lane and the one without (`create_app(..., fast_lane=False)`)
on a hand-written table. This test does the same on what schemathesis generates from every contract in
openapi/, for every operation: its coverage phase (boundary values, wrong types, missing required fields,
unknown query parameters, unexpected methods and media types) and derandomized Hypothesis examples in
positive and negative mode (`KBX_LANE_EXAMPLES` per mode and operation). Most requests carry the token
the operation needs; a fixed share carries none, a token lacking the scope or belonging to another
client, an expired one, an oddly written `Authorization` header, or whatever schemathesis generated.

Each request is serialized once to bytes (method, URL, headers, body), and the whole sequence is sent, in
the same order, to each app in turn: each on its own fresh store and fake clock, with response validation
on. Status, headers (all but `date`) and body bytes must be the same for every request (the journal's
own listing is compared without each entry's timing), and so must the journals. What the store draws at
random (enrolment ids, issued tokens) comes from counters restarted for each app, as in
tests/test_lane.py; both stores see the same requests, so they stay in step as long as the apps agree.

The plan is the same on every run (for given schemathesis and Hypothesis versions): Hypothesis is
derandomized, the coverage phase is deterministic, and what schemathesis or requests pick at random
(the test-case id header, multipart boundaries) is dropped or fixed. A failure names the request by its
index in the plan, with its bytes.

The run also counts which requests the lane served itself and which it handed to the full stack, and
requires a substantial share of both for every API: a lane that handed everything on would otherwise
pass without having been compared at all.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from starlette.testclient import TestClient

from koppelbox.contracts import ApiSpec
from koppelbox.contracts import discover as discover_specs
from koppelbox.server.app import create_app
from koppelbox.store import Store
from tests.lane_support import Handoffs, with_and_without_lane
from tests.support import FakeClock

pytestmark = pytest.mark.slow  # as the self-fuzz (tests/test_fuzz.py): still part of the normal suite

# Hypothesis examples per operation and generation mode, on top of the coverage phase's own cases.
MAX_EXAMPLES = int(os.environ.get("KBX_LANE_EXAMPLES", "15"))
# The coverage phase makes hundreds of cases for a large body (one wrong type per property, ...): kept, per
# operation, are this many of each kind (its scenario and where it applies), spread over the kind.
COVERAGE_PER_KIND = max(3, MAX_EXAMPLES // 3)
BASE_URL = "http://testserver"
# Multipart bodies get this boundary instead of a random one, so that every run sends the same bytes.
BOUNDARY = "kbx-lane-generated-boundary"

# Response headers that may differ between two runs of the same app (a server in front would add it).
VOLATILE_HEADERS = frozenset({"date"})
# Journal fields that measure the moment and duration of a request, not what was exchanged.
VOLATILE_JOURNAL_FIELDS = frozenset({"at", "time", "elapsed_ms"})
# The journal's own listing (GET /sandbox/journal) shows those fields too, so its entries are compared
# without them, and its Content-Length with them is left out.
JOURNAL_LISTING = "/sandbox/journal"


@dataclass(frozen=True)
class Credentials:
    token: str  # a seeded token holding every scope the contract asks for
    refused: tuple[str, ...]  # seeded tokens that some or all operations must refuse


CREDENTIALS = {
    "wimpel": Credentials(
        "kbx-noordstar",
        ("kbx-noordstar-readonly", "kbx-noordstar-expired", "kbx-kompas", "kbx-sleutelbos", "kbx-never"),
    ),
    "eduv": Credentials(
        "kbx-sleutelbos",
        ("kbx-sleutelbos-nobasic", "kbx-sleutelbos-basic", "kbx-boekenboot", "kbx-noordstar"),
    ),
    "aanmeld": Credentials(
        "kbx-inschrijfwijzer",
        ("kbx-aanmeldloket", "kbx-instroomplein", "kbx-noordstar", "kbx-admin-local"),
    ),
    "sandbox": Credentials("kbx-admin-local", ("kbx-noordstar", "kbx-sleutelbos", "kbx-admin-locale")),
}

# Ways of writing the right token that a compiled security check could read differently from Connexion's.
ODD_AUTHORIZATION = ("bearer {}", "Bearer  {}", "Bearer {} ", "BEARER {}", "Token {}", "Bearer", "Bearer {}x")
# Which Authorization header the n-th request of an operation gets, in a cycle of ten: mostly the right
# token (what the lane serves), then none, a refused token, an odd spelling, and what was generated.
AUTH_CYCLE = ("token",) * 6 + ("none", "refused", "odd", "generated")


@dataclass(frozen=True)
class Request:
    api: str
    operation: str  # the one it was generated for, "POST /v1/organisations" (its method may differ)
    origin: str  # "coverage", "positive" or "negative": where schemathesis made it
    method: str
    url: str  # absolute, query included, exactly as sent
    headers: tuple[tuple[str, str], ...]
    body: bytes | None

    def describe(self) -> str:
        headers = "".join(f"\n    {name}: {value}" for name, value in self.headers)
        return (
            f"{self.method} {self.url.removeprefix(BASE_URL)}  ({self.api} {self.operation}, {self.origin})"
            f"\n  headers:{headers}\n  body: {_shorten(self.body)}"
        )


@dataclass(frozen=True)
class Answer:
    status: int  # -1: the test client raised (the exception is the body)
    headers: tuple[tuple[str, str], ...]
    body: bytes
    handed_on: bool | None  # whether the lane handed the request to the stack; None: no lane

    def describe(self) -> str:
        headers = "".join(f"\n    {name}: {value}" for name, value in self.headers)
        return f"{self.status}\n  headers:{headers}\n  body: {_shorten(self.body)}"


@dataclass
class Run:
    answers: list[Answer]
    journal: list[tuple[int, dict[str, Any]]]  # (index of the request that made it, the entry)
    seconds: float


def _shorten(body: bytes | None, limit: int = 1500) -> str:
    if body is None:
        return "(none)"
    return repr(body) if len(body) <= limit else f"{body[:limit]!r}... ({len(body)} bytes)"


# --- generating the requests ---------------------------------------------------------------------------


def _coverage_cases(schema: Any, operation: Any) -> list[Any]:
    """The coverage phase, as `schemathesis run` and `schema.parametrize()` run it (deterministic), with
    at most COVERAGE_PER_KIND cases of each kind, evenly spread, in the phase's order."""
    config = schema.config.generation_for(operation=operation, phase="coverage")
    cases = list(
        schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode), generation_config=config)
    )
    kinds: dict[Any, list[int]] = {}
    for index, case in enumerate(cases):
        data = case.meta.phase.data
        kinds.setdefault((case.meta.generation.mode, data.scenario, data.parameter_location), []).append(
            index
        )
    kept = set()
    for indexes in kinds.values():
        step = max(1, len(indexes) / COVERAGE_PER_KIND)
        kept |= {indexes[int(i * step)] for i in range(min(len(indexes), COVERAGE_PER_KIND))}
    return [case for index, case in enumerate(cases) if index in kept]


def _fuzzed_cases(operation: Any, mode: GenerationMode) -> list[Any]:
    """Up to MAX_EXAMPLES cases Hypothesis draws in `mode`, derandomized: the same ones every run."""
    found: list[Any] = []

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def collect(case: Any) -> None:
        found.append(case)

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (no parameters, no body)
        collect()
    return found


def _authorization(kind: str, api: str, n: int) -> str | None:
    credentials = CREDENTIALS[api]
    if kind == "token":
        return f"Bearer {credentials.token}"
    if kind == "refused":
        return f"Bearer {credentials.refused[n % len(credentials.refused)]}"
    if kind == "odd":
        return ODD_AUTHORIZATION[n % len(ODD_AUTHORIZATION)].format(credentials.token)
    return None


def _with_fixed_boundary(body: bytes, headers: Any) -> bytes:
    """A multipart body with BOUNDARY in place of the random one requests or schemathesis picked (in the
    body and in Content-Type, whatever Content-Type the case declares)."""
    delimiter = body.partition(b"\r\n")[0]
    if not delimiter.startswith(b"--"):
        return body
    chosen = delimiter[2:].removesuffix(b"--")
    if not chosen:
        return body
    if "Content-Type" in headers:
        headers["Content-Type"] = headers["Content-Type"].replace(chosen.decode("latin-1"), BOUNDARY)
    return body.replace(chosen, BOUNDARY.encode())


def _serialize(spec: ApiSpec, operation: str, case: Any, origin: str, n: int) -> Request:
    """The case as bytes on the wire, with the n-th Authorization header of the cycle."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL + spec.prefix)
    unknown = set(kwargs) - {"method", "url", "headers", "params", "cookies", "json", "data", "files", "auth"}
    assert not unknown, f"schemathesis asks for transport arguments this test does not send: {unknown}"
    headers = requests.structures.CaseInsensitiveDict(kwargs.pop("headers"))
    headers.pop("X-Schemathesis-TestCaseId", None)  # a random id per run; the journal would show it
    kind = AUTH_CYCLE[n % len(AUTH_CYCLE)]
    if kind != "generated":
        headers.pop("Authorization", None)
        authorization = _authorization(kind, spec.name, n // len(AUTH_CYCLE))
        if authorization is not None:
            headers["Authorization"] = authorization
    prepared = requests.Request(headers=headers, **kwargs).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    if body is not None and (case.media_type or "").startswith("multipart/"):
        body = _with_fixed_boundary(body, prepared.headers)
    # The test client sets Content-Length from the body itself.
    sent = tuple((k, v) for k, v in prepared.headers.items() if k.lower() != "content-length")
    assert prepared.method is not None
    assert prepared.url is not None
    return Request(spec.name, operation, origin, prepared.method, prepared.url, sent, body)


def _interleaved(groups: list[list[Request]]) -> list[Request]:
    """One request of each operation in turn, so that creates, reads, deletes and resets mix. A request
    already in the plan is not sent again (Hypothesis draws the only case of an operation without
    parameters over and over)."""
    longest = max(len(group) for group in groups)
    plan: dict[tuple[Any, ...], Request] = {}
    for request in (group[i] for i in range(longest) for group in groups if i < len(group)):
        plan.setdefault((request.method, request.url, request.headers, request.body), request)
    return list(plan.values())


def generate() -> list[Request]:
    groups = []
    for spec in discover_specs():
        schema = schemathesis.openapi.from_path(spec.path)
        schema.config.generation.update(modes=list(GenerationMode), deterministic=True, database="none")
        for result in schema.get_all_operations():
            operation = result.ok()
            cases = [("coverage", case) for case in _coverage_cases(schema, operation)]
            for mode in GenerationMode:
                cases += [(mode.value, case) for case in _fuzzed_cases(operation, mode)]
            label = f"{operation.method.upper()} {operation.path}"
            groups.append(
                [_serialize(spec, label, case, origin, n) for n, (origin, case) in enumerate(cases)]
            )
    return _interleaved(groups)


# --- sending them to both apps -------------------------------------------------------------------------


def _send(client: TestClient, request: Request) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
    try:
        response = client.request(
            request.method, request.url, headers=list(request.headers), content=request.body
        )
    except Exception as exc:  # compared like an answer: both apps must fail the same way
        return -1, (), repr(exc).encode()
    headers = tuple((k, v) for k, v in response.headers.multi_items() if k not in VOLATILE_HEADERS)
    return response.status_code, headers, response.content


class _JournalCopy:
    """Copies the journal's entries as they are made, each with the index of the request behind it.

    Reading the journal after every request would cost more than the request, so it is read in batches:
    every READ_EVERY requests (fewer than the journal holds, so none falls out unread) and before any
    request that could clear it (a generated DELETE /sandbox/journal)."""

    READ_EVERY = 400

    def __init__(self, journal: Any) -> None:
        assert journal.capacity > self.READ_EVERY
        self.journal = journal
        self.entries: list[tuple[int, dict[str, Any]]] = []
        self._unread: list[int] = []  # the request behind each entry made since the last read
        self._last_seq = 0

    def _made(self) -> int:
        return self.journal.dropped + len(self.journal)  # only ever grows, but for a clear

    def before(self, request: Request) -> int:
        if len(self._unread) >= self.READ_EVERY or (
            request.method == "DELETE" and JOURNAL_LISTING in request.url
        ):
            self.read()
        return self._made()

    def after(self, index: int, made_before: int) -> None:
        self._unread += [index] * max(0, self._made() - made_before)  # a clear is not journaled

    def read(self) -> None:
        fresh = [entry.to_dict() for entry in self.journal.entries() if entry.seq > self._last_seq]
        assert len(fresh) == len(self._unread), "journal entries went unread (or were counted wrongly)"
        for index, entry in zip(self._unread, fresh, strict=True):
            self.entries.append((index, {k: v for k, v in entry.items() if k not in VOLATILE_JOURNAL_FIELDS}))
        if fresh:
            self._last_seq = fresh[-1]["seq"]
        self._unread = []


def _run(plan: list[Request], *, fast_lane: bool) -> Run:
    started = time.perf_counter()
    app = create_app(Store.from_directory(clock=FakeClock()), validate_responses=True, fast_lane=fast_lane)
    answers = []
    journal = _JournalCopy(app.sandbox.journal)
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        for index, request in enumerate(plan):
            made_before = journal.before(request)
            handoffs_before = Handoffs.count
            status, headers, body = _send(client, request)
            journal.after(index, made_before)
            handed_on = Handoffs.count > handoffs_before if fast_lane else None
            answers.append(Answer(status, headers, body, handed_on))
    journal.read()
    return Run(answers, journal.entries, time.perf_counter() - started)


def run_both(plan: list[Request]) -> tuple[Run, Run]:
    """The whole plan, once through the app with the lane and once through the one without."""
    return with_and_without_lane(lambda fast_lane: _run(plan, fast_lane=fast_lane))


@dataclass(repr=False)  # a failing test's traceback would print every request and answer
class Exchanges:
    plan: list[Request]
    lane: Run
    stack: Run
    generated_in: float

    def pairs(self) -> Iterator[tuple[int, Request, Answer, Answer]]:
        for index, request in enumerate(self.plan):
            yield index, request, self.lane.answers[index], self.stack.answers[index]


@pytest.fixture(scope="module")
def exchanges() -> Exchanges:
    started = time.perf_counter()
    plan = generate()
    generated_in = time.perf_counter() - started
    lane, stack = run_both(plan)
    return Exchanges(plan, lane, stack, generated_in)


# --- comparing -----------------------------------------------------------------------------------------


def _comparable(request: Request, answer: Answer) -> tuple[Any, ...]:
    """What must be equal. The journal's listing shows each entry's timing and when entries were lost:
    compared without them."""
    if request.method == "GET" and urlsplit(request.url).path == JOURNAL_LISTING and answer.status == 200:
        listing = json.loads(answer.body)
        for entry in listing["entries"]:
            for name in VOLATILE_JOURNAL_FIELDS:
                del entry[name]
        for account in listing["accounts"].values():  # when an entry was lost is a moment, too
            for loss in account["lost"]:
                del loss["lastAt"]
        headers = tuple((k, v) for k, v in answer.headers if k != "content-length")
        return answer.status, headers, listing
    return answer.status, answer.headers, answer.body


def _difference(index: int, request: Request, lane: Answer, stack: Answer) -> str:
    way = "handed on to the stack" if lane.handed_on else "served by the lane"
    return (
        f"request #{index}: {request.describe()}\n"
        f"with the lane ({way}): {lane.describe()}\n"
        f"without the lane: {stack.describe()}"
    )


def test_generated_requests_get_the_same_answers(exchanges: Exchanges) -> None:
    differences = [
        (index, request, lane, stack)
        for index, request, lane, stack in exchanges.pairs()
        if _comparable(request, lane) != _comparable(request, stack)
    ]
    if differences:
        # The first in full; later ones may only follow from it (the two stores no longer agree).
        others = "".join(
            f"\n  #{index} {request.method} {request.url.removeprefix(BASE_URL)}: "
            f"lane {lane.status}, stack {stack.status}"
            for index, request, lane, stack in differences[1:20]
        )
        pytest.fail(
            f"{len(differences)} of {len(exchanges.plan)} generated requests got different answers; "
            f"the first:\n{_difference(*differences[0])}\nthe next ones:{others}",
            pytrace=False,
        )


def test_same_journal_with_and_without_the_lane(exchanges: Exchanges) -> None:
    lane, stack = exchanges.lane.journal, exchanges.stack.journal
    assert len(lane) > len(exchanges.plan) // 2, "most generated requests should be journaled"
    for position, (with_lane, without) in enumerate(itertools.zip_longest(lane, stack)):
        if with_lane == without:
            continue
        if with_lane is None or without is None or with_lane[0] != without[0]:
            made_by = sorted({entry[0] for entry in (with_lane, without) if entry is not None})
            made = "\n".join(exchanges.plan[index].describe() for index in made_by)
            pytest.fail(f"the journals part at entry {position}, made by\n{made}", pytrace=False)
        (index, entry), (_, other) = with_lane, without
        differing = sorted(name for name in entry.keys() | other.keys() if entry.get(name) != other.get(name))
        pytest.fail(
            f"journal entry {other['seq']} differs in {differing}, made by request #{index}: "
            f"{exchanges.plan[index].describe()}\n"
            + "".join(
                f"{name}\n  with the lane: {entry.get(name)!r}\n  without: {other.get(name)!r}\n"
                for name in differing
            ),
            pytrace=False,
        )


def test_the_lane_served_and_handed_on_a_substantial_share(
    exchanges: Exchanges, capsys: pytest.CaptureFixture[str]
) -> None:
    served: Counter[str] = Counter()
    handed_on: Counter[str] = Counter()
    origins: Counter[tuple[str, str]] = Counter()
    served_per_operation: Counter[tuple[str, str]] = Counter(
        {(r.api, r.operation): 0 for r in exchanges.plan}
    )
    for _, request, lane, _ in exchanges.pairs():
        (handed_on if lane.handed_on else served)[request.api] += 1
        origins[request.api, request.origin] += 1
        served_per_operation[request.api, request.operation] += not lane.handed_on
    apis = sorted({request.api for request in exchanges.plan})
    per_api = "\n".join(
        f"  {api:8} {served[api] + handed_on[api]:5} requests "
        f"({', '.join(f'{origins[api, o]} {o}' for o in ('coverage', 'positive', 'negative'))}): "
        f"lane {served[api]}, stack {handed_on[api]}"
        for api in apis
    )
    summary = (
        f"\ngenerated lane comparison: {len(exchanges.plan)} requests, {MAX_EXAMPLES} examples per mode; "
        f"generated in {exchanges.generated_in:.1f} s, sent in {exchanges.lane.seconds:.1f} s (lane) "
        f"and {exchanges.stack.seconds:.1f} s (stack)\n{per_api}"
    )
    with capsys.disabled():  # shown with -q too: what the comparison rested on
        print(summary)
    assert set(apis) == set(CREDENTIALS), "a contract without credentials in this test, or one missing"
    for api in apis:
        assert served[api] >= 10, f"{api}: the lane served too few generated requests{summary}"
        assert handed_on[api] >= 10, f"{api}: the lane handed on too few generated requests{summary}"
    assert sum(served.values()) >= 100, f"the lane served too few generated requests{summary}"
    # Every operation gets some request it accepts (the right token, valid enough): the lane must have
    # served at least one of them, or its answers for that operation were never compared.
    never = sorted(f"{api} {operation}" for (api, operation), n in served_per_operation.items() if n == 0)
    assert not never, f"the lane served no generated request for: {never}{summary}"
