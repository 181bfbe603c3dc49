"""The process designer's API: procedures and their versions, drafts (edit, validate as you work, publish),
version diff, migration of running dossiers, package import/export, and the side panel's checks.

Designers only (engine.authz.check_designer answers 403 to anyone else, and logs it). Uploads are size-checked
from their Content-Length before a byte is read; a hostile package or BPMN is refused whole (422, each
problem naming its element) and nothing is stored.
"""

from __future__ import annotations

import io

from flask import request, send_file
from flask_smorest import Blueprint

from engine import designer, drafts, migration, package_io
from engine.procedures.zipio import MAX_ZIP_BYTES
from web.api.designer_schemas import (
    CheckSchema, CreatedSchema, DesignerProcedureSchema, DiffQuery, DiffSchema, DraftContentBody, DraftCreateBody,
    DraftSchema, ImportFiles, ImportForm, ImportResultSchema, MigrationBody, MigrationSchema, PublicationSchema,
    PublishBody, SavedDraftSchema, TextBody, ValidationSchema,
)
from web.api.schemas import API_PARSER, BEARER, error_responses
from web.auth import current_actor, engine_context
from web.designer.uploads import bound_request, too_large_response

blp = Blueprint("designer-api", __name__, url_prefix="/designer",
                description="Thiết kế quy trình / process designer: drafts, validation, publishing (document control), "
                            "version diff, migration of running dossiers, package import/export. Designers only.")
blp.ARGUMENTS_PARSER = API_PARSER

DRAFT = "/drafts/<int(max=2147483647):draft_id>"
PROCEDURE = "/procedures/<code>"
MAX_DRAFT_REQUEST = 8 * 1024 * 1024  # a 2 MB BPMN as JSON text, the card and every form
MAX_UPLOAD_REQUEST = MAX_ZIP_BYTES + 64 * 1024  # the zip and the multipart envelope


def request_limit() -> int:
    return MAX_UPLOAD_REQUEST if request.path.endswith("/packages") else MAX_DRAFT_REQUEST


@blp.before_request
def _authenticate_and_bound() -> None:
    current_actor()  # 401 before anything is parsed
    bound_request(request_limit())  # refused before the body is read


blp.register_error_handler(413, too_large_response)


def _zip(filename: str, data: bytes):
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=filename)


@blp.route("/procedures")
@blp.response(200, DesignerProcedureSchema(many=True))
@error_responses(blp, 401, 403)
@blp.doc(security=BEARER)
def list_procedures():
    """Every procedure with its versions (in force, retired: who published, when, why) and its open draft."""
    return designer.list_procedures(engine_context(), current_actor())


@blp.route(PROCEDURE)
@blp.response(200, DesignerProcedureSchema)
@error_responses(blp, 401, 403, 404)
@blp.doc(security=BEARER)
def procedure(code: str):
    """One procedure's versions and open draft."""
    return designer.procedure_detail(engine_context(), current_actor(), code)


@blp.route(PROCEDURE + "/diff")
@blp.arguments(DiffQuery, location="query")
@blp.response(200, DiffSchema)
@error_responses(blp, 401, 403, 404, 422)
@blp.doc(security=BEARER)
def version_diff(query: dict, code: str):
    """Elements added, removed, changed; deadlines changed; card and forms changed; budget before and after."""
    return designer.version_diff(engine_context(), current_actor(), code, query["old"], query["new"])


@blp.route(PROCEDURE + "/versions/<int(max=2147483647):number>/package")
@error_responses(blp, 401, 403, 404)
@blp.doc(security=BEARER, responses={"200": {"description": "The package zip", "content": {"application/zip": {}}}})
def export_version(code: str, number: int):
    """A published version as a package zip (procedure.toml, BPMN, forms), importable as is."""
    return _zip(*package_io.export_version(engine_context(), current_actor(), code, number))


@blp.route(PROCEDURE + "/drafts", methods=["POST"])
@blp.arguments(DraftCreateBody, required=False)
@blp.response(201, CreatedSchema)
@error_responses(blp, 401, 403, 404, 409, 422)
@blp.doc(security=BEARER)
def create_draft(body: dict, code: str):
    """Open a draft copied from the version in force (or ``from_version``); 409 when one is already open."""
    body = body or {}
    return {"id": drafts.create_draft(engine_context(), current_actor(), code, body.get("from_version"))}


@blp.route(PROCEDURE + "/migration", methods=["POST"])
@blp.arguments(MigrationBody)
@blp.response(200, MigrationSchema)
@error_responses(blp, 401, 403, 404, 422)
@blp.doc(security=BEARER)
def migrate(body: dict, code: str):
    """Dry run (default) or migration of the procedure's open dossiers to version ``to``: per dossier, whether
    it can move and why not; a real run moves each movable dossier in its own transaction."""
    report = migration.migrate(engine_context(), current_actor(), code, body["to"], dry_run=body["dry_run"],
                               dossier_codes=body["dossiers"])
    return report.to_dict()


@blp.route(DRAFT)
@blp.response(200, DraftSchema)
@error_responses(blp, 401, 403, 404)
@blp.doc(security=BEARER)
def get_draft(draft_id: int):
    """The draft's card (fields and TOML), BPMN and forms, with its revision."""
    return drafts.get_draft(engine_context(), current_actor(), draft_id)


@blp.route(DRAFT, methods=["PUT"])
@blp.arguments(DraftContentBody)
@blp.response(200, SavedDraftSchema)
@error_responses(blp, 401, 403, 404, 409, 413, 422)
@blp.doc(security=BEARER)
def save_draft(body: dict, draft_id: int):
    """Store the editor's content (refused whole if the BPMN is unsafe or carries code); returns the new
    revision and the validation of what was stored. 409 when the draft was saved by someone else meanwhile."""
    return drafts.save_draft(engine_context(), current_actor(), draft_id, body)


@blp.route(DRAFT, methods=["DELETE"])
@blp.response(204)
@error_responses(blp, 401, 403, 404, 409)
@blp.doc(security=BEARER)
def discard_draft(draft_id: int):
    """Discard the draft (the versions are untouched)."""
    drafts.discard_draft(engine_context(), current_actor(), draft_id)


@blp.route(DRAFT + "/validate", methods=["POST"])
@blp.arguments(DraftContentBody, required=False)
@blp.response(200, ValidationSchema)
@error_responses(blp, 401, 403, 404, 413, 422)
@blp.doc(security=BEARER)
def validate_draft(body: dict, draft_id: int):
    """The same validator as ``motcua procedures validate``, on the stored draft or on the content sent (not
    stored): every problem with the element it concerns, and the deadline budget along the longest path."""
    content = {k: v for k, v in (body or {}).items() if k != "revision" and v is not None}
    return drafts.validate_draft(engine_context(), current_actor(), draft_id, content or None)


@blp.route(DRAFT + "/publish", methods=["POST"])
@blp.arguments(PublishBody)
@blp.response(201, PublicationSchema)
@error_responses(blp, 401, 403, 404, 409, 422)
@blp.doc(security=BEARER)
def publish_draft(body: dict, draft_id: int):
    """Publish the draft as a new immutable version with its change note; dossiers already running stay on
    theirs. 422 with every problem when the draft is not valid."""
    return vars(drafts.publish_draft(engine_context(), current_actor(), draft_id, body["note"], body["revision"]))


@blp.route(DRAFT + "/diff")
@blp.response(200, DiffSchema)
@error_responses(blp, 401, 403, 404)
@blp.doc(security=BEARER)
def draft_diff(draft_id: int):
    """What the draft changes against the version it was made from."""
    return designer.draft_diff(engine_context(), current_actor(), draft_id)


@blp.route(DRAFT + "/package")
@error_responses(blp, 401, 403, 404)
@blp.doc(security=BEARER, responses={"200": {"description": "The package zip", "content": {"application/zip": {}}}})
def export_draft(draft_id: int):
    """The draft as a package zip."""
    return _zip(*package_io.export_draft(engine_context(), current_actor(), draft_id))


@blp.route("/packages", methods=["POST"])
@blp.arguments(ImportFiles, location="files")
@blp.arguments(ImportForm, location="form")
@blp.response(201, ImportResultSchema)
@error_responses(blp, 401, 403, 409, 413, 422)
@blp.doc(security=BEARER)
def import_package(files: dict, form: dict):
    """Import a package zip as a draft (its problems listed), or publish it at once (``publish``, ``note``).
    Refused whole, nothing stored, if it is too large, escapes its folder, or its BPMN is unsafe or carries code."""
    data = files["file"].stream.read(MAX_ZIP_BYTES + 1)
    result = package_io.import_package(engine_context(), current_actor(), data, publish=form["publish"], note=form["note"])
    return result.to_dict()


@blp.route("/checks/duration", methods=["POST"])
@blp.arguments(TextBody)
@blp.response(200, CheckSchema)
@error_responses(blp, 401, 422)
@blp.doc(security=BEARER)
def check_duration(body: dict):
    """A step deadline in words: PT4H → "4 giờ làm việc" (working time: PnD = n × 8 working hours)."""
    return drafts.describe_duration(body["text"])


@blp.route("/checks/expression", methods=["POST"])
@blp.arguments(TextBody)
@blp.response(200, CheckSchema)
@error_responses(blp, 401, 422)
@blp.doc(security=BEARER)
def check_expression(body: dict):
    """The safe evaluator's verdict on a gateway condition (compiled against the whitelist, never run)."""
    return designer.check_expression(body["text"])
