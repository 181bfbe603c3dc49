"""Finding a dossier from any officer page: the top bar's search box leads here, where the results can be narrowed
by procedure, status, dates, unit, channel and lateness. The engine decides what is searched and what the officer
may see (engine.dossiers.search); a bad query or filter is said on the page, never a raw error."""

from __future__ import annotations

from flask import render_template, request
from flask_login import login_required

from engine.dossiers.search import Criteria, Sort, search_dossiers, search_procedures, search_units
from engine.dossiers.search_text import MAX_QUERY
from engine.enums import DOSSIER_STATUS_LABELS_VI, Channel
from engine.errors import MotcuaError
from engine.inputs.policy import parse_day
from web.i18n import message_of
from web.officer.blueprint import bp
from web.officer.common import actor, ctx
from web.officer.paging import page_number, pages

PAGE_SIZE = 25
DATE_FIELDS = ("received_from", "received_to", "due_from", "due_to")
SORT_LABELS_VI = {Sort.RELEVANCE: "Phù hợp nhất", Sort.NEWEST: "Mới nhất", Sort.OLDEST: "Cũ nhất",
                  Sort.DUE: "Hạn trả sớm nhất"}
CHANNEL_LABELS_VI = {Channel.DESK: "Tại Bộ phận Một cửa", Channel.ONLINE: "Trực tuyến", Channel.POSTAL: "Bưu chính"}


def _arg(name: str) -> str:
    return request.args.get(name, "").strip()


def _criteria() -> Criteria:
    """The query string as the engine's criteria; a date that cannot be read is InvalidInput (said on the page)."""
    days = {name: parse_day(_arg(name), name) if _arg(name) else None for name in DATE_FIELDS}
    unit = _arg("unit")
    late = {"1": True, "0": False}.get(_arg("late"))
    return Criteria(q=request.args.get("q", "")[: MAX_QUERY * 50], procedure=_arg("procedure") or None,
                    statuses=(_arg("status"),) if _arg("status") else (), unit_id=int(unit) if unit.isdigit() and
                    len(unit) < 10 else None, channel=_arg("channel") or None, late=late,
                    sort=_arg("sort") or None, **days)


@bp.get("/search")
@login_required
def search():
    me = actor()
    filters = {name: _arg(name) for name in ("q", "procedure", "status", "unit", "channel", "late", "sort",
                                             *DATE_FIELDS)}
    page, result, error = page_number(), None, None
    try:
        result = search_dossiers(ctx(), me, _criteria(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    except MotcuaError as exc:
        error = message_of(exc)
    asked = any(filters.values())
    return render_template(
        "officer/search.html", filters=filters, result=result, error=error, asked=asked, page=page,
        pages=pages(result.total, PAGE_SIZE) if result else 1, procedures=search_procedures(ctx()),
        units=search_units(ctx(), me), statuses=list(DOSSIER_STATUS_LABELS_VI.items()),
        channels=list(CHANNEL_LABELS_VI.items()), sorts=list(SORT_LABELS_VI.items()),
        max_query=MAX_QUERY), 422 if error else 200
