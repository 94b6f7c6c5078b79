"""`koppelbox certify` as a vendor runs it against a running sandbox: verdicts that say what they know.

PASSED and FAILED are only claimed on whole evidence (exit 0 and 1); a client whose exchanges fell out of
the journal or were removed gets INCOMPLETE (exit 3) with what is missing; a mistyped client or journal
file is a usage error (exit 2) that says what the journal does hold.
"""

from __future__ import annotations

import json
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from koppelbox.cli import main
from koppelbox.conformance.local import serving
from koppelbox.server.app import create_app
from koppelbox.store import Store
from tests.aanmeld_support import enrolment

KOMPAS = "kbx-kompas"


def call(url: str, path: str, token: str = KOMPAS, method: str = "GET", **kwargs: Any) -> int:
    request = urllib.request.Request(
        url + path, method=method, headers={"Authorization": f"Bearer {token}", **kwargs}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def small_journal_sandbox() -> Iterator[str]:
    """A sandbox whose journal holds only 5 exchanges, so that evidence falls out quickly."""
    with serving(create_app(Store.from_directory(), journal_size=5)) as url:
        yield url


@pytest.fixture
def sandbox() -> Iterator[str]:
    with serving(create_app(Store.from_directory())) as url:
        yield url


def certify(url: str, out: Path, *extra: str) -> Result:
    return CliRunner().invoke(main, ["certify", "--api", "wimpel", "--url", url, "--out", str(out), *extra])


def evidence(out: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    return document


def test_a_client_whose_exchanges_fell_out_of_the_journal_is_incomplete(
    small_journal_sandbox: str, tmp_path: Path
) -> None:
    for _ in range(7):
        call(small_journal_sandbox, "/wimpel/v1/organisations")
    result = certify(small_journal_sandbox, tmp_path, "--client", "partner-kompas")
    assert result.exit_code == 3, result.output
    assert "INCOMPLETE" in result.output
    assert "2 exchange(s) of partner-kompas fell out of the journal" in result.output
    report = evidence(tmp_path)
    assert report["status"] == "INCOMPLETE"
    assert report["passed"] is False
    assert "fell out" in report["incomplete"][0]
    assert "INCOMPLETE" in (tmp_path / "report.html").read_text(encoding="utf-8")
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    assert any(s.get("name") == "wimpel evidence" and s.get("failures") == "1" for s in suites)


def test_another_clients_lost_exchanges_do_not_make_a_report_incomplete(
    small_journal_sandbox: str, tmp_path: Path
) -> None:
    for _ in range(5):
        call(small_journal_sandbox, "/wimpel/v1/organisations", token="kbx-noordstar")
    call(small_journal_sandbox, "/wimpel/v1/organisations")
    result = certify(small_journal_sandbox, tmp_path, "--client", "partner-kompas")
    assert result.exit_code == 1, result.output  # one request is far from certified, but judged
    assert evidence(tmp_path)["status"] == "FAILED"


def test_clearing_the_journal_mid_run_is_named_and_since_judges_a_later_run(
    sandbox: str, tmp_path: Path
) -> None:
    call(sandbox, "/wimpel/v1/organisations")
    clear = urllib.request.Request(
        sandbox + "/sandbox/journal", method="DELETE", headers={"Authorization": "Bearer kbx-admin-local"}
    )
    urllib.request.urlopen(clear, timeout=10).close()
    call(sandbox, "/wimpel/v1/organisations")
    result = certify(sandbox, tmp_path / "a", "--client", "partner-kompas")
    assert result.exit_code == 3, result.output
    assert "removed by DELETE /sandbox/journal" in result.output
    assert "--since 1" in result.output

    result = certify(sandbox, tmp_path / "b", "--client", "partner-kompas", "--since", "1")
    assert result.exit_code == 1, result.output
    assert evidence(tmp_path / "b")["status"] == "FAILED"


def test_a_misspelled_client_is_a_usage_error_that_lists_the_clients(sandbox: str, tmp_path: Path) -> None:
    call(sandbox, "/wimpel/v1/organisations")
    call(sandbox, "/wimpel/v1/organisations", token="kbx-noordstar")
    result = certify(sandbox, tmp_path, "--client", "partner-kompass")
    assert result.exit_code == 2, result.output
    assert "did you mean partner-kompas?" in result.output
    assert "partner-kompas, partner-noordstar" in result.output
    assert not (tmp_path / "evidence.json").exists()  # no report on a client that is not there


def test_several_clients_and_none_named_is_a_usage_error(sandbox: str, tmp_path: Path) -> None:
    call(sandbox, "/wimpel/v1/organisations")
    call(sandbox, "/wimpel/v1/organisations", token="kbx-noordstar")
    result = certify(sandbox, tmp_path)
    assert result.exit_code == 2, result.output
    assert "name the client with --client" in result.output


def test_a_saved_journal_round_trips_with_its_accounts(sandbox: str, tmp_path: Path) -> None:
    call(sandbox, "/wimpel/v1/organisations")
    saved = CliRunner().invoke(main, ["journal", "--url", sandbox, "--json"])
    assert saved.exit_code == 0, saved.output
    page = json.loads(saved.output)
    assert page["accounts"]["partner-kompas"]["recorded"] == 1
    journal_file = tmp_path / "journal.json"
    journal_file.write_text(saved.output, encoding="utf-8")
    judged = CliRunner().invoke(
        main, ["certify", "--api", "wimpel", "--journal", str(journal_file), "--out", str(tmp_path / "out")]
    )
    assert judged.exit_code == 1, judged.output  # judged on whole evidence: FAILED, not INCOMPLETE

    # The same journal cut short (the newest entry only of two) is no longer whole evidence.
    call(sandbox, "/wimpel/v1/organisations/16SK")
    cut = CliRunner().invoke(main, ["journal", "--url", sandbox, "--json", "--limit", "1"])
    journal_file.write_text(cut.output, encoding="utf-8")
    judged = CliRunner().invoke(
        main, ["certify", "--api", "wimpel", "--journal", str(journal_file), "--out", str(tmp_path / "cut")]
    )
    assert judged.exit_code == 3, judged.output
    assert "holds 1 of the 2 exchange(s)" in judged.output


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "is not a JSON journal"), ('{"entries": 3}', "is not a journal")],
)
def test_a_journal_file_that_is_not_one_is_a_usage_error(tmp_path: Path, content: str, message: str) -> None:
    journal_file = tmp_path / "journal.json"
    journal_file.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["certify", "--api", "wimpel", "--journal", str(journal_file), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_an_upload_is_not_judged_as_a_json_payload(sandbox: str, tmp_path: Path) -> None:
    token = "kbx-inschrijfwijzer"
    request = urllib.request.Request(
        sandbox + "/aanmeld/v1/aanmeldingen",
        data=json.dumps(enrolment()).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        receipt = json.loads(response.read())
    boundary = "kbx-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="bestand"; filename="rapport.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--{boundary}--\r\n"
    ).encode()
    upload = urllib.request.Request(
        f"{sandbox}/aanmeld/v1/aanmeldingen/{receipt['aanmeldingId']}/documenten",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(upload, timeout=10) as response:
        assert response.status == 201
    result = CliRunner().invoke(
        main, ["certify", "--api", "aanmeld", "--url", sandbox, "--out", str(tmp_path)]
    )
    payloads = next(v for v in evidence(tmp_path)["verdicts"] if v["id"] == "payloads")
    assert payloads["outcome"] == "pass", payloads
    assert "All 1 payloads conform" in payloads["detail"]
    assert "1 non-JSON bodies (uploads) were judged by the sandbox's answers" in payloads["detail"]
    assert result.exit_code == 1  # far from certified, but not for the upload


def test_the_html_report_renders_markdown_and_keeps_partner_text_inert(sandbox: str, tmp_path: Path) -> None:
    call(sandbox, "/wimpel/v1/organisations/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    call(sandbox, "/eduv/v1/employees/school?orgMasterId=100X016", token="kbx-sleutelbos")
    CliRunner().invoke(main, ["certify", "--api", "eduv", "--url", sandbox, "--out", str(tmp_path)])
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Names the school by <code>orgMasterId</code>" in html
    assert "`orgMasterId`" not in html
    assert "<script>" not in html
    for named in ("koppelbox version", "Edu-V Employees API (koppelbox sandbox) 1.0.0", "seed"):
        assert named in html
    properties = {
        p.get("name"): p.get("value") for p in ET.parse(tmp_path / "junit.xml").getroot().iter("property")
    }
    assert properties["seed"] == "0"
    assert properties["contract"].startswith("Edu-V Employees API")
    assert evidence(tmp_path)["contract"]["version"] == "1.0.0"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:9", "cannot reach http://127.0.0.1:9 (connection refused)"),
        ("http://127.0.0.1:8080/wimpel/v1", "give the sandbox's root URL, e.g. http://127.0.0.1:8080"),
        ("127.0.0.1:8080", "must start with http:// or https://"),
    ],
)
def test_a_bad_sandbox_url_is_one_line_and_exit_2(tmp_path: Path, url: str, message: str) -> None:
    for command in (["certify", "--api", "wimpel", "--out", str(tmp_path)], ["journal"]):
        result = CliRunner().invoke(main, [*command, "--url", url])
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
