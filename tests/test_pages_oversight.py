"""The oversight pages: nonconformities (unit head records, auditor closes), the audit log with hash-chain
state, the administrators' outbox with retry, the apology prompt on the dossier page; 403 for the others."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engine.db.models import Dossier, Event, Notification
from engine.worker.sweep import sweep
from tests.helpers import HO_KINH_DOANH, receive_sample
from tests.page_helpers import flashes, login, post, text

NC_PAGE = "/officer/nonconformities"
ACTION = {"cause": "Chuyên viên nghỉ ốm, không có người thay", "corrective_action": "Phân công người dự phòng"}


def officer(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.fixture
def late(ctx, people, clock):
    """A business registration whose appraisal is late (nonconformity raised Tue 08:01)."""
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    clock.set_local("2026-12-08T08:01")
    sweep(ctx)
    return receipt.code


def nc_id(ctx) -> int:
    from engine.db.models import Nonconformity

    with ctx.db.transaction() as session:
        return session.scalar(select(Nonconformity.id))


def test_unit_head_records_the_action_and_the_auditor_closes(app, ctx, late):
    head = officer(app, "xa.kt.truongphong")
    page = head.get(NC_PAGE)
    body = text(page)
    assert page.status_code == 200 and late in body and "Phòng Kinh tế" in body
    assert "Ghi nhận nguyên nhân và hành động khắc phục" in body and "Kiểm tra và đóng" not in body
    assert 'href="/officer/nonconformities"' in body  # the menu link
    short = post(head, f"{NC_PAGE}/{nc_id(ctx)}/action", {"cause": "x", "corrective_action": "y"},
                 token_from=NC_PAGE, follow_redirects=True)
    assert any("cause" in f for f in flashes(short))
    done = post(head, f"{NC_PAGE}/{nc_id(ctx)}/action", {**ACTION, "next": "/officer/nonconformities?status=open"},
                token_from=NC_PAGE)
    assert done.status_code == 302 and done.headers["Location"].endswith("/officer/nonconformities?status=open")
    auditor = officer(app, "xa.auditor")
    body = text(auditor.get(NC_PAGE))
    assert ACTION["cause"] in body and "Kiểm tra và đóng" in body
    closed = post(auditor, f"{NC_PAGE}/{nc_id(ctx)}/close", {"note": "Đã kiểm tra phân công dự phòng"},
                  token_from=NC_PAGE, follow_redirects=True)
    assert "Đã kiểm tra và đóng điểm không phù hợp." in flashes(closed)
    assert "Đã kiểm tra phân công dự phòng" in text(auditor.get(f"{NC_PAGE}?status=closed"))


def test_nonconformity_pages_refuse_the_others(app, ctx, late):
    desk = officer(app, "xa.motcua")
    assert desk.get(NC_PAGE).status_code == 403
    assert 'href="/officer/nonconformities"' not in text(desk.get("/officer/inbox"))
    other_head = officer(app, "xa.vp.truongphong")
    assert late not in text(other_head.get(NC_PAGE))
    assert post(other_head, f"{NC_PAGE}/{nc_id(ctx)}/action", ACTION, token_from=NC_PAGE).status_code == 403
    head = officer(app, "xa.kt.truongphong")
    assert post(head, f"{NC_PAGE}/{nc_id(ctx)}/close", {"note": "Tự đóng"}, token_from=NC_PAGE).status_code == 403
    assert head.get(f"{NC_PAGE}?status=lost").status_code == 422


def test_audit_page_shows_events_chain_state_and_refusals(app, ctx, late):
    auditor = officer(app, "xa.auditor")
    page = auditor.get("/officer/audit")
    body = text(page)
    assert page.status_code == 200 and late in body and "Toàn vẹn" in body and "Hỏng" not in body
    with ctx.db.transaction() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == late))
        session.execute(update(Event).where(Event.dossier_id == dossier_id, Event.seq == 2).values(payload={}))
    body = text(auditor.get(f"/officer/audit?code={late}&kind=handed_over"))
    assert "Hỏng" in body and f"{late} #2: content does not match its hash (edited)" in body
    bad = auditor.get("/officer/audit?from=2026-13-01")
    assert bad.status_code == 422 and "2026-13-01" in text(bad)
    officer(app, "xa.kt.chuyenvien").get("/officer/audit")  # refused, and logged
    security = text(auditor.get("/officer/audit?tab=security&denied=1"))
    assert "xa.kt.chuyenvien" in security and "view_audit_log" in security
    assert officer(app, "xa.lanhdao").get("/officer/audit").status_code == 403


def test_outbox_page_and_retry(app, ctx, late, clock):
    with ctx.db.transaction() as session:
        session.execute(update(Notification).where(Notification.channel == "email")
                        .values(status="failed", attempts=5, last_error="SMTPServerDisconnected: gone"))
        failed_id = session.scalar(select(Notification.id).where(Notification.status == "failed"))
    admin = officer(app, "xa.admin")
    body = text(admin.get("/officer/admin/outbox"))
    assert "binh@example.org" in body and "SMTPServerDisconnected: gone" in body and "Gửi lại" in body
    assert 'href="/officer/admin/outbox"' in body
    assert "binh@example.org" not in text(admin.get("/officer/admin/outbox?status=sent"))
    other = officer(app, "xa2.admin")
    assert "binh@example.org" not in text(other.get("/officer/admin/outbox"))
    assert post(other, f"/officer/admin/outbox/{failed_id}/retry", token_from="/officer/admin/outbox",
                follow_redirects=True).status_code == 403  # another commune's message: refused, nothing changes
    with ctx.db.transaction() as session:
        assert session.get(Notification, failed_id).status == "failed"
    retried = post(admin, f"/officer/admin/outbox/{failed_id}/retry", token_from="/officer/admin/outbox",
                   follow_redirects=True)
    assert "Đã đưa thông báo vào hàng gửi lại." in flashes(retried)
    with ctx.db.transaction() as session:
        assert session.get(Notification, failed_id).status == "pending"
    assert officer(app, "xa.auditor").get("/officer/admin/outbox").status_code == 403


def test_admin_sets_an_officers_contact_on_the_contacts_page(app, ctx):
    from engine.db.models import User, UserContact

    admin = officer(app, "xa.admin")
    page = text(admin.get("/officer/admin/contacts"))
    assert "xa.kt.truongphong" in page and "Phòng Kinh tế" in page and "xa2.admin" not in page  # own agency only
    assert 'href="/officer/admin/contacts"' in text(admin.get("/officer/admin/outbox"))
    contacts = "/officer/admin/contacts"
    saved = post(admin, f"{contacts}/xa.kt.truongphong", {"email": "kt@example.org", "phone": "0912 345 678"},
                 token_from=contacts, follow_redirects=True)
    assert "Đã lưu địa chỉ nhận thông báo." in flashes(saved) and 'value="kt@example.org"' in text(saved)
    bad = post(admin, f"{contacts}/xa.kt.truongphong", {"email": "not-an-address", "phone": ""}, token_from=contacts,
               follow_redirects=True)
    assert bad.status_code == 200 and flashes(bad) and "Đã lưu" not in " ".join(flashes(bad))

    def stored():
        with ctx.db.transaction() as session:
            user_id = session.scalar(select(User.id).where(User.username == "xa.kt.truongphong"))
            row = session.get(UserContact, user_id)
            return (row.email, row.phone) if row else None

    assert stored() == ("kt@example.org", "0912 345 678")  # the bad address changed nothing
    other = officer(app, "xa2.admin")
    assert post(other, f"{contacts}/xa.kt.truongphong", {"email": "x@example.org"}, token_from=contacts,
                follow_redirects=True).status_code == 403  # another commune's officer
    assert officer(app, "xa.kt.truongphong").get(contacts).status_code == 403
    cleared = post(admin, f"{contacts}/xa.kt.truongphong", {"email": "", "phone": ""}, token_from=contacts,
                   follow_redirects=True)
    assert "Đã lưu địa chỉ nhận thông báo." in flashes(cleared) and stored() is None
    admin.get("/lang/en")
    assert "Officers' notification contacts" in text(admin.get(contacts))


def test_dossier_page_shows_who_must_sign_the_apology(app, ctx, late, clock):
    clock.set_local("2026-12-09T08:00")
    sweep(ctx)
    body = text(officer(app, "xa.lanhdao").get(f"/officer/dossiers/{late}"))
    assert "Cần phát hành Phiếu xin lỗi và hẹn lại (Mẫu 04)" in body
    assert "Trưởng Phòng Kinh tế (xa.kt.truongphong) — Phòng Kinh tế" in body
    assert "Thẩm định hồ sơ đăng ký hộ kinh doanh — Phòng Kinh tế: quá hạn từ 08/12/2026 08:00" in body


def test_english_switch(app, late):
    head = officer(app, "xa.kt.truongphong")
    head.get("/lang/en")
    body = text(head.get(NC_PAGE))
    assert "Nonconformities" in body and "Record the cause and corrective action" in body


def test_province_auditor_filters_by_agency(app, ctx, late, client):
    from engine.org.directory import issue_token

    auditor = officer(app, "tinh.kiemsoat")
    assert late in text(auditor.get(f"{NC_PAGE}?agency=000.00.31.H99"))
    assert late not in text(auditor.get(f"{NC_PAGE}?agency=000.00.32.H99"))
    assert auditor.get(f"{NC_PAGE}?agency=NOPE").status_code == 422
    assert officer(app, "xa.auditor").get(f"{NC_PAGE}?agency=000.00.00.H99").status_code == 403  # above them
    headers = {"Authorization": f"Bearer {issue_token(ctx, 'tinh.kiemsoat')}"}
    assert client.get("/api/v1/nonconformities?agency=000.00.31.H99", headers=headers).get_json()["total"] == 1
