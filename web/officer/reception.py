"""The reception desk: choose a published procedure, enter the applicant and tick the documents received;
the engine receives the dossier and the officer lands on the receipt (Form 01) with the PIN shown once."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_required

from engine.dossiers.reception import receive
from engine.errors import InvalidInput, MotcuaError, NotAuthorized
from engine.procedures.publishing import get_procedure, list_procedures
from web.form_fields import APPLICANT_FIELDS, applicant_from, documents_from
from web.i18n import message_of
from web.officer.blueprint import bp
from web.officer.common import actor, ctx, form_text

PIN_ONCE = "pin_once"


def _pad(nonce: bytes, length: int) -> bytes:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hashlib.shake_256(b"motcua-pin-once\0" + key + b"\0" + nonce).digest(length)


def seal_pin(code: str, pin: str) -> dict:
    """The PIN handed from the reception to the one receipt view that prints it, kept in the signed session
    cookie sealed (XOR with a keystream from the server secret and a fresh nonce): never stored in clear."""
    nonce, data = secrets.token_bytes(16), pin.encode()
    sealed = bytes(a ^ b for a, b in zip(data, _pad(nonce, len(data))))
    return {"code": code, "nonce": nonce.hex(), "sealed": sealed.hex()}


def take_pin(code: str) -> str | None:
    """The PIN sealed for ``code`` by the reception, once: the first receipt view (HTML or PDF) takes it."""
    once = session.get(PIN_ONCE)
    if not once or once.get("code") != code:
        return None
    session.pop(PIN_ONCE, None)
    try:
        nonce, sealed = bytes.fromhex(once["nonce"]), bytes.fromhex(once["sealed"])
    except (KeyError, TypeError, ValueError):
        return None
    return bytes(a ^ b for a, b in zip(sealed, _pad(nonce, len(sealed)))).decode(errors="replace")


@bp.get("/reception")
@login_required
def reception():
    code = (request.args.get("procedure") or "").strip()
    if not code:
        return render_template("officer/reception_pick.html", procedures=list_procedures(ctx()))
    return render_template("officer/reception.html", procedure=get_procedure(ctx(), code), values={}, checked=set())


@bp.post("/reception")
@login_required
def reception_submit():
    code = form_text("procedure_code")
    request_data = {"procedure_code": code, "channel": "desk", "applicant": applicant_from(request.form),
                    "documents": documents_from(request.form), "data": {}}
    try:
        receipt = receive(ctx(), actor(), request_data)
    except NotAuthorized:
        raise
    except InvalidInput as error:  # show the form again as it was filled
        flash(message_of(error), "error")
        if not code:
            return redirect(url_for("officer.reception"))
        values = {f"applicant.{k}": request.form.get(f"applicant.{k}", "") for k in APPLICANT_FIELDS}
        values["other_documents"] = request.form.get("other_documents", "")
        return render_template("officer/reception.html", procedure=get_procedure(ctx(), code), values=values,
                               checked=set(request.form.getlist("documents"))), 422
    except MotcuaError as error:
        flash(message_of(error), "error")
        return redirect(url_for("officer.reception"))
    session[PIN_ONCE] = seal_pin(receipt.code, receipt.pin)  # shown on the next receipt view only
    return redirect(url_for("officer.receipt", code=receipt.code))
