"""Mutation testing in CI (docs/testing.md): a deterministic sample of mutants of the token endpoint, the
Aanmeld intake and matching rules and the validator's semantic rules must be noticed by the tests."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests import mutation

# Below this share of killed mutants (equivalent ones set aside) the sample fails CI. The full run
# measures 100 % on these modules, equivalents set aside (docs/testing.md); the floor leaves room for a few.
FLOOR = 95.0


@pytest.mark.slow
def test_a_sample_of_mutants_is_noticed_by_the_tests(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.mutation",
            "--sample",
            "--workdir",
            str(tmp_path / "m"),
            "--floor",
            str(FLOOR),
        ],
        cwd=mutation.ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20_000:]
    sampled = {
        line.split()[0] for line in run.stdout.splitlines() if line.startswith(("rules/", "validator/"))
    }
    assert sampled == {m.removeprefix("src/koppelbox/") for m in mutation.SAMPLE_MODULES}
    assert not (mutation.ROOT / "src" / "koppelbox" / "rules" / "oauth.py.meta").exists()


def test_mutant_names_map_to_the_function_they_change() -> None:
    assert mutation.function_of("koppelbox.rules.oauth.x__parse_basic__mutmut_12") == (
        "koppelbox.rules.oauth._parse_basic"
    )
    assert mutation.function_of("koppelbox.validator.semantic.xǁPlanǁsettle__mutmut_3") == (
        "koppelbox.validator.semantic.Plan.settle"
    )


def test_the_sample_config_narrows_only_the_mutmut_table() -> None:
    original = (mutation.ROOT / "pyproject.toml").read_text(encoding="utf-8")
    narrowed = tomllib.loads(mutation.sample_config(original))
    assert narrowed["tool"]["mutmut"]["only_mutate"] == sorted(mutation.SAMPLE_MODULES)
    assert set(narrowed["tool"]["mutmut"]["pytest_add_cli_args_test_selection"]) == {
        t for tests in mutation.SAMPLE_MODULES.values() for t in tests
    }
    rest = tomllib.loads(original)
    assert narrowed["tool"]["pytest"] == rest["tool"]["pytest"]
    assert narrowed["project"] == rest["project"]


def test_every_module_and_test_file_the_config_names_exists() -> None:
    config = tomllib.loads((mutation.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]
    for test_file in config["pytest_add_cli_args_test_selection"]:
        assert (mutation.ROOT / test_file).is_file(), test_file
    for module, tests in mutation.SAMPLE_MODULES.items():
        assert (mutation.ROOT / module).is_file(), module
        assert all(t in config["pytest_add_cli_args_test_selection"] for t in tests)


def test_an_equivalent_mutant_is_set_aside_only_while_its_line_is_unchanged() -> None:
    entry = mutation.Equivalent("koppelbox.m.f", "return a <= b", "return a < b", "b is never a")
    mutant = mutation.Mutant("koppelbox.m.x_f__mutmut_3", "src/koppelbox/m.py", 0, "koppelbox.m.f")
    assert mutation.is_equivalent(
        mutation.Mutant(**{**mutant.__dict__, "before": "return a <= b", "after": "return a < b"}), [entry]
    )
    assert not mutation.is_equivalent(
        mutation.Mutant(**{**mutant.__dict__, "before": "return a <= c", "after": "return a < c"}), [entry]
    )
    killed, lived = mutation.score(
        [
            mutation.Mutant("a", "m.py", 1),
            mutation.Mutant("b", "m.py", 0),
            mutation.Mutant("c", "m.py", 33),
            mutation.Mutant("d", "m.py", None),
        ],
        [],
    )
    assert (killed["m.py"].killed, killed["m.py"].survived, killed["m.py"].not_reached) == (1, 1, 1)
    assert killed["m.py"].percent == pytest.approx(100 / 3)
    assert [m.name for m in lived] == ["b", "c"]


def test_every_equivalent_mutant_is_explained_in_the_docs() -> None:
    docs = (mutation.ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    for entry in mutation.load_equivalents():
        assert entry.function in docs, entry.function
        assert entry.why
