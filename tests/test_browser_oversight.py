"""The oversight loop in headless Chromium, driven by the clock: the apology prompt on the dossier page,
the unit head's corrective action and the auditor's closure, the audit log and the outbox. Screenshots
are saved under test-artifacts/browser/."""

from __future__ import annotations

import pytest

from engine.worker.sweep import sweep
from tests.helpers import HO_KINH_DOANH, receive_sample
from tests.test_browser import CHROMIUM, browser_page, shot, sign_in, sign_out  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="LOUD SKIP: Chromium is not installed (make test installs Debian's chromium as root)")


def test_oversight_loop_in_the_browser(browser_page, ctx, people, clock):
    page = browser_page
    code = receive_sample(ctx, people, HO_KINH_DOANH).code
    clock.set_local("2026-12-09T08:00")  # the appraisal is a day late; the appointment is tomorrow 08:00
    report = sweep(ctx)
    assert report.escalation.overdue_notices == 1 and report.escalation.apology_prompts == 1

    sign_in(page, "xa.kt.truongphong")
    page.goto(f"{page.base}/officer/dossiers/{code}")
    prompt = page.locator("#apology-prompt")
    assert "Trưởng Phòng Kinh tế (xa.kt.truongphong)" in prompt.inner_text()
    shot(page, "oversight-01-apology-prompt")
    page.click("header >> text=Điểm không phù hợp")
    page.click('summary:has-text("Ghi nhận nguyên nhân và hành động khắc phục")')
    page.fill("textarea[name=cause]", "Chuyên viên nghỉ ốm, không có người thay")
    page.fill("textarea[name=corrective_action]", "Phân công chuyên viên dự phòng cho từng lĩnh vực")
    shot(page, "oversight-02-corrective-action")
    page.click('button:has-text("Lưu")')
    page.wait_for_load_state()
    assert "Đã ghi nhận nguyên nhân và hành động khắc phục." in page.inner_text(".flash")
    sign_out(page)

    sign_in(page, "xa.auditor")
    page.goto(f"{page.base}/officer/nonconformities")
    page.click('summary:has-text("Kiểm tra và đóng")')
    page.fill("textarea[name=note]", "Đã kiểm tra bảng phân công dự phòng")
    page.click('button:has-text("Đóng điểm không phù hợp")')
    page.wait_for_load_state()
    assert "Đã kiểm tra và đóng điểm không phù hợp." in page.inner_text(".flash")
    shot(page, "oversight-03-closed")
    page.click("header >> text=Nhật ký kiểm tra")
    page.fill("#f-code", code)
    page.click("form.filters button")
    page.wait_for_load_state()
    assert page.locator(".badge.chain-ok").count() >= 1
    shot(page, "oversight-04-audit-log")
    sign_out(page)

    sign_in(page, "xa.admin")
    page.click("header >> text=Hộp thư đi")
    assert "binh@example.org" in page.inner_text("table")
    shot(page, "oversight-05-outbox")
    page.click('text=Địa chỉ nhận thông báo của cán bộ')
    row = page.locator("#u-xa\\.kt\\.truongphong")
    row.locator("input[name=email]").fill("kt@example.org")
    row.locator('button:has-text("Lưu")').click()
    page.wait_for_load_state()
    assert "Đã lưu địa chỉ nhận thông báo." in page.inner_text(".flash")
    assert page.locator("#u-xa\\.kt\\.truongphong input[name=email]").input_value() == "kt@example.org"
    shot(page, "oversight-06-contacts")
    assert page.errors == []
