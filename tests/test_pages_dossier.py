"""A dossier walked through the officers' pages: reception and the receipt (Form 01), each step's form,
only the entitled actions, dossier actions, the control slip (Form 06), escaping and the English switch."""

from __future__ import annotations

import re

import pytest

from engine.dossiers.views import public_lookup
from engine.enums import DossierStatus
from tests.conftest import SECOND_SPECIALIST
from tests.helpers import KHAI_SINH, dossier, event_kinds, open_tasks, receive_sample
from tests.page_helpers import csrf_from, flashes, login, post, text

BIRTH_DOCUMENTS = ["Tờ khai đăng ký khai sinh (theo mẫu)",
                   "Giấy chứng sinh (bản chính); nếu không có: văn bản của người làm chứng xác nhận về việc sinh, "
                   "hoặc giấy cam đoan về việc sinh"]


def officer(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def receive_on_page(client, name: str = "Trần Thị Bình", documents=BIRTH_DOCUMENTS, **applicant):
    form = client.get(f"/officer/reception?procedure={KHAI_SINH}")
    data = {"csrf_token": csrf_from(form.get_data(as_text=True)), "procedure_code": KHAI_SINH,
            "applicant.name": name, "documents": list(documents),
            **{f"applicant.{k}": v for k, v in applicant.items()}}
    return client.post("/officer/reception", data=data)


def complete(client, code: str, data: dict):
    [task] = [t for t in open_tasks(client.application.extensions["motcua"], code)]
    return post(client, f"/officer/dossiers/{code}/steps/{task.id}/complete",
                {f"data.{k}": v for k, v in data.items()})


def test_reception_creates_the_dossier_and_prints_the_receipt_with_the_pin_once(app, ctx, monkeypatch):
    import web.officer.records as records

    encoded = []
    real_qr = records.qr_svg
    monkeypatch.setattr(records, "qr_svg", lambda data: encoded.append(data) or real_qr(data))
    desk = officer(app, "xa.motcua")
    choices = text(desk.get("/officer/reception"))
    assert "Đăng ký khai sinh" in choices and f"/officer/reception?procedure={KHAI_SINH}" in choices
    form = text(desk.get(f"/officer/reception?procedure={KHAI_SINH}"))
    assert form.count('type="checkbox" name="documents"') == 7 and BIRTH_DOCUMENTS[0] in form

    response = receive_on_page(desk, address="Thôn Tây, xã An Bình", phone="0987654321")
    assert response.status_code == 302 and response.headers["Location"].endswith("/receipt")
    code = response.headers["Location"].split("/")[-2]
    assert re.fullmatch(r"000\.00\.31\.H99-261207-\d{4}", code)

    receipt = text(desk.get(f"/officer/dossiers/{code}/receipt"))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "UBND xã An Bình",
                     "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", code, "Trần Thị Bình", "Đăng ký khai sinh",
                     BIRTH_DOCUMENTS[0], BIRTH_DOCUMENTS[1], "08 giờ 00 phút, ngày 07/12/2026",
                     "17 giờ 00 phút, ngày 07/12/2026", "size: A5", "<svg"):
        assert expected in receipt, expected
    pin = re.search(r'<strong class="pin">(\d{8})</strong>', receipt).group(1)
    assert public_lookup(ctx, code, pin)["code"] == code  # the PIN printed is the dossier's
    assert encoded == [f"http://localhost/lookup?code={code}"] and pin not in encoded[0]

    reprint = text(desk.get(f"/officer/dossiers/{code}/receipt"))
    assert "PIN đã cấp khi tiếp nhận" in reprint and pin not in reprint and "<svg" in reprint


def test_reception_form_is_shown_again_when_the_engine_rejects_it(app):
    desk = officer(app, "xa.motcua")
    response = receive_on_page(desk, name="X", phone="not a phone")
    assert response.status_code == 422
    page = text(response)
    assert any("Dữ liệu không hợp lệ" in f for f in flashes(response))
    assert 'value="not a phone"' in page and f'value="{BIRTH_DOCUMENTS[0]}" checked' in page


def test_a_birth_registration_walked_through_the_pages(app, ctx, people):
    receipt = receive_sample(ctx, people, KHAI_SINH)
    code = receipt.code
    specialist, leader, desk = (officer(app, u) for u in ("xa.vp.chuyenvien", "xa.lanhdao", "xa.motcua"))

    page = text(specialist.get(f"/officer/dossiers/{code}"))
    assert 'type="radio" name="data.eligible" value="true"' in page
    assert 'type="radio" name="data.eligible" value="false"' in page
    assert "> Có</label>" in page and "> Không</label>" in page
    assert "Hồ sơ đủ điều kiện giải quyết" in page and 'class="req"' in page  # title as label, required marked
    assert 'name="data.opinion"' in page and "<textarea" in page  # a long string is a textarea
    assert "Nhận xử lý" in page and "Hồ sơ được tiếp nhận" in page and "Giao hồ sơ" in page

    missing = complete(specialist, code, {})
    assert missing.status_code == 422 and "Bắt buộc nhập mục này." in text(missing)
    done = complete(specialist, code, {"eligible": "true", "child_full_name": "Trần Minh An"})
    assert done.status_code == 302
    assert any(f.startswith("Đã hoàn thành bước") for f in flashes(specialist.get(done.headers["Location"])))
    assert [t.step_id for t in open_tasks(ctx, code)] == ["ky_duyet"]

    page = text(leader.get(f"/officer/dossiers/{code}"))
    assert 'name="data.approved" value="false"' in page and "Ký Giấy khai sinh" in page
    rejected = complete(leader, code, {"approved": "false"})  # "Không" needs a note (if/then in the schema)
    assert rejected.status_code == 422
    again = text(rejected)
    assert 'name="data.approved" value="false" checked' in again and "Bắt buộc nhập mục này." in again
    assert complete(leader, code, {"approved": "true"}).status_code == 302

    page = text(specialist.get(f"/officer/dossiers/{code}"))
    assert re.search(r'<input type="text" id="[^"]+" name="data.register_number" value="" required', page)
    assert complete(specialist, code, {"register_number": "15/2026", "register_book": "01"}).status_code == 302
    assert dossier(ctx, code).status == DossierStatus.RESOLVED

    assert "/hand-back" not in text(specialist.get(f"/officer/dossiers/{code}"))
    page = text(desk.get(f"/officer/dossiers/{code}"))
    assert f'action="/officer/dossiers/{code}/hand-back"' in page and "Trả kết quả</button>" in page
    handed = post(desk, f"/officer/dossiers/{code}/hand-back", {"note": "Đã trao Giấy khai sinh"})
    assert handed.status_code == 302 and dossier(ctx, code).status == DossierStatus.RETURNED
    page = text(desk.get(f"/officer/dossiers/{code}"))
    assert "Đã trả kết quả cho người nộp." in page and "Đã trả kết quả" in page and "Đã trao Giấy khai sinh" in page


def test_only_the_entitled_actions_are_offered(app, ctx, people):
    code = receive_sample(ctx, people, KHAI_SINH).code
    pages = {u: text(officer(app, u).get(f"/officer/dossiers/{code}"))
             for u in ("xa.vp.chuyenvien", "xa.motcua", "xa.lanhdao", "xa.auditor")}
    spec, desk, leader, auditor = pages.values()
    assert "Trả kết quả</button>" not in spec and "/hand-back" not in spec
    assert "/request-supplement" in spec and "/refuse" not in spec and "/withdraw" not in spec
    assert "/claim" in spec and "/complete" in spec
    assert "/claim" not in desk and "/complete" not in desk and "/apology" not in desk
    assert all(f"/{a}\"" in desk for a in ("request-supplement", "refuse", "withdraw"))
    assert "/apology" in leader and "/refuse" in leader and "/withdraw" not in leader
    assert "Bạn không có thao tác nào" in auditor and "<form method=\"post\" action=\"/officer/dossiers" not in auditor


def test_outsiders_get_403(app, ctx, people):
    code = receive_sample(ctx, people, KHAI_SINH).code
    foreign = officer(app, "xa2.motcua")
    assert foreign.get(f"/officer/dossiers/{code}").status_code == 403
    assert foreign.get(f"/officer/dossiers/{code}/receipt").status_code == 403
    assert foreign.get(f"/officer/dossiers/{code}/control-slip").status_code == 403
    specialist = officer(app, "xa.vp.chuyenvien")
    assert post(specialist, f"/officer/dossiers/{code}/hand-back").status_code == 403
    assert post(specialist, f"/officer/dossiers/{code}/refuse", {"reason": "Không đủ điều kiện"}).status_code == 403
    assert dossier(ctx, code).status == DossierStatus.RECEIVED


def test_engine_refusals_are_flashed_and_the_officer_is_sent_back(app, ctx, people):
    code = receive_sample(ctx, people, KHAI_SINH).code
    desk = officer(app, "xa.motcua")
    response = post(desk, f"/officer/dossiers/{code}/hand-back")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/officer/dossiers/{code}")
    assert any("Không thể trả kết quả" in f for f in flashes(desk.get(response.headers["Location"])))
    short = post(desk, f"/officer/dossiers/{code}/refuse", {"reason": "x"})
    assert short.status_code == 302 and dossier(ctx, code).status == DossierStatus.RECEIVED


def test_claim_release_and_reassign(app, ctx, people):
    code = receive_sample(ctx, people, KHAI_SINH).code
    [task] = open_tasks(ctx, code)
    specialist, head = officer(app, "xa.vp.chuyenvien"), officer(app, "xa.vp.truongphong")
    assert post(specialist, f"/officer/dossiers/{code}/steps/{task.id}/claim").status_code == 302
    page = text(specialist.get(f"/officer/dossiers/{code}"))
    assert '<td><span title="xa.vp.chuyenvien">' in page and "Trả lại hàng chờ</button>" in page and "Nhận hồ sơ" in page
    assert post(specialist, f"/officer/dossiers/{code}/steps/{task.id}/release").status_code == 302
    assert open_tasks(ctx, code)[0].assignee_id is None
    page = text(head.get(f"/officer/dossiers/{code}"))
    assert "/reassign" in page
    assert post(head, f"/officer/dossiers/{code}/steps/{task.id}/reassign",
                {"username": SECOND_SPECIALIST}).status_code == 302
    page = text(head.get(f"/officer/dossiers/{code}"))
    assert f'<td><span title="{SECOND_SPECIALIST}">' in page and "Đã phân công lại" in page


def test_supplement_apology_withdraw_and_refuse(app, ctx, people, clock):
    code = receive_sample(ctx, people, "2.000720").code  # business household: 3 working days
    desk, leader = officer(app, "xa.motcua"), officer(app, "xa.lanhdao")
    asked = post(desk, f"/officer/dossiers/{code}/request-supplement",
                 {"reason": "Thiếu giấy tờ chứng minh chỗ ở", "missing": "Hợp đồng thuê nhà\n\nBản sao CCCD\n"})
    assert asked.status_code == 302 and dossier(ctx, code).status == DossierStatus.AWAITING_SUPPLEMENT
    page = text(desk.get(f"/officer/dossiers/{code}"))
    assert "<li>Hợp đồng thuê nhà</li>" in page and "<li>Bản sao CCCD</li>" in page and "Nhận hồ sơ bổ sung" in page
    clock.advance(hours=1)
    supplied = post(desk, f"/officer/dossiers/{code}/supplement", {"other": "Hợp đồng thuê nhà\nBản sao CCCD"})
    assert supplied.status_code == 302 and dossier(ctx, code).status == DossierStatus.PROCESSING

    apology = post(leader, f"/officer/dossiers/{code}/apology",
                   {"reason": "Cần xác minh thêm tại địa phương", "new_due_at": "2026-12-14T16:00"})
    assert apology.status_code == 302
    assert any("14/12/2026 16:00" in f for f in flashes(leader.get(apology.headers["Location"])))
    assert "/apology" not in text(leader.get(f"/officer/dossiers/{code}"))  # only once

    refused = post(desk, f"/officer/dossiers/{code}/refuse", {"reason": "Ngành nghề kinh doanh bị cấm"})
    assert refused.status_code == 302 and dossier(ctx, code).status == DossierStatus.REFUSED

    other = receive_sample(ctx, people, KHAI_SINH).code
    assert post(desk, f"/officer/dossiers/{other}/withdraw", {"reason": "Người nộp xin rút"}).status_code == 302
    assert dossier(ctx, other).status == DossierStatus.WITHDRAWN
    assert event_kinds(ctx, other)[-1] == "withdrawn"


def test_control_slip_has_one_block_per_hand_over(app, ctx, people):
    code = receive_sample(ctx, people, KHAI_SINH).code
    specialist = officer(app, "xa.vp.chuyenvien")
    complete(specialist, code, {"eligible": "true"})
    slip = text(officer(app, "xa.motcua").get(f"/officer/dossiers/{code}/control-slip"))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in slip and "size: A4" in slip and code in slip
    assert slip.count('<tbody class="block">') == 2
    for expected in ("Bộ phận Một cửa", "Văn phòng HĐND và UBND", "Lãnh đạo UBND xã", "Đúng hạn", "Chờ nhận xử lý",
                     people("xa.motcua").full_name, "08 giờ 00 phút, ngày 07/12/2026"):
        assert expected in slip, expected


def test_user_supplied_text_is_escaped(app, ctx, people):
    desk = officer(app, "xa.motcua")
    evil = '<script>alert("x")</script>'
    response = receive_on_page(desk, name=f"Bình {evil}", address=evil)
    code = response.headers["Location"].split("/")[-2]
    post(desk, f"/officer/dossiers/{code}/request-supplement", {"reason": f"Lý do {evil}", "missing": evil})
    specialist = officer(app, "xa.vp.chuyenvien")
    pages = [desk.get(f"/officer/dossiers/{code}{suffix}") for suffix in ("", "/receipt", "/control-slip")]
    pages.append(specialist.get("/officer/inbox?scope=available"))
    for page in pages:
        raw = page.get_data(as_text=True)
        assert page.status_code == 200 and "<script>" not in raw and "&lt;script&gt;" in raw


def test_english_switch(app, ctx, people):
    code = receive_sample(ctx, people, KHAI_SINH).code
    specialist = officer(app, "xa.vp.chuyenvien")
    specialist.get("/lang/en")
    page = text(specialist.get(f"/officer/dossiers/{code}"))
    for expected in ("Steps", "Timeline", "Complete step", "> Yes</label>", "> No</label>", "Dossier received",
                     "Handed over", "Claim", "Received", "Appointment"):
        assert expected in page, expected
    assert "Các bước xử lý" not in page
    inbox = text(specialist.get("/officer/inbox"))
    assert "Inbox" in inbox and "Available" in inbox and "Due soon" in inbox
    receipt = text(specialist.get(f"/officer/dossiers/{code}/receipt"))  # the printed form stays Vietnamese
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in receipt and "Mẫu số 01" in receipt
    assert "Back to the dossier" in receipt and "PIN đã cấp khi tiếp nhận" in receipt
    specialist.get("/lang/vi")
    assert "Các bước xử lý" in text(specialist.get(f"/officer/dossiers/{code}"))


@pytest.mark.parametrize("url", ["/officer/dossiers/000.00.31.H99-261207-9999", "/officer/dossiers/nope/control-slip"])
def test_unknown_dossier_is_404(app, url):
    assert officer(app, "xa.motcua").get(url).status_code == 404
