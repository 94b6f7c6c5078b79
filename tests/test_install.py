"""What a vendor installs: the sdist and the wheel as a release builds them (`python -m build`), checked by
`twine check`, and the wheel in a fresh virtual environment with no extras and no checkout.

Every subcommand's documented example runs from there (README.md's command table, docs/), `fuzz` for
every API and `conformance` for every API a vendor serves, against the sandbox the wheel serves: all
PASSED (fuzz feeds the records its own sandbox holds to the operations that need one, so even a short
run reaches every success answer). Before, a wheel install crashed `conformance` and `fuzz`
(schemathesis was a dev extra), then ran them without the project's schemathesis settings and failed a
correct server.

Time is kept in check: one build and one venv for the module, few examples per operation, and the six
judging runs at once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest

from koppelbox.conformance.local import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

# Every command of `koppelbox --help` has a documented example that a test here runs from the wheel.
DOCUMENTED = {
    "serve": "served",
    "tokens": "test_documented_examples_that_need_no_server",
    "fixtures": "test_documented_examples_that_need_no_server",
    "validate": "test_documented_examples_that_need_no_server",
    "lint": "test_documented_examples_that_need_no_server",
    "scenarios": "test_documented_examples_that_need_no_server",
    "journal": "test_a_vendor_walks_from_first_request_to_certificate",
    "certify": "test_a_vendor_walks_from_first_request_to_certificate",
    "conformance": "test_fuzz_and_conformance_pass_for_every_api",
    "fuzz": "test_fuzz_and_conformance_pass_for_every_api",
    "proxy": "test_the_proxy_stands_in_front_of_the_served_sandbox",
}
FUZZED = ("wimpel", "eduv", "aanmeld", "sandbox")  # `fuzz --api`: every API and the control plane
# `conformance --api`: the APIs a vendor serves, with the documented credentials and an id that exists.
CONFORMANCE = {
    "wimpel": ["--token", "kbx-noordstar", "--id", "id=16SK", "--max-examples", "3"],  # 2: no POST succeeds
    "eduv": ["--token", "kbx-sleutelbos", "--max-examples", "2"],
}


def clean_env(**extra: str) -> dict[str, str]:
    # The checkout must not leak in: no PYTHONPATH, no active venv; nothing coloured.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "FORCE_COLOR"}}
    return {**env, **extra}


def run(
    *command: str | Path, cwd: Path, timeout: float = 600, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=clean_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("install")


@pytest.fixture(scope="module")
def dist(work: Path) -> dict[str, Path]:
    """The sdist, and the wheel built from it, as `python -m build` makes them for a release."""
    built = run(sys.executable, "-m", "build", "--outdir", work / "dist", ROOT, cwd=work)
    assert built.returncode == 0, output(built)
    [sdist] = (work / "dist").glob("koppelbox-*.tar.gz")
    [wheel] = (work / "dist").glob("koppelbox-*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="module")
def installed(dist: dict[str, Path], work: Path) -> Path:
    """A fresh venv holding only the wheel and its declared dependencies."""
    venv = work / "venv"
    assert run(sys.executable, "-m", "venv", venv, cwd=work).returncode == 0
    pip = run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", dist["wheel"], cwd=work)
    assert pip.returncode == 0, pip.stderr
    return venv / "bin"


def test_the_sdist_and_the_wheel_pass_twine_check(dist: dict[str, Path], work: Path) -> None:
    checked = run(sys.executable, "-m", "twine", "check", "--strict", dist["sdist"], dist["wheel"], cwd=work)
    assert checked.returncode == 0, output(checked)
    assert checked.stdout.count("PASSED") == 2
    with tarfile.open(dist["sdist"]) as sdist:
        top = {Path(name).parts[1] for name in sdist.getnames() if len(Path(name).parts) > 1}
    assert {"src", "openapi", "fixtures", "schemathesis.toml", "README.md", "LICENSE"} <= top
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = wheel.namelist()
        [metadata_name] = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(wheel.read(metadata_name).decode())
    for shipped in ("openapi/wimpel.yaml", "fixtures/clients.yaml", "schemathesis.toml"):
        assert f"koppelbox/_data/{shipped}" in names
    assert "koppelbox/py.typed" in names
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} == {
        url.split(",")[0] for url in metadata.get_all("Project-URL", [])
    }
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("Classifier")
    assert metadata["Description-Content-Type"] == "text/markdown"
    # On PyPI a relative link leads nowhere: every link of the long description is absolute.
    links = re.findall(r"\]\(([^)\s]+)\)", metadata.get_payload())
    assert links
    assert [link for link in links if not link.startswith(("https://", "http://", "#"))] == []


def test_the_plain_install_has_every_command(installed: Path, tmp_path: Path) -> None:
    listed = run(installed / "koppelbox", "--help", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    commands = re.findall(r"^  (\w+)\s", listed.stdout.split("Commands:")[1], re.MULTILINE)
    assert set(commands) == set(DOCUMENTED), "a new command needs its documented example run here"
    # Every command's --help, in one interpreter (a process each costs seconds on a busy runner).
    helps = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from koppelbox.cli import main\n"
        "for command in sys.argv[1:]:\n"
        "    result = CliRunner().invoke(main, [command, '--help'])\n"
        "    assert result.exit_code == 0 and 'Usage:' in result.output, (command, result.output)\n"
    )
    helped = run(installed / "python", "-c", helps, *commands, cwd=tmp_path)
    assert helped.returncode == 0, output(helped)
    # The app builds and serves under -W error without httpx2 (only the tests' TestClient wants it).
    script = (
        "import importlib.util, koppelbox, schemathesis\n"
        "from koppelbox.server.app import create_app\n"
        "assert importlib.util.find_spec('httpx2') is None\n"
        "create_app()\n"
        "print(koppelbox.__file__)\n"
    )
    importable = run(installed / "python", "-W", "error", "-c", script, cwd=tmp_path)
    assert importable.returncode == 0, importable.stderr
    assert str(ROOT) not in importable.stdout  # the wheel's copy, not the checkout


def test_documented_examples_that_need_no_server(installed: Path, tmp_path: Path) -> None:
    koppelbox = installed / "koppelbox"
    # README: `koppelbox tokens --json`
    tokens = run(koppelbox, "tokens", "--json", cwd=tmp_path)
    assert tokens.returncode == 0, output(tokens)
    assert "kbx-noordstar" in {t["token"] for c in json.loads(tokens.stdout)["clients"] for t in c["tokens"]}
    # docs/fixtures.md: generate, then the generated clients and their tokens
    generated = run(
        koppelbox, "fixtures", "generate", "--seed", "7", "--schools", "3", "--out", "kbx", cwd=tmp_path
    )
    assert generated.returncode == 0, output(generated)
    assert run(koppelbox, "tokens", "--fixtures", "kbx", cwd=tmp_path).returncode == 0
    # docs/validator.md: query parameters from standard input, the documented finding and exit code 1
    validated = run(
        koppelbox,
        "validate",
        "-a",
        "eduv",
        "-o",
        "listSchoolEmployees",
        "--part",
        "query",
        "-",
        cwd=tmp_path,
        stdin='{"orgId": "16SK01", "filterByOrgId": true}',
    )
    assert validated.returncode == 1, output(validated)
    assert "`orgIdType` is required together with orgId" in validated.stdout
    assert "[KBX-EDUV-QUERY]" in validated.stdout
    # README: `koppelbox lint` (the shipped contracts are clean) and `koppelbox scenarios --markdown`
    linted = run(koppelbox, "lint", cwd=tmp_path)
    assert linted.returncode == 0, output(linted)
    scenarios = run(koppelbox, "scenarios", "--markdown", cwd=tmp_path)
    assert scenarios.returncode == 0, output(scenarios)
    assert "kbx-scenario=429" in scenarios.stdout


@pytest.fixture(scope="module")
def served(installed: Path, work: Path) -> Iterator[tuple[str, Path]]:
    """README: `koppelbox serve`, from the wheel, its access log as JSON lines in a file."""
    port = free_port()
    log = work / "serve.log"
    with log.open("w") as stdout:
        server = subprocess.Popen(
            [str(installed / "koppelbox"), "serve", "--port", str(port), "--log-format", "json"],
            cwd=work,
            env=clean_env(),
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/health", server)
        yield url, log
    finally:
        server.terminate()
        server.wait(timeout=20)


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            assert process.poll() is None, f"{process.args} exited"
            assert time.monotonic() < deadline, f"{url} did not answer"
            time.sleep(0.2)


def test_fuzz_and_conformance_pass_for_every_api(
    installed: Path, served: tuple[str, Path], tmp_path: Path
) -> None:
    """The wheel's schemathesis settings apply (Edu-V's schema-valid but refused requests are
    documented), and a correct server, the sandbox, is told so. All runs at once: they are independent."""
    url, _ = served
    koppelbox = str(installed / "koppelbox")
    runs: dict[str, list[str]] = {
        f"fuzz {api}": [koppelbox, "fuzz", "--api", api, "--max-examples", "2", "--no-stateful"]
        for api in FUZZED
    }
    for api, credentials in CONFORMANCE.items():
        runs[f"conformance {api}"] = [
            *(koppelbox, "conformance", "--api", api, "--base-url", f"{url}/{api}"),
            *credentials,
        ]
    started = {
        name: subprocess.Popen(
            [*command, "--out", name.replace(" ", "-")],
            cwd=tmp_path,
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, command in runs.items()
    }
    verdicts = {}
    for name, process in started.items():
        text, _ = process.communicate(timeout=600)
        evidence = json.loads((tmp_path / name.replace(" ", "-") / "evidence.json").read_text())
        verdicts[name] = (process.returncode, evidence["status"], text[-2000:] if process.returncode else "")
    assert {name: verdict[:2] for name, verdict in verdicts.items()} == dict.fromkeys(runs, (0, "PASSED")), (
        verdicts
    )
    # Nothing left in the working directory but the reports (no .hypothesis/, no schemathesis cache).
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(n.replace(" ", "-") for n in runs)


def test_a_vendor_walks_from_first_request_to_certificate(
    installed: Path, served: tuple[str, Path], tmp_path: Path
) -> None:
    url, log = served
    # docs/conformance.md: note where the journal stands (`koppelbox journal --limit 1`), so that the
    # certificate judges this run only, and pass it as `--since` (conformance runs used the same client).
    before = run(installed / "koppelbox", "journal", "--url", url, "--json", "--limit", "1", cwd=tmp_path)
    assert before.returncode == 0, output(before)
    since = max([e["seq"] for e in json.loads(before.stdout)["entries"]], default=0)
    # The reference client is the vendor's code: it needs httpx, which the vendor brings (the test's own
    # interpreter has it); the sandbox, journal and certify come from the wheel alone.
    client = run(sys.executable, ROOT / "examples" / "clients" / "wimpel.py", "--base-url", url, cwd=tmp_path)
    assert client.returncode == 0, output(client)
    # docs/conformance.md: `koppelbox journal --client partner-noordstar --errors`, and as JSON
    journal = run(
        installed / "koppelbox",
        "journal",
        "--url",
        url,
        "--client",
        "partner-noordstar",
        "--errors",
        cwd=tmp_path,
    )
    assert journal.returncode == 0, output(journal)
    assert "partner-noordstar" in journal.stdout
    saved = run(installed / "koppelbox", "journal", "--url", url, "--json", cwd=tmp_path)
    assert saved.returncode == 0, output(saved)
    entries = json.loads(saved.stdout)["entries"]
    assert any(e["client"] == "partner-noordstar" for e in entries)
    # README: `koppelbox certify --api wimpel --client partner-noordstar --url URL --out cert/`
    certified = run(
        *(installed / "koppelbox", "certify", "--api", "wimpel", "--client", "partner-noordstar"),
        *("--url", url, "--since", str(since), "--out", "cert"),
        cwd=tmp_path,
    )
    assert certified.returncode == 0, output(certified)
    assert "PASSED" in certified.stdout
    evidence = json.loads((tmp_path / "cert" / "evidence.json").read_text())
    assert evidence["status"] == "PASSED"
    assert evidence["tool_version"]
    # The served sandbox logged each of the client's requests: one JSON object a line, no secret.
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    noordstar = [line for line in lines if line["client"] == "partner-noordstar"]
    assert len(noordstar) >= sum(
        1 for e in entries if e["client"] == "partner-noordstar" and e["seq"] > since
    )
    assert {"method", "path", "status", "ms", "scenario", "findings"} <= set(noordstar[0])
    assert "noordstar-secret" not in log.read_text()


def test_the_proxy_stands_in_front_of_the_served_sandbox(
    installed: Path, served: tuple[str, Path], tmp_path: Path
) -> None:
    """The proxy's documented example, with the served sandbox as the upstream: a request through it,
    then `koppelbox journal --url` of the proxy."""
    url, _ = served
    port = free_port()
    proxy = subprocess.Popen(
        [
            str(installed / "koppelbox"),
            "proxy",
            "--api",
            "wimpel",
            "--upstream",
            f"{url}/wimpel",
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proxied = f"http://127.0.0.1:{port}"
        wait_for(f"{proxied}/sandbox/health", proxy)
        request = urllib.request.Request(
            f"{proxied}/wimpel/v1/organisations", headers={"Authorization": "Bearer kbx-noordstar"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
        journal = run(installed / "koppelbox", "journal", "--url", proxied, "--json", cwd=tmp_path)
        assert journal.returncode == 0, output(journal)
        assert [e["path"] for e in json.loads(journal.stdout)["entries"]] == ["/wimpel/v1/organisations"]
    finally:
        proxy.terminate()
        proxy.wait(timeout=20)


def test_a_vendor_suite_runs_on_the_plugin_from_a_plain_install(installed: Path, tmp_path: Path) -> None:
    """examples/vendor-suite, copied out of the checkout, with pytest and httpx beside the wheel: the
    `koppelbox` fixture comes from the plugin the install registered, nothing is configured."""
    added = run(installed / "python", "-m", "pip", "install", "--quiet", "pytest", "httpx", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    suite = tmp_path / "vendor-suite"
    shutil.copytree(ROOT / "examples" / "vendor-suite", suite)
    result = run(installed / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=suite)
    assert result.returncode == 0, output(result)
    assert "7 passed" in result.stdout
