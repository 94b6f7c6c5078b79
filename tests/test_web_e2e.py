"""The web inspector in a real browser: Debian's Chromium, driven by Playwright, against a sandbox served by
uvicorn; requests sent to the APIs over HTTP as a vendor's client would send them.

One browser and one sandbox for the module (CI time); each test starts from the seeded state. The pages'
screenshots in the README (docs/screenshots/) are taken here, so they show what the tests saw.

Playwright cannot download its own browser on these machines: `.ci/run` installs Debian's `chromium`.
Without it these tests skip, unless KOPPELBOX_REQUIRE_CHROMIUM is set (CI), where they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from koppelbox.conformance.local import ThreadedServer
from koppelbox.server.app import SandboxApp, create_app
from koppelbox.store import Store
from koppelbox.web import mount
from tests.aanmeld_support import ENROL, PDF, document, enrolment

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PARTNER = {"Authorization": "Bearer kbx-inschrijfwijzer"}
XSS = "<img src=x onerror=alert(1)>"

if not CHROMIUM.exists() and not os.environ.get("KOPPELBOX_REQUIRE_CHROMIUM"):
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[SandboxApp, str]]:
    app = create_app(Store.from_directory())
    mount(app)
    server = ThreadedServer(app)
    try:
        yield app, server.base_url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def base(sandbox: tuple[SandboxApp, str]) -> str:
    app, url = sandbox
    app.sandbox.store.reset()
    app.sandbox.journal.clear()
    return url


@pytest.fixture
def page(browser: Browser, base: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=base, viewport={"width": 1024, "height": 680}, accept_downloads=True
    )
    page = context.new_page()
    problems: list[str] = []
    # Any script that runs (an alert from a partner's value) or any policy violation fails the test.
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    context.close()
    assert not problems


def shoot(page: Page, name: str) -> None:
    """The README's screenshot of this page: written when missing or when KOPPELBOX_SCREENSHOTS is set
    (`KOPPELBOX_SCREENSHOTS=1 pytest tests/test_web_e2e.py` refreshes them all), so that an ordinary run
    does not rewrite them with new times and ports."""
    target = SCREENSHOTS / f"{name}.png"
    if target.exists() and not os.environ.get("KOPPELBOX_SCREENSHOTS"):
        page.screenshot()  # the page still renders to an image; nothing written
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))


def send(base: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(base + ENROL, json=body, headers={**PARTNER, **(headers or {})}, timeout=10)


def test_home_shows_the_apis_and_a_reset(page: Page, base: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="koppelbox sandbox")).to_be_visible()
    expect(page.get_by_role("link", name="Swagger UI van aanmeld")).to_have_attribute("href", "/aanmeld/ui/")
    shoot(page, "home")
    send(base, enrolment())
    page.reload()
    expect(page.locator("#changes ~ table")).to_contain_text("submitAanmelding")
    page.get_by_role("button", name="Sandbox terugzetten (reset)").click()
    expect(page.get_by_role("status")).to_contain_text("teruggezet")
    expect(page.locator("section", has_text="Veranderd sinds")).not_to_contain_text("submitAanmelding")


def test_an_enrolment_appears_in_the_overview_and_its_cards(page: Page, base: str) -> None:
    assert send(base, enrolment(documenten=[document(PDF)])).status_code == 201
    page.goto("/")
    page.get_by_role("link", name="Aanmeld", exact=True).click()
    page.get_by_role("link", name="99XA", exact=True).first.click()
    page.get_by_label("Alleen leerlingen zonder aanmelding").check()
    page.get_by_role("button", name="Toon").click()
    row = page.locator("#leerlingen tbody tr", has_text="Dijkstra")
    expect(row).to_contain_text("IW-2026-000417")
    shoot(page, "aanmeld-overview")
    row.get_by_role("link").first.click()
    for card in ("Personalia", "Ouders/verzorgers", "Aanvullend", "Vooropleiding", "Externe aanmelding"):
        expect(page.get_by_role("heading", name=card, exact=True)).to_be_visible()
    expect(page.locator("section", has=page.get_by_role("heading", name="Aanvullend"))).to_contain_text(
        "Advies vorige school: havo/vwo"
    )
    shoot(page, "aanmeld-pupil")


def test_a_document_downloads_as_the_exact_bytes(page: Page, base: str) -> None:
    data = PDF + bytes(range(256))
    send(base, enrolment(documenten=[document(data, name="rapport groep 8.pdf")]))
    page.goto("/inspector/aanmeld/99XA?zonderAanmelding=1")
    page.locator("#leerlingen tbody tr", has_text="Dijkstra").get_by_role("link").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="rapport groep 8.pdf").click()
    assert download.value.suggested_filename == "rapport groep 8.pdf"
    assert Path(download.value.path()).read_bytes() == data


def test_a_new_stamnummer_range_numbers_the_next_pupil(page: Page, base: str) -> None:
    page.goto("/inspector/aanmeld/99XA/instellingen")
    page.get_by_label("Laagste").fill("70000")
    page.get_by_label("Hoogste").fill("70010")
    shoot(page, "aanmeld-settings")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("opgeslagen")
    send(base, enrolment())
    page.goto("/inspector/aanmeld/99XA")
    expect(page.locator("#leerlingen tbody tr", has_text="Dijkstra")).to_contain_text("70000")


def test_the_journal_shows_a_request_live_and_marks_its_scenario(page: Page, base: str) -> None:
    page.goto("/inspector/journal")
    rows = page.locator("#journal-rows tr")
    expect(rows).to_have_count(0)
    send(base, enrolment())  # while the page is open: it must appear without a reload
    expect(rows.first).to_contain_text("submitAanmelding", timeout=10_000)
    httpx.get(
        base + "/wimpel/v1/organisations",
        headers={"Authorization": "Bearer kbx-noordstar", "Prefer": "kbx-scenario=503"},
        timeout=10,
    )
    expect(rows.first).to_contain_text("scenario 503", timeout=10_000)
    expect(rows).to_have_count(2)
    shoot(page, "journal")
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("503")
    expect(page.locator(".facts")).to_contain_text("scenario 503")
    expect(page.locator("body")).not_to_contain_text("kbx-noordstar")  # the token is masked
    shoot(page, "journal-entry")
    page.get_by_role("button", name=re.compile("Certificeer partner-noordstar")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Certification")
    expect(page.locator(".verdict")).to_contain_text(re.compile("PASSED|FAILED|INCOMPLETE"))


def test_a_partners_markup_is_shown_literally_and_never_runs(page: Page, base: str) -> None:
    send(base, enrolment(leerling__achternaam=XSS, codeExternePartij=XSS))
    page.goto("/inspector/aanmeld/99XA?zonderAanmelding=1")
    row = page.locator("#leerlingen tbody tr", has_text=XSS)
    expect(row).to_contain_text(XSS)
    assert page.locator("img").count() == 0
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(XSS)
    assert page.locator("img").count() == 0  # and the page fixture saw no dialog


def test_the_pages_work_with_the_keyboard(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Naar de inhoud")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "main")
    page.get_by_role("link", name="Edu-V").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edu-V")
    shoot(page, "eduv")
    link = page.get_by_role("link", name=re.compile("medewerkers van 16SK voor consumer-sleutelbos"))
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("table").first).to_contain_text("familyName")
