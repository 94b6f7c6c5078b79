"""`koppelbox certify`: a vendor client judged from what the sandbox journal recorded."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from koppelbox.cli import main
from koppelbox.conformance.certify import certify
from koppelbox.conformance.outcomes import aanmeld_outcomes
from koppelbox.conformance.verdicts import Outcome, Report
from koppelbox.journal import JournalEntry
from koppelbox.server.app import create_app
from koppelbox.store import Store
from tests.support import FakeClock, bearer

NOORDSTAR = bearer("kbx-noordstar")


class Session:
    """A vendor client talking to an in-process sandbox. Waiting is simulated: `wait(s)` shifts the
    recorded time of every later request, so back-off can be judged without sleeping in a test."""

    def __init__(self, client: TestClient) -> None:
        self.http = client
        self.sandbox = client.app.sandbox  # type: ignore[attr-defined]
        self.pauses: dict[int, float] = {}

    def __getattr__(self, method: str) -> Any:
        return getattr(self.http, method)

    def wait(self, seconds: float) -> None:
        last = self.sandbox.journal.entries()[-1].seq
        self.pauses[last] = self.pauses.get(last, 0.0) + seconds

    def journal(self) -> list[JournalEntry]:
        shift, retimed = 0.0, []
        for index, entry in enumerate(self.sandbox.journal.entries()):
            retimed.append(dataclasses.replace(entry, at=1000.0 + index * 0.05 + shift, elapsed_ms=1.0))
            shift += self.pauses.get(entry.seq, 0.0)
        return retimed


@pytest.fixture
def session() -> Iterator[Session]:
    app = create_app(Store.from_directory(), max_body_bytes=2048)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Session(client)


def well_behaved_wimpel_run(s: Session) -> None:
    s.get("/wimpel/v1/organisations", headers=NOORDSTAR)
    link = s.get("/wimpel/v1/organisations?limit=2", headers=NOORDSTAR).headers["link"]
    s.get(link.split(";")[0].strip("<>"), headers=NOORDSTAR)
    s.get("/wimpel/v1/organisations?active=true", headers=NOORDSTAR)
    s.get("/wimpel/v1/organisations/16SK", headers=NOORDSTAR)
    new = {"id": "KBX-NEW1", "name": "Testschool", "sourceId": "src-1"}
    assert s.post("/wimpel/v1/organisations", json=new, headers=NOORDSTAR).status_code == 201
    s.put("/wimpel/v1/organisations/KBX-NEW1", json={"sourceId": "src-2"}, headers=NOORDSTAR)
    s.delete("/wimpel/v1/organisations/KBX-NEW1", headers=NOORDSTAR)
    # The catalogue's error scenarios, each handled the way docs/scenarios.md asks.
    s.get("/wimpel/v1/organisations?limit=0", headers={**NOORDSTAR, "Prefer": "kbx-deliberate"})
    s.get("/wimpel/v1/organisations", headers=bearer("kbx-noordstar-expired"))
    form = {
        "grant_type": "client_credentials",
        "client_id": "partner-noordstar",
        "client_secret": "noordstar-secret",
    }
    token = s.post("/sandbox/oauth2/token", data=form).json()["access_token"]
    s.get("/wimpel/v1/organisations", headers=bearer(token))
    s.post("/wimpel/v1/organisations", json=new, headers=bearer("kbx-noordstar-readonly"))
    s.get("/wimpel/v1/organisations/KBX-404", headers=NOORDSTAR)
    s.get("/wimpel/v1/organisations/KBX-404", headers=NOORDSTAR)  # one retry is tolerated
    s.post("/wimpel/v1/organisations", json={**new, "id": "16SK"}, headers=NOORDSTAR)
    s.post(
        "/wimpel/v1/organisations",
        content=b"{" + b" " * 4096 + b"}",
        headers={**NOORDSTAR, "Content-Type": "application/json"},
    )
    s.post("/wimpel/v1/organisations", content="id=X", headers={**NOORDSTAR, "Content-Type": "text/plain"})
    s.get("/wimpel/v1/organisations", headers={**NOORDSTAR, "Prefer": "kbx-scenario=429"})
    s.wait(2.5)
    s.get("/wimpel/v1/organisations", headers=NOORDSTAR)
    s.get("/wimpel/v1/organisations/KBX-503", headers=NOORDSTAR)
    s.wait(5.5)
    s.get("/wimpel/v1/organisations", headers=NOORDSTAR)


def verdict(report: Report, verdict_id: str) -> Outcome:
    return next(v for v in report.verdicts if v.id == verdict_id).outcome


def test_a_well_behaved_client_is_certified(session: Session) -> None:
    well_behaved_wimpel_run(session)
    report = certify(session.journal(), "wimpel", "partner-noordstar")
    failed = [(v.id, v.detail) for v in report.verdicts if v.outcome is Outcome.FAIL]
    assert failed == []
    assert report.passed


def test_a_client_that_never_deletes_misses_that_scenario(session: Session) -> None:
    session.get("/wimpel/v1/organisations", headers=NOORDSTAR)
    report = certify(session.journal(), "wimpel", "partner-noordstar")
    assert verdict(report, "scenario-list") is Outcome.PASS
    assert verdict(report, "scenario-delete") is Outcome.FAIL
    assert verdict(report, "received-409") is Outcome.FAIL
    assert not report.passed


def test_an_identical_retry_storm_after_404_fails(session: Session) -> None:
    for _ in range(3):
        session.get("/wimpel/v1/organisations/KBX-404", headers=NOORDSTAR)
    report = certify(session.journal(), "wimpel", "partner-noordstar")
    storm = next(v for v in report.verdicts if v.id == "no-retry-storm")
    assert storm.outcome is Outcome.FAIL
    assert [e["status"] for e in storm.evidence] == [404, 404, 404]


@pytest.mark.parametrize(("waited", "expected"), [(0.5, Outcome.FAIL), (2.1, Outcome.PASS)])
def test_back_off_after_429_must_honour_retry_after(
    session: Session, waited: float, expected: Outcome
) -> None:
    session.get("/wimpel/v1/organisations", headers={**NOORDSTAR, "Prefer": "kbx-scenario=429"})
    session.wait(waited)
    session.get("/wimpel/v1/organisations", headers=NOORDSTAR)
    assert (
        verdict(certify(session.journal(), "wimpel", "partner-noordstar"), "backs-off-after-429") is expected
    )


def test_resending_a_rejected_token_fails(session: Session) -> None:
    for _ in range(2):
        session.get("/wimpel/v1/organisations", headers=bearer("kbx-noordstar-expired"))
    report = certify(session.journal(), "wimpel", "partner-noordstar")
    assert verdict(report, "new-token-after-401") is Outcome.FAIL


def test_non_conformant_payloads_fail_unless_marked_deliberate(session: Session) -> None:
    session.put("/wimpel/v1/organisations/16SK", json={"name": "x"}, headers=NOORDSTAR)
    report = certify(session.journal(), "wimpel", "partner-noordstar")
    payloads = next(v for v in report.verdicts if v.id == "payloads")
    assert payloads.outcome is Outcome.FAIL
    assert payloads.evidence[0]["conformance_findings"][0]["field"] == "name"

    session.sandbox.journal.clear()
    session.put(
        "/wimpel/v1/organisations/16SK", json={"name": "x"}, headers={**NOORDSTAR, "Prefer": "kbx-deliberate"}
    )
    session.put("/wimpel/v1/organisations/16SK", json={"sourceId": "ok-1"}, headers=NOORDSTAR)
    assert verdict(certify(session.journal(), "wimpel", "partner-noordstar"), "payloads") is Outcome.PASS


AANMELD = bearer("kbx-inschrijfwijzer")


def enrolment(**pupil: object) -> dict[str, object]:
    base = {"achternaam": "Postma", "roepnaam": "Sietse", "geslacht": "man", "geboortedatum": "2014-07-03"}
    return {"brin": "99XA", "codeExternePartij": "T-1", "leerling": {**base, **pupil}}


def test_aanmeld_outcomes_are_found_by_replaying_the_journal(session: Session) -> None:
    parent = {
        "achternaam": "Jansen",
        "voorletters": "P.",
        "geslacht": "man",
        "adres": {"postcode": "8861 AB", "huisnummer": 12},
    }
    newcomer = {
        "achternaam": "Hoekstra",
        "voorletters": "A.",
        "geslacht": "vrouw",
        "adres": {"postcode": "8861 AB", "huisnummer": 3},
    }
    sent = [
        enrolment(),  # new pupil
        enrolment(pgn="398259793", achternaam="Jansen", roepnaam="Daan", geboortedatum="2013-04-12"),
        {
            **enrolment(achternaam="BAKKER ", roepnaam="Lucas", geboortedatum="2013-06-01"),
            "ouders": [parent, newcomer],
        },
    ]
    for body in sent:
        assert session.post("/aanmeld/v1/aanmeldingen", json=body, headers=AANMELD).status_code == 201
    outcomes = aanmeld_outcomes(session.journal(), None, 0)
    assert [sorted(o) for _, o in sorted(outcomes.items())] == [
        ["new-pupil"],
        ["existing-pupil-by-pgn"],
        ["existing-pupil-by-fallback", "parent-added", "parent-matched"],
    ]


def test_certify_cli_writes_junit_evidence_and_html(session: Session, tmp_path: Path) -> None:
    session.get("/wimpel/v1/organisations", headers=NOORDSTAR)
    journal_file = tmp_path / "journal.json"
    journal_file.write_text(json.dumps([e.to_dict() for e in session.journal()]))
    result = CliRunner().invoke(
        main, ["certify", "--api", "wimpel", "--journal", str(journal_file), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1, result.output  # one request is far from certified
    suites = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert sum(int(s.get("failures", "0")) for s in suites) > 0
    evidence = json.loads((tmp_path / "out" / "evidence.json").read_text())
    assert evidence["subject"] == "partner-noordstar"
    assert len(evidence["contract"]["sha256"]) == 64
    listed = next(v for v in evidence["verdicts"] if v["id"] == "scenario-list")
    assert listed["evidence"][0]["operation"] == "listOrganisations"
    assert "FAILED" in (tmp_path / "out" / "report.html").read_text()


@pytest.fixture
def clocked_session(clock: FakeClock) -> Iterator[Session]:
    """A session whose store runs on a fake clock, so an issued token can be made to expire."""
    app = create_app(Store.from_directory(clock=clock), max_body_bytes=2048)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Session(client)


def expired_issued_token(s: Session, clock: FakeClock, client_id: str, secret: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    token: str = s.post("/sandbox/oauth2/token", data=form).json()["access_token"]
    clock.advance(seconds=3601)
    return token


def fresh_token(s: Session, client_id: str, secret: str) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return bearer(s.post("/sandbox/oauth2/token", data=form).json()["access_token"])


def test_a_well_behaved_eduv_consumer_is_certified(clocked_session: Session, clock: FakeClock) -> None:
    s, school = clocked_session, "/eduv/v1/employees/school"
    expired = expired_issued_token(s, clock, "consumer-sleutelbos", "sleutelbos-secret")
    s.get(f"{school}?orgMasterId=100X016", headers=bearer(expired))
    token = fresh_token(s, "consumer-sleutelbos", "sleutelbos-secret")
    for query in [
        "orgMasterId=100X016",
        "orgId=16SK01&orgIdType=V_ID",
        "orgId=16SK01&orgIdType=V_ID&filterByOrgId=true",
        "orgMasterId=100X016&schoolPeriodId=schooljaar-2025-2026",
        "orgId=98YB&orgIdType=OIE_CODE",  # 403
        "orgMasterId=KBX-404",  # 404
    ]:
        s.get(f"{school}?{query}", headers=token)
    deliberate = {**token, "Prefer": "kbx-deliberate"}  # both ways of naming the school: 400
    s.get(f"{school}?orgMasterId=100X016&orgId=16SK&orgIdType=OIE_CODE", headers=deliberate)
    s.get(f"{school}?orgMasterId=KBX-429", headers=token)
    s.wait(2.1)
    s.get(f"{school}?orgMasterId=100X016", headers={**token, "Prefer": "kbx-scenario=503"})
    s.wait(5.1)
    s.get(f"{school}?orgMasterId=100X016", headers=token)
    report = certify(s.journal(), "eduv", None)
    assert report.subject == "consumer-sleutelbos"
    assert [(v.id, v.detail) for v in report.verdicts if v.outcome is Outcome.FAIL] == []


def test_a_well_behaved_enrolment_portal_is_certified(clocked_session: Session, clock: FakeClock) -> None:
    s, url = clocked_session, "/aanmeld/v1/aanmeldingen"
    expired = expired_issued_token(s, clock, "partner-inschrijfwijzer", "inschrijfwijzer-secret")
    s.post(url, json=enrolment(), headers=bearer(expired))
    token = fresh_token(s, "partner-inschrijfwijzer", "inschrijfwijzer-secret")
    new_parent = {
        "achternaam": "Postma",
        "voorletters": "J.",
        "geslacht": "vrouw",
        "adres": {"postcode": "8861 AB", "huisnummer": 3},
    }
    known_parent = {
        "achternaam": "Jansen",
        "voorletters": "P.",
        "geslacht": "man",
        "adres": {"postcode": "8861 AB", "huisnummer": 12},
    }
    pdf = {"bestandsnaam": "advies.pdf", "type": "application/pdf", "inhoud": "JVBERi0xLjQKJSVFT0YK"}
    origin = {"brin": "97ZC", "naam": "OBS De Kwikstaart", "advies": "havo/vwo"}
    receipt = s.post(
        url,
        json={**enrolment(), "ouders": [new_parent], "documenten": [pdf], "vooropleiding": origin},
        headers=token,
    )
    assert receipt.status_code == 201, receipt.text
    jansen = enrolment(pgn="398259793", achternaam="Jansen", roepnaam="Daan", geboortedatum="2013-04-12")
    s.post(url, json={**jansen, "ouders": [known_parent]}, headers=token)
    s.post(
        url, json=enrolment(achternaam="Bakker", roepnaam="Lucas", geboortedatum="2013-06-01"), headers=token
    )
    upload = s.post(
        f"{url}/{receipt.json()['aanmeldingId']}/documenten",
        files={"bestand": ("rapport.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        headers=token,
    )
    assert upload.status_code == 201, upload.text
    s.post(url, json=enrolment(pgn="123456789"), headers={**token, "Prefer": "kbx-deliberate"})  # 400
    s.post(url, json={**enrolment(), "brin": "97ZC"}, headers=token)  # 403: tile not switched on
    s.post(url, json={**enrolment(), "brin": "12AB"}, headers=token)  # 404
    for name in ("Wit", "Zwart"):  # 98YB has one free stamnummer: the second is 409
        s.post(url, json={**enrolment(achternaam=name), "brin": "98YB"}, headers=token)
    s.post(url, content=b"{" + b" " * 4096 + b"}", headers={**token, "Content-Type": "application/json"})
    s.post(url, content="brin=99XA", headers={**token, "Content-Type": "text/plain"})
    png_as_pdf = {**pdf, "inhoud": "iVBORw0KGgoAAAANSUhEUg=="}
    s.post(
        url, json={**enrolment(), "documenten": [png_as_pdf]}, headers={**token, "Prefer": "kbx-deliberate"}
    )
    s.post(url, json={**enrolment(), "codeExternePartij": "KBX-429"}, headers=token)
    s.wait(2.1)
    s.post(url, json={**enrolment(), "codeExternePartij": "KBX-503"}, headers=token)
    s.wait(5.1)
    s.post(url, json=enrolment(), headers=token)
    report = certify(s.journal(), "aanmeld", "partner-inschrijfwijzer")
    assert [(v.id, v.detail) for v in report.verdicts if v.outcome is Outcome.FAIL] == []


def test_a_query_outside_the_contract_fails_the_payload_check(session: Session) -> None:
    consumer = bearer("kbx-sleutelbos")
    session.get("/eduv/v1/employees/school?orgId=16SK&orgIdType=BRIN", headers=consumer)
    session.get("/eduv/v1/employees/school?orgId=16SK01&orgIdType=V_ID&filterByOrgId=true", headers=consumer)
    payloads = next(v for v in certify(session.journal(), "eduv", None).verdicts if v.id == "payloads")
    assert payloads.outcome is Outcome.FAIL
    assert [f["field"] for f in payloads.evidence[0]["conformance_findings"]] == ["orgIdType"]
    assert len(payloads.evidence) == 1  # `filterByOrgId=true` is the boolean the contract asks for
