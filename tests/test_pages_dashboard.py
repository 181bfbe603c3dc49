"""The dashboard page (/officer/dashboard) and its .xlsx export, by role: headline figures, inline SVG charts,
tables, the filters, 403 outside the role, 422 with the form for bad filters."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from engine.kpis import KPI_LABELS_VI, Kpi
from tests.kpi_dataset import PERIOD, build
from tests.page_helpers import login, text
from tests.test_kpis import BIRTH, TOTALS

PAGE = "/officer/dashboard"
EXPORT = "/officer/dashboard/export.xlsx"


@pytest.fixture
def data(ctx, people, clock):
    return build(ctx, people, clock)


def headline(page: str, kpi: Kpi) -> str:
    match = re.search(rf'data-kpi="{kpi.value}">([^<]+)<', page)
    assert match, kpi
    return match.group(1)


def test_leader_sees_figures_charts_and_tables(client, data):
    login(client, "xa.lanhdao")
    page = text(client.get(f"{PAGE}?{urlencode({**PERIOD, 'group_by': 'procedure'})}"))
    assert '<a href="/officer/dashboard">Bảng chỉ số</a>' in page
    assert (headline(page, Kpi.RECEIVED), headline(page, Kpi.RECEIVED_ONLINE), headline(page, Kpi.RESOLVED)) == (
        "9", "3", "7")
    # Vietnamese numbers: decimal comma
    assert (headline(page, Kpi.ON_TIME_RATE), headline(page, Kpi.AVG_HOURS), headline(page, Kpi.P90_HOURS)) == (
        "71,4%", "10,29", "26,50")
    assert (headline(page, Kpi.OVERDUE_NOW), headline(page, Kpi.REFUSAL_RATE)) == ("1", "28,6%")
    charts = re.findall(r'<svg class="chart".*?</svg>', page, re.S)
    assert len(charts) == 3 and "<script>" not in page.lower()  # charts are drawn on the server: no inline script
    on_time, overdue, steps = charts
    assert ">75%</text>" in on_time and ">67%</text>" in on_time and ">12/2026</text>" in on_time
    assert ">3/4</text>" in on_time and ">2/3</text>" in on_time
    assert "Phòng Kinh tế" in overdue and "1 / 2 quá hạn" in overdue
    assert "Thẩm định hồ sơ đăng ký hộ kinh doanh (2.000720)" in steps and "28,0 giờ · P90 12,5" in steps
    assert "Chỉ số theo thủ tục" in page and "Đăng ký thành lập hộ kinh doanh" in page
    assert "Chỉ số theo Quyết định 766/QĐ-TTg" in page and "Mức độ hài lòng của người dân, doanh nghiệp" in page
    assert f'href="{EXPORT}?' in page
    client.get("/lang/en")
    english = text(client.get(f"{PAGE}?{urlencode(PERIOD)}"))
    assert "KPI dashboard" in english and headline(english, Kpi.ON_TIME_RATE) == "71.4%"
    assert "Share resolved early or on time, by month" in english


def test_unit_head_sees_their_unit_only(client, data):
    login(client, "xa.vp.truongphong")
    response = client.get(f"{PAGE}?{urlencode(PERIOD)}")
    assert response.status_code == 200
    page = text(response)
    assert headline(page, Kpi.RECEIVED) == str(BIRTH[Kpi.RECEIVED])
    unit_select = re.search(r'<select id="f-unit" name="unit">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"', unit_select) == ["VP"]
    assert client.get(f"{PAGE}?unit=KT").status_code == 403


@pytest.mark.parametrize("username", ["xa.motcua", "xa.vp.chuyenvien", "xa.designer", "xa.admin"])
def test_others_are_refused(client, username):
    login(client, username)
    assert "Bảng chỉ số" not in text(client.get("/officer/"))
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_signed_out_goes_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/officer/login" in response.headers["Location"]


@pytest.mark.parametrize("query, message", [
    ({"from": "2027-02-01", "to": "2026-12-01"}, "phải sau 'từ ngày'"),
    ({"from": "2026-13-01"}, "from"),
    ({"group_by": "week"}, "group_by"),
    ({"unit": "XX"}, "Không có đơn vị"),
])
def test_bad_filters_show_the_form_again(client, query, message):
    login(client, "xa.lanhdao")
    response = client.get(f"{PAGE}?{urlencode(query)}")
    assert response.status_code == 422
    page = text(response)
    assert message in page and 'id="f-from"' in page and "kpi-cards" not in page
    assert client.get(f"{EXPORT}?{urlencode(query)}").status_code == 422


def test_xlsx_export_holds_the_same_figures(client, data):
    login(client, "xa.auditor")
    response = client.get(f"{EXPORT}?{urlencode({**PERIOD, 'group_by': 'procedure'})}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="chi-so-000.00.31.H99-20261201-20270201.xlsx"' in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Tổng hợp", "Theo thủ tục", "Theo tháng", "Đơn vị", "Bước xử lý", "Chỉ số 766"]
    summary = {row[2]: (row[0], row[1]) for row in book["Tổng hợp"].iter_rows(values_only=True) if row[2] in
               {k.value for k in Kpi}}
    assert {code: value for code, (_label, value) in summary.items()} == {k.value: v for k, v in TOTALS.items()}
    assert summary["on_time_rate"][0] == KPI_LABELS_VI[Kpi.ON_TIME_RATE]
    rate_cell = next(row[1] for row in book["Tổng hợp"].iter_rows() if row[2].value == "on_time_rate")
    assert rate_cell.number_format == "0.0%"
    procedures = [row for row in book["Theo thủ tục"].iter_rows(values_only=True)
                  if row[1] in ("1.001193", "2.000720")]
    assert [(row[0], row[2]) for row in procedures] == [("Đăng ký khai sinh", 4),
                                                        ("Đăng ký thành lập hộ kinh doanh", 5)]
    steps = [row for row in book["Bước xử lý"].iter_rows(values_only=True) if row[2] == "tham_dinh_ho_so"]
    assert steps[0][0] == "2.000720" and steps[0][4:] == (3, 1, 28.0, 9.33, 12.5)
    units = [row for row in book["Đơn vị"].iter_rows(values_only=True) if row[1] == "KT"]
    assert units == [("Phòng Kinh tế", "KT", "000.00.31.H99", 2, 1, 9, 3)]
    assert any(row[0] == "Mức độ hài lòng của người dân, doanh nghiệp" for row in
               book["Chỉ số 766"].iter_rows(values_only=True))
