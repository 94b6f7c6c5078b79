"""What a vendor installs: the built wheel in a fresh virtual environment, no extras, no checkout.

Every documented command must work from there: before, `conformance` and `fuzz` crashed on a plain
install (schemathesis was a dev extra), and from a wheel they ran without the project's schemathesis
settings and failed a correct server. The journey a vendor walks (serve, a client, certify) runs here on
the installed package alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from koppelbox.conformance.local import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run(*command: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    # The checkout must not leak in: no PYTHONPATH, and a working directory outside it.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel built from this checkout and its declared dependencies."""
    work = tmp_path_factory.mktemp("install")
    built = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", work / "dist", ROOT, cwd=work
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "dist").glob("koppelbox-*.whl")
    venv = work / "venv"
    assert run(sys.executable, "-m", "venv", venv, cwd=work).returncode == 0
    pip = run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel, cwd=work)
    assert pip.returncode == 0, pip.stderr
    return venv / "bin"


def test_the_plain_install_has_every_command(installed: Path, tmp_path: Path) -> None:
    listed = run(installed / "koppelbox", "--help", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    for command in ("serve", "validate", "certify", "conformance", "fuzz", "journal", "fixtures", "lint"):
        assert command in listed.stdout
        helped = run(installed / "koppelbox", command, "--help", cwd=tmp_path)
        assert helped.returncode == 0, f"{command}: {helped.stderr}"
    importable = run(
        installed / "python", "-c", "import koppelbox, schemathesis; print(koppelbox.__file__)", cwd=tmp_path
    )
    assert importable.returncode == 0, importable.stderr
    assert str(ROOT) not in importable.stdout  # the wheel's copy, not the checkout


def test_fuzz_from_the_wheel_passes_the_sandbox(installed: Path, tmp_path: Path) -> None:
    """The wheel's schemathesis settings apply: Edu-V's schema-valid but refused requests are documented."""
    result = run(
        installed / "koppelbox",
        "fuzz",
        "--api",
        "eduv",
        "--max-examples",
        "5",
        "--no-stateful",
        "--out",
        "report",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert json.loads((tmp_path / "report" / "evidence.json").read_text())["status"] == "PASSED"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # nothing else left behind


@pytest.fixture
def served(installed: Path, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(installed / "koppelbox"), "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/sandbox/health", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, "koppelbox serve exited"
                assert time.monotonic() < deadline, "koppelbox serve did not answer"
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_vendor_walks_from_first_request_to_certificate(
    installed: Path, served: str, tmp_path: Path
) -> None:
    # The reference client is the vendor's code: it needs httpx, which the vendor brings (the test's own
    # interpreter has it); the sandbox and certify come from the wheel alone.
    client = run(
        sys.executable, ROOT / "examples" / "clients" / "wimpel.py", "--base-url", served, cwd=tmp_path
    )
    assert client.returncode == 0, client.stdout[-3000:] + client.stderr[-3000:]
    certified = run(
        installed / "koppelbox",
        "certify",
        "--api",
        "wimpel",
        "--client",
        "partner-noordstar",
        "--url",
        served,
        "--out",
        "certificate",
        cwd=tmp_path,
    )
    assert certified.returncode == 0, certified.stdout[-3000:]
    assert "PASSED" in certified.stdout
    evidence = json.loads((tmp_path / "certificate" / "evidence.json").read_text())
    assert evidence["status"] == "PASSED"
    assert evidence["tool_version"]


def test_a_vendor_suite_runs_on_the_plugin_from_a_plain_install(installed: Path, tmp_path: Path) -> None:
    """examples/vendor-suite, copied out of the checkout, with pytest and httpx beside the wheel: the
    `koppelbox` fixture comes from the plugin the install registered, nothing is configured."""
    added = run(installed / "python", "-m", "pip", "install", "--quiet", "pytest", "httpx", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    suite = tmp_path / "vendor-suite"
    shutil.copytree(ROOT / "examples" / "vendor-suite", suite)
    result = run(installed / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=suite)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "7 passed" in result.stdout
