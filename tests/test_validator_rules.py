"""Every rule id has a fixture that triggers exactly that finding, at the expected place."""

from __future__ import annotations

import shlex
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from koppelbox.validator import catalogue, contracts
from koppelbox.validator.inputs import Source
from koppelbox.validator.lint import lint
from koppelbox.validator.payload import validate
from koppelbox.validator.run import check_source
from koppelbox.validator.selection import Selection
from koppelbox.validator.semantic import Context

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "validator"
PAYLOADS = DATA / "payloads"
LINT = DATA / "lint"
TARGETS: dict[str, dict[str, str]] = yaml.safe_load((PAYLOADS / "targets.yaml").read_text(encoding="utf-8"))
LINT_RULES = sorted(r.id for r in catalogue.rules() if r.group == "lint")
# The http rules judge a whole exchange (method, path, media type, status), which a payload file cannot
# carry: tests/test_validator_exchange.py has a test for each.
PAYLOAD_RULES = sorted(r.id for r in catalogue.rules() if r.group not in ("lint", "http"))


def _selection(args: list[str]) -> tuple[Selection, Context]:
    """The same options `koppelbox validate` takes, parsed the same way (only the ones fixtures use)."""
    options: dict[str, Any] = {}
    specs: list[Path] = []
    today = date(2026, 3, 2)
    it = iter(args)
    for flag in it:
        value = next(it)
        if flag == "--spec":
            specs.append(ROOT / value)
        elif flag == "--today":
            today = date.fromisoformat(value)
        else:
            options[flag.removeprefix("--").replace("-", "_")] = value
    loaded = contracts.load(specs or None)
    return Selection(loaded, **options), Context(today=today)


def test_every_rule_has_a_fixture() -> None:
    assert sorted(TARGETS) == PAYLOAD_RULES
    assert sorted(p.stem for p in LINT.glob("KBX-*.yaml")) == LINT_RULES


@pytest.mark.parametrize("rule_id", PAYLOAD_RULES)
def test_payload_fixture_triggers_exactly_its_rule(rule_id: str) -> None:
    entry = TARGETS[rule_id]
    selection, context = _selection(shlex.split(entry["args"]))
    path = PAYLOADS / f"{rule_id}.json"
    result = check_source(Source(str(path), path), selection, context)
    assert [(f.rule, f.pointer) for f in result.findings] == [(rule_id, entry["pointer"])]
    finding = result.findings[0]
    assert finding.file == str(path)
    assert finding.message
    assert "{" not in finding.message


@pytest.mark.parametrize("rule_id", LINT_RULES)
def test_lint_fixture_triggers_exactly_its_rule(rule_id: str) -> None:
    (contract,) = contracts.load([LINT / f"{rule_id}.yaml"])
    result = lint(contract, Context())
    assert [f.rule for f in result.findings] == [rule_id]
    assert result.findings[0].line is not None  # an editor can jump to it


def test_the_lint_fixtures_differ_from_a_clean_contract_only_by_their_problem() -> None:
    (contract,) = contracts.load([LINT / "clean.yaml"])
    assert lint(contract, Context()).findings == []


def test_the_shipped_contracts_are_lint_clean() -> None:
    for contract in contracts.load():
        assert lint(contract, Context()).findings == [], contract.path.name


def test_every_example_in_the_contracts_validates_clean_against_its_operation() -> None:
    """The documented examples are what partners copy; the validator must accept each one as sent."""
    checked = 0
    for contract in contracts.load():
        for path_item in contract.raw["paths"].values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "requestBody" not in operation:
                    continue
                body = contract.resolve(operation["requestBody"])
                media = body["content"].get("application/json")
                if not media:
                    continue
                selection = Selection([contract], operation=operation["operationId"])
                examples = [e["value"] for e in (media.get("examples") or {}).values()]
                examples += [media["example"]] if "example" in media else []
                for example in examples:
                    target = selection.choose(example, "example").target
                    assert target is not None
                    assert validate(target, example, "example", Context(today=date(2026, 3, 2))) == []
                    checked += 1
    assert checked >= 3


def test_lint_applies_an_apis_own_rules_to_its_examples(tmp_path: Path) -> None:
    original = (ROOT / "openapi" / "aanmeld.yaml").read_text(encoding="utf-8")
    assert 'geboortedatum: "2014-02-11"' in original
    copy = tmp_path / "aanmeld.yaml"
    copy.write_text(
        original.replace('geboortedatum: "2014-02-11"', 'geboortedatum: "1980-02-11"'), encoding="utf-8"
    )
    (contract,) = contracts.load([copy])
    findings = lint(contract, Context(today=date(2026, 3, 2))).findings
    assert [(f.rule, f.pointer) for f in findings] == [
        ("KBX-LINT-EXAMPLE", "/components/examples/volledigeAanmelding/value/leerling/geboortedatum")
    ]
    assert "[KBX-AANMELD-ENROLMENT]" in findings[0].message
