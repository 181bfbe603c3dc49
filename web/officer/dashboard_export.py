"""The dashboard's figures as an .xlsx workbook (openpyxl), in Vietnamese like the other records: one sheet
each for the totals, the groups, the months, the units, the steps and the Decision 766 indicators. Shares
are written as numbers formatted as percentages, hours as numbers, so the sheet can be computed on."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from engine.clock.calendar import LOCAL_TZ
from engine.kpis import KPI_KINDS, KPI_LABELS_VI, Group, Kpi, KpiKind, KpiReport
from web.xlsx import put

FORMATS = {KpiKind.COUNT: "0", KpiKind.SHARE: "0.0%", KpiKind.HOURS: "0.00"}
GROUP_TITLES = {"month": "Tháng", "procedure": "Thủ tục", "unit": "Đơn vị"}
BOLD = Font(bold=True)


def _scope_lines(report: KpiReport) -> list[str]:
    lines = [f"Cơ quan: {report.agency.name} ({report.agency.code})"
             + (" và các cơ quan cấp dưới" if report.include_sub else ""),
             f"Từ ngày {report.date_from:%d/%m/%Y} đến trước ngày {report.date_to:%d/%m/%Y}",
             f"Lập lúc {report.generated_at.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M}"]
    if report.procedure:
        lines.insert(1, f"Thủ tục: {report.procedure.name} ({report.procedure.code})")
    if report.unit:
        lines.insert(1, f"Đơn vị: {report.unit.name} ({report.unit.code})")
    return lines


def _header(sheet, title: str, report: KpiReport) -> int:
    put(sheet, 1, 1, title).font = Font(bold=True, size=14)
    for i, line in enumerate(_scope_lines(report), start=2):
        put(sheet, i, 1, line)
    return len(_scope_lines(report)) + 3


def _table(sheet, row: int, headers: list[str], rows: list[list], formats: list[str | None] | None = None) -> None:
    for col, header in enumerate(headers, start=1):
        put(sheet, row, col, header).font = BOLD
        sheet.column_dimensions[get_column_letter(col)].width = max(12, min(48, len(header) + 2))
    for r, values in enumerate(rows, start=row + 1):
        for col, value in enumerate(values, start=1):
            cell = put(sheet, r, col, value)
            if formats and formats[col - 1] and isinstance(value, (int, float)):
                cell.number_format = formats[col - 1]


def _figure_row(figures: dict) -> list:
    return [figures[k] for k in Kpi]


def _groups_sheet(workbook: Workbook, title: str, first: str, groups: list[Group], report: KpiReport) -> None:
    sheet = workbook.create_sheet(title)
    row = _header(sheet, f"Chỉ số theo {first.lower()}", report)
    _table(sheet, row, [first, "Mã", *(KPI_LABELS_VI[k] for k in Kpi)],
           [[g.label, g.key, *_figure_row(g.figures)] for g in groups],
           [None, None, *(FORMATS[KPI_KINDS[k]] for k in Kpi)])


def workbook_bytes(report: KpiReport) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Tổng hợp"
    row = _header(summary, "BÁO CÁO CHỈ SỐ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", report)
    _table(summary, row, ["Chỉ số", "Giá trị", "Mã"],
           [[KPI_LABELS_VI[k], report.totals[k], k.value] for k in Kpi])
    for r, k in enumerate(Kpi, start=row + 1):
        summary.cell(row=r, column=2).number_format = FORMATS[KPI_KINDS[k]]
    summary.column_dimensions["A"].width = 52

    first = GROUP_TITLES[report.group_by.value]
    _groups_sheet(workbook, f"Theo {first.lower()}", first, report.groups, report)
    if report.group_by.value != "month":
        _groups_sheet(workbook, "Theo tháng", "Tháng", report.by_month, report)

    units = workbook.create_sheet("Đơn vị")
    row = _header(units, "Bước xử lý theo đơn vị", report)
    _table(units, row, ["Đơn vị", "Mã đơn vị", "Cơ quan", "Bước đang mở", "Bước đang quá hạn",
                        "Bước hoàn thành trong kỳ", "Hoàn thành quá hạn"],
           [[u["unit_name"], u["unit_code"], u["agency_code"], u["open_steps"], u["overdue_steps"],
             u["finished_steps"], u["late_steps"]] for u in report.units])

    steps = workbook.create_sheet("Bước xử lý")
    row = _header(steps, "Thời gian làm việc theo bước xử lý (giờ làm việc, không tính thời gian tạm dừng)", report)
    _table(steps, row, ["Mã thủ tục", "Thủ tục", "Mã bước", "Bước xử lý", "Số bước hoàn thành", "Quá hạn",
                        "Tổng số giờ", "Trung bình (giờ)", "Phân vị 90 (giờ)"],
           [[b["procedure_code"], b["procedure_name"], b["step_id"], b["step_name"], b["finished"], b["late"],
             b["total_hours"], b["avg_hours"], b["p90_hours"]] for b in report.bottlenecks],
           [None, None, None, None, "0", "0", "0.00", "0.00", "0.00"])

    indicators = workbook.create_sheet("Chỉ số 766")
    row = _header(indicators, "Chỉ số theo Quyết định 766/QĐ-TTg", report)
    ind = report.indicators_766
    _table(indicators, row, ["Chỉ số", "Giá trị"], [[i["label"], i["value"]] for i in ind["available"]],
           [None, None])
    for r, item in enumerate(ind["available"], start=row + 1):
        if item["key"].endswith("_share"):
            indicators.cell(row=r, column=2).number_format = "0.0%"
    row += len(ind["available"]) + 2
    _table(indicators, row, ["Mã thủ tục", "Thủ tục", "Hồ sơ đã giải quyết", "Thời gian trung bình (giờ làm việc)"],
           [[p["procedure_code"], p["procedure_name"], p["resolved"], p["avg_hours"]]
            for p in ind["avg_hours_by_procedure"]], [None, None, "0", "0.00"])
    row += len(ind["avg_hours_by_procedure"]) + 2
    _table(indicators, row, ["Chỉ số chưa tính được", "Lý do"], [[u["label"], u["reason"]] for u in ind["unavailable"]])
    indicators.column_dimensions["A"].width = 52

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
