"""`koppelbox validate` and `koppelbox lint` through the real entry point: output, formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from koppelbox.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = ROOT / "tests" / "data" / "validator" / "payloads"
LINT = ROOT / "tests" / "data" / "validator" / "lint"
WIMPEL_CREATE = ["--api", "wimpel", "--operation", "createOrganisation"]
GOOD = {"id": "16SK07", "name": "Liemers College", "sourceId": "saoe89wZq"}
BAD = {"id": "16 SK", "name": "", "sourceId": "x", "boards": [{"id": "13554", "name": "Q"}], "locatoins": []}


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


@pytest.fixture
def payloads(tmp_path: Path) -> Path:
    (tmp_path / "good.json").write_text(json.dumps(GOOD), encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps(BAD), encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"id": "16SK",\n "name": }', encoding="utf-8")
    return tmp_path


def test_a_clean_payload_exits_0_and_says_so(payloads: Path) -> None:
    result = run("validate", *WIMPEL_CREATE, str(payloads / "good.json"))
    assert result.exit_code == 0, result.output
    assert "✓" in result.output
    assert "good.json" in result.output
    assert "1 file checked, 1 clean; 0 errors, 0 warnings" in result.output


def test_findings_exit_1_grouped_by_file_with_field_rule_and_plain_message(payloads: Path) -> None:
    result = run("validate", *WIMPEL_CREATE, str(payloads))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    headers = [line for line in lines if not line.startswith(" ")][:-1]
    assert [h.split()[1].rsplit("/", 1)[-1] for h in headers] == ["bad.json", "broken.json", "good.json"]
    bad = lines[lines.index(headers[0]) + 1 : lines.index(headers[1])]
    assert any("`boards[0].id` must be a whole number" in line and "KBX-SCHEMA-TYPE" in line for line in bad)
    assert any("`locatoins` is not allowed here" in line for line in bad)
    assert any("`name` must not be empty" in line for line in bad)
    assert any("line 2, column 10" in line and "KBX-JSON-SYNTAX" in line for line in lines)
    assert "3 files checked, 1 clean; 5 errors, 0 warnings" in result.output
    assert "\x1b[" not in result.output  # not a terminal: no colour codes


def test_colour_can_be_forced(payloads: Path) -> None:
    result = run("validate", *WIMPEL_CREATE, "--color", "always", str(payloads / "bad.json"))
    assert "\x1b[" in result.output


def test_json_report_carries_file_pointer_rule_severity_and_summary(payloads: Path) -> None:
    result = run(
        "validate",
        *WIMPEL_CREATE,
        "--format",
        "json",
        str(payloads / "bad.json"),
        str(payloads / "broken.json"),
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["summary"] == {"files": 2, "clean": 0, "errors": 5, "warnings": 0}
    bad, broken = report["files"]
    assert bad["target"] == "wimpel createOrganisation request body (schema OrganisationCreate)"
    assert (bad["guessed"], bad["chosen"]) == (False, "named")
    assert {
        "file": str(payloads / "bad.json"),
        "pointer": "/boards/0/id",
        "field": "boards[0].id",
        "rule": "KBX-SCHEMA-TYPE",
        "severity": "error",
        "message": "must be a whole number",
        "line": 1,
        "column": len('{"id": "16 SK", "name": "", "sourceId": "x", "boards": [{"id": ') + 1,
    } in bad["findings"]
    (syntax,) = broken["findings"]
    assert (syntax["rule"], syntax["line"], syntax["column"]) == ("KBX-JSON-SYNTAX", 2, 10)


def test_junit_has_a_test_case_per_file_and_a_failure_per_finding(payloads: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    result = run("validate", *WIMPEL_CREATE, "--format", "junit", "-O", str(out), str(payloads))
    assert result.exit_code == 1
    suite = ET.parse(out).getroot().find("testsuite")
    assert suite is not None
    cases = {Path(c.get("name", "")).name: c for c in suite.findall("testcase")}
    assert sorted(cases) == ["bad.json", "broken.json", "good.json"]
    assert len(cases["bad.json"].findall("failure")) == 4
    assert len(cases["broken.json"].findall("failure")) == 1
    assert cases["good.json"].findall("failure") == []
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "5"
    assert any(
        "KBX-SCHEMA-UNKNOWN-FIELD" in (f.get("type") or "") for f in cases["bad.json"].findall("failure")
    )


def test_stdin_and_the_guess_is_shown() -> None:
    result = run("validate", "-", stdin=json.dumps(GOOD))
    assert result.exit_code == 0
    assert "wimpel createOrganisation request body (schema OrganisationCreate) (guessed)" in result.output
    closest = json.loads(run("validate", "--format", "json", "-", stdin=json.dumps(BAD)).output)["files"][0]
    assert (closest["target"], closest["chosen"]) == (
        "wimpel createOrganisation request body (schema OrganisationCreate)",
        "closest match",
    )


def test_a_glob_selects_files(payloads: Path) -> None:
    result = run("validate", *WIMPEL_CREATE, "--format", "json", str(payloads / "b*.json"))
    assert [Path(f["file"]).name for f in json.loads(result.output)["files"]] == ["bad.json", "broken.json"]


def test_warnings_fail_unless_only_errors_should(payloads: Path) -> None:
    duplicate = str(PAYLOADS / "KBX-JSON-DUPLICATE-KEY.json")
    assert run("validate", *WIMPEL_CREATE, duplicate).exit_code == 1
    assert run("validate", *WIMPEL_CREATE, "--fail-on", "error", duplicate).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "nowhere.json"], "no such file or folder: nowhere.json"),
        (
            ["validate", "--api", "wimpel", "--operation", "createOrganisaton", "x.json"],
            "Did you mean: createOrganisation",
        ),
        (["validate", "--api", "magister", "x.json"], "no API named 'magister'"),
        (["validate", "--api", "wimpel"], "name at least one file"),
        (["validate", "--format", "xml", "x.json"], "Invalid value for '--format'"),
        (["validate", "missing/*.json"], "no files match missing/*.json"),
    ],
)
def test_usage_errors_and_unreadable_input_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output


def test_an_unreadable_file_exits_2(payloads: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked.json"
    locked.write_text("{}", encoding="utf-8")
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:  # the tests may run as root, who can read a chmod-0 file
        if path == locked:
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = CliRunner().invoke(main, ["validate", *WIMPEL_CREATE, str(payloads / "good.json"), str(locked)])
    assert result.exit_code == 2
    assert f"cannot read {locked}: Permission denied" in result.output


def test_list_targets_shows_what_an_api_offers() -> None:
    result = run("validate", "--api", "eduv", "--list-targets")
    assert result.exit_code == 0
    assert "eduv listSchoolEmployees query parameters" in result.output
    assert "eduv listSchoolEmployees 200 response" in result.output


def test_rules_lists_every_rule_id() -> None:
    result = run("validate", "--rules")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.splitlines()]
    assert "KBX-NL-PGN" in listed
    assert "KBX-JSON-DUPLICATE-KEY" in listed
    assert len(listed) == len(set(listed)) >= 30


def test_lint_is_clean_on_the_shipped_contracts_and_reports_a_broken_one() -> None:
    clean = run("lint")
    assert clean.exit_code == 0, clean.output
    assert "0 errors" in clean.output
    broken = run("lint", "--format", "json", str(LINT / "KBX-LINT-EXAMPLE.yaml"))
    assert broken.exit_code == 1
    (finding,) = json.loads(broken.output)["files"][0]["findings"]
    assert finding["rule"] == "KBX-LINT-EXAMPLE"
    assert "`count` must be a whole number" in finding["message"]
    assert finding["line"] == 13


def test_the_installed_command_runs_as_a_process(payloads: Path) -> None:
    command = Path(sys.executable).with_name("koppelbox")
    completed = subprocess.run(
        [str(command), "validate", *WIMPEL_CREATE, "--format", "json", "-"],
        input=json.dumps(BAD),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    assert report["summary"]["errors"] == 4
    assert report["files"][0]["file"] == "-"


def test_a_nested_component_schema_is_never_guessed(tmp_path: Path) -> None:
    """Issue 15: `{"id": 16, "name": ...}` fits the nested schema `Board`, which no client sends alone; the
    guess considers operations' bodies only, so the payload is judged as --operation createOrganisation
    judges it, not passed."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": 16, "name": "Liemers College"}), encoding="utf-8")
    guessed = run("validate", "--api", "wimpel", "--format", "json", str(bad))
    named = run("validate", *WIMPEL_CREATE, "--format", "json", str(bad))
    assert guessed.exit_code == named.exit_code == 1
    file = json.loads(guessed.output)["files"][0]
    assert "Board" not in file["target"]
    rules = {(f["rule"], f["pointer"]) for f in file["findings"]}
    assert rules == {(f["rule"], f["pointer"]) for f in json.loads(named.output)["files"][0]["findings"]}
    assert rules == {("KBX-SCHEMA-TYPE", "/id"), ("KBX-SCHEMA-REQUIRED", "/sourceId")}
    # Asked for by name, a component schema is still there to check against.
    assert run("validate", "--api", "wimpel", "--schema", "Board", str(bad)).exit_code == 0


def test_an_undecided_guess_says_so_and_exits_2(tmp_path: Path) -> None:
    undecided = tmp_path / "empty.json"
    undecided.write_text("{}", encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD), encoding="utf-8")
    result = run("validate", "--api", "wimpel", str(undecided), str(good))
    assert result.exit_code == 2
    assert "KBX-TARGET-AMBIGUOUS" in result.output
    assert "listOrganisations query parameters" in result.output
    assert "updateOrganisation request body" in result.output
    assert "name one with --operation or --schema" in result.output
    named = run("validate", "--api", "wimpel", "--operation", "updateOrganisation", str(undecided))
    assert named.exit_code == 0
