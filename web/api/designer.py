"""The process designer's API: procedures and their versions, drafts (edit, validate as you work, publish),
version diff, migration of running dossiers, package import/export, and the side panel's checks.

Designers only (engine.org.authz.check_designer answers 403 to anyone else, and logs it). Uploads are size-checked
from their Content-Length before a byte is read; a hostile package or BPMN is refused whole (422, each
problem naming its element) and nothing is stored.
"""

from __future__ import annotations

import io

from flask import request, send_file
from flask_smorest import Blueprint

from engine.design import drafts, migration
from engine.design import packages as package_io
from engine.design import versions as designer
from engine.procedures.zipio import MAX_ZIP_BYTES
from web.api.designer_schemas import (
    CheckSchema,
    CreatedSchema,
    DesignerProcedureSchema,
    DiffQuery,
    DiffSchema,
    DraftContentBody,
    DraftCreateBody,
    DraftSchema,
    ImportFiles,
    ImportForm,
    ImportResultSchema,
    MigrationBody,
    MigrationSchema,
    PublicationSchema,
    PublishBody,
    SavedDraftSchema,
    TextBody,
    ValidationSchema,
)
from web.api.endpoints import BEARER, WRITES, error_responses, operation
from web.api.schemas import API_PARSER
from web.auth import current_actor, engine_context
from web.uploads import bound_request, too_large_response, upload_limit

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


@operation(blp, "/procedures", DesignerProcedureSchema(many=True), errors=(401, 403))
def list_procedures():
    """Every procedure with its versions (in force, retired: who published, when, why) and its open draft."""
    return designer.list_procedures(engine_context(), current_actor())


@operation(blp, PROCEDURE, DesignerProcedureSchema)
def procedure(code: str):
    """One procedure's versions and open draft."""
    return designer.procedure_detail(engine_context(), current_actor(), code)


@operation(blp, PROCEDURE + "/diff", DiffSchema, args=DiffQuery, location="query", errors=(401, 403, 404, 422))
def version_diff(query: dict, code: str):
    """Elements added, removed, changed; deadlines changed; card and forms changed; budget before and after."""
    return designer.version_diff(engine_context(), current_actor(), code, query["old"], query["new"])


@operation(blp, PROCEDURE + "/versions/<int(max=2147483647):number>/package",
           responses={"200": {"description": "The package zip", "content": {"application/zip": {}}}})
def export_version(code: str, number: int):
    """A published version as a package zip (procedure.toml, BPMN, forms), importable as is."""
    return _zip(*package_io.export_version(engine_context(), current_actor(), code, number))


@operation(blp, PROCEDURE + "/drafts", CreatedSchema,
           method="POST", status=201, args=DraftCreateBody, required=False, errors=WRITES)
def create_draft(body: dict, code: str):
    """Open a draft copied from the version in force (or ``from_version``); 409 when one is already open."""
    body = body or {}
    return {"id": drafts.create_draft(engine_context(), current_actor(), code, body.get("from_version"))}


@operation(blp, PROCEDURE + "/migration", MigrationSchema,
           method="POST", args=MigrationBody, errors=(401, 403, 404, 422))
def migrate(body: dict, code: str):
    """Dry run (default) or migration of the procedure's open dossiers to version ``to``: per dossier, whether
    it can move and why not; a real run moves each movable dossier in its own transaction."""
    report = migration.migrate(engine_context(), current_actor(), code, body["to"], dry_run=body["dry_run"],
                               dossier_codes=body["dossiers"])
    return report.to_dict()


@operation(blp, DRAFT, DraftSchema)
def get_draft(draft_id: int):
    """The draft's card (fields and TOML), BPMN and forms, with its revision."""
    return drafts.get_draft(engine_context(), current_actor(), draft_id)


@operation(blp, DRAFT, SavedDraftSchema, method="PUT", args=DraftContentBody, errors=(401, 403, 404, 409, 413, 422))
def save_draft(body: dict, draft_id: int):
    """Store the editor's content (refused whole if the BPMN is unsafe or carries code); returns the new
    revision and the validation of what was stored. 409 when the draft was saved by someone else meanwhile."""
    return drafts.save_draft(engine_context(), current_actor(), draft_id, body)


@operation(blp, DRAFT, method="DELETE", status=204, errors=(401, 403, 404, 409))
def discard_draft(draft_id: int):
    """Discard the draft (the versions are untouched)."""
    drafts.discard_draft(engine_context(), current_actor(), draft_id)


@operation(blp, DRAFT + "/validate", ValidationSchema,
           method="POST", args=DraftContentBody, required=False, errors=(401, 403, 404, 413, 422))
def validate_draft(body: dict, draft_id: int):
    """The same validator as ``motcua procedures validate``, on the stored draft or on the content sent (not
    stored): every problem with the element it concerns, and the deadline budget along the longest path."""
    content = {k: v for k, v in (body or {}).items() if k != "revision" and v is not None}
    return drafts.validate_draft(engine_context(), current_actor(), draft_id, content or None)


@operation(blp, DRAFT + "/publish", PublicationSchema, method="POST", status=201, args=PublishBody, errors=WRITES)
def publish_draft(body: dict, draft_id: int):
    """Publish the draft as a new immutable version with its change note; dossiers already running stay on
    theirs. 422 with every problem when the draft is not valid."""
    return vars(drafts.publish_draft(engine_context(), current_actor(), draft_id, body["note"], body["revision"]))


@operation(blp, DRAFT + "/diff", DiffSchema)
def draft_diff(draft_id: int):
    """What the draft changes against the version it was made from."""
    return designer.draft_diff(engine_context(), current_actor(), draft_id)


@operation(blp, DRAFT + "/package",
           responses={"200": {"description": "The package zip", "content": {"application/zip": {}}}})
def export_draft(draft_id: int):
    """The draft as a package zip."""
    return _zip(*package_io.export_draft(engine_context(), current_actor(), draft_id))


@blp.route("/packages", methods=["POST"])
@blp.arguments(ImportFiles, location="files")
@blp.arguments(ImportForm, location="form")
@blp.response(201, ImportResultSchema, description="A draft, or a new version in force (also when it republishes "
                                                     "a retired version's content: ``published.republished_from``)")
@blp.alt_response(200, schema=ImportResultSchema,
                  description="Published with ``publish`` but identical to the version in force: nothing stored")
@error_responses(blp, 401, 403, 409, 413, 422)
@blp.doc(security=BEARER)
@upload_limit(MAX_UPLOAD_REQUEST)  # read at the door, before the input guard reads the form
def import_package(files: dict, form: dict):
    """Import a package zip as a draft (its problems listed), or publish it at once (``publish``, ``note``).
    Refused whole, nothing stored, if it is too large, escapes its folder, or its BPMN is unsafe or carries code.
    Publishing the content of a retired version puts it back in force as a new version (201); the content of
    the version in force changes nothing (200)."""
    data = files["file"].stream.read(MAX_ZIP_BYTES + 1)
    result = package_io.import_package(engine_context(), current_actor(), data, publish=form["publish"], note=form["note"])
    return result.to_dict(), 201 if result.created else 200


@operation(blp, "/checks/duration", CheckSchema, method="POST", args=TextBody, errors=(401, 422))
def check_duration(body: dict):
    """A step deadline in words: PT4H → "4 giờ làm việc" (working time: PnD = n × 8 working hours)."""
    return drafts.describe_duration(body["text"])


@operation(blp, "/checks/expression", CheckSchema, method="POST", args=TextBody, errors=(401, 422))
def check_expression(body: dict):
    """The safe evaluator's verdict on a gateway condition (compiled against the whitelist, never run)."""
    return designer.check_expression(body["text"])
