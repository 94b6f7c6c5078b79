"""Validator throughput: 10,000 enrolments of about 1 KB, koppelbox next to plain `jsonschema`.

    .venv/bin/python bench/validate_bench.py [--count 10000] [--invalid 0.1] [--repeat 3]

The payloads are Aanmeld enrolments (`submitAanmelding`), built from the contract's own example with
varied names, PGNs, postcodes and dates (valid check digits). Each row validates the same payloads on one
core, timed in CPU time of the process (so other load on a shared machine counts less); the best of
`--repeat` runs is shown. Rows:

- koppelbox validate (full): schema + Dutch rules + Aanmeld rules, what `koppelbox validate` does per file;
- koppelbox validate from bytes: the same, plus JSON parsing (duplicate-key detection included);
- koppelbox check() (schema only): what the sandbox runs on every request body;
- jsonschema iter_errors / is_valid: the plain Python library, Draft 4 with its FormatChecker, on the
  same schema (the baseline; `nullable` is not understood by it, which only makes it faster).

A second pass mixes in `--invalid` broken payloads (every 10th, by default), whose findings are explained.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import jsonschema

from koppelbox.validator import contracts, payload, schema
from koppelbox.validator.selection import Selection
from koppelbox.validator.semantic import Context

SURNAMES = ["Dijkstra", "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos"]
GIVEN = ["Fenna", "Daan", "Sanne", "Lucas", "Noor", "Sem", "Julia", "Finn", "Tess", "Levi"]
TOWNS = [
    ("Harlingen", "8861"),
    ("Utrecht", "3511"),
    ("Zwolle", "8011"),
    ("Leeuwarden", "8911"),
    ("Delft", "2611"),
]


def bsn(rng: random.Random) -> str:
    """A random 9-digit number that passes the 11-proof (synthetic, never a real person's)."""
    while True:
        digits = [rng.randrange(10) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        check = total % 11
        if check < 10 and digits[0] != 0:
            return "".join(map(str, digits)) + str(check)


def enrolments(count: int, invalid_share: float, seed: int = 7) -> list[dict[str, Any]]:
    target = _target()
    base = _example()
    rng = random.Random(seed)
    out = []
    every = round(1 / invalid_share) if invalid_share else 0
    for index in range(count):
        body = copy.deepcopy(base)
        town, digits = rng.choice(TOWNS)
        postcode = f"{digits} {rng.choice('ABCEGHJKLMNPRTVWXZ')}{rng.choice('ABCEGHJKLMNPRTVWXZ')}"
        pupil = body["leerling"]
        pupil.update(
            pgn=bsn(rng),
            achternaam=rng.choice(SURNAMES),
            roepnaam=rng.choice(GIVEN),
            geboortedatum=(date(2013, 9, 1) + timedelta(days=rng.randrange(700))).isoformat(),
        )
        pupil["adres"].update(postcode=postcode, woonplaats=town, huisnummer=rng.randrange(1, 300))
        for parent in body["ouders"]:
            parent["adres"].update(postcode=postcode, woonplaats=town)
        body["codeExternePartij"] = f"IW-2026-{index:06d}"
        if every and index % every == every - 1:
            pupil["pgn"] = pupil["pgn"][:-1] + str((int(pupil["pgn"][-1]) + 1) % 10)  # check digit off
            pupil["geboortedatum"] = "2014-02-30"
            body["ouders"][0]["email"] = "not-an-address"
        out.append(body)
    assert target is not None
    return out


def _target() -> contracts.Target:
    selection = Selection(contracts.load(), api="aanmeld", operation="submitAanmelding")
    assert selection.fixed is not None
    return selection.fixed


def _example() -> dict[str, Any]:
    aanmeld = next(c for c in contracts.load() if c.name == "aanmeld")
    example = aanmeld.ref("#/components/examples/volledigeAanmelding")["value"]
    example = copy.deepcopy(example)
    example.pop("documenten", None)  # a PDF in every payload would measure base64 decoding, not validation
    return dict(example)


def measure(
    label: str, items: Sequence[Any], work: Callable[[Any], object], repeat: int
) -> tuple[str, float]:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()  # CPU time of this process: other work on the machine does not count
        for item in items:
            work(item)
        best = min(best, time.process_time() - started)
    return label, len(items) / best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--invalid", type=float, default=0.1, help="share of broken payloads in the 2nd pass")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    target = _target()
    context = Context(today=date(2026, 3, 2))
    plain = jsonschema.Draft4Validator(target.schema, format_checker=jsonschema.FormatChecker())
    selection = Selection(contracts.load(), api="aanmeld", operation="submitAanmelding")

    for title, share in (("all valid", 0.0), (f"{share_label(args.invalid)} invalid", args.invalid)):
        items = enrolments(args.count, share)
        raw = [json.dumps(item).encode() for item in items]
        size = sum(len(r) for r in raw) / len(raw)
        broken = sum(1 for item in items if payload.validate(target, item, "-", context))
        print(f"\n{args.count} Aanmeld enrolments, {title} ({broken} with findings), ~{size:.0f} bytes each")
        rows = [
            measure(
                "koppelbox validate (full)",
                items,
                lambda i: payload.validate(target, i, "-", context),
                args.repeat,
            ),
            measure(
                "koppelbox validate from bytes",
                raw,
                lambda r: _from_bytes(r, selection, context),
                args.repeat,
            ),
            measure(
                "koppelbox check() (schema only)",
                items,
                lambda i: schema.check(target.schema, i),
                args.repeat,
            ),
            measure("jsonschema iter_errors", items, lambda i: list(plain.iter_errors(i)), args.repeat),
            measure("jsonschema is_valid", items, plain.is_valid, args.repeat),
        ]
        baseline = rows[3][1]
        for label, rate in rows:
            print(f"  {label:<34} {rate:>10,.0f} payloads/s   {rate / baseline:5.1f}x jsonschema")
    sys.stdout.flush()


def _from_bytes(raw: bytes, selection: Selection, context: Context) -> object:
    from koppelbox.validator.run import check_bytes

    return check_bytes("-", raw, selection, context)


def share_label(share: float) -> str:
    return f"{share:.0%}"


if __name__ == "__main__":
    main()
