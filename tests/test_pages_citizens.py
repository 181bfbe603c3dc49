"""Citizens' pages of issue 21 through the Flask test client: the catalogue's search and filters, a page per
procedure, bad input answered clearly, the PIN never in a URL nor in clear in the session, QR codes on the request's
own address unless MOTCUA_PUBLIC_URL says otherwise, and the lookup's explanations."""

from __future__ import annotations

import re

import pytest

from engine.dossiers import actions
from tests.helpers import HO_KINH_DOANH, KHAI_SINH, receive_sample
from tests.page_helpers import csrf, flashes, text
from tests.test_pages_public import look_up


def test_catalogue_finds_a_procedure_without_diacritics(client):
    page = text(client.get("/", query_string={"q": "dang ky khai sinh"}))
    assert "Đăng ký khai sinh" in page and "Đăng ký thành lập hộ kinh doanh" not in page
    assert "Số thủ tục tìm thấy: 1" in re.sub(r"<[^>]+>", "", page)
    assert f'href="/procedures/{KHAI_SINH}"' in page and f"/submit?procedure={KHAI_SINH}" in page
    assert "1.001193" in text(client.get("/", query_string={"q": "1.001193"}))


def test_catalogue_filters_by_field_and_level(client):
    commune = text(client.get("/", query_string={"level": "commune"}))
    assert "Đăng ký khai sinh" in commune and "Cấp Phiếu lý lịch tư pháp" not in commune
    field = text(client.get("/", query_string={"field": "Hộ tịch"}))
    assert "Đăng ký khai sinh" in field and "Chứng thực bản sao" not in field
    assert '<option value="Hộ tịch" selected>' in field
    none = text(client.get("/", query_string={"q": "khai sinh", "level": "province"}))
    assert "Không tìm thấy thủ tục phù hợp" in none


@pytest.mark.parametrize("query", ["x" * 10_000, "khai\x01sinh", "<script>alert(1)</script>", "%_%", "'; --", "   "])
def test_bad_searches_get_a_clear_answer_never_a_500(client, query):
    response = client.get("/", query_string={"q": query})
    assert response.status_code in (200, 400)
    if response.status_code == 400:  # the catalogue's own message, or the app's guard against control characters
        assert flashes(response) and "Thủ tục hành chính đang áp dụng" in text(response) or \
            "ký tự điều khiển không được phép" in text(response)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_an_unknown_level_is_a_clear_message(client):
    response = client.get("/", query_string={"level": "planet"})
    assert response.status_code == 400 and flashes(response) == ["Cấp giải quyết không hợp lệ."]


def test_procedure_page_has_parts_fee_duration_result_where_and_the_online_button(client):
    page = text(client.get(f"/procedures/{HO_KINH_DOANH}"))
    for expected in ("Đăng ký thành lập hộ kinh doanh", "Thành phần hồ sơ", "Mẫu đơn, tờ khai", "3 ngày làm việc",
                     "Phí, lệ phí", "Kết quả", "Nơi tiếp nhận hồ sơ", "UBND xã An Bình", "Nộp trực tuyến",
                     f"/submit?procedure={HO_KINH_DOANH}"):
        assert expected in page, expected
    assert "trong ngày làm việc tiếp nhận" in text(client.get(f"/procedures/{KHAI_SINH}"))
    missing = client.get("/procedures/9.999999")
    assert missing.status_code == 404 and "Không tìm thấy thủ tục" in text(missing)


def test_a_pin_in_the_url_is_not_used(client, ctx, people):
    receipt = receive_sample(ctx, people, KHAI_SINH)
    response = client.get("/lookup", query_string={"code": receipt.code, "pin": receipt.pin})
    assert response.status_code == 400 and "Quá trình giải quyết" not in text(response)
    assert "không được gửi trong đường dẫn" in flashes(response)[0]
    assert f'value="{receipt.code}"' in text(response) and receipt.pin not in text(response)
    qr_link = client.get("/lookup", query_string={"code": receipt.code})  # what the QR code holds
    assert qr_link.status_code == 200 and 'name="pin"' in text(qr_link) and 'method="post"' in text(qr_link)


def test_the_lookup_form_posts_and_answers_without_redirect(client, ctx, people):
    receipt = receive_sample(ctx, people, KHAI_SINH)
    response = look_up(client, receipt.code, receipt.pin)
    assert response.status_code == 200 and "Quá trình giải quyết" in text(response)
    empty = client.post("/lookup", data={"csrf_token": csrf(client, "/lookup"), "code": "", "pin": ""})
    assert empty.status_code == 400 and flashes(empty) == ["Hãy nhập mã hồ sơ và mã tra cứu (PIN)."]
    huge = client.post("/lookup", data={"csrf_token": csrf(client, "/lookup"), "code": "x" * 10_000, "pin": "1" * 999})
    assert huge.status_code == 404 and flashes(huge)


def test_the_confirmation_pin_is_not_in_clear_in_the_reception_session(app):
    from tests.test_pages_dossier import officer, receive_on_page

    desk = officer(app, "xa.motcua")
    code = receive_on_page(desk).headers["Location"].split("/")[-2]
    cookie = desk.get_cookie("session").value
    stored = app.session_interface.get_signing_serializer(app).loads(cookie)["pin_once"]
    page = text(desk.get(f"/officer/dossiers/{code}/receipt"))
    pin = re.search(r'<strong class="pin">(\d{8})</strong>', page).group(1)
    assert stored["code"] == code and pin not in str(stored)


def test_qr_codes_use_the_request_address_unless_configured(app, ctx, people, monkeypatch):
    from web import display

    encoded, real_qr = [], display.qr_svg
    monkeypatch.setattr(display, "qr_svg", lambda data, **kw: encoded.append(data) or real_qr(data, **kw))
    monkeypatch.setattr("web.public.pages.qr_svg", display.qr_svg)
    client = app.test_client()
    done = _submitted(client, base_url="http://dichvucong.example.vn")
    assert encoded[-1] == f"http://dichvucong.example.vn/lookup?code={done}"
    app.config["PUBLIC_BASE_URL"] = "https://motcua.tinh.gov.vn/"
    _submitted(app.test_client())
    assert encoded[-1].startswith("https://motcua.tinh.gov.vn/lookup?code=") and "pin" not in encoded[-1]


def _submitted(client, **kwargs) -> str:
    form = client.get(f"/submit?procedure={KHAI_SINH}", **kwargs)
    data = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.get_data(as_text=True)).group(1),
            "procedure_code": KHAI_SINH, "agency_code": "000.00.31.H99", "applicant.name": "Lê Văn Cường",
            "documents": ["Tờ khai đăng ký khai sinh (theo mẫu)"]}
    assert client.post("/submit", data=data, **kwargs).status_code == 302
    page = text(client.get("/submit/done", **kwargs))
    return re.search(r'<strong class="code">([^<]+)</strong>', page).group(1)


def test_the_lookup_page_explains_a_supplement_request_and_a_refusal(client, ctx, people):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    actions.request_supplement(ctx, people("xa.motcua"), receipt.code,
                               {"reason": "Thiếu giấy tờ địa điểm", "missing": ["Hợp đồng thuê nhà", "Bản sao CCCD"]})
    page = look_up(client, receipt.code, receipt.pin)
    body = text(page)
    for expected in ("Hồ sơ cần bổ sung các giấy tờ sau:", "Hợp đồng thuê nhà", "Bản sao CCCD", "Thiếu giấy tờ địa điểm",
                     'href="#bo-sung"', 'id="bo-sung"', "Tạm dừng tính thời gian", "UBND xã An Bình"):
        assert expected in body, expected
    answered = client.post("/lookup/supplement", data={"csrf_token": csrf(client, "/lookup"), "code": receipt.code,
                                                       "pin": receipt.pin, "documents": "Hợp đồng thuê nhà\nBản sao CCCD"})
    assert answered.status_code == 200 and "Đã bổ sung hồ sơ" in text(answered) and "Đang giải quyết" in text(answered)

    actions.refuse(ctx, people("xa.motcua"), receipt.code,
                   {"reason": "Địa điểm không được phép kinh doanh", "legal_basis": "Khoản 2 Điều 87 Nghị định 01/2021"})
    refused = text(look_up(client, receipt.code, receipt.pin))
    assert "Địa điểm không được phép kinh doanh" in refused and "Căn cứ pháp lý" in refused
    assert "Khoản 2 Điều 87 Nghị định 01/2021" in refused
