"""No import circles in koppelbox: between modules, and between packages (`koppelbox.server` and
`koppelbox.server.integration` are two), counting imports inside functions too. A circle broken by an
import inside a function is still a circle: the two modules cannot be understood, or moved, apart.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import koppelbox

SOURCE = Path(koppelbox.__file__).parent
ROOT = "koppelbox"


def module_name(path: Path) -> str:
    parts = [ROOT, *path.relative_to(SOURCE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SOURCE.rglob("*.py")}


def package_of(module: str) -> str:
    """A package's `__init__` belongs to the package; any other module to the package it is in, except
    the modules at the top (`koppelbox.resources`): each is a room of its own, not part of the root."""
    if MODULES[module].name == "__init__.py":
        return module
    parent = module.rpartition(".")[0]
    return module if parent == ROOT else parent


def imported(module: str) -> set[str]:
    """The koppelbox modules `module` imports, anywhere in it (`from a import b` is `a.b` when that is a
    module, else `a`)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names
            ]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # `import koppelbox.x.y` of a module: the module itself
                name = name.rpartition(".")[0]
            if name.startswith(ROOT) and name != module:
                found.add(name)
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def describe(components: Iterable[list[str]], edges: dict[str, set[str]]) -> str:
    lines = []
    for component in components:
        members = set(component)
        lines += [f"{a} -> {b}" for a in component for b in sorted(edges.get(a, set()) & members)]
    return "\n".join(lines)


MODULE_EDGES = {module: imported(module) for module in MODULES}
PACKAGE_EDGES: dict[str, set[str]] = {}
for _module, _targets in MODULE_EDGES.items():
    _package = package_of(_module)
    PACKAGE_EDGES.setdefault(_package, set()).update(
        package_of(t) for t in _targets if package_of(t) != _package
    )


def test_no_circle_between_modules() -> None:
    found = cycles(MODULE_EDGES)
    assert not found, "import circles:\n" + describe(found, MODULE_EDGES)


def test_no_circle_between_packages() -> None:
    """Every package of koppelbox, subpackages included (`server` and `server.integration` are two)."""
    found = cycles(PACKAGE_EDGES)
    assert not found, "package circles:\n" + describe(found, PACKAGE_EDGES)


def test_the_check_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert "koppelbox.server.integration.body" in MODULE_EDGES["koppelbox.server.middleware"]
    assert "koppelbox.server.integration" in PACKAGE_EDGES["koppelbox.server"]
