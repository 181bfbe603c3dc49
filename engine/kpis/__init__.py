"""KPIs (DOMAIN §7, Decision 766/QĐ-TTg) per agency (optionally with the agencies below it), unit, procedure
and month, over any [from, to) period: summed from daily tallies (tally.py keeps them in the same transaction
as each change, tally_read.py reads them), never stale; the raw-SQL reference (reference.py, over
dossier_sql / step_sql) defines every figure and the tests hold the two equal.
May import: engine.org, engine.context, engine.clock, engine.db and the shared modules."""

from engine.kpis.definitions import KPI_KINDS, KPI_LABELS_VI, Kpi, KpiKind
from engine.kpis.params import MAX_MONTHS, GroupBy, KpiParams, KpiQuerySchema, parse
from engine.kpis.report import Dashboard, Group, KpiReport, ReportOptions, dashboard, kpi_report, report_options

__all__ = [
    "KPI_KINDS", "KPI_LABELS_VI", "Kpi", "KpiKind", "MAX_MONTHS", "GroupBy", "KpiParams", "KpiQuerySchema", "parse",
    "Dashboard", "Group", "KpiReport", "ReportOptions", "dashboard", "kpi_report", "report_options",
]
