"""Citizens' pages: published procedures, lookup by code + PIN (rate limited), online submission with the
code and PIN shown once, the desk's check of it, and supplementing an incomplete dossier."""

from __future__ import annotations

import re

from engine.enums import DossierStatus
from tests.helpers import HO_KINH_DOANH, KHAI_SINH, dossier, receive_sample
from tests.page_helpers import csrf, csrf_from, flashes, login, post, text

NOT_FOUND = "Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu (PIN) đã nhập. Vui lòng kiểm tra lại."


def submit(client, procedure=KHAI_SINH, agency="000.00.31.H99", name="Lê Văn Cường", **extra):
    form = client.get(f"/submit?procedure={procedure}")
    data = {"csrf_token": csrf_from(form.get_data(as_text=True)), "procedure_code": procedure, "agency_code": agency,
            "applicant.name": name, "applicant.phone": "0912345678",
            "documents": ["Tờ khai đăng ký khai sinh (theo mẫu)"],
            **extra}
    return client.post("/submit", data=data)


def look_up(client, code: str, pin: str, **kwargs):
    """The lookup form as a browser sends it: code and PIN in the POST body."""
    return client.post("/lookup", data={"csrf_token": csrf(client, "/lookup"), "code": code, "pin": pin}, **kwargs)


def test_home_lists_published_procedures_with_a_lookup_box(client):
    page = text(client.get("/"))
    assert 'action="/lookup"' in page and 'name="code"' in page and 'name="pin"' in page
    assert re.search(r'<form method="post" action="/lookup"', page)  # the PIN never goes into a URL
    for expected in ("Đăng ký khai sinh", "Đăng ký thành lập hộ kinh doanh", "Cấp tỉnh", "Cấp xã",
                     "trong ngày làm việc tiếp nhận", "3 ngày làm việc", "Miễn phí", "/submit?procedure=1.001193"):
        assert expected in page, expected


def test_lookup_shows_status_appointment_and_timeline(client, ctx, people):
    receipt = receive_sample(ctx, people, KHAI_SINH)
    page = text(look_up(client, receipt.code, receipt.pin))
    for expected in (receipt.code, "Đăng ký khai sinh", "Đã tiếp nhận", "07/12/2026 17:00", "Quá trình giải quyết",
                     "Hồ sơ được tiếp nhận", "Thẩm định hồ sơ", "Văn phòng HĐND và UBND", "Chờ nhận xử lý"):
        assert expected in page, expected
    assert "xa.motcua" not in page and "Trần Thị Bình" not in page  # no officers, no personal data


def test_wrong_pin_and_unknown_code_look_the_same(client, ctx, people):
    receipt = receive_sample(ctx, people, KHAI_SINH)
    wrong_pin = "000000" if receipt.pin != "000000" else "111111"
    responses = [look_up(client, receipt.code, wrong_pin), look_up(client, f"{receipt.code[:-1]}9", receipt.pin)]
    for response in responses:
        assert response.status_code == 404 and flashes(response) == [NOT_FOUND]
        assert "Quá trình giải quyết" not in text(response)


def test_lookup_is_rate_limited_with_a_friendly_page(client):
    token = csrf(client, "/lookup")
    statuses = [client.post("/lookup", data={"csrf_token": token, "code": f"X-{i}", "pin": "123456"}).status_code
                for i in range(6)]
    assert statuses == [404] * 5 + [429]
    page = text(client.post("/lookup", data={"csrf_token": token, "code": "X", "pin": "123456"}))
    assert "Quá nhiều yêu cầu" in page and "đợi một phút" in page
    assert client.get("/lookup").status_code == 200  # the empty form is not an attempt
    assert client.get("/lookup?code=X").status_code == 200  # nor the QR link (no PIN)


def test_submit_lists_only_agencies_that_decide_the_procedure(client):
    picker = text(client.get("/submit"))
    assert "/submit?procedure=1.001193" in picker
    page = text(client.get(f"/submit?procedure={KHAI_SINH}"))
    agencies = re.findall(r'<option value="([^"]+)"', page)
    assert agencies == ["000.00.31.H99", "000.00.32.H99"]  # the two communes, no province agency
    assert page.count('type="checkbox" name="documents"') == 7
    province = text(client.get("/submit?procedure=2.000488"))  # judicial record: only the justice department
    assert re.findall(r'<option value="([^"]+)"', province) == ["000.00.02.H99"]


def test_online_submission_shows_code_and_pin_once_and_reaches_the_desk(client, app, ctx):
    response = submit(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/submit/done")
    page = text(client.get("/submit/done"))
    code = re.search(r'<strong class="code">([^<]+)</strong>', page).group(1)
    pin = re.search(r'<strong class="pin">(\d{8})</strong>', page).group(1)
    assert "<svg" in page and code.startswith("000.00.31.H99-261207-")
    again = client.get("/submit/done")
    assert again.status_code == 302 and "/lookup" in again.headers["Location"]  # shown once
    assert "Chờ tiếp nhận" in text(look_up(client, code, pin))

    desk = app.test_client()
    login(desk, "xa.motcua")
    inbox = text(desk.get("/officer/inbox?scope=available"))
    assert code in inbox and "Kiểm tra, tiếp nhận hồ sơ trực tuyến" in inbox
    detail = text(desk.get(f"/officer/dossiers/{code}"))
    assert f'/dossiers/{code}/accept"' in detail and "/return-incomplete" in detail and "/reject" in detail
    assert "/hand-back" not in detail and "/complete" not in detail
    accepted = post(desk, f"/officer/dossiers/{code}/accept")
    assert accepted.status_code == 302 and dossier(ctx, code).status == DossierStatus.RECEIVED
    shown = flashes(desk.get(f"/officer/dossiers/{code}"))
    assert any(f.startswith("Đã tiếp nhận hồ sơ; hẹn trả kết quả:") for f in shown)
    assert "PIN đã cấp khi tiếp nhận" in text(desk.get(f"/officer/dossiers/{code}/receipt"))


def test_incomplete_online_dossier_is_supplemented_by_the_citizen(client, app, ctx):
    submit(client)
    page = text(client.get("/submit/done"))
    code = re.search(r'<strong class="code">([^<]+)</strong>', page).group(1)
    pin = re.search(r'<strong class="pin">(\d{8})</strong>', page).group(1)
    desk = app.test_client()
    login(desk, "xa.motcua")
    returned = post(desk, f"/officer/dossiers/{code}/return-incomplete",
                    {"reason": "Thiếu Giấy chứng sinh", "missing": "Giấy chứng sinh (bản chính)"})
    assert returned.status_code == 302 and dossier(ctx, code).status == DossierStatus.INCOMPLETE

    lookup = look_up(client, code, pin)
    assert "Chờ bổ sung trước khi tiếp nhận" in text(lookup) and "/lookup/supplement" in text(lookup)
    for expected in ("Hồ sơ cần bổ sung các giấy tờ sau:", "Giấy chứng sinh (bản chính)", "Thiếu Giấy chứng sinh",
                     'href="#bo-sung"'):
        assert expected in text(lookup), expected
    sent = client.post("/lookup/supplement", data={"csrf_token": csrf_from(lookup.get_data(as_text=True)), "code": code,
                                                   "pin": pin, "documents": "Giấy chứng sinh (bản chính)"})
    assert sent.status_code == 200 and dossier(ctx, code).status == DossierStatus.SUBMITTED  # no redirect with the PIN
    assert "Đã gửi hồ sơ bổ sung" in " ".join(flashes(sent)) and "Chờ tiếp nhận" in text(sent)

    rejected = post(desk, f"/officer/dossiers/{code}/reject", {"reason": "Không thuộc thẩm quyền của xã"})
    assert rejected.status_code == 302 and dossier(ctx, code).status == DossierStatus.REJECTED


def test_invalid_submission_is_shown_again(client):
    response = submit(client, name="")
    assert response.status_code == 422
    page = text(response)
    assert flashes(response) and 'value="0912345678"' in page and 'value="000.00.31.H99" selected' in page


def test_submission_to_an_agency_of_the_wrong_level_is_refused(client):
    response = submit(client, procedure=HO_KINH_DOANH, agency="000.00.02.H99")
    assert response.status_code == 422 and any("cấp" in f for f in flashes(response))


def test_submission_is_rate_limited(client):
    statuses = [submit(client, name="").status_code for _ in range(6)]
    assert statuses == [422] * 5 + [429]


def test_public_pages_in_english(client, ctx, people):
    receipt = receive_sample(ctx, people, KHAI_SINH)
    client.get("/lang/en")
    home = text(client.get("/"))
    assert "Procedures in force" in home and "Submit online" in home and "Commune" in home
    page = text(look_up(client, receipt.code, receipt.pin))
    assert "Progress" in page and "Appointment" in page and "Received" in page
