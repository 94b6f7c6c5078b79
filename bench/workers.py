"""Throughput of `koppelbox serve` on PostgreSQL with 1, 2 and 4 workers, beside the in-memory single
process: enrolments (a write that locks its school) spread over the four Magister schools' partners, and
GET /wimpel/v1/organisations (a read), each for a fixed time from a pool of client threads.

    .venv/bin/python bench/workers.py [--seconds 10] [--threads 16]

Needs Debian's PostgreSQL 15 (started on a temporary directory, as the tests do). Prints requests per
second and the ratio to the in-memory single process. Run it on a quiet machine: workers compete for the
same cores as the clients and the database.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import aanmeld_support as s
from tests.postgres import PostgresServer
from tests.test_aanmeld_concurrency import pgns
from tests.test_workers import _free_port, _wait_ready


def serve(state: list[str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    command = [sys.executable, "-m", "koppelbox", "serve", "--port", str(port), "--quiet", *state]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, log)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)  # never leave a supervisor respawning workers behind
        process.wait()
        raise
    return process, base


def load(
    base: str, seconds: float, threads: int, kind: str, numbers: itertools.count[int], pool: list[str]
) -> float:
    done = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run() -> None:
        nonlocal done
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.monotonic() < stop:
                if kind == "enrol":
                    body = s.enrolment(leerling__pgn=pool[next(numbers) % len(pool)])
                    response = client.post(s.ENROL, json=body, headers=s.INSCHRIJFWIJZER)
                else:
                    response = client.get(
                        "/wimpel/v1/organisations", headers={"Authorization": "Bearer kbx-noordstar"}
                    )
                if response.status_code < 300:
                    with lock:
                        done += 1

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    database = PostgresServer()
    numbers = itertools.count()
    pool = pgns(20_000)  # distinct new pupils; wraps around (then a known pupil) in a very long run
    results: dict[str, dict[str, float]] = {}
    try:
        setups = [("in memory, 1 process", [])]
        for workers in (1, 2, 4):
            url = database.database(f"bench_{workers}")
            setups.append((f"PostgreSQL, {workers} worker(s)", ["--state", url, "--workers", str(workers)]))
        for name, state in setups:
            process, base = serve(state, database.root / "serve.log")
            try:
                results[name] = {
                    kind: load(base, args.seconds, args.threads, kind, numbers, pool)
                    for kind in ("enrol", "read")
                }
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    finally:
        database.stop()
    base_line = results["in memory, 1 process"]
    print(f"{'setup':<28} {'enrol/s':>9} {'ratio':>7} {'read/s':>9} {'ratio':>7}")
    for name, figures in results.items():
        print(
            f"{name:<28} {figures['enrol']:>9.0f} {figures['enrol'] / base_line['enrol']:>6.2f}x"
            f" {figures['read']:>9.0f} {figures['read'] / base_line['read']:>6.2f}x"
        )


if __name__ == "__main__":
    main()
