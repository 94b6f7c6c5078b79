"""The layers of ARCHITECTURE.md, enforced: which koppelbox package may import which, which may use a web
framework, and the two fences inside the server. Imports inside functions count too.

A change that needs an import this table forbids is a change of architecture: change ARCHITECTURE.md and
this table together, in the same commit, saying why.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.test_imports import MODULES, imported

# Top-level package (or module) → the koppelbox packages it may import. "(root)" is koppelbox/__init__
# (the public API and the version, looked up on first use). Front ends first, the bottom last; a package
# never imports one listed above it.
BOTTOM = {"contracts", "resources", "version", "(root)"}
ALLOWED: dict[str, set[str]] = {
    # Front ends: the CLI today; the pytest plugin and the web pages (issues 13, 14) sit here too and use
    # the server only through server/app.py (create_app, SandboxApp), never its internals.
    "__main__": {"cli"},
    # The pytest plugin: a front end of the public Python API alone (koppelbox.Sandbox), never the server.
    "pytest_plugin": {"sandbox", "(root)"},
    "cli": {"conformance", "server", "validator", "journal", "scenarios", "store", "fixtures_gen", "rules"}
    | {"proxy"}  # `koppelbox proxy`, `validate --har`, `certify --har`, `journal --har`
    | {"web"}  # `serve` mounts the inspector
    | BOTTOM,
    # The web inspector (issue 14): a front end like the CLI, but no CLI; the server only through
    # server/app.py (test_the_inspector_uses_the_server_only_through_its_app).
    "web": {"conformance", "server", "validator", "journal", "scenarios", "store", "rules"} | BOTTOM,
    # The public Python API (koppelbox.Sandbox): the sandbox served in a thread, for front ends and vendors'
    # tests. It builds the app with server/app.py, and judges with conformance, like the CLI.
    "sandbox": {"conformance", "server", "journal", "scenarios", "store", "rules", "contracts", "resources"},
    # Judging integrations; `fuzz` serves a fresh sandbox, so it may build the app.
    "conformance": {"server", "validator", "journal", "scenarios", "store", "rules"} | BOTTOM,
    # `koppelbox proxy` and HAR files: real traffic judged (validator) and journalled like the sandbox's;
    # it answers in an API's error format through server/error_formats.py (render_for_api).
    "proxy": {"server", "validator", "journal", "rules"} | BOTTOM,
    # The sandbox server: the only package that knows Connexion.
    "server": {"validator", "journal", "scenarios", "store", "rules"} | BOTTOM,
    # Services the server and the front ends share; none knows a web framework.
    "validator": {"rules", "contracts", "resources"},
    "journal": set(),
    "scenarios": {"contracts", "resources"},
    # Storage, and the invented data it may add to the seed.
    # `journal`: the database backend keeps the request journal too (store/sql/journal.py, `serve --state`).
    "store": {"fixtures_gen", "rules", "resources", "journal"},
    "fixtures_gen": set(),
    # Pure domain code.
    "rules": set(),
    # The bottom: the contracts and where the package's data lives.
    "contracts": {"resources"},
    "resources": set(),
    "version": set(),
    # The root offers the public API and the version, both looked up on first use.
    "(root)": {"sandbox", "version"},
}
WEB = ("connexion", "starlette", "uvicorn", "httpx", "flask")
# conformance, cli and sandbox only run uvicorn for a sandbox; proxy forwards with h11 (proxy/upstream.py)
PROXY = {"proxy"}
MAY_USE_THE_WEB = {"server", "conformance", "cli", "sandbox", "web"}


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(root)"


def third_party(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_module_imports_only_the_layers_below_it(module: str) -> None:
    layer = top(module)
    assert layer in ALLOWED, f"{layer} is a new package: give it a row in ALLOWED and in ARCHITECTURE.md"
    crossing = {top(t) for t in imported(module)} - {layer}
    assert crossing <= ALLOWED[layer], f"{module} imports {sorted(crossing - ALLOWED[layer])}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if top(m) not in MAY_USE_THE_WEB | PROXY))
def test_only_the_server_and_the_front_ends_know_a_web_framework(module: str) -> None:
    assert not third_party(MODULES[module]) & set(WEB)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("koppelbox.server.integration")))
def test_the_connexion_integration_imports_nothing_else_of_the_server(module: str) -> None:
    outside = {
        t
        for t in imported(module)
        if t.startswith("koppelbox.server") and not t.startswith("koppelbox.server.integration")
    }
    assert not outside


@pytest.mark.parametrize("module", sorted(m for m in MODULES if top(m) == "web"))
def test_the_inspector_uses_the_server_only_through_its_app(module: str) -> None:
    inside = {t for t in imported(module) if t.startswith("koppelbox.server")}
    assert inside <= {"koppelbox.server.app"}


def test_the_lane_is_optional_nothing_but_the_app_uses_it() -> None:
    users = {m for m in MODULES if "koppelbox.server.lane" in imported(m)}
    assert users <= {"koppelbox.server.app"}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if top(m) == "proxy"))
def test_the_proxy_uses_only_the_error_rendering_of_the_server(module: str) -> None:
    inside = {t for t in imported(module) if t.startswith("koppelbox.server")}
    # error_formats.py is a leaf that knows no web framework: the proxy starts without Connexion.
    assert inside <= {"koppelbox.server.error_formats"}


def test_the_table_sees_every_layer() -> None:
    assert {top(m) for m in MODULES} == set(ALLOWED)
    assert any(m.startswith("koppelbox.rules.aanmeld") for m in MODULES)


def test_no_command_imports_another() -> None:
    """What commands share (output, options, preflight checks, the control-plane client) has its own
    module in cli/; a command module is imported by the group alone."""
    from koppelbox.cli import COMMANDS

    commands = {target.partition(":")[0] for target in COMMANDS.values()}
    leaning = {(m, t) for m in commands for t in imported(m) if t in commands and t != m}
    assert not leaning
