"""The one-stop desk's worklists (role ``desk``): results to hand back, dossiers waiting for the citizen's
supplement, online submissions waiting for the completeness check, dossiers received today."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.dossiers.worklists import Worklist, list_worklist, worklist_counts
from web.api.endpoints import operation
from web.api.schemas import API_PARSER, Instant, page_limit, page_offset
from web.auth import current_actor, engine_context

blp = Blueprint("worklists", __name__, url_prefix="/worklists",
                description="Danh sách việc của Bộ phận Một cửa / the desk's worklists.")
blp.ARGUMENTS_PARSER = API_PARSER


class WorklistQuery(Schema):
    limit = page_limit()
    offset = page_offset()


class AskedSchema(Schema):
    reason = fields.String()
    missing = fields.List(fields.String())
    since = Instant()
    working_days = fields.Float(metadata={"description": "Working days since the request (8 working hours each)."})


class WorklistRowSchema(Schema):
    code = fields.String()
    procedure_name = fields.String()
    applicant_name = fields.String()
    status = fields.String()
    received_at = Instant(allow_none=True)
    submitted_at = Instant(allow_none=True)
    due_at = Instant()
    resolved_at = Instant(allow_none=True)
    overdue = fields.Boolean()
    asked = fields.Nested(AskedSchema, allow_none=True,
                          metadata={"description": "What the citizen was asked to supplement (awaiting_supplement)."})


class WorklistPageSchema(Schema):
    worklist = fields.String(validate=validate.OneOf([w.value for w in Worklist]))
    items = fields.List(fields.Nested(WorklistRowSchema), attribute="rows")
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class WorklistCountsSchema(Schema):
    counts = fields.Dict(keys=fields.String(validate=validate.OneOf([w.value for w in Worklist])),
                         values=fields.Integer())


@blp.before_request
def _authenticate() -> None:
    current_actor()  # 401 before anything is parsed


@operation(blp, "", WorklistCountsSchema, errors=(401, 403))
def counts():
    """How many dossiers wait in each of the desk's worklists."""
    return {"counts": worklist_counts(engine_context(), current_actor())}


WORKLIST = f"/<any({', '.join(w.value for w in Worklist)}):worklist>"  # an unknown list is a 404


@operation(blp, WORKLIST, WorklistPageSchema,
           args=WorklistQuery, location="query", errors=(401, 403, 404, 422))
def one(query: dict, worklist: str):
    """One worklist, oldest waiting first (received today: newest first)."""
    page = list_worklist(engine_context(), current_actor(), worklist, limit=query["limit"], offset=query["offset"])
    return {**vars(page), "worklist": page.worklist.value}
