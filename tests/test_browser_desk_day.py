"""A desk officer's day in a real browser (Debian's headless Chromium, 1366×768): find a dossier by a name typed
without diacritics, open the worklists, hand back a result and a refusal from "Chờ trả kết quả". Screenshots are
saved under test-artifacts/desk/."""

from __future__ import annotations

from engine.demo.walkthrough import complete_open_steps
from engine.dossiers import actions as dossiers
from tests.conftest import ROOT
from tests.helpers import applicant, dossier, receive_sample
from tests.test_browser import browser_session, pytestmark, sign_in  # noqa: F401  (the Chromium skip)

ARTIFACTS = ROOT / "test-artifacts" / "desk"


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_desk_officers_day(app, ctx, people, clock):
    clock.set_local("2026-12-07T08:00")
    resolved = receive_sample(ctx, people, applicant=applicant("Trần Thị Hoa")).code
    complete_open_steps(ctx, resolved)
    refused = receive_sample(ctx, people, applicant=applicant("Lê Văn Đức")).code
    dossiers.refuse(ctx, people("xa.lanhdao"), refused, {"reason": "Không thuộc thẩm quyền giải quyết"})
    clock.set_local("2026-12-07T10:00")
    with browser_session(app, ARTIFACTS, {"width": 1366, "height": 768}) as page:
        sign_in(page, "xa.motcua")
        page.fill("header input[name=q]", "tran thi hoa")
        page.press("header input[name=q]", "Enter")
        page.wait_for_load_state()
        shot(page, "01-search-without-diacritics")
        assert resolved in page.inner_text("main") and "Trần Thị Hoa" in page.inner_text("main")
        page.goto(f"{page.base}/officer/worklists")
        shot(page, "02-worklists")
        assert "Chờ trả kết quả" in page.inner_text("nav.tabs")
        for code in (resolved, refused):
            page.check(f'input[name=code][value="{code}"]')
        page.click("text=Trả kết quả các hồ sơ đã chọn")
        page.wait_for_load_state()
        shot(page, "03-handed-back")
        assert resolved in page.inner_text(".flash.success") and refused in page.inner_text(".flash.success")
        assert not page.errors, page.errors
    assert dossier(ctx, resolved).status == "returned"
    assert dossier(ctx, refused).status == "refused" and dossier(ctx, refused).returned_at is not None
