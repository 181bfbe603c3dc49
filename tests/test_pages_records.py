"""The printed records on the officers' pages: forms 02–05 linked from the dossier page only where they
exist, the tracking book (Form 07) page with its filters, both registers as .xlsx, the forms' font, and
errors (403 for another agency, 404 for a form a dossier does not have, 422 for bad parameters)."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.conftest import FOREIGN_XA
from tests.page_helpers import login, text
from tests.records_scenario import APOLOGY_REASON, REFUSAL_REASON, SUPPLEMENT, WITHDRAWAL_REASON, XA, seed_week
from web.pdf import form_font
from web.xlsx import CONTROL_SLIP_COLUMNS, HEADER_ROW, TRACKING_BOOK_COLUMNS, XLSX_MIME

WEEK = {"from": "2026-12-07", "to": "2026-12-11"}
BOOK = "/officer/records/tracking-book"
SLIPS = "/officer/records/control-slips.xlsx"


def officer(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.fixture
def week(ctx, people, clock) -> dict[str, str]:
    return seed_week(ctx, people, clock)


def _form_links(page: str, code: str) -> list[str]:
    return re.findall(rf'href="/officer/dossiers/{re.escape(code)}/forms/(\d\d)[^"]*"', page)


def test_dossier_page_links_only_the_forms_that_exist(app, week):
    desk = officer(app, "xa.motcua")
    assert _form_links(text(desk.get(f"/officer/dossiers/{week['B']}")), week["B"]) == ["02", "04", "06"]
    assert _form_links(text(desk.get(f"/officer/dossiers/{week['C']}")), week["C"]) == ["03", "06"]
    assert _form_links(text(desk.get(f"/officer/dossiers/{week['D']}")), week["D"]) == ["03"]
    assert _form_links(text(desk.get(f"/officer/dossiers/{week['F']}")), week["F"]) == ["05", "06"]
    assert _form_links(text(desk.get(f"/officer/dossiers/{week['A']}")), week["A"]) == ["06"]  # + the receipt button


@pytest.mark.parametrize("key, number, expected", [
    ("B", "02", ["Mẫu số 02", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Hồ sơ của: <strong>Trần Thị Bình</strong>",
                 *SUPPLEMENT["missing"], SUPPLEMENT["reason"], "NGƯỜI HƯỚNG DẪN", "Ngày 07 tháng 12 năm 2026",
                 "không tính vào thời hạn giải quyết"]),
    ("E", "02", ["Hồ sơ chưa đủ điều kiện tiếp nhận", "Thời gian nộp hồ sơ trực tuyến: 15 giờ 00 phút, ngày 07/12/2026"]),
    ("C", "03", ["Mẫu số 03", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "thông báo từ chối giải quyết hồ sơ này",
                 REFUSAL_REASON, "Lãnh đạo (xa)"]),
    ("D", "03", ["thông báo không tiếp nhận, giải quyết hồ sơ này", "NGƯỜI TIẾP NHẬN HỒ SƠ"]),
    ("B", "04", ["Mẫu số 04", "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", APOLOGY_REASON,
                 "theo giấy hẹn: 16 giờ 30 phút, ngày 10/12/2026", "<strong>17 giờ 00 phút, ngày 14/12/2026</strong>",
                 "Đơn vị chịu trách nhiệm về sự chậm trễ: Phòng Kinh tế", "Trưởng Phòng Kinh tế",
                 "Ngày 08 tháng 12 năm 2026"]),
    ("F", "05", ["Mẫu số 05", "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", WITHDRAWAL_REASON,
                 "dừng giải quyết hồ sơ nêu trên kể từ 10 giờ 00 phút, ngày 08/12/2026"]),
    ("A", "01", ["Mẫu số 01", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Nguyễn Văn An"]),
    ("A", "06", ["Mẫu số 06", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Quá hạn"]),
])
def test_each_form_renders_from_the_records(app, week, key, number, expected):
    page = text(officer(app, "xa.motcua").get(f"/officer/dossiers/{week[key]}/forms/{number}"))
    for snippet in expected:
        assert snippet in page, snippet
    assert "/officer/fonts/form-serif-regular.ttf" in page and "css/forms.css" in page


def test_form_errors(app, week):
    desk = officer(app, "xa.motcua")
    assert desk.get(f"/officer/dossiers/{week['A']}/forms/04").status_code == 404
    assert desk.get(f"/officer/dossiers/{week['A']}/forms/09").status_code == 404
    assert desk.get(f"/officer/dossiers/{week['E']}/forms/01").status_code == 404  # never received
    bad_format = desk.get(f"/officer/dossiers/{week['B']}/forms/02?format=docx")
    assert bad_format.status_code == 422 and "Định dạng 'docx' không được hỗ trợ" in text(bad_format)
    bad_seq = desk.get(f"/officer/dossiers/{week['B']}/forms/02?seq=abc")
    assert bad_seq.status_code == 422 and "abc" in text(bad_seq)
    foreign = officer(app, "xa2.motcua")
    for number in ("01", "02", "04", "06"):
        assert foreign.get(f"/officer/dossiers/{week['B']}/forms/{number}").status_code == 403
    assert foreign.get(f"/officer/dossiers/{week['B']}/forms/02?format=pdf").status_code == 403


def test_tracking_book_page(app, week):
    page = text(officer(app, "xa.motcua").get(BOOK, query_string=WEEK))
    assert "SỔ THEO DÕI HỒ SƠ" in page and "Mẫu số 07" in page
    assert "Từ ngày 07/12/2026 đến ngày 11/12/2026 · 4 hồ sơ" in page
    assert all(week[k].split("-")[-1] in page for k in "ABCF") and "Phạm Thị Dung" not in page
    assert "Đúng hạn" in page and "Đang giải quyết" in page and "Từ chối giải quyết" in page
    assert "Đã rút hồ sơ" in page and "Đã xin lỗi, hẹn lại ngày trả kết quả" in page
    assert 'href="/officer/records/control-slips.xlsx?' in page and "format=xlsx" in page and "format=pdf" in page


def test_nav_offers_the_book_to_record_keepers_only(app):
    assert "/officer/records/tracking-book" in text(officer(app, "xa.motcua").get("/officer/"))
    assert "/officer/records/tracking-book" not in text(officer(app, "xa.vp.chuyenvien").get("/officer/"))


def _sheet(response):
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return load_workbook(io.BytesIO(response.data)).active


def test_tracking_book_xlsx(app, week):
    sheet = _sheet(officer(app, "xa.lanhdao").get(BOOK, query_string={**WEEK, "agency": XA, "format": "xlsx"}))
    assert sheet["A1"].value == "SỔ THEO DÕI HỒ SƠ"
    assert sheet["A2"].value == "UBND xã An Bình (000.00.31.H99) · từ ngày 07/12/2026 đến ngày 11/12/2026"
    headers = [c.value for c in sheet[HEADER_ROW]]
    assert headers == [h for h, _k, _w in TRACKING_BOOK_COLUMNS]
    assert headers[:3] == ["TT", "Mã hồ sơ", "Tên thủ tục hành chính"]
    rows = [dict(zip(headers, r)) for r in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]
    assert [r["Mã hồ sơ"] for r in rows] == [week[k] for k in "ABCF"]
    a = rows[0]
    assert a["Tên cá nhân, tổ chức"] == "Nguyễn Văn An" and a["Địa chỉ, số điện thoại"] == "Thôn Đông, xã An Bình, 0912000001"
    assert a["Nhận hồ sơ"] == datetime(2026, 12, 7, 8, 0) and a["Hẹn trả kết quả"] == datetime(2026, 12, 7, 17, 0)
    assert a["Nhận kết quả từ cơ quan, đơn vị giải quyết"] == datetime(2026, 12, 7, 11, 0)
    assert a["Trả kết quả cho cá nhân, tổ chức"] == datetime(2026, 12, 7, 14, 0) and a["Kết quả"] == "Đúng hạn"
    assert rows[1]["Hẹn trả kết quả"] == datetime(2026, 12, 14, 17, 0) and rows[1]["Kết quả"] == "Đang giải quyết"
    assert rows[2]["Kết quả"] == "Từ chối giải quyết" and rows[2]["Ghi chú"] == REFUSAL_REASON
    assert rows[3]["Kết quả"] == "Đã rút hồ sơ" and rows[3]["Nhận kết quả từ cơ quan, đơn vị giải quyết"] is None


def test_control_slips_xlsx(app, week):
    sheet = _sheet(officer(app, "tinh.kiemsoat").get(SLIPS, query_string={**WEEK, "agency": XA}))
    assert sheet["A1"].value == "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
    headers = [c.value for c in sheet[HEADER_ROW]]
    assert headers == [h for h, _k, _w in CONTROL_SLIP_COLUMNS]
    rows = [dict(zip(headers, r)) for r in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]
    assert [(r["Mã hồ sơ"], r["Lần giao nhận"]) for r in rows] == [
        (week["A"], 1), (week["A"], 2), (week["A"], 3), (week["B"], 1), (week["C"], 1), (week["F"], 1)]
    assert [r["Kết quả"] for r in rows] == ["Đúng hạn", "Đúng hạn", "Quá hạn", "Chờ nhận xử lý", "Đã hủy", "Đã hủy"]
    assert rows[0]["Đơn vị giao"] == "Bộ phận Một cửa" and rows[0]["Đơn vị nhận"] == "Văn phòng HĐND và UBND"
    assert rows[0]["Thời gian giao"] == datetime(2026, 12, 7, 8, 0) and rows[0]["Thời gian nhận"] == datetime(2026, 12, 7, 8, 30)
    assert rows[2]["Hạn xử lý bước"] == datetime(2026, 12, 7, 10, 30) and rows[2]["Hoàn thành lúc"] == datetime(2026, 12, 7, 11, 0)


def test_registers_authority_on_pages(app, week):
    assert officer(app, "xa.motcua").get(BOOK, query_string={**WEEK, "agency": FOREIGN_XA}).status_code == 403
    assert officer(app, "xa.motcua").get(SLIPS, query_string={**WEEK, "agency": FOREIGN_XA}).status_code == 403
    assert officer(app, "xa2.motcua").get(BOOK, query_string={**WEEK, "agency": XA, "format": "xlsx"}).status_code == 403
    assert officer(app, "xa.vp.chuyenvien").get(BOOK, query_string=WEEK).status_code == 403
    assert officer(app, "xa.motcua").get(BOOK, query_string={**WEEK, "agency": "KHONG-CO"}).status_code == 404
    assert app.test_client().get(BOOK).status_code == 302  # to the login page


@pytest.mark.parametrize("url", [BOOK, SLIPS])
@pytest.mark.parametrize("query, message", [
    ({"from": "2026-02-30"}, "Ngày '2026-02-30' không hợp lệ"),
    ({"from": "2026-12-11", "to": "2026-12-07"}, "Ngày bắt đầu 11/12/2026 sau ngày kết thúc 07/12/2026"),
    ({"from": "2025-01-01", "to": "2026-12-31"}, "dài quá 366 ngày"),
    ({"to": "ngày mai"}, "Ngày 'ngày mai' không hợp lệ"),
])
def test_bad_dates_are_422_with_a_message(app, url, query, message):
    response = officer(app, "xa.motcua").get(url, query_string=query)
    assert response.status_code == 422 and message in text(response)


def test_bad_register_format_is_422(app):
    response = officer(app, "xa.motcua").get(BOOK, query_string={**WEEK, "format": "csv"})
    assert response.status_code == 422 and "Định dạng 'csv' không được hỗ trợ" in text(response)


def test_the_forms_font_is_served_by_the_app(app):
    if form_font() is None:
        pytest.skip("NO VIETNAMESE FORM FONT INSTALLED (Debian fonts-noto-core / fonts-dejavu-core): run `make pdf-deps`")
    response = app.test_client().get("/officer/fonts/form-serif-regular.ttf")
    assert response.status_code == 200 and response.mimetype == "font/ttf" and response.data[:4] == b"\x00\x01\x00\x00"
    assert app.test_client().get("/officer/fonts/form-serif-black.ttf").status_code == 404


def test_a_second_supplement_request_is_its_own_form_02(app, ctx, people, clock, week):
    from engine.dossiers import actions as dossiers
    clock.set_local("2026-12-14T10:00")
    second = {"reason": "Ngành nghề kinh doanh cần giấy phép con", "missing": ["Giấy phép kinh doanh có điều kiện"]}
    dossiers.request_supplement(ctx, people("xa.motcua"), week["B"], second)
    desk = officer(app, "xa.motcua")
    page = text(desk.get(f"/officer/dossiers/{week['B']}"))
    seqs = re.findall(rf'/officer/dossiers/{re.escape(week["B"])}/forms/02\?seq=(\d+)"', page)
    assert len(seqs) == 2 and "07/12 11:00" in page and "14/12 10:00" in page
    first, latest = (text(desk.get(f"/officer/dossiers/{week['B']}/forms/02?seq={s}")) for s in seqs)
    assert SUPPLEMENT["reason"] in first and second["reason"] not in first
    assert second["reason"] in latest and "Ngày 14 tháng 12 năm 2026" in latest
    assert second["reason"] in text(desk.get(f"/officer/dossiers/{week['B']}/forms/02"))  # no seq: the latest
