"""The registers (Form 07 tracking book, Form 06 control slips) as .xlsx workbooks, in Vietnamese like the
printed forms. Instants are written as local date-times (Excel has no time zones)."""

from __future__ import annotations

import io
from datetime import datetime

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from engine.clock.calendar import LOCAL_TZ
from engine.enums import DossierStatus
from web.display import VI_FILTERS

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
HEADER_ROW = 4
RESOLVED_STATUSES = frozenset({DossierStatus.RESOLVED, DossierStatus.RETURNED})
# What makes a spreadsheet read a typed cell as a formula (or a DDE call): text beginning so is quoted.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

TRACKING_BOOK_COLUMNS = [  # (header, key, width)
    ("TT", "no", 5), ("Mã hồ sơ", "code", 26), ("Tên thủ tục hành chính", "procedure_name", 34),
    ("Số lượng hồ sơ (bộ)", "sets", 9), ("Tên cá nhân, tổ chức", "applicant_name", 24),
    ("Địa chỉ, số điện thoại", "contact", 28), ("Nhận hồ sơ", "received_at", 16),
    ("Hẹn trả kết quả", "due_at", 16), ("Chuyển hồ sơ đến cơ quan, đơn vị giải quyết", "transferred_at", 16),
    ("Nhận kết quả từ cơ quan, đơn vị giải quyết", "resolved_at", 16),
    ("Trả kết quả cho cá nhân, tổ chức", "returned_at", 16), ("Kết quả", "result", 16), ("Ký nhận", "signature", 10),
    ("Ghi chú", "note", 30),
]

CONTROL_SLIP_COLUMNS = [
    ("Mã hồ sơ", "code", 26), ("Tên cá nhân, tổ chức", "applicant_name", 22), ("Thủ tục", "procedure_name", 30),
    ("Nhận hồ sơ", "received_at", 16), ("Hẹn trả kết quả", "due_at", 16), ("Lần giao nhận", "block", 8),
    ("Bước xử lý", "step_name", 26), ("Đơn vị giao", "from_unit", 24), ("Người giao", "handed_by", 20),
    ("Thời gian giao", "handed_at", 16), ("Đơn vị nhận", "to_unit", 24), ("Người nhận", "received_by", 20),
    ("Thời gian nhận", "taken_at", 16), ("Hạn xử lý bước", "step_due_at", 16), ("Hoàn thành lúc", "finished_at", 16),
    ("Người hoàn thành", "finished_by", 20), ("Kết quả", "result", 14),
]


def book_result(row: dict) -> str:
    """What the 'result' column says: early / on time / late once resolved, else the dossier's status
    (in progress, refused, withdrawn …)."""
    if row.get("outcome") and row["status"] in RESOLVED_STATUSES:
        return VI_FILTERS["outcome_label_vi"](row["outcome"])
    return VI_FILTERS["status_label_vi"](row["status"])


def book_note(row: dict) -> str:
    notes = []
    if row.get("apology_issued_at"):
        notes.append("Đã xin lỗi, hẹn lại ngày trả kết quả")
    if row.get("closed_reason"):
        notes.append(row["closed_reason"])
    return "; ".join(notes)


def slip_result(row: dict) -> str:
    if row.get("outcome"):
        return VI_FILTERS["outcome_label_vi"](row["outcome"])
    return VI_FILTERS["task_state_label_vi"](row["state"])


def put(sheet, row: int, column: int, value):
    """Write one cell; text (from users or not) is always a string cell, never a formula: openpyxl would store
    text beginning with '=' as a formula, so the type is set to string, and text beginning with a formula
    trigger is quote-prefixed so that editing the cell keeps it text. Characters XML cannot carry are dropped."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = TYPE_STRING
        if text.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _cell_value(value):
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return value


def _sheet(register: dict, title: str, columns, rows: list[dict]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    put(sheet, 1, 1, register["title"]).font = Font(bold=True, size=14)
    put(sheet, 2, 1, f"{register['agency']} ({register['agency_code']}) · từ ngày {register['from']:%d/%m/%Y} "
                     f"đến ngày {register['to']:%d/%m/%Y}")
    thin = Side(style="thin")
    for col, (header, _key, width) in enumerate(columns, start=1):
        cell = put(sheet, HEADER_ROW, col, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        sheet.column_dimensions[get_column_letter(col)].width = width
    for r, row in enumerate(rows, start=HEADER_ROW + 1):
        for col, (_header, key, _width) in enumerate(columns, start=1):
            cell = put(sheet, r, col, _cell_value(row.get(key)))
            if isinstance(cell.value, datetime):
                cell.number_format = DATETIME_FORMAT
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tracking_book_xlsx(book: dict) -> bytes:
    rows = [{**row, "contact": ", ".join(p for p in (row["applicant_address"], row["applicant_phone"]) if p),
             "result": book_result(row), "note": book_note(row)} for row in book["rows"]]
    return _sheet(book, "Sổ theo dõi hồ sơ", TRACKING_BOOK_COLUMNS, rows)


def control_slips_xlsx(slips: dict) -> bytes:
    rows = [{**row, "result": slip_result(row)} for row in slips["rows"]]
    return _sheet(slips, "Phiếu kiểm soát", CONTROL_SLIP_COLUMNS, rows)


def xlsx_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
