"""Citizens' pages on a phone (390×844) and an office screen (1366×768), in Debian's headless Chromium: find a
procedure without diacritics, read its page, submit online, note the code and PIN, look the dossier up, read what
is missing and answer it online. Every page: no horizontal overflow; screenshots in test-artifacts/citizens/."""

from __future__ import annotations

import re

import pytest

from engine.dossiers import actions
from tests.conftest import ROOT
from tests.helpers import HO_KINH_DOANH, receive_sample
from tests.test_browser import CHROMIUM, browser_session
from web.extensions import limiter

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="LOUD SKIP: Chromium is not installed")
ARTIFACTS = ROOT / "test-artifacts" / "citizens"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}
MISSING = ["Hợp đồng thuê địa điểm kinh doanh", "Bản sao Căn cước công dân của chủ hộ"]


def check(page, name: str, size: str) -> None:
    """No horizontal overflow, no script error; a full-page screenshot."""
    page.wait_for_load_state()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{name} at {size}: scrollWidth {width[0]} > innerWidth {width[1]}"
    assert page.errors == [], page.errors
    page.screenshot(path=str(ARTIFACTS / f"{size}-{name}.png"), full_page=True)


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_citizen_pages_fit_the_screen(app, ctx, people, size):
    limiter.reset()
    awaiting = receive_sample(ctx, people, HO_KINH_DOANH)
    actions.request_supplement(ctx, people("xa.motcua"), awaiting.code,
                               {"reason": "Hồ sơ thiếu giấy tờ về địa điểm kinh doanh", "missing": MISSING})
    with browser_session(app, ARTIFACTS, VIEWPORTS[size]) as page:
        page.goto(f"{page.base}/")
        check(page, "01-catalogue", size)
        page.fill("#cat-q", "dang ky khai sinh")
        page.click("form.catalogue-search button[type=submit]")
        check(page, "02-catalogue-search", size)
        assert page.locator("table.procedures tbody tr").count() == 1
        submit_button = page.locator("table.procedures a.button", has_text="Nộp trực tuyến").first
        box = submit_button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[size]["width"] and box["height"] >= (44 if size == "phone" else 24)  # a thumb's target

        page.click("table.procedures td.name a")
        check(page, "03-procedure", size)
        assert "trong ngày làm việc tiếp nhận" in page.inner_text("main")
        page.click("a.button.big, aside a.button.block")
        page.select_option("#agency", "000.00.31.H99")
        page.fill("#ap-name", "Lê Văn Cường")
        page.fill("#ap-phone", "0912345678")
        page.locator("input[name=documents]").first.check()
        check(page, "04-submit", size)
        page.click("main form button[type=submit]")

        check(page, "05-confirmation", size)
        code, pin = page.inner_text(".confirmation .code"), page.inner_text(".confirmation .pin")
        assert re.fullmatch(r"000\.00\.3\d\.H99-261207-\d{4}", code) and re.fullmatch(r"\d{8}", pin)
        for selector in (".confirmation .code", ".confirmation .pin"):  # on one line, never a character per line
            height = page.locator(selector).bounding_box()["height"]
            assert height < 40, f"{selector} wraps: {height}px"

        page.goto(f"{page.base}/lookup?code={awaiting.code}")  # what the QR code holds: the code only
        check(page, "06-lookup-form", size)
        page.fill("#lk-pin", awaiting.pin)
        page.click("main form.lookup-form button[type=submit]")
        check(page, "07-lookup-supplement", size)
        assert "?pin" not in page.url and awaiting.pin not in page.url
        text = page.inner_text("main")
        assert all(item in text for item in MISSING) and "Bổ sung hồ sơ trực tuyến" in text

        page.click("a[href='#bo-sung']")
        page.click("#bo-sung button[type=submit]")
        check(page, "08-lookup-answered", size)
        assert "Đã gửi hồ sơ bổ sung" in page.inner_text("main") and "?pin" not in page.url
