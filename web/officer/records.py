"""Printable records rendered from the database (DOMAIN §4), as HTML or (``?format=pdf``) PDF: Form 01
(receipt, A5), forms 02–05 (A4, each the trace of one event), Form 06 (control slip, A4), Form 07 (the
agency's tracking book, A4 landscape, also .xlsx) and the agency's control slips as .xlsx."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from engine.dossiers.pin_guard import receipt_pin_matches
from engine.dossiers.views import dossier_detail
from engine.enums import EventKind
from engine.errors import NotFound
from engine.records import registers
from engine.records.control_slip import control_slip as control_slip_of
from engine.records.forms import Form, forms_of, parse_form, parse_seq
from engine.records.forms import dossier_form as dossier_form_of
from web.display import lookup_url, qr_svg
from web.i18n import translate
from web.officer.blueprint import bp
from web.officer.common import actor, ctx
from web.officer.reception import take_pin
from web.pdf import FONT_STYLES, FORMATS_DOSSIER, FORMATS_REGISTER, font_file, output_format, pdf_response
from web.xlsx import book_note, book_result, control_slips_xlsx, tracking_book_xlsx, xlsx_response

FORM_TEMPLATES = {
    Form.SUPPLEMENT_REQUEST: "print/supplement_request.html",
    Form.REFUSAL: "print/refusal.html",
    Form.APOLOGY: "print/apology.html",
    Form.STOP_NOTICE: "print/stop_notice.html",
}


@bp.app_template_global("dossier_forms")
def dossier_forms(events: list[dict]) -> list[dict]:
    """The forms that exist for a dossier (the dossier page links to these and only these)."""
    return forms_of(events)


def _deliver(html: str, fmt: str, filename: str):
    return pdf_response(html, f"{filename}.pdf") if fmt == "pdf" else html


def _receipt_html(code: str, pin: str | None = None) -> str | None:
    me = actor()
    detail = dossier_detail(ctx(), me, code)
    received = next((e for e in detail["events"] if e["kind"] == EventKind.RECEIVED), None)
    if received is None:
        return None
    pin = pin or take_pin(code)  # right after reception (HTML or PDF), or posted back by that one page
    link = lookup_url(code)
    received_by = me.full_name if received["actor"] == me.username else received["actor"]
    return render_template("print/receipt.html", d=detail, pin=pin, received_by=received_by, lookup_link=link,
                           qr=qr_svg(link))


def _control_slip_html(code: str) -> str:
    return render_template("print/control_slip.html", slip=control_slip_of(ctx(), actor(), code))


@bp.get("/dossiers/<code>/receipt")
@login_required
def receipt(code: str):
    fmt = output_format(request.args.get("format"), FORMATS_DOSSIER)
    html = _receipt_html(code)
    return _receipt_response(code, html, fmt)


@bp.post("/dossiers/<code>/receipt")
@login_required
def receipt_with_pin(code: str):
    """The receipt printed right after reception, the PIN posted back from the one page that showed it (never in
    a URL): printed only when it is the dossier's PIN."""
    fmt = output_format(request.args.get("format") or request.form.get("format"), FORMATS_DOSSIER)
    pin = (request.form.get("pin") or "").strip()[:12]
    ok = bool(pin) and receipt_pin_matches(ctx(), actor(), code, pin)
    return _receipt_response(code, _receipt_html(code, pin if ok else None), fmt)


def _receipt_response(code: str, html: str | None, fmt: str):
    if html is None:
        flash(translate("Hồ sơ chưa được tiếp nhận nên chưa có Giấy tiếp nhận và hẹn trả kết quả."), "error")
        return redirect(url_for("officer.dossier", code=code))
    return _deliver(html, fmt, f"mau-01-{code}")


@bp.get("/dossiers/<code>/control-slip")
@login_required
def control_slip(code: str):
    fmt = output_format(request.args.get("format"), FORMATS_DOSSIER)
    return _deliver(_control_slip_html(code), fmt, f"mau-06-{code}")


@bp.get("/dossiers/<code>/forms/<number>")
@login_required
def dossier_form(code: str, number: str):
    form = parse_form(number)
    fmt = output_format(request.args.get("format"), FORMATS_DOSSIER)
    if form == Form.RECEIPT:
        html = _receipt_html(code)
        if html is None:
            raise NotFound(f"Hồ sơ {code} chưa được tiếp nhận nên chưa có Mẫu số 01.",
                           message_en=f"Dossier {code} has not been received: no form 01 yet.")
    elif form == Form.CONTROL_SLIP:
        html = _control_slip_html(code)
    elif form in FORM_TEMPLATES:
        record = dossier_form_of(ctx(), actor(), code, form.value, parse_seq(request.args.get("seq")))
        html = render_template(FORM_TEMPLATES[form], f=record)
    else:
        return redirect(url_for("officer.tracking_book"))
    return _deliver(html, fmt, f"mau-{form.value}-{code}")


@bp.get("/records/tracking-book")
@login_required
def tracking_book():
    args = request.args
    fmt = output_format(args.get("format"), FORMATS_REGISTER)
    book = registers.tracking_book(ctx(), actor(), args.get("agency") or None, args.get("from"), args.get("to"))
    name = f"so-theo-doi-{book['agency_code']}-{book['from']:%Y%m%d}-{book['to']:%Y%m%d}"
    if fmt == "xlsx":
        return xlsx_response(tracking_book_xlsx(book), f"{name}.xlsx")
    rows = [{**row, "result": book_result(row), "note": book_note(row)} for row in book["rows"]]
    html = render_template("print/tracking_book.html", book=book, rows=rows,
                           agencies=registers.readable_agencies(ctx(), actor()))
    return _deliver(html, fmt, name)


@bp.get("/records/control-slips.xlsx")
@login_required
def control_slips_export():
    args = request.args
    slips = registers.control_slips(ctx(), actor(), args.get("agency") or None, args.get("from"), args.get("to"))
    name = f"phieu-kiem-soat-{slips['agency_code']}-{slips['from']:%Y%m%d}-{slips['to']:%Y%m%d}.xlsx"
    return xlsx_response(control_slips_xlsx(slips), name)


@bp.get("/fonts/form-serif-<style>.ttf")
def form_font(style: str):
    """The forms' font (Vietnamese glyphs), served from this app so the page and its PDF look the same."""
    path = font_file(style) if style in FONT_STYLES else None
    if path is None:
        abort(404)
    return send_file(path, mimetype="font/ttf", max_age=86400)

