"""The dashboard of leaders, auditors and unit heads: filters, headline KPIs, charts (on-time rate by month,
overdue steps by unit, bottleneck steps) as server-rendered SVG, the tables behind them, and the same
figures as .xlsx. Every figure comes from engine.kpis; who sees what is decided there."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, render_template, request
from flask_login import login_required

from engine import kpis
from engine.errors import InvalidInput
from engine.kpis import KPI_KINDS, KPI_LABELS_VI, Kpi, KpiKind, KpiReport
from web.charts import Bar, Column, Segment, bars, rate_columns
from web.i18n import current_language, message_of, translate
from web.officer.blueprint import bp
from web.officer.common import actor, ctx
from web.officer.dashboard_export import workbook_bytes
from web.xlsx import XLSX_MIME

BOTTLENECK_BARS = 10
WIDE_CHART = 1200  # the bottleneck chart spans the page
HEADLINES = (  # (figure, figures shown under it)
    (Kpi.RECEIVED, (Kpi.RECEIVED_DESK, Kpi.RECEIVED_ONLINE)),
    (Kpi.RESOLVED, (Kpi.EARLY, Kpi.ON_TIME, Kpi.LATE)),
    (Kpi.ON_TIME_RATE, ()),
    (Kpi.AVG_HOURS, (Kpi.P90_HOURS,)),
    (Kpi.OPEN_NOW, (Kpi.OVERDUE_NOW, Kpi.PAUSED_NOW)),
    (Kpi.ONLINE_SHARE, ()),
    (Kpi.SUPPLEMENT_RATE, (Kpi.SUPPLEMENTED,)),
    (Kpi.REFUSAL_RATE, (Kpi.REFUSED,)),
    (Kpi.PAUSED_HOURS, (Kpi.PAUSED_DOSSIERS,)),
)
TABLE_KPIS = (Kpi.RECEIVED, Kpi.ONLINE_SHARE, Kpi.RESOLVED, Kpi.EARLY, Kpi.ON_TIME, Kpi.LATE, Kpi.ON_TIME_RATE,
              Kpi.AVG_HOURS, Kpi.P90_HOURS, Kpi.SUPPLEMENT_RATE, Kpi.REFUSAL_RATE, Kpi.OPEN_NOW, Kpi.OVERDUE_NOW)


def number(value: float | int, digits: int = 0) -> str:
    """Vietnamese writes 1.234,5; English 1,234.5."""
    text = f"{value:,.{digits}f}"
    return text.translate(str.maketrans(",.", ".,")) if current_language() != "en" else text


def kpi_text(kpi: Kpi, value) -> str:
    if value is None:
        return "—"
    kind = KPI_KINDS[kpi]
    if kind == KpiKind.SHARE:
        return number(value * 100, 1) + "%"
    if kind == KpiKind.HOURS:
        return number(value, 2)
    return number(value)


def kpi_label(kpi: Kpi) -> str:
    return translate(KPI_LABELS_VI[kpi])


def charts(report: KpiReport) -> dict:
    none = translate("không có")
    months = [Column(g.label, g.figures[Kpi.ON_TIME_RATE],
                     f"{g.figures[Kpi.EARLY] + g.figures[Kpi.ON_TIME]}/{g.figures[Kpi.RESOLVED]}")
              for g in report.by_month]
    units = [Bar(_unit_label(u, report.include_sub),
                 (Segment(u["open_steps"], "open"), Segment(u["overdue_steps"], "late")),
                 f"{u['overdue_steps']} / {u['open_steps']} {translate('quá hạn')}")
             for u in report.units if u["open_steps"]]
    steps = [Bar(f"{b['step_name']} ({b['procedure_code']})", (Segment(b["total_hours"], "time"),),
                 f"{number(b['total_hours'], 1)} {translate('giờ')} · P90 {number(b['p90_hours'], 1)}")
             for b in report.bottlenecks[:BOTTLENECK_BARS]]
    return {
        "on_time": rate_columns(months, translate("Tỷ lệ giải quyết trước hạn, đúng hạn theo tháng"), none),
        "overdue": bars(units, translate("Bước đang quá hạn theo đơn vị"), translate("Không có bước nào đang mở.")),
        "bottlenecks": bars(steps, translate("Thời gian làm việc theo bước xử lý"),
                            translate("Chưa có bước nào hoàn thành trong kỳ."), width=WIDE_CHART),
    }


def _unit_label(unit: dict, with_agency: bool) -> str:
    name = unit["unit_name"] if unit["unit_code"] else translate(unit["unit_name"])
    return f"{name} ({unit['agency_code']})" if with_agency and unit["agency_code"] else name


def _form(report: KpiReport | None) -> dict:
    """The filter form's values: those of the report shown, or what was sent when it was refused."""
    if report is None:
        return {key: request.args.get(key, "") for key in ("from", "to", "agency", "procedure", "unit", "group_by")} | {
            "include_sub": request.args.get("include_sub") in ("1", "true", "on")}
    return {"from": report.date_from.isoformat(), "to": report.date_to.isoformat(), "agency": report.agency.code,
            "procedure": report.procedure.code if report.procedure else "",
            "unit": report.unit.code if report.unit else "", "group_by": report.group_by.value,
            "include_sub": report.include_sub}


def _query(form: dict) -> str:
    return urlencode({k: ("1" if v is True else v) for k, v in form.items() if v not in ("", None, False)})


@bp.get("/dashboard")
@login_required
def dashboard():
    try:
        data = kpis.dashboard(ctx(), actor(), kpis.parse(request.args))
    except InvalidInput as error:  # the form again, with what was wrong
        return render_template("officer/dashboard.html", report=None, options=kpis.report_options(ctx(), actor()),
                               form=_form(None), error=message_of(error), **_helpers()), 422
    form = _form(data.report)
    return render_template("officer/dashboard.html", report=data.report, options=data.options, form=form,
                           charts=charts(data.report), export_query=_query(form), error=None, **_helpers())


def _helpers() -> dict:
    return {"Kpi": Kpi, "kpi_text": kpi_text, "kpi_label": kpi_label, "headlines": HEADLINES,
            "table_kpis": TABLE_KPIS, "group_choices": _group_choices()}


def _group_choices() -> list[tuple[str, str]]:
    return [(kpis.GroupBy.MONTH.value, translate("Tháng")), (kpis.GroupBy.PROCEDURE.value, translate("Thủ tục")),
            (kpis.GroupBy.UNIT.value, translate("Đơn vị"))]


@bp.get("/dashboard/export.xlsx")
@login_required
def dashboard_export():
    report = kpis.kpi_report(ctx(), actor(), kpis.parse(request.args))
    name = f"chi-so-{report.agency.code}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.xlsx"
    return Response(workbook_bytes(report), mimetype=XLSX_MIME,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
