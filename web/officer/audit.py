"""The auditors' view of the records: dossiers' event logs with the state of each hash chain, and the
security log (refused attempts, administration), filtered and paginated by the engine."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from flask_login import login_required

from engine.clock.calendar import LOCAL_TZ
from engine.enums import EventKind
from engine.errors import MotcuaError, NotAuthorized
from engine.records.auditlog import browse_events, browse_security_log, daily_digest
from web.display import EVENT_LABELS_VI
from web.i18n import message_of
from web.officer.blueprint import bp
from web.officer.common import actor, ctx
from web.officer.paging import page_number, pages

PAGE_SIZE = 50
TABS = {"events": "Nhật ký hồ sơ", "security": "Nhật ký an ninh"}


@bp.get("/audit")
@login_required
def audit_log():
    tab = request.args.get("tab") if request.args.get("tab") in TABS else "events"
    filters = {key: (request.args.get(key) or "").strip() for key in ("code", "kind", "from", "to", "denied")}
    page = page_number()
    result, error, status = None, None, 200
    span = {"date_from": filters["from"] or None, "date_to": filters["to"] or None}
    paging = {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
    try:
        if tab == "events":
            result = browse_events(ctx(), actor(), code=filters["code"] or None, kind=filters["kind"] or None,
                                   **span, **paging)
        else:
            result = browse_security_log(ctx(), actor(), denied_only=filters["denied"] == "1", **span, **paging)
    except NotAuthorized:
        raise
    except MotcuaError as exc:  # a bad filter (checked after authority): say which, show nothing
        error, status = message_of(exc), 422
    digest, digest_error = _digest(tab)
    kinds = [(k.value, EVENT_LABELS_VI.get(k, k.value)) for k in EventKind]
    return render_template("officer/audit.html", tab=tab, tabs=TABS, result=result, filters=filters, kinds=kinds,
                           page=page, pages=pages(result.total if result else 0, PAGE_SIZE), error=error,
                           digest=digest, digest_error=digest_error,
                           digest_day=request.args.get("digest_day") or _yesterday()), status


def _yesterday() -> str:
    return (ctx().now().astimezone(LOCAL_TZ).date() - timedelta(days=1)).isoformat()


def _digest(tab: str):
    """The daily digest asked for on the security tab (``digest_day``), printable: (digest, error message)."""
    day = (request.args.get("digest_day") or "").strip()
    if tab != "security" or not day:
        return None, None
    try:
        return daily_digest(ctx(), actor(), day), None
    except NotAuthorized:
        raise
    except MotcuaError as exc:
        return None, message_of(exc)
