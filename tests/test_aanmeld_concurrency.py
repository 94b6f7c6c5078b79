"""Many partners enrolling at once: never two pupils with one stamnummer, never two copies of one new
pupil, never a lost enrolment (issue 3, item 6).

Two angles: hundreds of requests in flight together against the whole app (httpx over ASGI, gathered),
a real uvicorn server on a random local port hit from many client threads, and the store driven from many
threads at once with a tiny GIL switch interval, which is where a missing lock would show.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn

from koppelbox.rules.errors import DomainError
from koppelbox.server.app import create_app
from koppelbox.store import Store
from koppelbox.store.aanmeld import AanmeldStore
from tests import aanmeld_support as s
from tests.support import ADMIN

pytestmark = pytest.mark.slow

PARTNERS = [
    ("partner-inschrijfwijzer", s.INSCHRIJFWIJZER),
    ("partner-aanmeldloket", s.AANMELDLOKET),
    ("partner-schoolpoort", s.SCHOOLPOORT),
]


def pgns(count: int) -> list[str]:
    """Distinct valid BSNs (11-proof), none of them seeded."""
    from stdnum.nl import bsn

    found: list[str] = []
    candidate = 200_000_000
    seeded = {"398259793", "190748333", "788762321", "860129044", "725102731"}
    while len(found) < count:
        candidate += 7
        text = str(candidate)
        if bsn.is_valid(text) and text not in seeded:
            found.append(text)
    return found


def workload() -> list[tuple[int, dict[str, Any]]]:
    """(partner index, enrolment) pairs: 120 distinct new pupils, one new pupil sent 40 times with a PGN,
    one sent 40 times without (found by name + birth date + gender), 40 resends for a seeded pupil, and
    20 different new pupils for 98YB, whose range has one number left."""
    numbers = pgns(141)
    jobs: list[tuple[int, dict[str, Any]]] = []
    for i, pgn in enumerate(numbers[:120]):
        jobs.append(
            (i % 3, s.enrolment(codeExternePartij=f"D-{i}", leerling__pgn=pgn, leerling__roepnaam=f"K{i}"))
        )
    for i in range(40):
        same = s.enrolment(
            codeExternePartij=f"S-{i}", leerling__pgn=numbers[120], documenten=[s.document(s.PDF)]
        )
        jobs.append((i % 3, same))
        no_pgn = s.enrolment(
            codeExternePartij=f"F-{i}",
            leerling__pgn=None,
            leerling__achternaam="Zijlstra" if i % 2 else " zijlstra ",
            leerling__geboortedatum="2014-08-08",
            leerling__geslacht="man",
        )
        jobs.append((i % 3, no_pgn))
        jobs.append((i % 3, s.enrolment(codeExternePartij=f"E-{i}", leerling__pgn="398259793")))
    for i, pgn in enumerate(numbers[121:141]):
        jobs.append((i % 2, s.enrolment(brin="98YB", codeExternePartij=f"R-{i}", leerling__pgn=pgn)))
    return jobs


def check_state(aanmeld: AanmeldStore, accepted: list[str], refused_for_98yb: int) -> None:
    school, full = aanmeld.state("99XA"), aanmeld.state("98YB")
    # Every accepted enrolment is stored, and linked to exactly one pupil.
    assert set(school.enrolments) | set(full.enrolments) == set(accepted)
    linked = Counter(e for p in school.pupils.values() for e in p.aanmeldingen)
    assert set(linked) == set(school.enrolments)
    assert max(linked.values()) == 1
    # One pupil per person: 6 seeded + 120 distinct + the PGN pupil + the fallback pupil.
    assert len(school.pupils) == 6 + 120 + 2
    pgn_counts = Counter(p.pgn for p in school.pupils.values() if p.pgn)
    assert max(pgn_counts.values()) == 1
    assert (
        sum(1 for p in school.pupils.values() if p.gegevens["achternaam"].strip().lower() == "zijlstra") == 1
    )
    # Stamnummers: unique by construction of the index, and exactly the lowest 122 of the range.
    assert sorted(n for n in school.pupils if n > 26006) == list(range(26007, 26007 + 122))
    assert all(school.pupils[n].stamnummer == n for n in school.pupils)
    # The PGN pupil got 40 enrolments and 40 documents; its one new parent was created once.
    (repeated,) = [p for p in school.pupils.values() if p.pgn == pgns(121)[120]]
    assert (len(repeated.aanmeldingen), len(repeated.documenten), len(repeated.ouders)) == (40, 40, 1)
    assert len(school.pupils[26001].aanmeldingen) == 40
    # 98YB: one number was free, so one new pupil; the others were refused and left nothing behind.
    assert (len(full.pupils), len(full.enrolments), refused_for_98yb) == (3, 1, 19)


@pytest.fixture
def app_and_store() -> tuple[Any, Store]:
    store = Store.from_directory()
    return create_app(store), store


def test_hundreds_of_parallel_requests_against_the_app(app_and_store: tuple[Any, Store]) -> None:
    app, store = app_and_store
    jobs = workload()

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            return await asyncio.gather(
                *(client.post(s.ENROL, json=body, headers=PARTNERS[p][1]) for p, body in jobs)
            )

    responses = asyncio.run(run())
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: len(jobs) - 19, 409: 19}, statuses
    accepted = [r.json()["aanmeldingId"] for r in responses if r.status_code == 201]
    assert len(set(accepted)) == len(accepted)
    check_state(store.aanmeld, accepted, statuses[409])


def test_the_store_from_many_threads_at_once() -> None:
    store = Store.from_directory()
    jobs = workload()
    start = threading.Barrier(16)
    refused: list[DomainError] = []

    def enrol(job: tuple[int, dict[str, Any]]) -> str | None:
        partner, body = job
        try:
            return store.aanmeld.enrol(PARTNERS[partner][0], body).id
        except DomainError as error:
            refused.append(error)
            return None

    def first_wait_for_all(job: tuple[int, dict[str, Any]]) -> str | None:
        start.wait()
        return enrol(job)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up, if there are any
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(first_wait_for_all, jobs[:16])) + list(pool.map(enrol, jobs[16:]))
    finally:
        sys.setswitchinterval(interval)
    assert {type(e).__name__ for e in refused} <= {"RangeExhausted"}
    accepted = [r for r in results if r is not None]
    check_state(store.aanmeld, accepted, len(refused))


def test_the_school_sees_the_same_state_through_the_control_plane(app_and_store: tuple[Any, Store]) -> None:
    app, store = app_and_store
    jobs = workload()[:150]

    async def run() -> tuple[list[httpx.Response], httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            sent = await asyncio.gather(
                *(client.post(s.ENROL, json=b, headers=PARTNERS[p][1]) for p, b in jobs)
            )
            overview = await client.get(f"{s.school_path()}/leerlingen", headers=ADMIN)
            return sent, overview

    sent, overview = asyncio.run(run())
    assert {r.status_code for r in sent} == {201}
    rows = overview.json()
    assert len(rows) == len({r["stamnummer"] for r in rows}) == len(store.aanmeld.state("99XA").pupils)


def test_threads_against_a_real_server(app_and_store: tuple[Any, Store]) -> None:
    app, store = app_and_store
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    local = threading.local()
    clients: list[httpx.Client] = []  # one connection pool per client thread, closed at the end

    def send(job: tuple[int, dict[str, Any]]) -> httpx.Response:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
            clients.append(local.client)
        partner, body = job
        response: httpx.Response = local.client.post(s.ENROL, json=body, headers=PARTNERS[partner][1])
        return response

    try:
        with ThreadPoolExecutor(max_workers=24) as pool:
            responses = list(pool.map(send, workload()))
    finally:
        for client in clients:
            client.close()
        server.should_exit = True
        thread.join(timeout=20)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: len(responses) - 19, 409: 19}, statuses
    check_state(store.aanmeld, [r.json()["aanmeldingId"] for r in responses if r.status_code == 201], 19)


def test_a_unit_of_work_holds_off_its_own_school_only() -> None:
    """While one school's unit of work is open, an enrolment at that school waits for it; one at another
    school goes through (the in-memory units are a lock per school, not one lock for all)."""
    store = Store.from_directory()
    numbers = pgns(2)
    done: dict[str, threading.Event] = {"99XA": threading.Event(), "98YB": threading.Event()}

    def enrol(brin: str, pgn: str) -> None:
        store.aanmeld.enrol(PARTNERS[0][0], s.enrolment(brin=brin, leerling__pgn=pgn))
        done[brin].set()

    threads = [threading.Thread(target=enrol, args=(b, n)) for b, n in zip(done, numbers, strict=True)]
    with store.aanmeld.records.school("99XA") as records:
        pupils = len(records.pupils)
        for thread in threads:
            thread.start()
        assert done["98YB"].wait(timeout=20), "an enrolment at another school waited for 99XA's unit"
        assert not done["99XA"].wait(timeout=0.2)
        assert len(records.pupils) == pupils  # nothing changed 99XA while its unit was open
    for thread in threads:
        thread.join(timeout=20)
    assert done["99XA"].is_set()
    assert len(store.aanmeld.state("99XA").pupils) == pupils + 1
