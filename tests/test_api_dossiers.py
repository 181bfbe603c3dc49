"""REST API: reception at the desk, dossier detail and Form 06 by role, and the dossier-level actions."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.enums import DossierStatus, EventKind
from engine.org.directory import issue_token
from tests.conftest import FOREIGN_XA
from tests.helpers import HO_KINH_DOANH, KHAI_SINH, denials, dossier, event_kinds, open_tasks, request
from tests.test_api_procedures_docs import API, assert_error

DESK, SPECIALIST, HEAD, LEADER = "xa.motcua", "xa.vp.chuyenvien", "xa.vp.truongphong", "xa.lanhdao"
LAND = "1.012765"  # decided by a province department


def auth(ctx, username: str) -> dict:
    return {"Authorization": f"Bearer {issue_token(ctx, username)}"}


@pytest.fixture
def received(ctx, client) -> dict:
    response = client.post(f"{API}/dossiers", json=request(), headers=auth(ctx, DESK))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def post(client, ctx, username: str, code: str, action: str, body: dict | None = None):
    return client.post(f"{API}/dossiers/{code}/{action}", json=body or {}, headers=auth(ctx, username))


# ---------------------------------------------------------------- reception


def test_desk_receives_a_dossier(ctx, received):
    assert set(received) == {"code", "pin", "status", "received_at", "due_at", "procedure_code", "procedure_name"}
    assert received["code"] == "000.00.31.H99-261207-0001" and received["status"] == DossierStatus.RECEIVED
    assert received["pin"].isdigit() and len(received["pin"]) == 8
    assert received["procedure_code"] == KHAI_SINH and received["procedure_name"] == "Đăng ký khai sinh"
    # ISO 8601 with offset: Monday 08:00 local = 01:00 UTC; same-day appointment 17:00 local
    assert datetime.fromisoformat(received["received_at"]).isoformat() == "2026-12-07T01:00:00+00:00"
    assert datetime.fromisoformat(received["due_at"]).isoformat() == "2026-12-07T10:00:00+00:00"
    assert dossier(ctx, received["code"]).channel == "desk"


@pytest.mark.parametrize("username", [SPECIALIST, HEAD, LEADER, "xa.designer", "xa.auditor", "xa.admin"])
def test_only_the_desk_receives(ctx, client, username):
    assert_error(client.post(f"{API}/dossiers", json=request(), headers=auth(ctx, username)), 403, "forbidden")
    assert denials(ctx)[-1].actor_name == username


def test_desk_cannot_receive_for_a_foreign_agency(ctx, client):
    body = request(agency_code=FOREIGN_XA)
    assert_error(client.post(f"{API}/dossiers", json=body, headers=auth(ctx, DESK)), 403)
    response = client.post(f"{API}/dossiers", json=body, headers=auth(ctx, "xa2.motcua"))
    assert response.status_code == 201 and response.get_json()["code"].startswith(FOREIGN_XA)


@pytest.mark.parametrize("body, status, field", [
    (request("9.999999"), 404, None),  # unknown procedure
    (request(LAND), 422, None),  # a province procedure at a commune desk
    (request(agency_code="KHONG-CO"), 404, None),
    ({"applicant": {"name": "Bình"}}, 422, "procedure_code"),
    (request(applicant="Trần Thị Bình"), 422, "applicant"),
    (request(applicant={"phone": "0987"}), 422, "applicant"),
    (request(data=[1, 2]), 422, "data"),
    (request(documents="Tờ khai"), 422, "documents"),
    (request(channel="fax"), 422, "channel"),
    (request(procedure_code=7), 422, "procedure_code"),
    (request(unexpected=True), 422, "unexpected"),
    (request(applicant={"name": "Bình", "email": "not-an-email"}), 422, "applicant"),
])
def test_reception_input_problems(ctx, client, body, status, field):
    error = assert_error(client.post(f"{API}/dossiers", json=body, headers=auth(ctx, DESK)), status)
    if field:
        assert field in error["details"]["json"]


def test_reception_body_must_be_json_and_not_huge(ctx, client):
    headers = auth(ctx, DESK)
    assert_error(client.post(f"{API}/dossiers", data="{not json", content_type="application/json", headers=headers),
                 400, "bad_request")
    assert_error(client.post(f"{API}/dossiers", data="null", content_type="application/json", headers=headers), 422)
    assert_error(client.post(f"{API}/dossiers", data="[1, 2]", content_type="application/json", headers=headers), 422)
    assert_error(client.post(f"{API}/dossiers", data="procedure_code=1", headers=headers), 422)  # not JSON
    too_deep = "[" * 40 + "1" + "]" * 40  # valid JSON, deeper than the workflow should copy
    lone_surrogate = '{"procedure_code": "1.001193", "applicant": {"name": "B\\ud800nh"}}'
    for text in ("[" * 100_000, too_deep, '{"data": {"x": NaN}}', '{"data": {"x": 1' + "0" * 5000 + "}}",
                 lone_surrogate, b"\xff\xfe{}"):
        assert_error(client.post(f"{API}/dossiers", data=text, content_type="application/json", headers=headers),
                     400, "bad_request")
    huge = request(documents=["x" * 400] * 6000)  # ~2.4 MB > MAX_CONTENT_LENGTH (2 MB)
    assert_error(client.post(f"{API}/dossiers", json=huge, headers=headers), 413, "too_large")


# ---------------------------------------------------------------- detail and Form 06


@pytest.mark.parametrize("username, status", [
    (DESK, 200), (LEADER, 200), (SPECIALIST, 200), ("xa.vp.chuyenvien2", 200), (HEAD, 200), ("xa.auditor", 200),
    ("tinh.kiemsoat", 200),  # the province's auditor reads every agency below it
    ("xa.kt.chuyenvien", 403), ("xa.kt.truongphong", 403), ("xa.designer", 403), ("xa.admin", 403),
    ("xa2.motcua", 403), ("xa2.lanhdao", 403), ("xa2.vp.chuyenvien", 403), ("xa2.auditor", 403),
])
def test_detail_and_control_slip_only_for_entitled_users(ctx, client, received, username, status):
    headers = auth(ctx, username)
    for url in (f"{API}/dossiers/{received['code']}", f"{API}/dossiers/{received['code']}/control-slip"):
        response = client.get(url, headers=headers)
        if status == 403:
            assert_error(response, 403, "forbidden")
        else:
            assert response.status_code == 200 and response.get_json()["code"] == received["code"]


def test_detail_content(ctx, client, received):
    detail = client.get(f"{API}/dossiers/{received['code']}", headers=auth(ctx, SPECIALIST)).get_json()
    assert detail["status"] == "received" and detail["applicant"]["name"] == "Trần Thị Bình"
    assert detail["agency_code"] == "000.00.31.H99" and detail["procedure_version"] == 1
    assert detail["allowed"] == ["request_supplement"]
    [step] = detail["steps"]
    assert step["step_id"] == "tham_dinh_ho_so" and step["state"] == "ready" and step["unit"]
    assert step["allowed"] == ["claim", "complete"] and step["form"]["required"] == ["eligible"]
    assert [e["kind"] for e in detail["events"]] == [EventKind.RECEIVED, EventKind.HANDED_OVER]
    assert detail["events"][1]["payload"]["to_lane"] == "Công chức Tư pháp - Hộ tịch"
    assert all(e["at"].endswith("+00:00") and len(e["hash"]) == 64 for e in detail["events"])
    desk_view = client.get(f"{API}/dossiers/{received['code']}", headers=auth(ctx, DESK)).get_json()
    assert desk_view["allowed"] == ["request_supplement", "refuse", "withdraw"]
    assert desk_view["steps"][0]["allowed"] == [] and desk_view["steps"][0]["form"] is None


def test_control_slip_is_form_06(ctx, client, received, people):
    slip = client.get(f"{API}/dossiers/{received['code']}/control-slip", headers=auth(ctx, "xa.auditor")).get_json()
    assert slip["form"] == "06" and slip["title"].startswith("PHIẾU KIỂM SOÁT")
    assert slip["applicant"] == "Trần Thị Bình" and slip["due_at"] == received["due_at"]
    [block] = slip["blocks"]
    assert block["to_lane"] == "Công chức Tư pháp - Hộ tịch" and block["from_lane"] == "Tiếp nhận"
    assert block["handed_by"] == people(DESK).full_name and block["state"] == "ready" and block["outcome"] is None


def test_unknown_dossier_is_404(ctx, client):
    headers = auth(ctx, DESK)
    for url in (f"{API}/dossiers/000.00.31.H99-261207-9999", f"{API}/dossiers/nope/control-slip"):
        assert_error(client.get(url, headers=headers), 404, "not_found")
    assert_error(post(client, ctx, DESK, "nope", "refuse", {"reason": "Không đủ điều kiện"}), 404)


# ---------------------------------------------------------------- dossier actions


def test_supplementation_pauses_then_resumes(ctx, client, clock, received):
    code = received["code"]
    body = {"reason": "Thiếu giấy tờ", "missing": ["Giấy chứng sinh (bản chính)"]}
    for username in ("xa.designer", "xa2.motcua", LEADER, "xa.kt.chuyenvien"):
        assert_error(post(client, ctx, username, code, "supplement-request", body), 403)
    assert_error(post(client, ctx, DESK, code, "supplement-request", {"reason": "Thiếu", "missing": []}), 422)
    assert_error(post(client, ctx, DESK, code, "supplement", {"documents": ["x"]}), 409, "invalid_state")
    response = post(client, ctx, DESK, code, "supplement-request", body)
    assert response.status_code == 200 and response.get_json() == {"code": code, "status": "awaiting_supplement"}
    assert_error(post(client, ctx, DESK, code, "supplement-request", body), 409)
    clock.advance(hours=1)
    assert_error(post(client, ctx, SPECIALIST, code, "supplement", {"documents": ["Giấy chứng sinh"]}), 403)
    assert_error(post(client, ctx, DESK, code, "supplement", {"documents": "Giấy chứng sinh"}), 422)
    response = post(client, ctx, DESK, code, "supplement", {"documents": ["Giấy chứng sinh (bản chính)"]})
    assert response.get_json() == {"code": code, "status": "processing"}
    assert dossier(ctx, code).paused_minutes == 60


def test_the_specialist_of_an_open_step_may_request_supplementation(ctx, client, received):
    body = {"reason": "Thiếu giấy tờ", "missing": ["Giấy chứng sinh"]}
    assert post(client, ctx, SPECIALIST, received["code"], "supplement-request", body).status_code == 200


@pytest.mark.parametrize("username, status", [(DESK, 200), (LEADER, 200), (SPECIALIST, 403), (HEAD, 403),
                                              ("xa.auditor", 403), ("xa2.motcua", 403)])
def test_refusal(ctx, client, received, username, status):
    response = post(client, ctx, username, received["code"], "refuse", {"reason": "Không thuộc trường hợp đăng ký"})
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["status"] == "refused" and open_tasks(ctx, received["code"]) == []
        assert_error(post(client, ctx, username, received["code"], "refuse", {"reason": "Lần nữa thôi"}), 409)


def test_refusal_and_withdrawal_need_a_reason(ctx, client, received):
    for action in ("refuse", "withdraw"):
        error = assert_error(post(client, ctx, DESK, received["code"], action, {}), 422, "invalid_input")
        assert "reason" in error["details"]["json"]
        assert_error(post(client, ctx, DESK, received["code"], action, {"reason": "x"}), 422)  # too short
        assert_error(post(client, ctx, DESK, received["code"], action, {"reason": 42}), 422)


def test_withdrawal(ctx, client, received):
    code = received["code"]
    assert_error(post(client, ctx, SPECIALIST, code, "withdraw", {"reason": "Người nộp xin rút"}), 403)
    assert_error(post(client, ctx, LEADER, code, "withdraw", {"reason": "Người nộp xin rút"}), 403)
    response = post(client, ctx, DESK, code, "withdraw", {"reason": "Người nộp xin rút hồ sơ"})
    assert response.get_json() == {"code": code, "status": "withdrawn"}
    assert_error(post(client, ctx, DESK, code, "withdraw", {"reason": "Người nộp xin rút"}), 409)


def test_apology_with_a_new_appointment_once(ctx, client):
    code = client.post(f"{API}/dossiers", json=request(HO_KINH_DOANH), headers=auth(ctx, DESK)).get_json()["code"]
    new_due = "2026-12-14T17:00:00+07:00"
    body = {"reason": "Cần xác minh thêm thông tin", "new_due_at": new_due}
    for username in (DESK, SPECIALIST, HEAD, "xa2.lanhdao", "xa.auditor"):
        assert_error(post(client, ctx, username, code, "apology", body), 403)
    assert_error(post(client, ctx, LEADER, code, "apology", {**body, "new_due_at": "2026-12-14T17:00:00"}), 422)
    assert_error(post(client, ctx, LEADER, code, "apology", {**body, "new_due_at": "next week"}), 422)
    assert_error(post(client, ctx, LEADER, code, "apology", {**body, "new_due_at": "2026-12-07T09:00:00+07:00"}), 422)
    response = post(client, ctx, LEADER, code, "apology", body)
    assert response.status_code == 200
    assert response.get_json() == {"code": code, "due_at": "2026-12-14T10:00:00+00:00"}
    assert_error(post(client, ctx, LEADER, code, "apology", {**body, "new_due_at": "2026-12-21T17:00:00+07:00"}),
                 409, "invalid_state")
    assert EventKind.APOLOGY_ISSUED in event_kinds(ctx, code)


def test_the_unit_head_of_an_open_step_may_apologise(ctx, client):
    code = client.post(f"{API}/dossiers", json=request(HO_KINH_DOANH), headers=auth(ctx, DESK)).get_json()["code"]
    body = {"reason": "Phòng Kinh tế cần thêm thời gian", "new_due_at": "2026-12-14T17:00:00+07:00"}
    assert post(client, ctx, "xa.kt.truongphong", code, "apology", body).status_code == 200


def test_hand_back_only_when_resolved(ctx, client, received):
    code = received["code"]
    assert_error(post(client, ctx, DESK, code, "hand-back", {"note": "Đã trả"}), 409, "invalid_state")
    assert_error(post(client, ctx, DESK, code, "hand-back", {"note": ["x"]}), 422)
    assert_error(post(client, ctx, SPECIALIST, code, "hand-back", {}), 403)
