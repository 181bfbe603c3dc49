"""The process designer in a real browser (Playwright driving Debian's Chromium against the app on 127.0.0.1):
open the bpmn-js modeler served by the app, change a step deadline and a lane mapping, see a validation error
appear on its element and disappear, publish with a change note, then start a dossier on the new version while
an older dossier continues on the old one. Screenshots go to test-artifacts/designer/."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.db.models import Dossier
from tests.conftest import ROOT
from tests.helpers import KHAI_SINH, open_tasks, receive_sample
from tests.test_browser import CHROMIUM, browser_session, complete_step, open_from_inbox, sign_in, sign_out

ARTIFACTS = ROOT / "test-artifacts" / "designer"
VENDOR = ROOT / "web" / "static" / "vendor" / "bpmn-js" / "bpmn-modeler.production.min.js"

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="LOUD SKIP: Chromium is not installed (make test installs it as root)"),
    pytest.mark.skipif(not VENDOR.is_file(), reason="LOUD SKIP: bpmn-js is not built (run `make install`: npm ci)"),
]


@pytest.fixture
def browser_page(app):
    with browser_session(app, ARTIFACTS, {"width": 1500, "height": 950}) as page:
        yield page


def shot(page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def version_of(ctx, code: str) -> int:
    with ctx.db.transaction() as session:
        return session.scalar(select(Dossier).where(Dossier.code == code)).procedure_version.number


def errors_listed(page) -> list[str]:
    return page.locator("#problems li.problem.error").all_inner_texts()


def test_designer_edits_validates_publishes_and_dossiers_keep_their_version(browser_page, ctx, people):
    page = browser_page
    old = receive_sample(ctx, people).code  # received before the change: stays on version 1

    sign_in(page, "tinh.thietke")
    page.click("header >> text=Thiết kế quy trình")
    page.wait_for_url("**/designer/")
    shot(page, "01-procedures")
    page.locator("tr", has_text=KHAI_SINH).locator("text=Tạo bản nháp").click()
    page.wait_for_url("**/designer/drafts/*")
    page.wait_for_selector("body[data-modeler-ready='1']")
    page.wait_for_selector("#problems li.problem.ok")  # the version in force is valid
    assert page.locator(".djs-container svg").count() >= 1  # bpmn-js drew the diagram
    shot(page, "02-modeler")

    # A step deadline: its meaning in working time, then a budget error on the process, then fixed.
    page.click('[data-element-id="ky_duyet"]')
    deadline = page.locator("#f-deadline")
    assert deadline.input_value() == "PT2H"
    page.wait_for_selector("#f-deadline-meaning:has-text('PT2H = 2 giờ làm việc')")
    deadline.fill("PT6H")
    page.wait_for_selector("#f-deadline-meaning:has-text('PT6H = 6 giờ làm việc')")
    page.wait_for_selector("#problems li.problem.error")
    [budget_error] = errors_listed(page)
    assert "tham_dinh_ho_so → ky_duyet → vao_so_ho_tich" in budget_error and "vượt thời hạn" in budget_error
    assert page.locator(".dz-badge.error").count() == 1  # drawn on the pool of the process
    assert "VƯỢT" in page.inner_text("#budget")
    shot(page, "03-deadline-error")
    deadline.fill("PT3H")
    page.wait_for_selector("#problems li.problem.ok")
    assert errors_listed(page) == [] and page.locator(".dz-badge").count() == 0

    # A lane mapping: unmapped, the lane is marked; mapped to the leader at commune level, valid again.
    page.select_option("#element-picker", "lane_ld")
    page.select_option("#f-lane-role", "")
    page.wait_for_selector("#problems li.problem.error")
    assert any("Lãnh đạo UBND xã" in e and "chưa được gán vai trò" in e for e in errors_listed(page))
    assert page.locator('[data-element-id="lane_ld"].dz-error').count() == 1
    shot(page, "04-lane-error")
    page.select_option("#f-lane-role", "leader")
    page.select_option("#f-lane-level", "commune")
    page.wait_for_selector("#problems li.problem.ok")
    assert "leader / commune" in page.inner_text("#lane-summary")
    shot(page, "05-valid-again")

    # Publish with a change note: a new version in force; the old one retired.
    page.fill("#publish-note", "Kéo dài thời hạn ký lên 3 giờ; làn lãnh đạo ở cấp xã")
    page.click("#publish")
    page.wait_for_url(f"**/designer/procedures/{KHAI_SINH}?published=2")
    assert "Đã ban hành phiên bản 2" in page.inner_text("main")
    row = page.locator("#version-2")
    assert "Đang áp dụng" in row.inner_text() and "tinh.thietke" in row.inner_text()
    assert "Đã thay thế" in page.inner_text("#version-1")
    assert "ky_duyet" in page.inner_text("#diff") and "3 giờ làm việc" in page.inner_text("#diff")
    page.click("#migration button[name=run][value='0']")
    page.wait_for_selector("#migration-summary")
    assert old in page.inner_text("table.migration")
    shot(page, "06-published-diff-migration-dry-run")
    sign_out(page)

    # A new dossier starts on version 2 ...
    sign_in(page, "xa.motcua")
    page.goto(f"{page.base}/officer/reception?procedure={KHAI_SINH}")
    page.fill("#ap-name", "Lê Văn Cường")
    page.fill("#ap-id", "001199054321")
    page.fill("#ap-phone", "0912000111")
    page.locator('input[name="documents"]').first.check()
    page.click("text=Tiếp nhận và in giấy hẹn")
    page.wait_for_url("**/receipt")
    new = page.inner_text("strong.code").strip()
    sign_out(page)
    assert (version_of(ctx, old), version_of(ctx, new)) == (1, 2)

    # ... while the older one continues on version 1 (its signing step keeps the old 2-hour deadline).
    sign_in(page, "xa.vp.chuyenvien")
    open_from_inbox(page, old)
    complete_step(page, {"eligible": "true"})
    shot(page, "07-old-dossier-continues")
    sign_out(page)
    assert [(t.step_id, t.deadline) for t in open_tasks(ctx, old)] == [("ky_duyet", "PT2H")]
    assert version_of(ctx, old) == 1
    assert page.errors == []
    for name in ("02-modeler", "03-deadline-error", "04-lane-error", "06-published-diff-migration-dry-run"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
