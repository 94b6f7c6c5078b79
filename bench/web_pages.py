"""The web inspector's pages with the generated world: how long each takes to render, in process.

    .venv/bin/python bench/web_pages.py [--fixtures DIR] [--schools 1000] [--employees 100000]
                                        [--requests 1000] [--repeat 20]

Without --fixtures it first generates the world (`koppelbox fixtures generate`, 1,000 schools and 100,000
employees by default) into a temporary directory. It then fills the journal to its capacity with
enrolments and Wimpel reads, and asks every page `--repeat` times through Starlette's TestClient (no
network), printing median and 95th percentile in milliseconds, and each page's median as a multiple of
`GET /sandbox/health` on the same app (the stable figure on a shared machine). The issue's target: no page
over a few hundred milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from koppelbox.server.app import create_app
from koppelbox.store import Store
from koppelbox.store.fixtures import load_fixtures
from koppelbox.web import mount

KOPPELBOX = Path(sys.executable).with_name("koppelbox")


def timed(client: TestClient, path: str, repeat: int) -> tuple[float, float, int]:
    samples = []
    size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        size = len(response.content)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], size


def enrolment(brin: str, n: int) -> dict[str, Any]:
    return {
        "brin": brin,
        "codeExternePartij": f"BENCH-{n}",
        "leerling": {
            "achternaam": f"Bench{n}",
            "roepnaam": "Test",
            "voorletters": "T.",
            "geslacht": "vrouw",
            "geboortedatum": "2014-02-11",
            "adres": {
                "straat": "Voorstraat",
                "huisnummer": 1,
                "postcode": "8861 BK",
                "woonplaats": "Harlingen",
            },
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fixtures", type=Path)
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=1000, help="journal entries to fill in first")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.fixtures
        if directory is None:
            directory = Path(scratch) / "world"
            generate = ["fixtures", "generate", "--schools", str(args.schools)]
            subprocess.run(
                [str(KOPPELBOX), *generate, "--employees", str(args.employees), "--out", str(directory)],
                check=True,
            )
        started = time.perf_counter()
        store = Store(load_fixtures(directory))
        print(f"store loaded in {time.perf_counter() - started:.1f} s")
        app = create_app(store)
        mount(app)
        run(app, args.requests, args.repeat)


def run(app: Any, requests: int, repeat: int) -> None:
    store = app.sandbox.store
    partner = next(p for p in store.aanmeld.partner_list() if p["geactiveerdBij"])
    brin = max(partner["geactiveerdBij"], key=lambda b: len(store.aanmeld.pupils(b)))
    token = store.identity.static_tokens(partner["clientId"])[0].token
    wimpel = next(
        c for c in store.identity.clients.values() if any(s.startswith("wimpel.") for s in c.scopes)
    )
    wimpel_token = next(t.token for t in store.identity.static_tokens(wimpel.id) if t.expires_at is None)
    consumer = next(
        c for c in store.identity.clients.values() if any(s.startswith("eduv.") for s in c.scopes)
    )
    eduv = store.fixtures.get("eduv") or {}
    consents = eduv.get("consents", {}).get(consumer.id) or list(eduv.get("schools", {}))
    counts: dict[str, int] = {}
    for employee in eduv.get("employees", []):
        school = str(employee.get("school"))
        counts[school] = counts.get(school, 0) + 1
    big_school = max(consents, key=lambda s: counts.get(str(s), 0))
    with TestClient(app) as client:
        started = time.perf_counter()
        for n in range(requests):
            if n % 2:
                client.get("/wimpel/v1/organisations", headers={"Authorization": f"Bearer {wimpel_token}"})
            else:
                client.post(
                    "/aanmeld/v1/aanmeldingen",
                    json=enrolment(brin, n),
                    headers={"Authorization": f"Bearer {token}"},
                )
        print(
            f"{requests} requests sent in {time.perf_counter() - started:.1f} s;"
            f" journal {len(app.sandbox.journal)}"
        )
        pupils = store.aanmeld.pupils(brin)
        newest = app.sandbox.journal.entries(limit=1)[-1].seq
        pages = [
            ("GET /sandbox/health (baseline)", "/sandbox/health"),
            ("home", "/"),
            ("Aanmeld schools", "/inspector/aanmeld"),
            (f"pupil overview {brin} ({len(pupils)} pupils)", f"/inspector/aanmeld/{brin}"),
            ("  last page", f"/inspector/aanmeld/{brin}?pagina=999999"),
            ("  zonder aanmelding", f"/inspector/aanmeld/{brin}?zonderAanmelding=1"),
            ("pupil cards", f"/inspector/aanmeld/{brin}/leerlingen/{pupils[-1]['stamnummer']}"),
            ("school settings", f"/inspector/aanmeld/{brin}/instellingen"),
            ("Edu-V index", "/inspector/eduv"),
            (
                f"Edu-V employees {big_school} ({counts.get(str(big_school), 0)})",
                f"/inspector/eduv/{consumer.id}/{big_school}",
            ),
            ("Wimpel index", "/inspector/wimpel"),
            (f"Wimpel organisations {wimpel.id}", f"/inspector/wimpel/{wimpel.id}"),
            (f"journal ({len(app.sandbox.journal)} entries)", "/inspector/journal"),
            ("journal, filtered 4xx", "/inspector/journal?status=4xx"),
            ("journal live rows (nothing new)", f"/inspector/journal/rows?after={newest}"),
            ("journal entry", f"/inspector/journal/{newest}"),
            (
                "certify (Aanmeld, whole journal)",
                f"/inspector/certify?api=aanmeld&client={partner['clientId']}",
            ),
        ]
        baseline = 0.0
        print(f"\n{'page':<58} {'median ms':>10} {'p95 ms':>8} {'× health':>9} {'KiB':>7}")
        for name, path in pages:
            times = max(3, repeat // 5) if path.startswith("/inspector/certify") else repeat
            median, p95, size = timed(client, path, times)
            baseline = baseline or median
            print(f"{name:<58} {median:>10.1f} {p95:>8.1f} {median / baseline:>9.0f} {size / 1024:>7.0f}")


if __name__ == "__main__":
    main()
