"""The enrolment portal against the sandbox: what the school ends up with, not only status codes."""

from __future__ import annotations

import pytest
from connector.portal import EnrolmentPortal, Rejected

from conftest import PORTAL


def enrolment(**pupil: object) -> dict[str, object]:
    child = {"achternaam": "Postma", "roepnaam": "Sietse", "geslacht": "man", "geboortedatum": "2014-07-03"}
    return {"brin": "99XA", "codeExternePartij": "PORTAL-1", "leerling": {**child, **pupil}}


def test_a_new_pupil_reaches_the_school(koppelbox) -> None:
    with EnrolmentPortal(koppelbox.base_url, *PORTAL) as portal:
        portal.deliver(enrolment(achternaam="Hoekstra", roepnaam="Fenna", geslacht="vrouw"))
    [pupil] = [p for p in koppelbox.aanmeld_pupils("99XA") if p["achternaam"] == "Hoekstra"]
    assert pupil["codeExternePartij"] == "PORTAL-1"
    card = koppelbox.aanmeld_pupil("99XA", pupil["stamnummer"])  # the pupil's cards in Magister
    assert card["gegevens"]["roepnaam"] == "Fenna"
    assert card["bron"] != "school"  # created by the API, not by the school


def test_a_known_pupil_is_found_not_created_again(koppelbox) -> None:
    before = len(koppelbox.aanmeld_pupils("99XA"))
    with EnrolmentPortal(koppelbox.base_url, *PORTAL) as portal:
        portal.deliver(
            enrolment(pgn="398259793", achternaam="Jansen", roepnaam="Daan", geboortedatum="2013-04-12")
        )
    assert len(koppelbox.aanmeld_pupils("99XA")) == before


def test_a_wrong_pgn_goes_back_to_the_parent_and_is_not_resent(koppelbox) -> None:
    with EnrolmentPortal(koppelbox.base_url, *PORTAL) as portal, pytest.raises(Rejected) as refused:
        portal.deliver(enrolment(pgn="123456789"))
    assert refused.value.status == 400
    assert "leerling.pgn" in refused.value.fields
    assert [e.status for e in koppelbox.journal(PORTAL[0], api="aanmeld")] == [400]


def test_a_busy_school_is_waited_for_as_retry_after_says(koppelbox) -> None:
    # `KBX-429` is the catalogue's reserved value for a rate-limited answer (docs/scenarios.md).
    with (
        EnrolmentPortal(koppelbox.base_url, *PORTAL, max_waits=1) as portal,
        pytest.raises(Rejected) as refused,
    ):
        portal.deliver({**enrolment(), "codeExternePartij": "KBX-429"})
    assert refused.value.status == 429
    first, second = koppelbox.journal(PORTAL[0], api="aanmeld")
    waited = second.at - (first.at + first.elapsed_ms / 1000)
    assert waited >= float(first.response_headers["retry-after"]) - 0.05


def test_what_the_portal_sent_conforms(koppelbox) -> None:
    with EnrolmentPortal(koppelbox.base_url, *PORTAL) as portal:
        portal.deliver(enrolment())
    report = koppelbox.certify("aanmeld", PORTAL[0])
    verdicts = {v.id: str(v.outcome) for v in report.verdicts}
    assert verdicts["payloads"] == "pass"
    assert verdicts["scenario-new-pupil"] == "pass"
