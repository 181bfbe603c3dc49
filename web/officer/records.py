"""Printable records rendered from the database: Form 01 (receipt and appointment, A5) and Form 06
(process control slip, A4)."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_login import login_required

from engine.enums import EventKind
from engine.records import control_slip as control_slip_of
from engine.views import dossier_detail
from web.display import lookup_url, qr_svg
from web.i18n import translate
from web.officer import bp
from web.officer.common import actor, ctx
from web.officer.reception import PIN_ONCE


@bp.get("/dossiers/<code>/receipt")
@login_required
def receipt(code: str):
    me = actor()
    detail = dossier_detail(ctx(), me, code)
    received = next((e for e in detail["events"] if e["kind"] == EventKind.RECEIVED), None)
    if received is None:
        flash(translate("Hồ sơ chưa được tiếp nhận nên chưa có Giấy tiếp nhận và hẹn trả kết quả."), "error")
        return redirect(url_for("officer.dossier", code=code))
    pin = None
    once = session.get(PIN_ONCE)
    if once and once.get("code") == code:
        pin = session.pop(PIN_ONCE)["pin"]
    link = lookup_url(code)
    received_by = me.full_name if received["actor"] == me.username else received["actor"]
    return render_template("print/receipt.html", d=detail, pin=pin, received_by=received_by, lookup_link=link,
                           qr=qr_svg(link))


@bp.get("/dossiers/<code>/control-slip")
@login_required
def control_slip(code: str):
    return render_template("print/control_slip.html", slip=control_slip_of(ctx(), actor(), code))
