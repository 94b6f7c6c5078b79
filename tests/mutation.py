"""`make mutate`: mutation testing of `koppelbox.rules` and `koppelbox.validator` with mutmut 3, and the
report a maintainer reads: a score per module and every surviving mutant (docs/testing.md).

mutmut copies src/ and tests/ into `mutants/` and changes only that copy (never src/). It first runs the
selected tests once to learn which tests reach which function, then runs each mutant against only those
tests. Mutants judged equivalent (they change nothing a user could observe) are listed, with the reason,
in tests/mutation_equivalent.toml and set aside from the scores.

    python -m tests.mutation                      # everything, incrementally, in ./mutants
    python -m tests.mutation "koppelbox.rules.oauth.*"
    python -m tests.mutation --sample --workdir /tmp/m --floor 90   # what CI runs (tests/test_mutation.py)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT_FILE = ROOT / "tests" / "mutation_equivalent.toml"
COPIED = ("src", "tests", "openapi", "fixtures", "pyproject.toml", "schemathesis.toml", "docs")

# A deterministic sample, small enough for CI: the token endpoint, Aanmeld intake and matching, the
# validator's semantic rules, each run against the tests that cover it.
SAMPLE_MODULES: dict[str, tuple[str, ...]] = {
    "src/koppelbox/rules/oauth.py": ("tests/test_oauth_rules.py",),
    "src/koppelbox/rules/aanmeld/intake.py": ("tests/test_intake_rules.py",),
    "src/koppelbox/rules/aanmeld/matching.py": ("tests/test_aanmeld_rules.py", "tests/test_intake_rules.py"),
    "src/koppelbox/rules/aanmeld/stamnummer.py": (
        "tests/test_aanmeld_rules.py",
        "tests/test_intake_rules.py",
    ),
    "src/koppelbox/validator/semantic.py": (
        "tests/test_validator_semantic.py",
        "tests/test_validator_semantic_rules.py",
    ),
}
# The first mutant of every function and every fifth one after it.
SAMPLE_PATTERNS = ("*__mutmut_1", "*__mutmut_*[05]")

# mutmut's exit codes per mutant (mutmut/stats.py): what counts as the tests noticing the change.
KILLED = {1, 3, 37}  # a test failed, pytest errored, or the type checker refused it
TIMEOUT = {36, 24, -24, 152, 255, -9, -11}  # the mutant hung or crashed the worker: noticed too
SURVIVED = {0}
NOT_REACHED = {5, 33}  # no selected test calls the mutated function
NOT_RUN = {None, 2, 34}


@dataclass(frozen=True)
class Equivalent:
    """A mutant set aside: `equivalent` (no caller can tell it apart) or `import-time` (its function runs
    only while the modules are imported, before mutmut switches a mutant on, so no test can reach it).
    `before = "*"` matches every mutant of the function."""

    function: str
    before: str
    after: str
    why: str
    kind: str = "equivalent"


@dataclass(frozen=True)
class Mutant:
    name: str
    module: str  # src/koppelbox/... path
    exit_code: int | None
    function: str = ""
    before: str = ""
    after: str = ""
    diff: str = ""


def function_of(mutant_name: str) -> str:
    """`koppelbox.rules.oauth.x__parse_basic__mutmut_3` -> `koppelbox.rules.oauth._parse_basic`;
    methods are spelled `xǁClassǁmethod` by mutmut and `Class.method` here."""
    module, _, generated = mutant_name.rpartition(".")
    name = re.sub(r"__mutmut_\d+$", "", generated)
    name = name.replace("ǁ", ".").removeprefix("x.").removeprefix("x_")
    return f"{module}.{name}"


def load_equivalents(path: Path = EQUIVALENT_FILE) -> list[Equivalent]:
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    return [
        Equivalent(
            e["function"],
            e.get("before", "*").strip(),
            e.get("after", "*").strip(),
            e["why"],
            e.get("kind", "equivalent"),
        )
        for e in entries
    ]


def is_equivalent(mutant: Mutant, equivalents: list[Equivalent]) -> Equivalent | None:
    for entry in equivalents:
        if entry.function != mutant.function:
            continue
        if entry.before == "*" or (entry.before, entry.after) == (mutant.before, mutant.after):
            return entry
    return None


def prepare_workdir(workdir: Path, sample: bool) -> None:
    """A fresh copy of what the tests need, so a run never sees (or leaves) anything in the checkout."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "mutants", ".pytest_cache")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, workdir / name, ignore=ignore)
        elif source.exists():
            (workdir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, workdir / name)
    if sample:
        pyproject = workdir / "pyproject.toml"
        pyproject.write_text(sample_config(pyproject.read_text(encoding="utf-8")), encoding="utf-8")


def sample_config(pyproject: str) -> str:
    """The project's pyproject.toml with its [tool.mutmut] table narrowed to the sample."""
    config = tomllib.loads(pyproject)["tool"]["mutmut"]
    tests = sorted({t for covering in SAMPLE_MODULES.values() for t in covering})
    config |= {"only_mutate": sorted(SAMPLE_MODULES), "pytest_add_cli_args_test_selection": tests}
    table = "[tool.mutmut]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in config.items())
    return re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[)", lambda _: table + "\n", pyproject, count=1)


def run_mutmut(workdir: Path, patterns: list[str], max_children: int) -> int:
    # Niced: the machine's cores are shared, and a mutation run would otherwise take them all.
    command = ["nice", "-n", "10", sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children)]
    return subprocess.run([*command, *patterns], cwd=workdir, check=False).returncode


def collect(workdir: Path, patterns: list[str]) -> list[Mutant]:
    """Every mutant mutmut knows in `workdir/mutants`, with the changed lines of the ones that survived."""
    from fnmatch import fnmatch

    from mutmut.mutation.diff_apply import get_diff_for_mutant

    found: list[Mutant] = []
    here = Path.cwd()
    os.chdir(workdir)  # mutmut reads its mutants relative to the working directory
    try:
        for meta in sorted(Path("mutants/src").rglob("*.py.meta")):
            module = str(meta.relative_to("mutants")).removesuffix(".meta")
            codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
            for name, code in sorted(codes.items(), key=lambda item: _natural(item[0])):
                if patterns and not any(fnmatch(name, p) for p in patterns):
                    continue
                mutant = Mutant(name, module, code, function_of(name))
                if code in SURVIVED or code in NOT_REACHED or _suspicious(code):
                    diff = get_diff_for_mutant(name, path=module)
                    lines = diff.splitlines()[3:]  # without the ---/+++ and first @@ header
                    before = "\n".join(x[1:].strip() for x in lines if x.startswith("-"))
                    after = "\n".join(x[1:].strip() for x in lines if x.startswith("+"))
                    mutant = Mutant(name, module, code, mutant.function, before, after, diff)
                found.append(mutant)
    finally:
        os.chdir(here)
    return found


def _natural(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else 0


def _suspicious(code: int | None) -> bool:
    return code not in KILLED | TIMEOUT | SURVIVED | NOT_REACHED | NOT_RUN


@dataclass
class Score:
    killed: int = 0
    survived: int = 0
    not_reached: int = 0
    equivalent: int = 0
    not_run: int = 0

    @property
    def judged(self) -> int:
        return self.killed + self.survived + self.not_reached

    @property
    def percent(self) -> float | None:
        return 100 * self.killed / self.judged if self.judged else None


def score(mutants: list[Mutant], equivalents: list[Equivalent]) -> tuple[dict[str, Score], list[Mutant]]:
    by_module: dict[str, Score] = {}
    survivors: list[Mutant] = []
    for mutant in mutants:
        entry = by_module.setdefault(mutant.module, Score())
        if mutant.exit_code in NOT_RUN:
            entry.not_run += 1
        elif mutant.exit_code in KILLED or mutant.exit_code in TIMEOUT:
            entry.killed += 1
        elif is_equivalent(mutant, equivalents):
            entry.equivalent += 1
        else:
            if mutant.exit_code in NOT_REACHED:
                entry.not_reached += 1
            else:
                entry.survived += 1
            survivors.append(mutant)
    return by_module, survivors


def report(by_module: dict[str, Score], survivors: list[Mutant], out: list[str]) -> Score:
    total = Score()
    out.append(f"{'module':<48} {'score':>7} {'killed':>7} {'lived':>6} {'unreached':>9} {'aside':>6}")
    for module, s in sorted(by_module.items()):
        for attribute in ("killed", "survived", "not_reached", "equivalent", "not_run"):
            setattr(total, attribute, getattr(total, attribute) + getattr(s, attribute))
        if not s.judged and not s.equivalent:
            continue
        percent = "-" if s.percent is None else f"{s.percent:.1f}%"
        name = module.removeprefix("src/koppelbox/")
        line = f"{name:<48} {percent:>7} {s.killed:>7} {s.survived:>6} {s.not_reached:>9} {s.equivalent:>6}"
        out.append(line)
    percent = "-" if total.percent is None else f"{total.percent:.1f}%"
    out.append(
        f"{'all':<48} {percent:>7} {total.killed:>7} {total.survived:>6} {total.not_reached:>9} "
        f"{total.equivalent:>6}"
    )
    if total.not_run:
        out.append(f"({total.not_run} mutants not run yet: run again to finish)")
    for mutant in survivors:
        status = "not reached by any selected test" if mutant.exit_code in NOT_REACHED else "survived"
        out.append(f"\n{mutant.name}: {status}\n{mutant.diff}")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make mutate", description=__doc__.split("\n\n")[0])
    parser.add_argument("patterns", nargs="*", help="mutant names or globs (default: all)")
    parser.add_argument("--sample", action="store_true", help="only CI's deterministic sample")
    parser.add_argument("--workdir", type=Path, help="run in a fresh copy there (default: here, incremental)")
    parser.add_argument("--floor", type=float, help="exit 1 when the overall score is below this percent")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--report-only", action="store_true", help="print the last run's report")
    args = parser.parse_args(argv)

    workdir = args.workdir.resolve() if args.workdir else ROOT
    patterns = list(args.patterns) or (list(SAMPLE_PATTERNS) if args.sample else [])
    if args.sample and not args.workdir:
        parser.error("--sample runs in a copy: give --workdir")
    if not args.report_only:
        if args.workdir:
            prepare_workdir(workdir, args.sample)
        code = run_mutmut(workdir, patterns, args.max_children)
        if code != 0:
            print(f"mutmut run failed (exit {code})", file=sys.stderr)
            return 2
    by_module, survivors = score(collect(workdir, patterns), load_equivalents())
    lines: list[str] = []
    total = report(by_module, survivors, lines)
    print("\n".join(lines))
    counts = Counter("survived" if m.exit_code in SURVIVED else "unreached" for m in survivors)
    if args.floor is not None and (total.percent or 0.0) < args.floor:
        print(
            f"\nmutation score {total.percent or 0:.1f}% is below the floor of {args.floor}% "
            f"({counts['survived']} survived, {counts['unreached']} not reached)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
