"""The dossier page: header, steps, the current step's form, the timeline, and only the actions the
engine says this officer may take; one POST route per action, each calling one use case."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request
from flask_login import login_required

from engine.clock.calendar import LOCAL_TZ
from engine.dossiers import actions as dossiers
from engine.dossiers import online, pin_guard, tasks
from engine.dossiers.views import dossier_detail
from engine.enums import DossierStatus, EventKind
from engine.errors import FormValidationError, InvalidInput, MotcuaError, NotAuthorized, NotFound
from web import forms_render
from web.display import localtime, outcome_label
from web.form_fields import documents_from, lines
from web.i18n import message_of, translate
from web.officer.blueprint import bp
from web.officer.common import actor, attempt, back_to_dossier, ctx, form_text, run_action
from web.officer.files import files_of

PRE_RECEIPT = {DossierStatus.SUBMITTED.value, DossierStatus.INCOMPLETE.value}
FORM_INVALID_VI = "Biểu mẫu chưa hợp lệ: xem các mục được đánh dấu bên dưới."


def _fields(detail: dict, drafts: dict | None = None) -> dict[int, list]:
    """Form fields of each step this officer may complete (a rejected draft shown again as typed)."""
    drafts = drafts or {}
    out = {}
    for step in detail["steps"]:
        if "complete" in step.get("allowed", []):
            values, errors = drafts.get(step["id"], ({}, {}))
            out[step["id"]] = forms_render.fields(step.get("form"), values, errors, yes=translate("Có"),
                                                  no=translate("Không"))
    return out


def _step_data(detail: dict) -> dict[int, list[tuple[str, str]]]:
    """Each completed step's data with its form's field titles and readable values, by event number."""
    forms = detail.get("forms") or {}
    return {e["seq"]: forms_render.readable(forms.get(e["payload"].get("step")), e["payload"]["data"],
                                            yes=translate("Có"), no=translate("Không"))
            for e in detail["events"] if e["kind"] == EventKind.STEP_COMPLETED and (e["payload"] or {}).get("data")}


def render_dossier(detail: dict, drafts: dict | None = None, status: int = 200):
    steps_by_id = {s["step_id"]: s["step_name"] for s in detail["steps"]}
    missing = [d for d in detail["required_documents"] if d not in detail["documents"]]
    return render_template(
        "officer/dossier.html", d=detail, step_fields=_fields(detail, drafts), step_names=steps_by_id,
        step_data=_step_data(detail),
        missing_documents=missing, pre_receipt=detail["status"] in PRE_RECEIPT,
        has_receipt=any(e["kind"] == EventKind.RECEIVED for e in detail["events"]),
        files=files_of(detail["code"]),
    ), status


@bp.get("/dossiers/<code>")
@login_required
def dossier(code: str):
    return render_dossier(dossier_detail(ctx(), actor(), code))


# --- step actions -------------------------------------------------------------------------------

@bp.post("/dossiers/<code>/steps/<int:task_id>/claim")
@login_required
def claim(code: str, task_id: int):
    return run_action(lambda: tasks.claim(ctx(), actor(), task_id), "Đã nhận xử lý bước.", back_to_dossier(code))


@bp.post("/dossiers/<code>/steps/<int:task_id>/release")
@login_required
def release(code: str, task_id: int):
    return run_action(lambda: tasks.release(ctx(), actor(), task_id), "Đã trả bước về hàng chờ.",
                      back_to_dossier(code))


@bp.post("/dossiers/<code>/steps/<int:task_id>/reassign")
@login_required
def reassign(code: str, task_id: int):
    username = form_text("username")
    return run_action(lambda: tasks.reassign(ctx(), actor(), task_id, username), "Đã phân công lại.",
                      back_to_dossier(code))


@bp.post("/dossiers/<code>/steps/<int:task_id>/complete")
@login_required
def complete(code: str, task_id: int):
    me = actor()
    detail = dossier_detail(ctx(), me, code)  # the step's form (JSON Schema) to read the fields with
    step = next((s for s in detail["steps"] if s["id"] == task_id), None)
    if step is None:
        raise NotFound(f"Hồ sơ {code} không có bước #{task_id}.", message_en=f"Dossier {code} has no step #{task_id}.")
    schema = step.get("form")
    data = forms_render.parse(schema, request.form)
    try:
        outcome = tasks.complete(ctx(), me, task_id, {"data": data})
    except NotAuthorized:
        raise
    except InvalidInput as error:  # the form was rejected: show it again as it was filled, field by field
        errors = forms_render.field_errors(error.details, translate("Bắt buộc nhập mục này.")) \
            if isinstance(error, FormValidationError) else {}
        placed = isinstance(error, FormValidationError) and forms_render.all_placed(error.details)
        flash(translate(FORM_INVALID_VI) if placed else message_of(error), "error")
        return render_dossier(detail, {task_id: (forms_render.raw_values(schema, request.form), errors)}, 422)
    except MotcuaError as error:
        flash(message_of(error), "error")
        return _redirect(code)
    flash(translate("Đã hoàn thành bước") + f" «{step['step_name']}» ({outcome_label(outcome)}).", "success")
    return _redirect(code)


def _redirect(code: str):
    return redirect(back_to_dossier(code))


# --- dossier actions ----------------------------------------------------------------------------

@bp.post("/dossiers/<code>/request-supplement")
@login_required
def request_supplement(code: str):
    payload = {"reason": form_text("reason"), "missing": lines(request.form.get("missing"))}
    return run_action(lambda: dossiers.request_supplement(ctx(), actor(), code, payload),
                      "Đã gửi yêu cầu bổ sung hồ sơ (Mẫu 02).", back_to_dossier(code))


@bp.post("/dossiers/<code>/supplement")
@login_required
def supplement(code: str):
    documents = documents_from(request.form, typed="other")
    return run_action(lambda: dossiers.supplement(ctx(), actor(), code, {"documents": documents}),
                      "Đã nhận hồ sơ bổ sung; tiếp tục giải quyết.", back_to_dossier(code))


@bp.post("/dossiers/<code>/refuse")
@login_required
def refuse(code: str):
    payload = {"reason": form_text("reason"), "legal_basis": form_text("legal_basis")}
    return run_action(lambda: dossiers.refuse(ctx(), actor(), code, payload), "Đã từ chối giải quyết hồ sơ.",
                      back_to_dossier(code))


@bp.post("/dossiers/<code>/withdraw")
@login_required
def withdraw(code: str):
    payload = {"reason": form_text("reason")}
    return run_action(lambda: dossiers.withdraw(ctx(), actor(), code, payload), "Đã ghi nhận rút hồ sơ.",
                      back_to_dossier(code))


@bp.post("/dossiers/<code>/apology")
@login_required
def apology(code: str):
    text = form_text("new_due_at")
    try:
        new_due = datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ).isoformat()  # entered in local time
    except ValueError:
        flash(translate("Ngày giờ hẹn mới không hợp lệ."), "error")
        return _redirect(code)
    payload = {"reason": form_text("reason"), "new_due_at": new_due}
    return run_action(lambda: dossiers.issue_apology(ctx(), actor(), code, payload),
                      lambda due: translate("Đã xin lỗi và hẹn lại ngày trả kết quả:") + " " + localtime(due),
                      back_to_dossier(code))


@bp.post("/dossiers/<code>/hand-back")
@login_required
def hand_back(code: str):
    note = form_text("note")
    return run_action(lambda: dossiers.hand_back(ctx(), actor(), code, note), "Đã trả kết quả cho người nộp.",
                      back_to_dossier(code))


@bp.post("/dossiers/<code>/reissue-pin")
@login_required
def reissue_pin(code: str):
    """A new lookup PIN for the applicant (unlocks a locked lookup), shown once."""
    done, pin = attempt(lambda: pin_guard.reissue_pin(ctx(), actor(), code))
    if not done:
        return redirect(back_to_dossier(code))
    return render_template("officer/pin_reissued.html", code=code, pin=pin)  # this response only: never stored


# --- online submissions: the desk's completeness check ------------------------------------------

@bp.post("/dossiers/<code>/accept")
@login_required
def accept(code: str):
    return run_action(lambda: online.accept_submission(ctx(), actor(), code),
                      lambda due: translate("Đã tiếp nhận hồ sơ; hẹn trả kết quả:") + " " + localtime(due),
                      back_to_dossier(code))


@bp.post("/dossiers/<code>/return-incomplete")
@login_required
def return_incomplete(code: str):
    payload = {"reason": form_text("reason"), "missing": lines(request.form.get("missing"))}
    return run_action(lambda: online.return_incomplete(ctx(), actor(), code, payload),
                      "Đã trả hồ sơ chưa đầy đủ, kèm danh sách cần bổ sung (Mẫu 02).", back_to_dossier(code))


@bp.post("/dossiers/<code>/reject")
@login_required
def reject(code: str):
    payload = {"reason": form_text("reason"), "legal_basis": form_text("legal_basis")}
    return run_action(lambda: online.reject_submission(ctx(), actor(), code, payload),
                      "Đã từ chối tiếp nhận hồ sơ (Mẫu 03).", back_to_dossier(code))
