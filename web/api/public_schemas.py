"""The citizen's lookup as the API answers it (code + PIN): the dossier's summary, its clock, the reasons of its
state changes and its steps, with no internal data and no officers' names."""

from __future__ import annotations

from marshmallow import Schema, fields

from web.api.schemas import DossierSummaryFields, Instant


class PublicStepSchema(Schema):
    step_name = fields.String()
    unit = fields.String(allow_none=True)
    state = fields.String()
    ready_at = Instant()
    finished_at = Instant(allow_none=True)
    due_at = Instant(allow_none=True)
    outcome = fields.String(allow_none=True)
    overdue = fields.Boolean()
    paused = fields.Boolean()


class PublicExplanationSchema(Schema):
    """Why the dossier changed state, as the citizen must know it (by ``kind``: supplement_requested: reason,
    missing; supplemented: documents, paused_minutes, due_at; refused / withdrawn: reason, legal_basis;
    apology_issued: reason, old_due_at, new_due_at, units; dossier_overdue)."""

    kind = fields.String()
    at = Instant()
    reason = fields.String()
    missing = fields.List(fields.String())
    before_receipt = fields.Boolean()
    clock_paused = fields.Boolean()
    documents = fields.List(fields.String())
    paused_minutes = fields.Integer()
    due_at = Instant(allow_none=True)
    online = fields.Boolean()
    legal_basis = fields.String()
    at_reception = fields.Boolean()
    old_due_at = Instant(allow_none=True)
    new_due_at = Instant(allow_none=True)
    units = fields.List(fields.String())


class PublicClockSchema(Schema):
    paused = fields.Boolean()
    paused_at = Instant(allow_none=True)
    paused_minutes = fields.Integer()
    projected_due_at = Instant(allow_none=True)
    overdue = fields.Boolean()
    apology_issued_at = Instant(allow_none=True)


class PublicDossierSchema(DossierSummaryFields):
    """What a citizen sees with the code and PIN: no internal data, no officers' names."""

    agency_name = fields.String()
    answer_online = fields.Boolean()
    clock = fields.Nested(PublicClockSchema)
    explanations = fields.List(fields.Nested(PublicExplanationSchema))
    steps = fields.List(fields.Nested(PublicStepSchema))
