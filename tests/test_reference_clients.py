"""The reference clients in examples/clients/ against a live sandbox: each careful client certifies PASSED,
each careless one FAILED on exactly the four faults it makes, and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from koppelbox.cli import main
from koppelbox.conformance.local import serving
from koppelbox.server.app import create_app
from koppelbox.store import Store

pytestmark = pytest.mark.slow

CLIENTS = Path(__file__).resolve().parents[1] / "examples" / "clients"
# api -> (careful client id, careless client id): the scripts' defaults.
VARIANTS = {
    "aanmeld": ("partner-inschrijfwijzer", "partner-aanmeldloket"),
    "eduv": ("consumer-sleutelbos", "consumer-boekenboot"),
    "wimpel": ("partner-noordstar", "partner-kompas"),
}
# The verdicts behind the careless variant's four faults: (1) retry storm after 400, (2) rejected token
# reused, (3) Retry-After ignored (after 429 and after 503), (4) a non-conformant payload.
FAULTS = {"no-retry-storm", "new-token-after-401", "backs-off-after-429", "backs-off-after-503", "payloads"}
RUN_TIMEOUT = 120  # seconds; a careful client waits out about 8 s of Retry-After and back-off

Run = tuple[int, str]  # exit code, stdout + stderr


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with serving(create_app(Store.from_directory())) as url:
        yield url


@pytest.fixture(scope="module")
def runs(sandbox_url: str) -> dict[tuple[str, bool], Run]:
    """The careless clients first, so that each careful one also shows it copes with a sandbox another
    partner has already used (Aanmeld: 98YB's last free stamnummer may be gone); then the careful ones
    twice, because a vendor runs its client again and is certified on the whole journal. The three APIs
    run at once: their clients are independent and mostly wait out Retry-After."""
    results: dict[tuple[str, bool], Run] = {}
    for careless in (True, False, False):
        started = {
            api: subprocess.Popen(
                [sys.executable, str(CLIENTS / f"{api}.py"), "--base-url", sandbox_url]
                + (["--careless"] if careless else []),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for api in VARIANTS
        }
        for api, process in started.items():
            output, _ = process.communicate(timeout=RUN_TIMEOUT)
            earlier_code, earlier_output = results.get((api, careless), (0, ""))
            results[api, careless] = (max(earlier_code, process.returncode), earlier_output + output)
    return results


def certify(api: str, client: str, url: str, out: Path) -> tuple[int, str, dict[str, str]]:
    """`koppelbox certify` as a vendor runs it: exit code, output, and verdict id -> outcome."""
    result = CliRunner().invoke(
        main, ["certify", "--api", api, "--client", client, "--url", url, "--out", str(out)]
    )
    evidence = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    return result.exit_code, result.output, {v["id"]: v["outcome"] for v in evidence["verdicts"]}


@pytest.mark.parametrize("api", VARIANTS)
def test_the_careful_client_is_certified(
    api: str, runs: dict[tuple[str, bool], Run], sandbox_url: str, tmp_path: Path
) -> None:
    code, output = runs[api, False]
    assert code == 0, output
    assert "UNEXPECTED" not in output
    exit_code, report, verdicts = certify(api, VARIANTS[api][0], sandbox_url, tmp_path / "cert")
    assert exit_code == 0, report
    assert [v for v, outcome in verdicts.items() if outcome == "fail"] == []


@pytest.mark.parametrize("api", VARIANTS)
def test_the_careless_client_fails_on_its_faults_only(
    api: str, runs: dict[tuple[str, bool], Run], sandbox_url: str, tmp_path: Path
) -> None:
    code, output = runs[api, True]
    assert code == 0, output  # the walk itself completes: the faults are in how it gets there
    exit_code, report, verdicts = certify(api, VARIANTS[api][1], sandbox_url, tmp_path / "cert")
    assert exit_code == 1, report
    failing = {v for v, outcome in verdicts.items() if outcome == "fail"}
    assert failing == FAULTS, report  # Edu-V's wrong payload is its query (`orgIdType=BRIN`)
