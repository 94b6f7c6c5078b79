"""Memory of the request journal under a long run: it must stay flat once the ring is full.

    .venv/bin/python bench/journal_memory.py [--capacity 200] [--rounds 10]

Sends `rounds` × `capacity` requests in-process (Wimpel lists, Edu-V queries, and Aanmeld enrolments
carrying a 256 KiB document inline, the worst case for body capture), reads the journal after each round
(which builds its pending entries), and prints the Python heap traced by tracemalloc. Flat figures after
the first round are the pass mark; absolute numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import base64
import gc
import time
import tracemalloc

from starlette.testclient import TestClient

from koppelbox.server.app import create_app
from koppelbox.store import Store

ADMIN = {"Authorization": "Bearer kbx-admin-local"}
DOCUMENT = base64.b64encode(b"%PDF-1.4\n" + b"0" * (256 * 1024) + b"\n%%EOF\n").decode()


def one_round(client: TestClient, count: int, offset: int) -> None:
    for i in range(count):
        kind = (offset + i) % 3
        if kind == 0:
            client.get("/wimpel/v1/organisations", headers={"Authorization": "Bearer kbx-noordstar"})
        elif kind == 1:
            client.get(
                "/eduv/v1/employees/school?orgMasterId=100X016",
                headers={"Authorization": "Bearer kbx-sleutelbos"},
            )
        else:
            body = {
                "brin": "99XA",
                "codeExternePartij": f"BENCH-{offset + i}",
                "leerling": {
                    "achternaam": "Bench",
                    "roepnaam": "Bo",
                    "geslacht": "man",
                    "geboortedatum": "2014-01-01",
                },
                "documenten": [{"bestandsnaam": "a.pdf", "type": "application/pdf", "inhoud": DOCUMENT}],
            }
            client.post(
                "/aanmeld/v1/aanmeldingen", json=body, headers={"Authorization": "Bearer kbx-inschrijfwijzer"}
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capacity", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    app = create_app(Store.from_directory(), journal_size=args.capacity)
    with TestClient(app) as client:
        tracemalloc.start()
        print(f"journal capacity {args.capacity}; {args.capacity} requests per round")
        print(f"{'round':>5} {'requests':>9} {'journal':>8} {'dropped':>8} {'heap MiB':>9} {'s':>6}")
        for r in range(1, args.rounds + 1):
            started = time.perf_counter()
            one_round(client, args.capacity, (r - 1) * args.capacity)
            page = client.get("/sandbox/journal?limit=1", headers=ADMIN).json()
            client.post(
                "/sandbox/reset", headers=ADMIN
            )  # keep the Aanmeld store from growing: data, not journal
            gc.collect()
            current, _ = tracemalloc.get_traced_memory()
            print(
                f"{r:>5} {r * args.capacity:>9} {page['size']:>8} {page['dropped']:>8} "
                f"{current / 2**20:>9.1f} {time.perf_counter() - started:>6.1f}"
            )


if __name__ == "__main__":
    main()
