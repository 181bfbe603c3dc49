"""The administrators' outbox: their agency's outgoing messages by status, with the last error and a
retry for failed ones; and where each of their officers receives email and SMS."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import login_required

from engine.enums import NotificationStatus
from engine.errors import MotcuaError, NotAuthorized
from engine.notify.admin import list_contacts, list_outbox, retry, set_contact
from engine.notify.messages import TOPIC_LABELS_VI
from web.i18n import message_of
from web.officer.blueprint import bp
from web.officer.common import actor, ctx, form_text, run_action, safe_next
from web.officer.paging import page_number, pages

PAGE_SIZE = 50
STATUS_LABELS_VI = {
    NotificationStatus.PENDING: "Chờ gửi",
    NotificationStatus.SENDING: "Đang gửi",
    NotificationStatus.SENT: "Đã gửi",
    NotificationStatus.FAILED: "Gửi lỗi",
}
CHANNEL_LABELS_VI = {"email": "Thư điện tử", "sms": "Tin nhắn SMS", "console": "Nhật ký (console)"}


@bp.get("/admin/outbox")
@login_required
def outbox():
    status = request.args.get("status") or None
    page = page_number()
    result, error, code = None, None, 200
    try:
        result = list_outbox(ctx(), actor(), status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    except NotAuthorized:
        raise
    except MotcuaError as exc:
        error, code = message_of(exc), 422
    counts = result.counts if result else {}
    tabs = [("", "Tất cả", sum(counts.values()))] + [(s.value, STATUS_LABELS_VI[s], counts.get(s.value, 0))
                                                     for s in NotificationStatus]
    return render_template("officer/outbox.html", result=result, tabs=tabs, status=status or "", page=page,
                           pages=pages(result.total if result else 0, PAGE_SIZE), error=error,
                           status_labels=STATUS_LABELS_VI, topic_labels=TOPIC_LABELS_VI,
                           channel_labels=CHANNEL_LABELS_VI, here=request.full_path), code


@bp.post("/admin/outbox/<int:notification_id>/retry")
@login_required
def outbox_retry(notification_id: int):
    back = safe_next(request.form.get("next"), url_for("officer.outbox"))
    return run_action(lambda: retry(ctx(), actor(), notification_id), "Đã đưa thông báo vào hàng gửi lại.", back)


@bp.get("/admin/contacts")
@login_required
def contacts():
    return render_template("officer/contacts.html", officers=list_contacts(ctx(), actor()))


@bp.post("/admin/contacts/<username>")
@login_required
def contact_set(username: str):
    """Both fields empty removes the officer's contact: their messages then go to the log."""
    payload = {"email": form_text("email") or None, "phone": form_text("phone") or None}
    return run_action(lambda: set_contact(ctx(), username, payload, actor=actor()),
                      "Đã lưu địa chỉ nhận thông báo.", url_for("officer.contacts", _anchor=f"u-{username}"))
