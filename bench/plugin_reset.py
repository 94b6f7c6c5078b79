"""What the `koppelbox` pytest fixture costs a vendor per test: reset (store back to the seed, journal
emptied) plus pytest's fixture machinery.

    .venv/bin/python bench/plugin_reset.py [--resets 200] [--seed 0]

Prints two figures:

1. `Sandbox.reset()` alone, called N times on a serving sandbox after a little traffic (median, 95th
   percentile, mean), in ms;
2. the whole per-test overhead, as a vendor sees it: in a pytest run of N trivial tests that take the
   `koppelbox` fixture, the median time from one test's start to the next one's, minus the same in a
   run of N trivial tests that take none (the session's one server start is not in a median).

Figures drift on a shared machine; what matters is that a test pays a few ms, not a server start.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from koppelbox import Sandbox

TRIVIAL = """
import json
import time
from pathlib import Path

import pytest

STAMPS = []


@pytest.mark.parametrize("n", range({count}))
def test_trivial({fixture}n):
    STAMPS.append(time.perf_counter())
    if n == {count} - 1:
        Path(__file__).with_suffix(".json").write_text(json.dumps(STAMPS))
"""


def time_resets(count: int, seed: int) -> list[float]:
    with Sandbox(seed=seed) as sandbox:
        token = sandbox.token("partner-noordstar")
        request = urllib.request.Request(
            f"{sandbox.base_url}/wimpel/v1/organisations", headers={"Authorization": f"Bearer {token}"}
        )
        urllib.request.urlopen(request, timeout=10).read()  # the first request builds Connexion's stack
        took = []
        for _ in range(count):
            started = time.perf_counter()
            sandbox.reset()
            took.append((time.perf_counter() - started) * 1000)
        return took


def pytest_run(folder: Path, count: int, fixture: str) -> tuple[float, float]:
    """The run's wall time in s, and the median time from one test's start to the next one's in ms."""
    test_file = folder / f"test_{fixture or 'none'}.py"
    test_file.write_text(TRIVIAL.format(count=count, fixture=f"{fixture}, " if fixture else ""))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(test_file)],
        cwd=folder,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    stamps = json.loads(test_file.with_suffix(".json").read_text())
    return wall, statistics.median(b - a for a, b in itertools.pairwise(stamps)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resets", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    took = sorted(time_resets(args.resets, args.seed))
    p95 = took[int(len(took) * 0.95) - 1]
    print(
        f"Sandbox.reset() x{args.resets} (seed {args.seed}): median {statistics.median(took):.2f} ms, "
        f"p95 {p95:.2f} ms, mean {statistics.fmean(took):.2f} ms"
    )

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bare_wall, bare = pytest_run(folder, args.resets, "")
        fixture_wall, with_fixture = pytest_run(folder, args.resets, "koppelbox")
    print(
        f"pytest, {args.resets} trivial tests, median from one test to the next: {bare:.2f} ms bare, "
        f"{with_fixture:.2f} ms with the koppelbox fixture → {with_fixture - bare:.2f} ms per test "
        f"(reset + fixture); whole runs {bare_wall:.2f} s and {fixture_wall:.2f} s (the latter with the "
        "session's one server start)"
    )


if __name__ == "__main__":
    main()
