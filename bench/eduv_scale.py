"""Edu-V at scale: generate 1,000 schools with 100,000 employees, load them, and time the employees query.

    .venv/bin/python bench/eduv_scale.py [--schools 1000] [--employees 100000] [--queries 2000]

Prints (1) the wall time of `koppelbox fixtures generate` as a user runs it (target: under 30 s),
(2) the time to load the store, (3) per-query latency of the store lookup for each way of asking,
next to a full scan over every employee for contrast, and (4) the latency of the whole HTTP call
in-process. Figures drift on a shared machine; the scan/index ratio is the stable one.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from koppelbox.rules import eduv
from koppelbox.store import Store
from koppelbox.store.eduv import EduvSchool

HERE = Path(__file__).resolve().parent
KOPPELBOX = Path(sys.executable).with_name("koppelbox")
SEED = 2026
CONSUMER = "gen-identiteit"
ALL_SCOPES = [eduv.SCOPE_BASIC, eduv.SCOPE_COMMUNICATION, eduv.SCOPE_ROLES]


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and 95th percentile in microseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kbx-eduv-scale-") as tmp:
        out = Path(tmp) / "fixtures"
        command = [
            str(KOPPELBOX),
            "fixtures",
            "generate",
            "--seed",
            str(SEED),
            "--schools",
            str(args.schools),
        ]
        command += ["--employees", str(args.employees), "--out", str(out)]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        generate_s = time.perf_counter() - started
        size_mb = sum(p.stat().st_size for p in out.iterdir()) / 1e6
        print(f"fixtures generate: {args.schools} schools, {args.employees} employees in {generate_s:.1f} s")
        print(f"  (target < 30 s; {size_mb:.0f} MB written)")

        started = time.perf_counter()
        store = Store.from_directory(out)
        print(f"store load: {time.perf_counter() - started:.1f} s for {len(store.eduv.employees)} employees")
        report_queries(store, args.queries)
        report_http(store, min(args.queries, 500))


def report_queries(store: Store, count: int) -> None:
    directory = store.eduv
    rng = random.Random(SEED)
    consented = sorted(directory.consents.by_consumer[CONSUMER])
    schools = [directory.schools[rng.choice(consented)] for _ in range(count)]

    def ways(school: EduvSchool) -> dict[str, eduv.EmployeeQuery]:
        location = next(unit for unit in school.units if unit != school.id)
        return {
            "orgMasterId": eduv.parse_query(org_master_id=school.master_id),
            "orgId V_ID filterByOrgId=true": eduv.parse_query(
                org_id=location, org_id_type="V_ID", filter_by_org_id=True
            ),
            "orgMasterId + schoolPeriodId": eduv.parse_query(
                org_master_id=school.master_id, school_period_id="schooljaar-2025-2026"
            ),
        }

    print(f"\nstore query, {count} random schools (median / p95, microseconds):")
    for name in ways(schools[0]):
        queries = iter([ways(s)[name] for s in schools])
        median, p95 = timed(lambda q=queries: directory.employees_for(CONSUMER, ALL_SCOPES, next(q)), count)
        print(f"  {name:<34} {median:8.0f} / {p95:8.0f}")

    # What every query would cost without the indexes: one pass over all employees.
    target = schools[0].id
    median, p95 = timed(lambda: [e for e in directory.employees if e.school_id == target], 20)
    print(f"  {'full scan (no index), for contrast':<34} {median:8.0f} / {p95:8.0f}")


def report_http(store: Store, count: int) -> None:
    from starlette.testclient import TestClient

    from koppelbox.server.app import create_app

    directory = store.eduv
    consented = sorted(directory.consents.by_consumer[CONSUMER])
    rng = random.Random(SEED + 1)
    masters = [directory.schools[rng.choice(consented)].master_id for _ in range(count)]
    headers = {"Authorization": f"Bearer kbx-gen{SEED}-identiteit"}
    with TestClient(create_app(store)) as client:
        it = iter(masters)
        median, p95 = timed(
            lambda: client.get(
                "/eduv/v1/employees/school", params={"orgMasterId": next(it)}, headers=headers
            ),
            count,
        )
    print(
        f"\nHTTP GET /eduv/v1/employees/school in-process, {count} calls: median {median / 1000:.1f} ms, "
        f"p95 {p95 / 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
