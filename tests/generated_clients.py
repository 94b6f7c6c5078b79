"""Client libraries generated from the served contracts by the generators vendors use, cached between runs.

- openapi-python-client (PyPI) and openapi-generator's `python` generator (the jar the PyPI package
  `openapi-generator-cli` ships, run with Java, one JVM for every API with its `batch` command).
- The generators are tools, not libraries of koppelbox: they are installed once into a cache folder with
  pip (`--no-deps --target`, beside the project's venv, whose packages they use), because
  openapi-python-client caps httpx below the project's. The generated clients use what the venv has
  (httpx, attrs; pydantic, urllib3, typing-extensions) and python-dateutil, which a fresh venv lacks and
  is installed with the tools.
- The clients are generated from what a running sandbox serves at `<prefix>/openapi.json`, once per
  version of the contracts and tools: the cache key is the served documents (with the sandbox's address
  taken out), the tool versions and this module. Generation takes about 30 s; a cached run none.

Without Java or the tools, the tests skip; with KOPPELBOX_REQUIRE_GENERATORS set (CI) they fail instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import httpx
import pytest

APIS = ("wimpel", "eduv", "aanmeld")
TOOLS = (
    "openapi-python-client==0.29.1",
    "openapi-generator-cli==7.26.0",
    # openapi-python-client's own dependencies that the project's venv does not have.
    "typer==0.27.3",
    "ruamel.yaml==0.19.1",
    "shellingham==1.5.4",
    "annotated-doc==0.0.7",
    # The generated clients' own: openapi-generator's python models parse dates with it.
    "python-dateutil==4.0.0",
    "tzdata==2026.1",
)
CACHE = Path(os.environ.get("KOPPELBOX_GENERATED_CACHE", Path(tempfile.gettempdir()) / "koppelbox-generated"))


def unavailable(reason: str) -> None:
    if os.environ.get("KOPPELBOX_REQUIRE_GENERATORS"):
        pytest.fail(f"client generators: {reason}", pytrace=False)
    pytest.skip(f"client generators: {reason}")


def tools() -> Path:
    """The folder the generators are installed in (installed on first use)."""
    key = hashlib.sha256("\n".join(TOOLS).encode()).hexdigest()[:12]
    target = CACHE / f"tools-{key}"
    if (target / "openapi_generator_cli" / "openapi-generator.jar").exists():
        return target
    partial = Path(tempfile.mkdtemp(prefix="tools-", dir=_cache_dir()))
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(partial), *TOOLS]
    done = subprocess.run(pip, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        unavailable(f"pip could not install {', '.join(TOOLS)}: {done.stderr[-500:]}")
    _publish(partial, target)
    return target


def clients(base_url: str) -> Path:
    """The folder holding both generators' clients for every API in `APIS`, generated from the
    contracts the sandbox at `base_url` serves (once per version of those contracts)."""
    java = shutil.which("java")
    if java is None:
        unavailable("no `java` on PATH (openapi-generator runs on Java 11+; Debian: default-jre-headless)")
    served = {api: httpx.get(f"{base_url}/{api}/openapi.json").text for api in APIS}
    # The address the sandbox happened to run on is in the served documents (servers, token URL).
    stable = json.dumps({api: text.replace(base_url, "{base}") for api, text in served.items()})
    # This module is in the key too: a change in how the clients are made makes them again.
    recipe = Path(__file__).read_text(encoding="utf-8")
    key = hashlib.sha256((stable + "\n".join(TOOLS) + recipe).encode()).hexdigest()[:16]
    target = CACHE / f"clients-{key}"
    if (target / "complete").exists():
        return target
    installed = tools()
    work = Path(tempfile.mkdtemp(prefix="clients-", dir=_cache_dir()))
    for api, text in served.items():
        (work / f"{api}.json").write_text(text, encoding="utf-8")
    _python_client(installed, work)
    _openapi_generator(java, installed, work)
    (work / "complete").write_text("", encoding="utf-8")
    _publish(work, target)
    return target


def _python_client(installed: Path, work: Path) -> None:
    # One interpreter for every API: the generator's import is most of its run time.
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from openapi_python_client.cli import app
        work = Path(sys.argv[1])
        for api in sys.argv[2:]:
            config = work / f"opc-{api}.yaml"
            config.write_text(f"package_name_override: kbx_{api}_opc\\npost_hooks: []\\n")
            output = work / "opc" / f"kbx_{api}_opc"
            try:
                app(["generate", "--path", str(work / f"{api}.json"), "--meta", "none", "--config",
                     str(config), "--output-path", str(output)])
            except SystemExit as exit:
                if exit.code:
                    raise
            # openapi-python-client 0.29 types the body of an operation that takes two media types (Wimpel's
            # create: JSON or a form) `A | B | Unset` without importing `Unset`, even when the body is
            # required, and the module fails to import. The fix docs/clients.md gives vendors: postpone
            # the evaluation of annotations in those modules.
            for module in (output / "api").rglob("*.py"):
                text = module.read_text()
                if "| Unset = UNSET" in text and "import UNSET, Unset" not in text:
                    module.write_text("from __future__ import annotations\\n\\n" + text)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(installed)}
    command = [sys.executable, "-c", script, str(work), *APIS]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or "Warning" in done.stdout or "Error" in done.stdout:
        raise AssertionError(f"openapi-python-client:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def _openapi_generator(java: str, installed: Path, work: Path) -> None:
    configs = []
    for api in APIS:
        config = work / f"og-{api}.json"
        settings = {
            "generatorName": "python",
            "inputSpec": str(work / f"{api}.json"),
            "outputDir": str(work / "og" / api),
            "packageName": f"kbx_{api}_og",
            "globalProperties": {
                "apiTests": "false",
                "modelTests": "false",
                "apiDocs": "false",
                "modelDocs": "false",
            },
        }
        config.write_text(json.dumps(settings), encoding="utf-8")
        configs.append(str(config))
    jar = installed / "openapi_generator_cli" / "openapi-generator.jar"
    command = [java, "-jar", str(jar), "batch", "--fail-fast", *configs]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=work)
    if done.returncode != 0 or "[SUCCESS]" not in done.stdout:
        raise AssertionError(f"openapi-generator:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def _cache_dir() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE


def _publish(partial: Path, target: Path) -> None:
    """Move a finished folder into place; another worker that finished first wins."""
    try:
        partial.rename(target)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        if not target.exists():
            raise


def import_paths(folder: Path) -> list[str]:
    """What `sys.path` needs to import `kbx_<api>_opc` and `kbx_<api>_og`: their folders, and last the
    tools' folder, for the clients' own dependency the venv lacks (python-dateutil)."""
    return [str(folder / "opc"), *(str(folder / "og" / api) for api in APIS), str(tools())]
