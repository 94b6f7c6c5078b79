"""Aanmeld-API intake cost as a school fills up: time per enrolment at the store, and over HTTP in-process.

    .venv/bin/python bench/aanmeld_intake.py [--pupils 20000] [--batch 500]

Fills 99XA (range widened to 1..999999) with new pupils in batches and prints, per batch, the median and
95th-percentile time of one enrolment of a new pupil (lookup + lowest free stamnummer + parents +
one PDF), of a resend for an existing pupil, and finally of a whole HTTP round trip. Figures drift on a
shared machine; what matters is whether the time per enrolment grows with the number of pupils.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from starlette.testclient import TestClient
from stdnum.nl import bsn

from koppelbox.server.app import create_app
from koppelbox.store import Store

PARTNER = "partner-inschrijfwijzer"
PDF = "JVBERi0xLjQKJSVFT0YK"


def pgns(count: int) -> list[str]:
    found: list[str] = []
    candidate = 300_000_000
    while len(found) < count:
        candidate += 1
        if bsn.is_valid(str(candidate)):
            found.append(str(candidate))
    return found


def enrolment(pgn: str, number: int) -> dict[str, Any]:
    return {
        "brin": "99XA",
        "codeExternePartij": f"B-{number}",
        "leerling": {
            "pgn": pgn,
            "achternaam": f"Leerling{number}",
            "roepnaam": "Bench",
            "geslacht": "onbekend",
            "geboortedatum": "2014-01-01",
        },
        "ouders": [
            {
                "achternaam": f"Ouder{number}",
                "voorletters": "A.",
                "geslacht": "vrouw",
                "adres": {"postcode": "8861 AB", "huisnummer": number % 500 + 1},
            }
        ],
        "documenten": [{"bestandsnaam": "a.pdf", "type": "application/pdf", "inhoud": PDF}],
    }


def percentiles(samples: list[float]) -> str:
    samples.sort()
    return (
        f"median {statistics.median(samples):7.1f} µs   p95 {samples[int(len(samples) * 0.95) - 1]:7.1f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pupils", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    store = Store.from_directory()
    store.aanmeld.configure("99XA", {"stamnummerbereik": {"laagste": 1, "hoogste": 999_999}}, replace=False)
    numbers = pgns(args.pupils + 200)
    print(f"{'pupils':>8}  new pupil enrolment                      resend (existing pupil)")
    done = 0
    while done < args.pupils:
        new, resend = [], []
        for i in range(done, min(done + args.batch, args.pupils)):
            started = time.perf_counter()
            store.aanmeld.enrol(PARTNER, enrolment(numbers[i], i))
            new.append((time.perf_counter() - started) * 1e6)
            started = time.perf_counter()
            store.aanmeld.enrol(PARTNER, enrolment(numbers[i // 2], i))
            resend.append((time.perf_counter() - started) * 1e6)
        done += len(new)
        print(f"{done:>8}  {percentiles(new)}   {percentiles(resend)}")

    with TestClient(create_app(store)) as client:
        headers = {"Authorization": "Bearer kbx-inschrijfwijzer"}
        samples = []
        for i in range(200):
            body = enrolment(numbers[args.pupils + i], args.pupils + i)
            started = time.perf_counter()
            assert client.post("/aanmeld/v1/aanmeldingen", json=body, headers=headers).status_code == 201
            samples.append((time.perf_counter() - started) * 1e6)
        print(f"HTTP round trip (in-process, {done + 200} pupils): {percentiles(samples)}")


if __name__ == "__main__":
    main()
