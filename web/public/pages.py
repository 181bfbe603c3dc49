"""Citizens' pages (no account): the published procedures, lookup by code + PIN, online submission,
and supplementing a dossier the desk returned as incomplete."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for

from engine.dossiers.online import resubmit_online, submit_online
from engine.dossiers.reception import agencies_for
from engine.dossiers.views import public_lookup
from engine.errors import InvalidInput, Locked, MotcuaError, NotFound
from engine.procedures.catalogue import MAX_QUERY, catalogue_filters, search_catalogue
from engine.procedures.publishing import get_procedure, list_procedures
from web.display import lookup_url, qr_svg
from web.extensions import limiter
from web.form_fields import applicant_from, documents_from, lines
from web.i18n import message_of, translate
from web.pin_limits import pin_limited
from web.public.blueprint import bp

SUBMISSION_ONCE = "submission_once"
NOT_FOUND_VI = "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu (PIN) đã nhập. Vui lòng kiểm tra lại."


def _ctx():
    return current_app.extensions["motcua"]


@bp.app_errorhandler(429)
def _rate_limited(error):
    """A friendly page when a limit is hit (the API keeps its JSON error)."""
    if request.path.startswith("/api/"):
        from web.errors import error_response

        return error_response(429, "rate_limited", error.description or "Too many requests")
    return render_template("public/rate_limited.html"), 429


@bp.get("/")
def home():
    """The catalogue: search by code or name (with or without diacritics), filter by field and level."""
    query = request.args.get("q", "")
    field, level = request.args.get("field", ""), request.args.get("level", "")
    try:
        procedures = search_catalogue(_ctx(), query, field, level)
        status = 200
    except InvalidInput as error:  # too long, control characters, an unknown level: say so, show everything
        flash(message_of(error), "error")
        procedures, status, query, field, level = search_catalogue(_ctx()), 400, query[:MAX_QUERY], "", ""
    searched = bool(query.strip() or field or level)
    return render_template("public/home.html", procedures=procedures, filters=catalogue_filters(_ctx()),
                           q=query, field=field, level=level, searched=searched), status


@bp.get("/procedures/<code>")
def procedure(code: str):
    """A procedure's page: parts, templates, fee, duration, result, where to submit, and the online button."""
    try:
        card = get_procedure(_ctx(), code)
    except NotFound as error:
        flash(message_of(error), "error")
        return render_template("public/procedure_missing.html"), 404
    return render_template("public/procedure.html", p=card, agencies=agencies_for(_ctx(), code))


def _lookup_page(code: str = "", status: int = 200):
    return render_template("public/lookup.html", code=code, result=None), status


@bp.get("/lookup")
def lookup():
    """The empty lookup form (a QR code brings the dossier code only). A PIN never travels in a URL: one in the
    query string is not used, and the citizen is asked to type it into the form (sent in the POST body)."""
    code = (request.args.get("code") or "").strip()[:60]
    if "pin" in request.args:
        flash(translate("Vì an toàn, mã tra cứu (PIN) không được gửi trong đường dẫn. Vui lòng nhập PIN vào ô dưới đây."),
              "error")
        return _lookup_page(code, 400)
    return _lookup_page(code)


def _lookup_result(code: str, pin: str):
    """The dossier for code + PIN, rendered in this response (never a redirect carrying the PIN)."""
    try:
        result = public_lookup(_ctx(), code, pin)
    except NotFound:  # unknown code and wrong PIN look the same
        flash(translate(NOT_FOUND_VI), "error")
        return _lookup_page(code, 404)
    except Locked as error:  # too many wrong PINs: the desk reissues it
        flash(message_of(error), "error")
        return _lookup_page(code, error.http_status)
    return render_template("public/lookup.html", code=code, pin=pin, result=result)


@bp.post("/lookup")
@pin_limited
def lookup_post():
    code, pin = (request.form.get("code") or "").strip(), (request.form.get("pin") or "").strip()
    if not (code and pin):
        flash(translate("Hãy nhập mã hồ sơ và mã tra cứu (PIN)."), "error")
        return _lookup_page(code[:60], 400)
    if len(code) > 60 or len(pin) > 12:
        flash(translate(NOT_FOUND_VI), "error")
        return _lookup_page("", 404)
    return _lookup_result(code, pin)


@bp.post("/lookup/supplement")
@limiter.limit(lambda: current_app.config["SUBMIT_RATE_LIMIT"])
@pin_limited
def lookup_supplement():
    """The applicant answers a supplement request online (before receipt or during processing); the answer and
    the dossier are shown in this response, the PIN staying in the POST body."""
    code, pin = (request.form.get("code") or "").strip(), (request.form.get("pin") or "").strip()
    documents = lines(request.form.get("documents"))
    try:
        resubmit_online(_ctx(), code, pin, {"documents": documents})
    except NotFound:
        flash(translate(NOT_FOUND_VI), "error")
        return _lookup_page(code[:60], 404)
    except Locked as error:
        flash(message_of(error), "error")
        return _lookup_page(code[:60], error.http_status)
    except MotcuaError as error:
        flash(message_of(error), "error")
    else:
        flash(translate("Đã gửi hồ sơ bổ sung; cơ quan giải quyết sẽ tiếp tục xử lý."), "success")
    return _lookup_result(code, pin)


def _submit_form(code: str, values: dict, checked: set, status: int = 200):
    return render_template("public/submit.html", procedure=get_procedure(_ctx(), code),
                           agencies=agencies_for(_ctx(), code), values=values, checked=checked), status


@bp.get("/submit")
def submit():
    code = (request.args.get("procedure") or "").strip()
    if not code:
        return render_template("public/submit_pick.html", procedures=list_procedures(_ctx()))
    return _submit_form(code, {}, set())


@bp.post("/submit")
@limiter.limit(lambda: current_app.config["SUBMIT_RATE_LIMIT"])
def submit_post():
    form = request.form
    code = (form.get("procedure_code") or "").strip()
    payload = {"procedure_code": code, "agency_code": (form.get("agency_code") or "").strip() or None,
               "applicant": applicant_from(form), "documents": documents_from(form), "data": {}}
    try:
        submission = submit_online(_ctx(), payload)
    except InvalidInput as error:  # show the form again as it was filled
        flash(message_of(error), "error")
        values = {k: form.get(k, "") for k in form if k != "documents"}
        try:
            return _submit_form(code, values, set(form.getlist("documents")), 422)
        except NotFound:
            return redirect(url_for("public.submit"))
    except MotcuaError as error:
        flash(message_of(error), "error")
        return redirect(url_for("public.submit", procedure=code) if code else url_for("public.submit"))
    session[SUBMISSION_ONCE] = {"code": submission.code, "pin": submission.pin,
                                "submitted_at": submission.submitted_at.isoformat()}
    return redirect(url_for("public.submitted"))


@bp.get("/submit/done")
def submitted():
    """Code and PIN, shown once: a reload finds nothing and goes to the lookup page."""
    once = session.pop(SUBMISSION_ONCE, None)
    if not once:
        return redirect(url_for("public.lookup"))
    link = lookup_url(once["code"])
    return render_template("public/submitted.html", code=once["code"], pin=once["pin"],
                           submitted_at=once["submitted_at"], lookup_link=link, qr=qr_svg(link))
