"""The one-stop desk's worklists beside its inbox: one tab per list with its count; results handed back from
the list itself (one row at a time, or every ticked row, each in its own transaction)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine.dossiers import actions as dossiers
from engine.dossiers.worklists import WORKLIST_LABELS_VI, Worklist, list_worklist, parse_worklist, worklist_counts
from engine.errors import MotcuaError
from web.i18n import message_of, translate
from web.officer.blueprint import bp
from web.officer.common import actor, ctx

PAGE_SIZE = 25
MAX_BULK = 100  # rows handed back in one submission


@bp.get("/worklists")
@login_required
def worklists():
    me = actor()
    counts = worklist_counts(ctx(), me)
    chosen = request.args.get("list") or next((w.value for w in Worklist if counts[w.value]), Worklist.TO_HAND_BACK.value)
    worklist = parse_worklist(chosen)
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    result = list_worklist(ctx(), me, worklist, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    tabs = [(w.value, label, counts[w.value]) for w, label in WORKLIST_LABELS_VI.items()]
    return render_template("officer/worklists.html", tabs=tabs, worklist=worklist.value, rows=result.rows,
                           total=result.total, page=page, pages=max(1, -(-result.total // PAGE_SIZE)))


@bp.post("/worklists/hand-back")
@login_required
def hand_back_many():
    """Hand back every ticked result: each row in its own transaction, a result per row."""
    codes = list(dict.fromkeys(c.strip() for c in request.form.getlist("code") if c.strip()))[:MAX_BULK]
    if not codes:
        flash(translate("Chưa chọn hồ sơ nào."), "info")
    done, failed = [], []
    for code in codes:
        try:
            dossiers.hand_back(ctx(), actor(), code)
            done.append(code)
        except MotcuaError as err:
            failed.append(f"{code}: {message_of(err)}")
    if done:
        flash(translate("Đã trả kết quả cho người nộp.") + " " + ", ".join(done), "success")
    for line in failed:
        flash(line, "error")
    return redirect(url_for("officer.worklists", list=Worklist.TO_HAND_BACK.value))
