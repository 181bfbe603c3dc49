"""Citizens' pages (no account): the published procedures, lookup by code + PIN, online submission,
and supplementing a dossier the desk returned as incomplete."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for

from engine.dossiers.online import resubmit_online, submit_online
from engine.dossiers.reception import agencies_for
from engine.dossiers.views import public_lookup
from engine.errors import InvalidInput, Locked, MotcuaError, NotFound
from engine.procedures.publishing import get_procedure, list_procedures
from web.display import lookup_url, qr_svg
from web.extensions import limiter
from web.form_fields import applicant_from, documents_from, lines
from web.i18n import message_of, translate
from web.pin_limits import pin_limited, pin_limited_when
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
    return render_template("public/home.html", procedures=list_procedures(_ctx()))


@bp.get("/lookup")
@pin_limited_when(lambda: not request.args.get("pin"))
def lookup():
    code = (request.args.get("code") or "").strip()
    pin = (request.args.get("pin") or "").strip()
    if not (code and pin):
        return render_template("public/lookup.html", code=code, result=None)
    try:
        result = public_lookup(_ctx(), code, pin)
    except NotFound:  # unknown code and wrong PIN look the same
        flash(translate(NOT_FOUND_VI), "error")
        return render_template("public/lookup.html", code=code, result=None), 404
    except Locked as error:  # too many wrong PINs: the desk reissues it
        flash(message_of(error), "error")
        return render_template("public/lookup.html", code=code, result=None), error.http_status
    return render_template("public/lookup.html", code=code, pin=pin, result=result)


@bp.post("/lookup/supplement")
@limiter.limit(lambda: current_app.config["SUBMIT_RATE_LIMIT"])
@pin_limited
def lookup_supplement():
    """The applicant completes a dossier the desk returned as incomplete; it goes back to the desk."""
    code, pin = (request.form.get("code") or "").strip(), (request.form.get("pin") or "").strip()
    documents = lines(request.form.get("documents"))
    try:
        resubmit_online(_ctx(), code, pin, {"documents": documents})
    except NotFound:
        flash(translate(NOT_FOUND_VI), "error")
        return redirect(url_for("public.lookup", code=code))
    except MotcuaError as error:
        flash(message_of(error), "error")
    else:
        flash(translate("Đã gửi hồ sơ bổ sung; Bộ phận Một cửa sẽ kiểm tra lại."), "success")
    return redirect(url_for("public.lookup", code=code, pin=pin))


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
