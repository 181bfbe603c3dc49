"""marshmallow schemas of the reports API: the query (the engine's own schema, made strict) and the KPI report.
Figure names and labels come from engine.kpis, so the OpenAPI document describes each KPI once."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from engine.kpis import KPI_KINDS, KPI_LABELS_VI, Kpi, KpiKind, KpiQuerySchema
from web.api.schemas import Instant

KIND_NOTES = {KpiKind.COUNT: "count", KpiKind.SHARE: "share 0–1, null when its denominator is 0",
              KpiKind.HOURS: "working hours, null when nothing was measured"}


class KpiQuery(KpiQuerySchema):
    """``from``/``to``: local dates, the period is [from, to) (at most MAX_MONTHS = 36 months; default: the
    current month and the five before it). ``agency``: an agency code (default: the caller's); ``include_sub``:
    with every agency below it (auditors). ``procedure``: a TTHC code; ``unit``: a unit code of the agency (a unit
    head's own unit by default). ``group_by``: month, procedure or unit. An unknown parameter is a 422."""

    class Meta:
        unknown = RAISE


def _figure_field(kpi: Kpi) -> fields.Field:
    kind = KPI_KINDS[kpi]
    cls = fields.Integer if kind == KpiKind.COUNT else fields.Float
    return cls(allow_none=True, metadata={"description": f"{KPI_LABELS_VI[kpi]} ({KIND_NOTES[kind]})."})


KpiFiguresSchema = Schema.from_dict({k.value: _figure_field(k) for k in Kpi}, name="KpiFigures")


class NamedSchema(Schema):
    code = fields.String()
    name = fields.String()


class KpiGroupSchema(Schema):
    key = fields.String(metadata={"description": "YYYY-MM, a procedure code or a unit code."})
    label = fields.String()
    agency_code = fields.String(allow_none=True, metadata={"description": "The agency of a unit."})
    figures = fields.Nested(KpiFiguresSchema)


class UnitStepsSchema(Schema):
    unit_code = fields.String(allow_none=True, metadata={"description": "null: steps of lanes without a unit."})
    unit_name = fields.String()
    agency_code = fields.String(allow_none=True)
    open_steps = fields.Integer(metadata={"description": "Open steps now."})
    overdue_steps = fields.Integer(metadata={"description": "Open steps past their due now."})
    finished_steps = fields.Integer(metadata={"description": "Steps completed in the period."})
    late_steps = fields.Integer(metadata={"description": "Of those, completed late."})


class BottleneckSchema(Schema):
    procedure_code = fields.String()
    procedure_name = fields.String()
    step_id = fields.String(metadata={"description": "BPMN user task id."})
    step_name = fields.String()
    finished = fields.Integer()
    late = fields.Integer()
    avg_hours = fields.Float(allow_none=True)
    p90_hours = fields.Float(allow_none=True)
    total_hours = fields.Float(metadata={"description": "Working hours from hand-over to completion, pauses excluded."})


class IndicatorSchema(Schema):
    key = fields.String()
    label = fields.String()
    value = fields.Float(allow_none=True)


class ProcedureHoursSchema(Schema):
    procedure_code = fields.String()
    procedure_name = fields.String()
    resolved = fields.Integer()
    avg_hours = fields.Float(allow_none=True)


class UnavailableIndicatorSchema(Schema):
    key = fields.String()
    label = fields.String()
    reason = fields.String()


class Indicators766Schema(Schema):
    """Decision 766/QĐ-TTg: what the records support, and what needs data the engine does not hold."""

    available = fields.List(fields.Nested(IndicatorSchema))
    avg_hours_by_procedure = fields.List(fields.Nested(ProcedureHoursSchema))
    unavailable = fields.List(fields.Nested(UnavailableIndicatorSchema))


class KpiReportSchema(Schema):
    """Received counts by receipt time, decisions by resolution time (judged against the statutory due date),
    ``*_now`` figures as of ``generated_at``; steps in the agency where they ran."""

    generated_at = Instant()
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to", metadata={"description": "Exclusive."})
    agency = fields.Nested(NamedSchema)
    include_sub = fields.Boolean()
    procedure = fields.Nested(NamedSchema, allow_none=True)
    unit = fields.Nested(NamedSchema, allow_none=True)
    group_by = fields.String()
    totals = fields.Nested(KpiFiguresSchema)
    groups = fields.List(fields.Nested(KpiGroupSchema))
    by_month = fields.List(fields.Nested(KpiGroupSchema))
    units = fields.List(fields.Nested(UnitStepsSchema))
    bottlenecks = fields.List(fields.Nested(BottleneckSchema))
    indicators_766 = fields.Nested(Indicators766Schema)
