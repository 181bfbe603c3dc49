"""The officer's inbox: one tab per scope with its count, rows by due time, overdue and due-soon marked."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine.dossiers import tasks
from engine.dossiers.inbox import DEFAULT_DUE_SOON_HOURS, Scope, inbox_counts, list_inbox
from web.i18n import translate
from web.officer.blueprint import bp
from web.officer.common import actor, attempt, ctx

PAGE_SIZE = 25
SCOPE_LABELS = {  # tab order
    Scope.MINE: "Đang xử lý",
    Scope.AVAILABLE: "Chờ nhận",
    Scope.UNIT: "Của đơn vị",
    Scope.OVERDUE: "Quá hạn",
    Scope.DUE_SOON: "Sắp đến hạn",
}


@bp.get("/")
@bp.get("/inbox")
@login_required
def inbox():
    me = actor()
    counts = inbox_counts(ctx(), me)
    scope = request.args.get("scope") or (Scope.MINE.value if counts.get(Scope.MINE.value) else Scope.AVAILABLE.value)
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    result = list_inbox(ctx(), me, scope, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    # Due soon = the engine's due_soon scope; its ids mark rows of every other tab in amber.
    soon = result.rows if scope == Scope.DUE_SOON else list_inbox(
        ctx(), me, Scope.DUE_SOON, limit=200, due_soon_hours=DEFAULT_DUE_SOON_HOURS).rows
    soon_ids = {row.id for row in soon}
    pages = max(1, -(-result.total // PAGE_SIZE))
    tabs = [(s.value, label, counts[s.value]) for s, label in SCOPE_LABELS.items() if s.value in counts]
    return render_template("officer/inbox.html", tabs=tabs, scope=scope, rows=result.rows, soon_ids=soon_ids,
                           total=result.total, page=page, pages=pages,
                           available=counts.get(Scope.AVAILABLE.value, 0))


@bp.get("/dossiers")
@login_required
def open_dossier():
    """The 'open by code' box."""
    code = (request.args.get("code") or "").strip()
    if not code:
        return redirect(url_for("officer.inbox"))
    return redirect(url_for("officer.dossier", code=code))


@bp.post("/inbox/next")
@login_required
def claim_next():
    """"Nhận bước tiếp theo": the most urgent waiting step of the officer's pool, opened on its dossier."""
    done, row = attempt(lambda: tasks.claim_next(ctx(), actor()))
    if row is None:
        if done:
            flash(translate("Không có bước nào chờ nhận."), "info")
        return redirect(url_for("officer.inbox", scope=Scope.AVAILABLE.value))
    flash(translate("Đã nhận bước tiếp theo:") + f" {row.step_name} — {row.dossier_code}", "success")
    return redirect(url_for("officer.dossier", code=row.dossier_code))
