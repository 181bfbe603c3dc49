"""Files on a dossier (issue 18): multipart upload per part, listing by part, download as an attachment.

Officers (bearer token) under /dossiers/<code>/files; the citizen with code + PIN under /public/dossiers/<code>/files (POST, the PIN in the body)
(their parts and results only). Every rule is the engine's (engine.documents); a refused file answers 413 or 422
with a Vietnamese message naming the part and the limit, and nothing is stored."""

from __future__ import annotations

import io

from flask import request, send_file
from flask_smorest import Blueprint
from flask_smorest.fields import Upload as UploadField
from marshmallow import Schema, ValidationError, fields, validate

from engine.documents import files as documents
from engine.documents.policy import MAX_UPLOAD_MB, MB, Upload
from engine.enums import FileKind
from engine.errors import InvalidInput
from web.api.endpoints import BEARER, error_responses, operation
from web.api.schemas import API_PARSER, PinBody
from web.auth import current_actor, engine_context
from web.pin_limits import pin_limited
from web.uploads import too_large_response, upload_limit

MAX_REQUEST = MAX_UPLOAD_MB * MB + 256 * 1024  # the files and the multipart envelope
FILE_ID = "<int(max=2147483647):file_id>"

blp = Blueprint("documents", __name__, url_prefix="/dossiers",
                description="Tệp hồ sơ / dossier files: upload per part (multipart), list by part, download.")
blp.ARGUMENTS_PARSER = API_PARSER
citizen = Blueprint("citizen-files", __name__, url_prefix="/public",
                    description="Tệp của công dân / the citizen's files and results, with the dossier's code and PIN.")
citizen.ARGUMENTS_PARSER = API_PARSER


@blp.before_request
def _authenticate() -> None:
    current_actor()  # 401 before anything is parsed


blp.register_error_handler(413, too_large_response)


class AttachForm(Schema):
    part = fields.String(load_default="", validate=validate.Length(max=120),
                         metadata={"description": "The part's (or result's) code in procedure.toml; empty for a "
                                                  "working document"})
    kind = fields.String(load_default=FileKind.PART.value, validate=validate.OneOf([k.value for k in FileKind]))
    replaces = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                              metadata={"description": "The current file a new version replaces (a part of several)"})
    task_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "The step a working document belongs to"})


class AttachFiles(AttachForm):
    """The multipart body as documented: the file field and the form fields (read from the form by ``_form``)."""

    file = UploadField(required=True, metadata={
        "description": "The file (PDF, JPEG or PNG, by content). Repeat the field for several scanned pages of one "
                       "part: they become one PDF, in the order sent."})


class FileSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    part_code = fields.String()
    name = fields.String(metadata={"description": "The client's file name, as a label only"})
    size = fields.Integer()
    pages = fields.Integer()
    media_type = fields.String()
    sha256 = fields.String()
    source = fields.String()
    uploader = fields.String()
    uploaded_at = fields.DateTime()
    superseded_at = fields.DateTime(allow_none=True)
    replaces_id = fields.Integer(allow_none=True)
    ocr_state = fields.String(allow_none=True)


class PartFilesSchema(Schema):
    code = fields.String()
    name = fields.String()
    required = fields.Boolean()
    multiple = fields.Boolean()
    types = fields.List(fields.String())
    max_mb = fields.Integer()
    template = fields.String(allow_none=True)
    files = fields.List(fields.Nested(FileSchema))
    history = fields.List(fields.Nested(FileSchema), metadata={"description": "Earlier versions, kept"})
    pages = fields.Integer()
    missing = fields.Boolean(metadata={"description": "A required part without a file"})


class FilesSchema(Schema):
    parts = fields.List(fields.Nested(PartFilesSchema))
    results = fields.List(fields.Nested(PartFilesSchema))
    working = fields.List(fields.Nested(FileSchema))


class DownloadQuery(Schema):
    original = fields.Boolean(load_default=False, metadata={"description": "The scan as uploaded, not its "
                                                                          "searchable PDF"})


DOWNLOAD = {"200": {"description": "The file, as an attachment",
                    "content": {t: {} for t in ("application/pdf", "image/jpeg", "image/png")}}}


def _send(got: documents.Download):
    """Always an attachment, its type from the content, never sniffed, never rendered inline."""
    response = send_file(io.BytesIO(got.data), mimetype=got.media_type, as_attachment=True,
                         download_name=got.name, etag=got.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _form() -> dict:
    """The multipart form's fields (flask-smorest documents one multipart body: the files' schema carries them)."""
    try:
        return AttachForm().load(request.form.to_dict())
    except ValidationError as exc:
        raise InvalidInput("Trường của biểu mẫu tải lên không hợp lệ.", message_en="Invalid upload form fields.",
                           details=exc.messages) from None


def uploads_of(field: str = "file") -> list[Upload]:
    """The request's files of ``field`` as uploads (bytes and the label the client gave)."""
    return [Upload(f.filename or "", f.stream.read(MAX_UPLOAD_MB * MB + 1)) for f in request.files.getlist(field)]


@operation(blp, "/<code>/files", FilesSchema)
def list_files(code: str):
    """The procedure's parts and results with their current files (page counts, earlier versions), missing
    required parts flagged, and the working documents."""
    return documents.list_files(engine_context(), current_actor(), code)


@blp.route("/<code>/files", methods=["POST"])
@blp.arguments(AttachFiles, location="files")
@blp.response(201, FileSchema)
@error_responses(blp, 401, 403, 404, 409, 413, 422)
@blp.doc(security=BEARER)
@upload_limit(MAX_REQUEST)
def attach(files: dict, code: str):
    """Attach a file to a part (``kind=part``: the desk), a result (``kind=result``) or a working document of a step
    (``kind=working`` with ``task_id``: who works it). Multipart: ``file`` (repeat for pages), ``part``. The type is
    read from the content; PDFs are rewritten without scripts, actions, attachments and forms; images re-encoded
    without metadata. A file of a part of one file replaces the current one, which is kept."""
    form = _form()
    stored = documents.attach(engine_context(), current_actor(), code, form["part"], uploads_of(),
                              kind=FileKind(form["kind"]), replaces=form["replaces"], task_id=form["task_id"])
    return stored.to_dict()


@operation(blp, f"/<code>/files/{FILE_ID}", None, args=DownloadQuery, location="query", responses=DOWNLOAD)
def download(query: dict, code: str, file_id: int):
    """A file's bytes, for who may view the dossier (a scan: its searchable PDF unless ``original``)."""
    return _send(documents.download(engine_context(), current_actor(), code, file_id, original=query["original"]))


@citizen.route("/dossiers/<code>/files", methods=["POST"])
@citizen.arguments(PinBody)
@citizen.response(200, FilesSchema)
@error_responses(citizen, 404, 422, 423, 429)
@pin_limited
def public_files(query: dict, code: str):
    """The citizen's parts and results (no working documents), with code + PIN (the PIN in the body, never the URL)."""
    return documents.public_files(engine_context(), code, query["pin"])


@citizen.route(f"/dossiers/<code>/files/{FILE_ID}", methods=["POST"])
@citizen.arguments(PinBody)
@citizen.doc(responses=DOWNLOAD)
@error_responses(citizen, 404, 422, 423, 429)
@pin_limited
def public_download(query: dict, code: str, file_id: int):
    """One of the citizen's files or results, with code + PIN (in the body), as an attachment."""
    return _send(documents.public_download(engine_context(), code, query["pin"], file_id))
