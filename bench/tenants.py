"""What a tenant costs the operator and the vendor: creating one, holding it, and serving through it.

    .venv/bin/python bench/tenants.py [--tenants 200] [--requests 2000]

Prints, for the in-memory registry:

1. creating a tenant from the sandbox's fixtures (already parsed: credentials rewritten, a store built),
   in the registry alone and through `POST /sandbox/tenants` (in-process ASGI, no socket): median, p95;
2. creating one from another seed (generated schools) and from a fixtures folder (parsed from disk);
3. memory a tenant holds once created (tracemalloc over --tenants tenants, per tenant) and removing one;
4. a request served at `/tenants/<id>/` against the same request at `/`, with --tenants tenants present:
   the ratio is the cost of the tenant middleware (one registry lookup, one scope copy).

Absolute figures drift on a shared machine; the ratios and the orders of magnitude are the figures.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from koppelbox.resources import fixtures_dir
from koppelbox.server.app import create_app
from koppelbox.store import Store
from koppelbox.store.tenants import MemoryTenants, fixtures_for_tenant, tenant_fixtures

ADMIN = {"Authorization": "Bearer kbx-admin-local"}
ORGS = "/wimpel/v1/organisations"


def timed(action: Callable[[int], Any], count: int) -> list[float]:
    took = []
    for n in range(count):
        started = time.perf_counter()
        action(n)
        took.append((time.perf_counter() - started) * 1000)
    return took


def summary(name: str, took: list[float]) -> None:
    p95 = statistics.quantiles(took, n=20)[-1] if len(took) >= 20 else max(took)
    print(f"  {name:<60} median {statistics.median(took):8.2f} ms   p95 {p95:8.2f} ms   (n={len(took)})")


def registry_figures(count: int) -> None:
    default = Store.from_directory()
    tenants = MemoryTenants(default)

    def create(n: int) -> None:
        fixtures, source = fixtures_for_tenant(default.fixtures)
        tenants.create(f"t{n}", tenant_fixtures(fixtures, f"t{n}"), source)

    summary("create (registry: credentials + store)", timed(create, count))
    summary("drop (registry)", timed(lambda n: tenants.drop(f"t{n}"), count))

    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for n in range(count):
        create(n)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    print(f"  {'memory held per tenant (tracemalloc)':<60} {grown / count / 1024:8.1f} KiB")

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "acme"
        shutil.copytree(fixtures_dir(), copy)
        summary(
            "create from a fixtures folder (parse + build)",
            timed(
                lambda n: tenants.create(f"f{n}", tenant_fixtures(*_read(default, copy, None), f"f{n}"), "x"),
                5,
            ),
        )
    summary(
        "create from seed 1 (generated schools)",
        timed(lambda n: tenants.create(f"s{n}", tenant_fixtures(*_read(default, None, 1), f"s{n}"), "x"), 3),
    )


def _read(default: Store, folder: Path | None, seed: int | None) -> tuple[Any]:
    fixtures, _ = fixtures_for_tenant(default.fixtures, folder, seed)
    return (fixtures,)


def http_figures(count: int, requests: int) -> None:
    app = create_app(Store.from_directory())
    with TestClient(app) as client:
        created: dict[str, Any] = {}

        def create(n: int) -> None:
            response = client.post("/sandbox/tenants", json={"id": f"h{n}"}, headers=ADMIN)
            assert response.status_code == 201, response.text
            created[f"h{n}"] = response.json()

        summary("create through POST /sandbox/tenants", timed(create, count))
        tenant = created["h0"]
        (kompas,) = [c for c in tenant["clients"] if c["id"] == "partner-kompas"]
        at_tenant = {"Authorization": f"Bearer {kompas['tokens'][0]['token']}"}
        at_root = {"Authorization": "Bearer kbx-kompas"}
        for _ in range(50):  # warm both paths (the stack is built on the first request)
            client.get(ORGS, headers=at_root)
            client.get(f"/tenants/h0{ORGS}", headers=at_tenant)
        root_ms, tenant_ms = [], []
        for _ in range(5):  # interleaved rounds: the machine's speed drifts
            root_ms += timed(lambda n: client.get(ORGS, headers=at_root), requests // 5)
            tenant_ms += timed(lambda n: client.get(f"/tenants/h0{ORGS}", headers=at_tenant), requests // 5)
        summary(f"GET {ORGS} at /", root_ms)
        summary(f"GET {ORGS} at /tenants/h0/ ({count} tenants)", tenant_ms)
        ratio = statistics.median(tenant_ms) / statistics.median(root_ms)
        print(f"  {'tenant / root, median per request':<60} {ratio:8.2f}")
        summary(
            "DELETE /sandbox/tenants/{id}",
            timed(lambda n: client.delete(f"/sandbox/tenants/h{n}", headers=ADMIN), count),
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    print(f"Tenants, in memory ({args.tenants} created each time)")
    registry_figures(args.tenants)
    http_figures(args.tenants, args.requests)


if __name__ == "__main__":
    main()
