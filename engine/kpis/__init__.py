"""KPIs (DOMAIN §7, Decision 766/QĐ-TTg) computed by SQL from the records, never from a cache: per agency
(optionally with the agencies below it), unit, procedure and month, over any [from, to) period."""

from engine.kpis.definitions import KPI_KINDS, KPI_LABELS_VI, Kpi, KpiKind
from engine.kpis.params import MAX_MONTHS, GroupBy, KpiParams, KpiQuerySchema, parse
from engine.kpis.report import Dashboard, Group, KpiReport, ReportOptions, dashboard, kpi_report, report_options

__all__ = [
    "KPI_KINDS", "KPI_LABELS_VI", "Kpi", "KpiKind", "MAX_MONTHS", "GroupBy", "KpiParams", "KpiQuerySchema", "parse",
    "Dashboard", "Group", "KpiReport", "ReportOptions", "dashboard", "kpi_report", "report_options",
]
