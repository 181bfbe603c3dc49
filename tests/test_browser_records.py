"""The printed records as a person sees them on screen (headless Chromium against the app on 127.0.0.1):
the tracking book with its filters and the apology letter, in the form font the app serves. Screenshots
are saved under test-artifacts/browser/."""

from __future__ import annotations

import pytest

from tests.records_scenario import seed_week
from tests.test_browser import ARTIFACTS, CHROMIUM, browser_page, shot, sign_in  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="LOUD SKIP: Chromium is not installed (make test installs Debian's chromium as root)")

FONT_READY = "document.fonts.ready.then(() => document.fonts.check('12pt \"Motcua Form Serif\"'))"


def test_tracking_book_and_apology_on_screen(browser_page, ctx, people, clock):  # noqa: F811
    page = browser_page
    week = seed_week(ctx, people, clock)
    sign_in(page, "xa.motcua")
    page.click("header >> text=Sổ theo dõi hồ sơ")
    page.fill("#tb-from", "2026-12-07")
    page.fill("#tb-to", "2026-12-11")
    page.click(".print-toolbar form button[type=submit]")
    page.wait_for_url("**/records/tracking-book?**")
    assert page.locator("table.book tbody tr").count() == 4
    assert page.evaluate(FONT_READY) is True
    assert page.locator("h1.form-title").inner_text() == "SỔ THEO DÕI HỒ SƠ"
    shot(page, "20-tracking-book")
    page.goto(f"{page.base}/officer/dossiers/{week['B']}")
    page.click("text=Phiếu xin lỗi, hẹn lại (Mẫu 04)")
    page.wait_for_url("**/forms/04")
    assert "17 giờ 00 phút, ngày 14/12/2026" in page.locator("article.sheet").inner_text()
    assert page.evaluate(FONT_READY) is True
    assert (ARTIFACTS / "20-tracking-book.png").stat().st_size > 10_000
    shot(page, "21-form-04-apology")
