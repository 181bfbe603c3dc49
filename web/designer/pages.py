"""The designer's pages. Each view parses, calls one engine use case and renders; the modeler page itself
talks to the designer API (web/api/designer.py) for validation as you work, saving and publishing."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf.csrf import generate_csrf

from engine.design import drafts, migration
from engine.design import packages as package_io
from engine.design import versions as designer
from engine.enums import ROLE_LABELS_VI, AgencyLevel, EndOutcome
from engine.errors import AlreadyExists, MotcuaError, NotAuthorized, PackageError
from engine.procedures.card import LANE_ROLES
from engine.procedures.zipio import MAX_ZIP_BYTES
from web.api import API_PREFIX
from web.designer.blueprint import bp
from web.display import LEVEL_LABELS_VI
from web.extensions import csrf
from web.i18n import message_of, translate
from web.officer.common import actor, ctx
from web.uploads import bound_request, too_large_response, upload_limit

VENDOR_FILE = Path("vendor") / "bpmn-js" / "bpmn-modeler.production.min.js"
MAX_UPLOAD_REQUEST = MAX_ZIP_BYTES + 64 * 1024

bp.register_error_handler(413, too_large_response)


@bp.get("/")
@login_required
def index():
    return render_template("designer/index.html", procedures=designer.list_procedures(ctx(), actor()),
                           max_zip=MAX_ZIP_BYTES)


def _int_arg(name: str) -> int | None:
    try:
        return int(request.values.get(name, ""))
    except ValueError:
        return None


def _procedure_page(code: str, report: dict | None = None, status: int = 200):
    procedure = designer.procedure_detail(ctx(), actor(), code)
    numbers = [v["number"] for v in procedure["versions"]]
    diff = None
    old, new = _int_arg("from"), _int_arg("to")
    if old is None and len(numbers) >= 2:
        old, new = numbers[-2], numbers[-1]
    if old is not None and new is not None and old in numbers and new in numbers and old != new:
        diff = designer.version_diff(ctx(), actor(), code, old, new)
    return render_template("designer/procedure.html", procedure=procedure, numbers=numbers, diff=diff,
                           diff_from=old, diff_to=new, report=report, api=API_PREFIX), status


@bp.get("/procedures/<code>")
@login_required
def procedure(code: str):
    return _procedure_page(code)


@bp.post("/procedures/<code>/drafts")
@login_required
def create_draft(code: str):
    try:
        draft_id = drafts.create_draft(ctx(), actor(), code, _int_arg("from_version"))
    except AlreadyExists as error:
        flash(message_of(error), "error")
        draft_id = error.details["draft_id"]
    return redirect(url_for("designer.modeler", draft_id=draft_id))


@bp.post("/procedures/<code>/migration")
@login_required
def migrate(code: str):
    target = _int_arg("to")
    dry_run = request.form.get("run") != "1"
    try:
        report = migration.migrate(ctx(), actor(), code, target or 0, dry_run=dry_run).to_dict()
    except NotAuthorized:
        raise
    except MotcuaError as error:
        flash(message_of(error), "error")
        return redirect(url_for("designer.procedure", code=code))
    if not dry_run:
        flash(translate("Đã chuyển {n} hồ sơ sang phiên bản {v}.").format(n=report["summary"]["migrated"], v=target),
              "success")
    return _procedure_page(code, report)


@bp.get("/drafts/<int:draft_id>")
@login_required
def modeler(draft_id: int):
    draft = drafts.get_draft(ctx(), actor(), draft_id)
    keep = ("id", "code", "slug", "name", "status", "revision", "procedure_code", "base_version", "card", "card_error",
            "bpmn_filename", "bpmn_xml", "forms", "updated_by")
    config = {
        "api": f"{API_PREFIX}/designer", "csrf": generate_csrf(),
        "procedure_url": url_for("designer.procedure", code=draft["procedure_code"]) if draft["procedure_code"] else None,
        "index_url": url_for("designer.index"),
        "roles": [{"value": r.value, "label": translate(ROLE_LABELS_VI[r])} for r in LANE_ROLES],
        "levels": [{"value": lvl.value, "label": translate(LEVEL_LABELS_VI.get(lvl.value, lvl.value))} for lvl in AgencyLevel],
        "outcomes": [o.value for o in EndOutcome],
    }
    vendor = (Path(current_app.static_folder) / VENDOR_FILE).is_file()
    return render_template("designer/modeler.html", draft={k: draft[k] for k in keep}, config=config, vendor=vendor)


@bp.post("/drafts/<int:draft_id>/discard")
@login_required
def discard(draft_id: int):
    try:
        drafts.discard_draft(ctx(), actor(), draft_id)
    except NotAuthorized:
        raise
    except MotcuaError as error:
        flash(message_of(error), "error")
        return redirect(url_for("designer.modeler", draft_id=draft_id))
    flash(translate("Đã huỷ bản nháp."), "success")
    return redirect(url_for("designer.index"))


@bp.post("/import")
@csrf.exempt  # checked below, once the request's size is known to be acceptable
@login_required
@upload_limit(MAX_UPLOAD_REQUEST)  # read at the door, before the input guard reads the form
def import_package():
    bound_request(MAX_UPLOAD_REQUEST)
    csrf.protect()
    upload = request.files.get("package")
    publish = request.form.get("publish") == "1"
    note = (request.form.get("note") or "").strip()
    problems, status = [], 422
    if upload is None or not upload.filename:
        flash(translate("Hãy chọn tệp .zip của gói thủ tục."), "error")
    else:
        try:
            result = package_io.import_package(ctx(), actor(), upload.stream.read(MAX_ZIP_BYTES + 1),
                                               publish=publish, note=note)
        except NotAuthorized:
            raise
        except MotcuaError as error:
            flash(message_of(error), "error")
            problems = error.details if isinstance(error, PackageError) and isinstance(error.details, list) else []
            status = error.http_status
        else:
            if result.publication is not None:
                pub = result.publication
                flash(translate("Đã ban hành phiên bản {v}.").format(v=pub.number) if pub.created
                      else translate("Nội dung giống phiên bản {v}: không có gì mới.").format(v=pub.number), "success")
                return redirect(url_for("designer.procedure", code=result.code))
            flash(translate("Đã nhập gói thành bản nháp."), "success")
            return redirect(url_for("designer.modeler", draft_id=result.draft_id))
    return render_template("designer/index.html", procedures=designer.list_procedures(ctx(), actor()),
                           max_zip=MAX_ZIP_BYTES, import_problems=problems), status
