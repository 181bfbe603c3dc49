"""marshmallow schemas of the designer API: what a request may carry and what a response contains."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields, validate

from web.api.schemas import Instant

MAX_NOTE = 4000
MAX_TEXT = 2000


class Strict(Schema):
    class Meta:
        unknown = RAISE


# ---------------------------------------------------------------- requests


class DraftCreateBody(Strict):
    from_version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1),
                                  metadata={"description": "Copy this version instead of the one in force."})


class DraftContentBody(Strict):
    """What the editor holds; omitted parts stay as stored. ``card`` changes fields of procedure.toml (comments
    are kept); ``card_toml`` replaces the whole file; ``forms`` is the complete set (task id → JSON text)."""

    revision = fields.Integer(load_default=None, metadata={"description": "The revision the edit is based on."})
    bpmn_xml = fields.String(load_default=None)
    card = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), load_default=None)
    card_toml = fields.String(load_default=None)
    forms = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), load_default=None)


class PublishBody(Strict):
    note = fields.String(required=True, validate=validate.Length(min=1, max=MAX_NOTE),
                         metadata={"description": "Change note: what changed, why, on what legal basis."})
    revision = fields.Integer(load_default=None)


class MigrationBody(Strict):
    to = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    dry_run = fields.Boolean(load_default=True)
    dossiers = fields.List(fields.String(validate=validate.Length(max=64)), load_default=None,
                           validate=validate.Length(max=10_000), metadata={"description": "Only these dossier codes."})


class DiffQuery(Strict):
    old = fields.Integer(required=True, data_key="from", validate=validate.Range(min=1, max=2**31 - 1))
    new = fields.Integer(required=True, data_key="to", validate=validate.Range(min=1, max=2**31 - 1))


class TextBody(Strict):
    text = fields.String(required=True, validate=validate.Length(max=MAX_TEXT))


class ImportForm(Strict):
    publish = fields.Boolean(load_default=False)
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))


class ImportFiles(Schema):
    file = Upload(required=True, metadata={"description": "The package zip (procedure.toml, <slug>.bpmn, forms/)."})


# ---------------------------------------------------------------- responses


class ProblemSchema(Schema):
    file = fields.String()
    element_id = fields.String(allow_none=True, metadata={"description": "BPMN element id, or card key (lanes.X)."})
    message = fields.String()
    fix = fields.String()
    message_en = fields.String()
    fix_en = fields.String()
    severity = fields.String(metadata={"description": "error (blocks publishing) or warning."})


class BudgetSchema(Schema):
    total_minutes = fields.Integer()
    total_vi = fields.String()
    path = fields.List(fields.String(), metadata={"description": "User-task ids of the longest path."})
    path_names = fields.List(fields.String())
    allowed_minutes = fields.Integer(allow_none=True)
    allowed_vi = fields.String(allow_none=True)
    exceeded = fields.Boolean()


class ValidationSchema(Schema):
    valid = fields.Boolean()
    problems = fields.List(fields.Nested(ProblemSchema))
    budget = fields.Nested(BudgetSchema, allow_none=True)


class SavedDraftSchema(ValidationSchema):
    revision = fields.Integer()


class DraftSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    slug = fields.String()
    name = fields.String()
    status = fields.String()
    revision = fields.Integer()
    procedure_code = fields.String(allow_none=True)
    base_version = fields.Integer(allow_none=True)
    card = fields.Dict(metadata={"description": "procedure.toml fields; lanes as name → {role, level, unit}."})
    card_error = fields.String(allow_none=True)
    card_toml = fields.String()
    bpmn_filename = fields.String()
    bpmn_xml = fields.String()
    forms = fields.Dict(keys=fields.String(), values=fields.String())
    created_by = fields.String()
    created_at = Instant()
    updated_by = fields.String()
    updated_at = Instant()


class CreatedSchema(Schema):
    id = fields.Integer()


class VersionSchema(Schema):
    number = fields.Integer()
    status = fields.String(metadata={"description": "published (in force) or retired."})
    status_label = fields.String()
    content_hash = fields.String()
    published_by = fields.String()
    published_at = Instant()
    note = fields.String()
    retired_at = Instant(allow_none=True)
    retired_by = fields.String(allow_none=True)
    open_dossiers = fields.Integer()


class DraftSummarySchema(Schema):
    id = fields.Integer()
    status = fields.String()
    name = fields.String()
    base_version = fields.Integer(allow_none=True)
    created_by = fields.String()
    updated_by = fields.String()
    updated_at = Instant()
    revision = fields.Integer()


class DesignerProcedureSchema(Schema):
    code = fields.String()
    slug = fields.String()
    name = fields.String()
    current_version = fields.Integer(allow_none=True)
    versions = fields.List(fields.Nested(VersionSchema))
    draft = fields.Nested(DraftSummarySchema, allow_none=True)


class PublicationSchema(Schema):
    code = fields.String()
    slug = fields.String()
    number = fields.Integer()
    content_hash = fields.String()
    created = fields.Boolean()


class DiffSchema(Schema):
    code = fields.String()
    draft_id = fields.Integer()
    old = fields.Integer(attribute="from", data_key="from", allow_none=True)
    new = fields.Integer(attribute="to", data_key="to", allow_none=True)
    added = fields.List(fields.Dict())
    removed = fields.List(fields.Dict())
    changed = fields.List(fields.Dict())
    deadlines = fields.List(fields.Dict())
    card = fields.List(fields.Dict())
    forms = fields.List(fields.Dict())
    budget = fields.Dict()
    empty = fields.Boolean()


class DossierMoveSchema(Schema):
    code = fields.String()
    status = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    can_move = fields.Boolean()
    migrated = fields.Boolean()
    reasons = fields.List(fields.Dict())
    notes = fields.List(fields.Dict())
    steps = fields.List(fields.Dict())


class MigrationSchema(Schema):
    procedure = fields.String()
    to_version = fields.Integer()
    dry_run = fields.Boolean()
    dossiers = fields.List(fields.Nested(DossierMoveSchema))
    summary = fields.Dict(keys=fields.String(), values=fields.Integer())


class ImportResultSchema(Schema):
    code = fields.String()
    draft_id = fields.Integer(allow_none=True)
    published = fields.Dict(allow_none=True)
    problems = fields.List(fields.Nested(ProblemSchema))


class CheckSchema(Schema):
    ok = fields.Boolean()
    message = fields.String()
    message_en = fields.String()
    describe_vi = fields.String()
    text = fields.String()
    minutes = fields.Integer()
    same_day = fields.Boolean()
    names = fields.List(fields.String())
