"""The whole journey in a real browser (Playwright driving Debian's headless Chromium against the app
served by waitress on 127.0.0.1): reception desk → each officer's inbox → hand-back → citizen lookup.
Screenshots of the inbox, dossier page, receipt and lookup are saved under test-artifacts/."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, ROOT
from tests.live_server import LiveServer
from web.extensions import limiter
from web.forms_render import FIELD_PREFIX

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="LOUD SKIP: Chromium is not installed (make test installs Debian's chromium as root)")


@contextmanager
def browser_session(app, artifacts: Path, viewport: dict[str, int]):
    """The app on a live 127.0.0.1 server and a Chromium page pointed at it; page errors are collected."""
    artifacts.mkdir(parents=True, exist_ok=True)
    with LiveServer(app) as server, playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base = server.url
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def browser_page(app):
    with browser_session(app, ARTIFACTS, {"width": 1366, "height": 768}) as page:
        yield page


def shot(page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, username: str) -> None:
    page.goto(f"{page.base}/officer/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{page.base}/officer/**")


def sign_out(page) -> None:
    page.goto(f"{page.base}/officer/")
    page.click("header form[action$='logout'] button")
    page.wait_for_load_state()


def open_from_inbox(page, code: str, screenshot: str | None = None) -> None:
    page.goto(f"{page.base}/officer/inbox?scope=available")
    if screenshot:
        shot(page, screenshot)
    page.click(f"text={code}")
    page.wait_for_url(f"**/officer/dossiers/{code}")


def take_next(page, code: str) -> None:
    """The inbox's "take the next step" button: the step is claimed and its dossier opens."""
    page.goto(f"{page.base}/officer/inbox")
    page.click("form.claim-next button")
    page.wait_for_url(f"**/officer/dossiers/{code}")
    assert "Đã nhận bước tiếp theo" in page.inner_text(".flash.success")


def complete_step(page, answers: dict[str, str], screenshot: str | None = None) -> None:
    for key, value in answers.items():
        name = FIELD_PREFIX + key
        field = page.locator(f'[name="{name}"]').first
        if field.get_attribute("type") == "radio":
            page.check(f'input[name="{name}"][value="{value}"]')
        else:
            field.fill(value)
    if screenshot:
        shot(page, screenshot)
    page.click("text=Hoàn thành bước")
    page.wait_for_load_state()


def test_dossier_from_reception_to_hand_back_and_citizen_lookup(browser_page):
    page = browser_page
    sign_in(page, "xa.motcua")
    page.goto(f"{page.base}/officer/reception?procedure=1.001193")
    page.fill("#ap-name", "Nguyễn Thị Hoa")
    page.fill("#ap-id", "001199012345")
    page.fill("#ap-phone", "0912345678")
    page.locator('input[name="documents"]').first.check()
    page.click("text=Tiếp nhận và in giấy hẹn")
    page.wait_for_url("**/receipt")
    code = page.inner_text("strong.code").strip()
    pin = page.inner_text("strong.pin").strip()
    assert code.startswith("000.00.31.H99-") and len(pin) == 8
    assert page.locator("svg").count() >= 1  # the QR code of the lookup link
    shot(page, "01-receipt")
    sign_out(page)

    sign_in(page, "xa.vp.chuyenvien")
    open_from_inbox(page, code, screenshot="02-inbox-specialist")
    complete_step(page, {"eligible": "true"}, screenshot="03-dossier-appraisal")
    sign_out(page)

    sign_in(page, "xa.lanhdao")
    take_next(page, code)
    complete_step(page, {"approved": "true"})
    sign_out(page)

    sign_in(page, "xa.vp.chuyenvien")
    open_from_inbox(page, code)
    complete_step(page, {"register_number": "125/2026"})
    sign_out(page)

    sign_in(page, "xa.motcua")
    page.goto(f"{page.base}/officer/dossiers/{code}")
    assert page.locator("text=Trả kết quả").count() >= 1
    shot(page, "04-dossier-resolved")
    page.click("form[action$='hand-back'] button")
    page.wait_for_load_state()
    sign_out(page)

    page.goto(f"{page.base}/lookup")
    page.fill("#lk-code", code)
    page.fill("#lk-pin", pin)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "Đã trả kết quả" in page.inner_text(".status-label")
    shot(page, "05-citizen-lookup")

    limiter.reset()  # a sixth sign-in within the test's minute would hit the login rate limit
    sign_in(page, "xa.lanhdao")  # the leader's dashboard now counts the dossier
    page.goto(f"{page.base}/officer/dashboard")
    assert page.locator("svg.chart").count() >= 2 and page.inner_text('[data-kpi="resolved"]') == "1"
    assert shot(page, "06-dashboard").stat().st_size > 10_000
    for name in ("01-receipt", "02-inbox-specialist", "03-dossier-appraisal", "05-citizen-lookup"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
