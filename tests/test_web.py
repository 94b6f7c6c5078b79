"""The web inspector without a browser (Starlette's TestClient): what it shows, that a partner's values are
text and never markup, that no form changes state from another site, and who may look.

The browser tests of the same pages are tests/test_web_e2e.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from koppelbox.server.app import SandboxApp, create_app
from koppelbox.store import Store
from koppelbox.web import mount
from tests.aanmeld_support import ENROL, INSCHRIJFWIJZER, PDF, document, enrolment

XSS = "<img src=x onerror=alert(1)>"
ORIGIN = "http://127.0.0.1"  # the TestClient's base URL: a loopback host, as a browser on it sends


def _app(host: str = "127.0.0.1") -> SandboxApp:
    app = create_app(Store.from_directory())
    mount(app, host=host)
    return app


@pytest.fixture(scope="module")
def app() -> SandboxApp:
    return _app()


@pytest.fixture
def web(app: SandboxApp) -> Iterator[TestClient]:
    with TestClient(app, base_url=ORIGIN, raise_server_exceptions=False) as client:
        # The inspector's own reset: the store back to the seed, and the page's list of changes emptied.
        token = csrf_of(client.get("/").text)
        client.post("/inspector/reset", data={"csrf": token}, headers={"Origin": ORIGIN})
        app.sandbox.journal.clear()
        yield client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


def enrol(web: TestClient, **changes: Any) -> Any:
    response = web.post(ENROL, json=enrolment(**changes), headers=INSCHRIJFWIJZER)
    assert response.status_code == 201, response.text
    return response


def newest_pupil(web: TestClient, brin: str = "99XA") -> dict[str, Any]:
    pupils: list[dict[str, Any]] = web.app.sandbox.store.aanmeld.pupils(brin)  # type: ignore[attr-defined]
    return max((p for p in pupils if p["bron"] == "aanmeld-api"), key=lambda p: p["stamnummer"])


# --- what the pages show ------------------------------------------------------------------------------


def test_home_lists_the_apis_with_versions_and_docs_the_clients_and_the_scenarios(web: TestClient) -> None:
    page = web.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for prefix in ("/aanmeld", "/wimpel", "/eduv", "/sandbox"):
        assert f'href="{prefix}/ui/"' in html
    assert "1.0.0" in html  # the Aanmeld contract's version
    assert "kbx-inschrijfwijzer" in html
    assert "partner-inschrijfwijzer" in html
    assert "/sandbox/oauth2/token" in html
    assert "wimpel-400-parameter" in html  # a catalogue scenario
    assert "de sandbox is in de beginstand" in html.lower()


def test_a_new_pupil_shows_in_the_overview_with_its_cards(web: TestClient) -> None:
    enrol(web, documenten=[document(PDF)])
    stamnummer = newest_pupil(web)["stamnummer"]
    overview = web.get("/inspector/aanmeld/99XA?zonderAanmelding=1").text
    assert f">{stamnummer}</a>" in overview
    assert "Dijkstra" in overview
    assert "IW-2026-000417" in overview
    card = web.get(f"/inspector/aanmeld/99XA/leerlingen/{stamnummer}").text
    for heading in ("Personalia", "Ouders/verzorgers", "Aanvullend", "Vooropleiding", "Externe aanmelding"):
        assert heading in card
    assert "Aanmeldingsdocumenten" in card
    assert "rapport.pdf" in card
    assert "Advies vorige school: havo/vwo" in card  # the memo on the Aanvullend card
    assert "Inschrijfwijzer" in card  # the document's sender


def test_the_personal_card_shows_the_whole_address_with_its_house_number_suffix(web: TestClient) -> None:
    address = {
        "straat": "Voorstraat",
        "huisnummer": 21,
        "huisnummertoevoeging": "A",
        "postcode": "8861 BK",
        "woonplaats": "Harlingen",
    }
    enrol(web, leerling__adres=address)
    card = web.get(f"/inspector/aanmeld/99XA/leerlingen/{newest_pupil(web)['stamnummer']}").text
    assert "Voorstraat 21A<br>8861 BK Harlingen" in card


def test_the_overview_filter_leaves_out_pupils_with_an_enrolment_group(web: TestClient) -> None:
    everyone = web.get("/inspector/aanmeld/16SK").text
    without = web.get("/inspector/aanmeld/16SK?zonderAanmelding=1").text
    assert "Hendriks" in everyone  # seeded, placed in "Aanmelding 2026 havo"
    assert "Hendriks" not in without


def test_the_school_chooses_the_external_enrolment_columns(web: TestClient) -> None:
    enrol(web)
    only_code = web.get("/inspector/aanmeld/99XA?kolommen=1&kolom=codeExternePartij").text
    assert '<th scope="col">Code van externe partij</th>' in only_code
    assert '<th scope="col">Gewenste opleiding</th>' not in only_code
    assert (
        '<th scope="col">Gewenste opleiding</th>' in web.get("/inspector/aanmeld/99XA").text
    )  # all by default


def test_a_document_downloads_as_the_exact_bytes_sent(web: TestClient) -> None:
    data = PDF + bytes(range(256))  # every byte value, after a valid PDF head
    enrol(web, documenten=[document(data, name="rapport groep 8.pdf")])
    card = web.get(f"/inspector/aanmeld/99XA/leerlingen/{newest_pupil(web)['stamnummer']}").text
    link = re.search(r'href="(/inspector/aanmeld/99XA/documenten/[^"]+)"', card)
    assert link
    download = web.get(link.group(1))
    assert download.status_code == 200
    assert download.content == data
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-sha256"] == hashlib.sha256(data).hexdigest()


def test_a_changed_stamnummer_range_numbers_the_next_pupil(web: TestClient) -> None:
    form = web.get("/inspector/aanmeld/99XA/instellingen").text
    school = web.app.sandbox.store.aanmeld.school("99XA")  # type: ignore[attr-defined]
    answer = web.post(
        "/inspector/aanmeld/99XA/instellingen",
        data={
            "csrf": csrf_of(form),
            "laagste": "70000",
            "hoogste": "70010",
            "sector": school["sector"],
            "partner": [str(p) for p in school["geactiveerdePartners"]],
            "relatie_brin": [r["brin"] for r in school["relatiescholen"]],
            "relatie_naam": [r["naam"] for r in school["relatiescholen"]],
            "relatie_soort": [r["schoolsoort"] for r in school["relatiescholen"]],
        },
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert web.get(answer.headers["location"]).text.count('value="70000"') == 1
    enrol(web)
    assert newest_pupil(web)["stamnummer"] == 70000
    assert "99XA: instellingen opgeslagen" in web.get("/").text  # no API traffic, yet a change
    after = web.app.sandbox.store.aanmeld.school("99XA")  # type: ignore[attr-defined]
    assert after["relatiescholen"] == school["relatiescholen"]  # the rest of the form kept its values


def test_a_bad_range_is_refused_with_the_rules_message_and_nothing_changes(web: TestClient) -> None:
    form = web.get("/inspector/aanmeld/99XA/instellingen").text
    before = web.app.sandbox.store.aanmeld.school("99XA")  # type: ignore[attr-defined]
    answer = web.post(
        "/inspector/aanmeld/99XA/instellingen",
        data={"csrf": csrf_of(form), "laagste": "500", "hoogste": "10", "sector": "VO"},
        headers={"Origin": ORIGIN},
    )
    assert answer.status_code == 400
    assert "stamnummerbereik.hoogste" in answer.text
    assert 'value="10"' in answer.text
    assert web.app.sandbox.store.aanmeld.school("99XA") == before  # type: ignore[attr-defined]


def test_an_api_pupil_can_be_deleted_a_school_pupil_cannot(web: TestClient) -> None:
    enrol(web)
    stamnummer = newest_pupil(web)["stamnummer"]
    card = web.get(f"/inspector/aanmeld/99XA/leerlingen/{stamnummer}").text
    token = csrf_of(card)
    gone = web.post(
        f"/inspector/aanmeld/99XA/leerlingen/{stamnummer}/verwijderen",
        data={"csrf": token},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    assert web.get(f"/inspector/aanmeld/99XA/leerlingen/{stamnummer}").status_code == 404
    refused = web.post(
        "/inspector/aanmeld/16SK/leerlingen/1000/verwijderen",
        data={"csrf": token},
        headers={"Origin": ORIGIN},
    )
    assert refused.status_code == 409
    assert "only API-created pupils can be deleted" in refused.text
    assert web.get("/inspector/aanmeld/16SK/leerlingen/1000").status_code == 200


def test_edu_v_shows_consent_scopes_and_what_they_trim(web: TestClient) -> None:
    index = web.get("/inspector/eduv").text
    assert "consumer-sleutelbos" in index
    assert "consumer-boekenboot" in index
    assert "toestemming: nee (403)" in index  # boekenboot has no consent at 16SK
    refused = web.get("/inspector/eduv/consumer-boekenboot/16SK").text
    assert "consent_required" in refused
    employees = web.get("/inspector/eduv/consumer-sleutelbos/16SK")
    assert employees.status_code == 200
    assert "familyName" in employees.text
    assert "&#34;email&#34;" in employees.text  # every scope: e-mail addresses are sent
    basic = web.get("/inspector/eduv/consumer-sleutelbos/16SK?token=kbx-sleutelbos-basic")
    assert "Geknipt: <code>email</code>" in basic.text  # the basic scope alone trims them
    assert "&#34;email&#34;" not in basic.text


def test_wimpel_shows_each_partners_organisations_and_their_history(web: TestClient) -> None:
    token = {"Authorization": "Bearer kbx-noordstar"}
    web.put("/wimpel/v1/organisations/16SK", json={"sourceId": "nst-new"}, headers=token)
    listing = web.get("/inspector/wimpel/partner-noordstar").text
    assert "16SK" in listing
    assert "nst-new" in listing
    history = web.get("/inspector/wimpel/partner-noordstar/16SK").text
    assert "sourceId changed" in history
    assert "nst-new" in history


# --- the journal ---------------------------------------------------------------------------------------


def test_the_journal_lists_requests_newest_first_and_filters_them(web: TestClient) -> None:
    enrol(web)
    web.get("/wimpel/v1/organisations?limit=0", headers={"Authorization": "Bearer kbx-noordstar"})
    page = web.get("/inspector/journal").text
    assert page.index("listOrganisations") < page.index("submitAanmelding")  # newest first
    seqs = [int(s) for s in re.findall(r'data-seq="(\d+)"', page)]
    assert seqs == sorted(seqs, reverse=True)
    assert len(seqs) == 2
    refused = web.get("/inspector/journal?status=4xx").text
    assert re.findall(r'data-seq="(\d+)"', refused) == [str(max(seqs))]
    by_client = web.get("/inspector/journal?client=partner-inschrijfwijzer").text
    assert re.findall(r'data-seq="(\d+)"', by_client) == [str(min(seqs))]


def test_the_live_rows_hold_only_newer_exchanges(web: TestClient) -> None:
    enrol(web)
    first = web.get("/inspector/journal/rows?after=0")
    newest = int(first.headers["x-newest-seq"])
    assert f'data-seq="{newest}"' in first.text
    assert "data-seq" not in web.get(f"/inspector/journal/rows?after={newest}").text
    enrol(web)
    assert f'data-seq="{newest + 1}"' in web.get(f"/inspector/journal/rows?after={newest}").text


def test_looking_is_not_recorded(web: TestClient) -> None:
    home = web.get("/").text
    icon = re.search(r'rel="icon" href="([^"]+)"', home)
    assert icon  # named, so that browsers do not ask the APIs for /favicon.ico on every page
    for path in (icon.group(1), "/inspector/journal", "/inspector/aanmeld/99XA", "/inspector/nope"):
        web.get(path)
    assert len(web.app.sandbox.journal) == 0  # type: ignore[attr-defined]


def test_an_exchange_opens_with_secrets_masked_findings_and_scenario(web: TestClient) -> None:
    web.get(
        "/wimpel/v1/organisations",
        headers={"Authorization": "Bearer kbx-noordstar", "Prefer": "kbx-scenario=503"},
    )
    seq = web.app.sandbox.journal.entries()[-1].seq  # type: ignore[attr-defined]
    listing = web.get("/inspector/journal").text
    assert "scenario 503" in listing
    detail = web.get(f"/inspector/journal/{seq}").text
    assert "scenario 503" in detail
    assert "kbx-noordstar" not in detail  # the bearer token is masked
    assert "Certificeer partner-noordstar voor wimpel" in detail
    assert web.get("/inspector/journal/999999").status_code == 404


def test_certification_runs_from_the_page(web: TestClient) -> None:
    enrol(web)
    report = web.get("/inspector/certify?api=aanmeld&client=partner-inschrijfwijzer")
    assert report.status_code == 200
    assert re.search(r"<strong>(PASSED|FAILED|INCOMPLETE)</strong>", report.text)
    unknown = web.get("/inspector/certify?api=aanmeld&client=partner-nobody")
    assert unknown.status_code == 400
    assert "partner-nobody" in unknown.text


# --- safe by construction ------------------------------------------------------------------------------


def test_a_partners_markup_is_shown_as_text(web: TestClient) -> None:
    enrol(web, leerling__achternaam=XSS, codeExternePartij=XSS, extraGegevens={XSS: XSS})
    web.get(f"/wimpel/v1/organisations/{XSS}", headers={"Authorization": "Bearer kbx-noordstar"})
    stamnummer = newest_pupil(web)["stamnummer"]
    for path in (
        "/inspector/aanmeld/99XA",
        f"/inspector/aanmeld/99XA/leerlingen/{stamnummer}",
        "/inspector/journal",  # the Wimpel request's path
        f"/inspector/journal/{web.app.sandbox.journal.entries()[0].seq}",  # type: ignore[attr-defined]
    ):
        html = web.get(path).text
        assert "<img" not in html, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path


def test_every_page_carries_a_strict_content_security_policy(web: TestClient) -> None:
    for path in ("/", "/inspector/journal", "/inspector/nope"):
        policy = web.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "default-src 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy
    html = web.get("/inspector/journal").text
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)  # no inline script to allow
    assert not re.search(r"\son[a-z]+=", html)  # nor inline handlers


def test_a_form_without_the_token_or_from_another_site_changes_nothing(web: TestClient) -> None:
    enrol(web)
    token = csrf_of(web.get("/").text)
    assert web.post("/inspector/reset", headers={"Origin": ORIGIN}).status_code == 403
    assert web.post("/inspector/reset", data={"csrf": "guess"}, headers={"Origin": ORIGIN}).status_code == 403
    cross = web.post("/inspector/reset", data={"csrf": token}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    assert any(p["bron"] == "aanmeld-api" for p in web.app.sandbox.store.aanmeld.pupils("99XA"))  # type: ignore[attr-defined]
    with TestClient(web.app, base_url=ORIGIN) as other_browser:  # its own cookie, its own token
        theirs = csrf_of(other_browser.get("/").text)
    assert theirs != token
    assert web.post("/inspector/reset", data={"csrf": theirs}, headers={"Origin": ORIGIN}).status_code == 403
    done = web.post(
        "/inspector/reset", data={"csrf": token}, headers={"Origin": ORIGIN}, follow_redirects=False
    )
    assert done.status_code == 303
    assert not any(p["bron"] == "aanmeld-api" for p in web.app.sandbox.store.aanmeld.pupils("99XA"))  # type: ignore[attr-defined]


def test_home_says_what_changed_since_the_last_reset(web: TestClient) -> None:
    enrol(web)
    assert "submitAanmelding" in web.get("/").text
    token = csrf_of(web.get("/").text)
    web.post("/inspector/reset", data={"csrf": token}, headers={"Origin": ORIGIN})
    assert "submitAanmelding" not in web.get("/").text


def test_errors_are_html_pages_not_the_apis_json(web: TestClient) -> None:
    for path, status in (("/inspector/nope", 404), ("/inspector/aanmeld/ZZ99", 404)):
        answer = web.get(path)
        assert answer.status_code == status
        assert answer.headers["content-type"].startswith("text/html")
    assert web.get("/nope").headers["content-type"].startswith("application/json")  # outside the pages
    wrong_method = web.get("/inspector/reset")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"


def test_off_loopback_the_inspector_asks_for_the_admin_token() -> None:
    app = _app(host="0.0.0.0")
    with TestClient(app) as client:
        refused = client.get("/")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Basic")
        assert "kbx-admin-local" not in refused.text
        wrong = base64.b64encode(b"admin:kbx-noordstar").decode()
        assert (
            client.get("/inspector/journal", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
        )
        right = base64.b64encode(b"admin:kbx-admin-local").decode()
        assert (
            client.get("/inspector/journal", headers={"Authorization": f"Basic {right}"}).status_code == 200
        )
        assert client.get("/health").status_code == 200  # the APIs are not the inspector's to guard


def test_on_loopback_only_a_loopback_host_name_is_answered(web: TestClient) -> None:
    """DNS rebinding: another site's name resolved to 127.0.0.1 reaches the port, but not the pages."""
    assert web.get("/", headers={"Host": "localhost:8080"}).status_code == 200
    assert web.get("/", headers={"Host": "[::1]:8080"}).status_code == 200
    rebound = web.get("/", headers={"Host": "attacker.example"})
    assert rebound.status_code == 403
    assert "csrf" not in rebound.text
