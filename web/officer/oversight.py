"""Nonconformities (ISO 9001 §10.2): unit heads see their unit's, leaders and auditors the agency's; the
unit head records the cause and the corrective action, the auditor verifies and closes. Each POST calls
one engine use case."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import login_required

from engine.enums import NONCONFORMITY_STATUS_LABELS_VI, NonconformityStatus
from engine.errors import MotcuaError, NotAuthorized
from engine.quality.nonconformities import close_nonconformity, list_nonconformities, record_corrective_action
from web.i18n import message_of
from web.officer.blueprint import bp
from web.officer.common import actor, ctx, form_text, run_action, safe_next
from web.officer.paging import page_number, pages

PAGE_SIZE = 25


@bp.get("/nonconformities")
@login_required
def nonconformities():
    status = request.args.get("status") or None
    flagged = True if request.args.get("flagged") == "1" else None
    agency = (request.args.get("agency") or "").strip() or None
    page = page_number()
    error, status_code = None, 200
    try:
        result = list_nonconformities(ctx(), actor(), status=status, flagged=flagged, agency_code=agency,
                                      limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    except NotAuthorized:
        raise
    except MotcuaError as exc:  # a bad filter: say so, show nothing
        error, status_code, result = message_of(exc), 422, None
    tabs = [("", "Tất cả", sum(result.counts.values()) if result else 0)] + [
        (s.value, NONCONFORMITY_STATUS_LABELS_VI[s], result.counts.get(s.value, 0) if result else 0)
        for s in NonconformityStatus]
    return render_template("officer/nonconformities.html", result=result, tabs=tabs, status=status or "",
                           flagged=flagged, agency=agency or "", page=page, pages=pages(result.total if result else 0, PAGE_SIZE),
                           labels=NONCONFORMITY_STATUS_LABELS_VI, error=error, here=request.full_path), status_code


def _back() -> str:
    return safe_next(request.form.get("next"), url_for("officer.nonconformities"))


@bp.post("/nonconformities/<int:nc_id>/action")
@login_required
def nonconformity_action(nc_id: int):
    payload = {"cause": form_text("cause"), "corrective_action": form_text("corrective_action")}
    return run_action(lambda: record_corrective_action(ctx(), actor(), nc_id, payload),
                      "Đã ghi nhận nguyên nhân và hành động khắc phục.", _back())


@bp.post("/nonconformities/<int:nc_id>/close")
@login_required
def nonconformity_close(nc_id: int):
    payload = {"note": form_text("note")}
    return run_action(lambda: close_nonconformity(ctx(), actor(), nc_id, payload),
                      "Đã kiểm tra và đóng điểm không phù hợp.", _back())
