"""Reports: KPIs per agency, unit, procedure and month (DOMAIN §7, Decision 766/QĐ-TTg), computed by SQL
from the records at each request. Leaders read their agency, auditors theirs and those below it, unit heads
their unit; anyone else gets 403 (logged)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE

from engine import kpis
from web.api.report_schemas import KpiQuery, KpiReportSchema
from web.api.endpoints import BEARER, error_responses
from web.api.schemas import API_PARSER
from web.auth import current_actor, engine_context

blp = Blueprint("reports", __name__, url_prefix="/reports",
                description="Báo cáo chỉ số / KPIs: received, resolved early / on time / late, processing time, "
                            "open and overdue work, bottleneck steps, Decision 766 indicators.")
blp.ARGUMENTS_PARSER = API_PARSER


@blp.before_request
def _authenticate() -> None:
    current_actor()  # 401 before anything is parsed


@blp.route("/kpis")
@blp.arguments(KpiQuery, location="query", unknown=RAISE)  # a misspelt filter is a 422, not ignored
@blp.response(200, KpiReportSchema)
@error_responses(blp, 401, 403, 422)
@blp.doc(security=BEARER)
def kpis_report(query: dict):
    """The KPIs of an agency (optionally with the agencies below it), unit or procedure over [from, to)."""
    return kpis.kpi_report(engine_context(), current_actor(), kpis.KpiParams(**query))
