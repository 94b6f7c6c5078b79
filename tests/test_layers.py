"""The domain core (rules/, store/) imports no web framework and nothing from the layers above it; the
rules, pure domain code, import no storage either (they reach records through `SchoolRecords`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import koppelbox

PACKAGE = Path(koppelbox.__file__).parent
FORBIDDEN = ("connexion", "starlette", "uvicorn", "flask", "httpx", "koppelbox.server", "koppelbox.cli")
CORE = sorted(p for layer in ("rules", "store") for p in (PACKAGE / layer).rglob("*.py"))
RULES = sorted((PACKAGE / "rules").rglob("*.py"))
ABOVE_THE_RULES = ("koppelbox.store", "koppelbox.server", "koppelbox.cli", "koppelbox.conformance")


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_core_stays_framework_free(path: Path) -> None:
    offending = {m for m in imported_modules(path) if m.startswith(FORBIDDEN)}
    assert not offending


@pytest.mark.parametrize("path", RULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_rules_import_no_storage_and_nothing_above(path: Path) -> None:
    offending = {m for m in imported_modules(path) if m.startswith(ABOVE_THE_RULES)}
    assert not offending


def test_the_check_sees_the_core() -> None:
    assert any(p.name == "wimpel.py" for p in CORE)
    assert any(p.name == "intake.py" for p in RULES)
