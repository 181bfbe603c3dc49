"""Nonconformities (ISO 9001 §10.2): the caller's list (unit heads their unit's, leaders and auditors the
agency's), the unit head's cause and corrective action, the auditor's verification and closure. Anyone
else gets 403 (logged)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from engine.enums import NonconformityStatus
from engine.quality import nonconformities
from web.api.endpoints import WRITES, operation
from web.api.schemas import API_PARSER, Instant, page_limit, page_offset
from web.auth import current_actor, engine_context

blp = Blueprint("nonconformities", __name__, url_prefix="/nonconformities",
                description="Điểm không phù hợp / nonconformities: late steps, their cause, corrective action "
                            "and closure after verification (ISO 9001 §10.2).")
blp.ARGUMENTS_PARSER = API_PARSER
NC = "/<int(max=2147483647):nc_id>"


@blp.before_request
def _authenticate() -> None:
    current_actor()  # 401 before anything is parsed


class NonconformityQuery(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in NonconformityStatus]))
    flagged = fields.Boolean(load_default=None, allow_none=True,
                             metadata={"description": "Only (true) or never (false) those flagged for a missing "
                                                      "corrective action."})
    agency_code = fields.String(data_key="agency", load_default=None, validate=validate.Length(min=1, max=40),
                                metadata={"description": "One agency among the caller's (e.g. a commune, for the "
                                                         "province's auditors)."})
    limit = page_limit()
    offset = page_offset()


class CorrectiveActionBody(nonconformities.CorrectiveActionSchema):
    class Meta:
        unknown = RAISE


class CloseBody(nonconformities.CloseSchema):
    class Meta:
        unknown = RAISE


class NonconformitySchema(Schema):
    id = fields.Integer()
    dossier_code = fields.String()
    procedure_name = fields.String()
    step_id = fields.String()
    step_name = fields.String()
    unit = fields.String()
    agency = fields.String()
    raised_at = Instant()
    step_due_at = Instant()
    status = fields.String()
    cause = fields.String(allow_none=True)
    corrective_action = fields.String(allow_none=True)
    action_recorded_at = Instant(allow_none=True)
    action_recorded_by = fields.String(allow_none=True)
    action_due_at = Instant(metadata={"description": "When the cause and corrective action are due (working days)."})
    action_overdue = fields.Boolean()
    flagged_at = Instant(allow_none=True, metadata={"description": "When the worker flagged the missing action."})
    verification_note = fields.String(allow_none=True)
    closed_at = Instant(allow_none=True)
    closed_by = fields.String(allow_none=True)
    allowed = fields.List(fields.String(), metadata={"description": "What the caller may do now: action, close."})


class NonconformityPageSchema(Schema):
    rows = fields.List(fields.Nested(NonconformitySchema))
    total = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    limit = fields.Integer()
    offset = fields.Integer()


class NonconformityStateSchema(Schema):
    id = fields.Integer()
    status = fields.String()


@operation(blp, "", NonconformityPageSchema,
           args=NonconformityQuery, location="query", unknown=RAISE, errors=(401, 403, 422))
def list_nonconformities(query: dict):
    """The caller's nonconformities, newest first, with what the caller may do on each."""
    return nonconformities.list_nonconformities(engine_context(), current_actor(), **query)


@operation(blp, NC + "/action", NonconformityStateSchema, method="POST", args=CorrectiveActionBody, errors=WRITES)
def record_action(body: dict, nc_id: int):
    """The unit head records the cause and the corrective action (revisable until closed)."""
    return {"id": nc_id, "status": nonconformities.record_corrective_action(engine_context(), current_actor(),
                                                                            nc_id, body)}


@operation(blp, NC + "/close", NonconformityStateSchema, method="POST", args=CloseBody, errors=WRITES)
def close(body: dict, nc_id: int):
    """An auditor of the agency (or above) verifies the corrective action and closes the nonconformity."""
    return {"id": nc_id, "status": nonconformities.close_nonconformity(engine_context(), current_actor(), nc_id, body)}
