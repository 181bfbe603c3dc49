"""marshmallow schemas of the REST API: what a request may carry and what a response contains.

Request bodies reuse the engine's own schemas (engine.inputs.schemas), so every field rule lives in one place;
the API only makes them strict (an unknown field is a 422, so a misspelt optional field is not silently
ignored). Responses describe what the engine's use cases return. Datetimes are ISO 8601 with an offset.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from marshmallow import RAISE, Schema, fields, missing, validate
from webargs.flaskparser import FlaskParser, is_json_request

from engine.dossiers.inbox import DEFAULT_DUE_SOON_HOURS, Scope
from engine.enums import DESK_CHANNELS, Channel
from engine.inputs import schemas as engine_schemas
from engine.inputs.policy import Text, finite_float
from engine.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

MAX_OFFSET = 2**31 - 1
MAX_DUE_SOON_HOURS = 720  # working hours (90 working days): bounds the calendar walk of one request
MAX_PIN_LENGTH = 20
MAX_JSON_DEPTH = 32  # nesting of a request body: the workflow deep-copies step data recursively


# ---------------------------------------------------------------- parsing


class StrictJSONParser(FlaskParser):
    """Request bodies the engine can store, hash and hand back as JSON: a body nested deeper than
    MAX_JSON_DEPTH, with NaN / Infinity, an oversized integer or a lone UTF-16 surrogate is a 400
    like any malformed body, never a 500 later in the database or the workflow."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return missing
        text = req.get_data(cache=True).decode("utf-8")  # UnicodeDecodeError: a 400 from webargs
        try:
            data = json.loads(text, parse_constant=_no_constant, parse_float=finite_float)
            if _depth(data) > MAX_JSON_DEPTH:
                raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
            if _has_nul(data):
                raise ValueError("a NUL character is not allowed")
            json.dumps(data, ensure_ascii=False).encode("utf-8")  # lone surrogates cannot be stored
        except json.JSONDecodeError:
            raise
        except (ValueError, RecursionError, UnicodeError) as error:
            raise json.JSONDecodeError(str(error), text, 0) from None
        return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _has_nul(value) -> bool:
    """A NUL anywhere in the body (a key or a string) cannot be stored (PostgreSQL): the body is malformed.
    Other control characters are the fields' concern (engine.inputs.policy), where multi-line text keeps its breaks."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_JSON_DEPTH:
                stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


API_PARSER = StrictJSONParser()


# ---------------------------------------------------------------- requests


class ApplicantBody(engine_schemas.ApplicantSchema):
    class Meta:
        unknown = RAISE


class ReceiveBody(engine_schemas.ReceiveSchema):
    """A dossier received at the desk (Form 01). ``agency_code`` defaults to the officer's agency."""

    class Meta:
        unknown = RAISE

    applicant = fields.Nested(ApplicantBody, required=True)
    channel = fields.String(load_default=Channel.DESK.value,
                            validate=validate.OneOf(sorted(c.value for c in DESK_CHANNELS)),
                            metadata={"description": "'desk' (handed in) or 'postal' (sent by post); online dossiers "
                                                     "are submitted by citizens."})


class OnlineSubmissionBody(ReceiveBody):
    """A citizen's online submission; the channel is always ``online``."""

    class Meta:
        unknown = RAISE
        exclude = ("channel",)

    agency_code = Text(required=True, validate=validate.Length(min=1, max=40))


class ReasonBody(engine_schemas.ReasonSchema):
    """A written reason (refusal, withdrawal, rejection at reception)."""


class SupplementRequestBody(engine_schemas.SupplementRequestSchema):
    """Form 02: the reason and ONE list of everything missing."""


class SupplementBody(engine_schemas.SupplementSchema):
    """What the applicant supplied."""


class OnlineSupplementBody(engine_schemas.SupplementSchema):
    """The citizen completes an incomplete online dossier, proving it is theirs with the lookup PIN."""

    pin = Text(required=True, validate=validate.Length(min=1, max=MAX_PIN_LENGTH), load_only=True)


class ApologyBody(engine_schemas.ApologySchema):
    """Form 04: the reason of the delay and the new appointment (ISO 8601 with offset)."""


class HandBackBody(Schema):
    note = Text(load_default="", multiline=True, validate=validate.Length(max=engine_schemas.MAX_TEXT))


class CompleteBody(engine_schemas.CompleteSchema):
    """The step's form data, checked against the step's JSON Schema by the engine."""


class ReassignBody(Schema):
    username = Text(required=True, validate=validate.Length(min=1, max=100))


def page_limit() -> fields.Integer:
    """A list request's ``limit``: the engine's page bound (engine.paging), checked before the engine runs."""
    return fields.Integer(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_offset() -> fields.Integer:
    return fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


class InboxQuery(Schema):
    scope = fields.String(load_default=Scope.MINE.value, validate=validate.OneOf([s.value for s in Scope]))
    limit = page_limit()
    offset = page_offset()
    hours = fields.Integer(load_default=DEFAULT_DUE_SOON_HOURS, validate=validate.Range(min=1, max=MAX_DUE_SOON_HOURS),
                           metadata={"description": "Working hours ahead for the due_soon scope."})
    counts = fields.Boolean(load_default=False, metadata={"description": "Also return the count of every scope."})


class PinBody(Schema):
    """The lookup PIN, in a request body only (never a URL, where logs and histories keep it)."""
    pin = Text(required=True, validate=validate.Length(min=1, max=MAX_PIN_LENGTH), load_only=True)


# ---------------------------------------------------------------- responses


class Instant(fields.DateTime):
    """An instant, always written in UTC with its offset (``2026-12-07T01:00:00+00:00``)."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)



class ProcedureLaneSchema(Schema):
    role = fields.String()
    level = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)


class ProcedureStepSchema(Schema):
    name = fields.String()
    lane = fields.String()
    deadline = fields.String(allow_none=True)


class ProcedureSummarySchema(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String()
    field = fields.String()
    statutory_duration = fields.String()
    cutoff = fields.String(allow_none=True)
    fee = fields.Integer()
    result = fields.String()
    required_documents = fields.List(fields.String())
    version = fields.Integer()


class ProcedureDetailSchema(ProcedureSummarySchema):
    pause_on_supplement = fields.Boolean()
    content_hash = fields.String()
    published_at = Instant()
    steps = fields.Dict(keys=fields.String(), values=fields.Nested(ProcedureStepSchema),
                        metadata={"description": "Human steps by BPMN task id."})
    lanes = fields.Dict(keys=fields.String(), values=fields.Nested(ProcedureLaneSchema),
                        metadata={"description": "BPMN lane name → role, agency level and unit."})


class ReceiptSchema(Schema):
    """Form 01 essentials; the PIN is shown once (only its hash is kept)."""

    code = fields.String()
    pin = fields.String()
    status = fields.String()
    received_at = Instant()
    due_at = Instant()
    procedure_code = fields.String()
    procedure_name = fields.String()


class SubmissionSchema(Schema):
    code = fields.String()
    pin = fields.String()
    status = fields.String()
    submitted_at = Instant()


class DossierStateSchema(Schema):
    code = fields.String()
    status = fields.String()
    due_at = Instant(metadata={"description": "The (new) appointment, when the action sets one."})


class TaskStateSchema(Schema):
    id = fields.Integer()
    state = fields.String()
    assignee = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "early / on_time / late once completed."})


class InboxRowSchema(Schema):
    id = fields.Integer()
    dossier_code = fields.String()
    procedure_name = fields.String()
    applicant_name = fields.String()
    step_id = fields.String()
    step_name = fields.String()
    lane = fields.String()
    role = fields.String()
    agency_id = fields.Integer()
    unit_id = fields.Integer(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    state = fields.String()
    paused = fields.Boolean()
    overdue = fields.Boolean()
    ready_at = Instant()
    due_at = Instant()


class InboxPageSchema(Schema):
    scope = fields.String()
    items = fields.List(fields.Nested(InboxRowSchema), attribute="rows")
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "Open tasks per scope (only with counts=true)."})


class DossierStepSchema(Schema):
    id = fields.Integer()
    step_id = fields.String()
    step_name = fields.String()
    lane = fields.String()
    role = fields.String()
    unit = fields.String(allow_none=True)
    state = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    assignee = fields.String(allow_none=True)
    ready_at = Instant()
    due_at = Instant()
    finished_at = Instant(allow_none=True)
    outcome = fields.String(allow_none=True)
    overdue = fields.Boolean()
    paused = fields.Boolean()
    allowed = fields.List(fields.String(), metadata={"description": "Step actions the caller may take now."})
    form = fields.Dict(allow_none=True, metadata={"description": "JSON Schema of the step's form, when completable."})


class DossierEventSchema(Schema):
    seq = fields.Integer()
    kind = fields.String()
    actor = fields.String()
    at = Instant()
    payload = fields.Dict()
    hash = fields.String()


class DossierSummaryFields(Schema):
    code = fields.String()
    status = fields.String()
    status_label = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    received_at = Instant()
    due_at = Instant()
    resolved_at = Instant(allow_none=True)
    returned_at = Instant(allow_none=True)
    outcome = fields.String(allow_none=True)


class DossierDetailSchema(DossierSummaryFields):
    agency_code = fields.String()
    agency_name = fields.String()
    procedure_version = fields.Integer()
    channel = fields.String()
    applicant = fields.Dict()
    documents = fields.List(fields.String())
    required_documents = fields.List(fields.String())
    effective_received_at = Instant()
    statutory_due_at = Instant()
    paused_at = Instant(allow_none=True)
    paused_minutes = fields.Integer()
    overdue = fields.Boolean()
    apology_issued_at = Instant(allow_none=True)
    closed_reason = fields.String(allow_none=True)
    apology_prompt = fields.Dict(allow_none=True, metadata={
        "description": "Set while an apology (Form 04) is needed: prompted_at, due_at, reason, the lagging steps, "
                       "and the signers (username, full_name, unit, basis)."})
    steps = fields.List(fields.Nested(DossierStepSchema))
    allowed = fields.List(fields.String(), metadata={"description": "Dossier actions the caller may take now."})
    events = fields.List(fields.Nested(DossierEventSchema), metadata={"description": "Hash-chained event log."})


class ControlSlipBlockSchema(Schema):
    step_id = fields.String()
    step_name = fields.String()
    from_unit = fields.String(allow_none=True)
    from_lane = fields.String(allow_none=True)
    handed_by = fields.String(allow_none=True)
    handed_at = Instant()
    to_unit = fields.String(allow_none=True)
    to_lane = fields.String()
    received_by = fields.String(allow_none=True)
    received_at = Instant(allow_none=True)
    due_at = Instant()
    finished_at = Instant(allow_none=True)
    finished_by = fields.String(allow_none=True)
    state = fields.String()
    outcome = fields.String(allow_none=True)
    outcome_label = fields.String(allow_none=True)


class ControlSlipSchema(Schema):
    """Form 06: Phiếu kiểm soát quá trình giải quyết hồ sơ."""

    form = fields.String()
    title = fields.String()
    code = fields.String()
    agency = fields.String()
    applicant = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    received_at = Instant()
    due_at = Instant()
    status = fields.String()
    outcome = fields.String(allow_none=True)
    blocks = fields.List(fields.Nested(ControlSlipBlockSchema))
