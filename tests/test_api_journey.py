"""REST API end to end: a dossier from the desk through every step to the applicant; online submission and
the desk's reception check; the citizen's lookup by code + PIN and its rate limits."""

from __future__ import annotations

import pytest

from engine.dossiers.online import RECEPTION_STEP
from engine.enums import EventKind
from engine.org.directory import issue_token
from tests.helpers import KHAI_SINH, request
from tests.test_api_procedures_docs import API, assert_error

XA = "000.00.31.H99"
DESK, SPECIALIST, LEADER = "xa.motcua", "xa.vp.chuyenvien", "xa.lanhdao"


def auth(ctx, username: str) -> dict:
    return {"Authorization": f"Bearer {issue_token(ctx, username)}"}


def work_next_step(client, headers: dict, step_id: str, data: dict) -> dict:
    """The officer finds the step in the inbox, claims it and completes it."""
    [row] = client.get(f"{API}/tasks?scope=available", headers=headers).get_json()["items"]
    assert row["step_id"] == step_id
    assert client.post(f"{API}/tasks/{row['id']}/claim", headers=headers).status_code == 200
    response = client.post(f"{API}/tasks/{row['id']}/complete", json={"data": data}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def lookup(client, code: str, pin: str):
    return client.post(f"{API}/public/dossiers/{code}/lookup", json={"pin": pin})


def test_full_journey_from_desk_to_applicant(ctx, client, clock):
    desk, specialist, leader = auth(ctx, DESK), auth(ctx, SPECIALIST), auth(ctx, LEADER)
    receipt = client.post(f"{API}/dossiers", json=request(), headers=desk).get_json()
    code, pin = receipt["code"], receipt["pin"]
    assert lookup(client, code, pin).get_json()["status"] == "received"

    clock.advance(minutes=30)
    assert work_next_step(client, specialist, "tham_dinh_ho_so",
                          {"eligible": True, "child_full_name": "Nguyễn Văn An"})["outcome"] == "on_time"
    clock.advance(minutes=30)
    work_next_step(client, leader, "ky_duyet", {"approved": True})
    clock.advance(minutes=30)
    work_next_step(client, specialist, "vao_so_ho_tich", {"register_number": "125/2026"})

    detail = client.get(f"{API}/dossiers/{code}", headers=desk).get_json()
    assert detail["status"] == "resolved" and detail["outcome"] == "on_time" and detail["allowed"] == ["hand_back"]
    assert [s["state"] for s in detail["steps"]] == ["completed"] * 3
    kinds = [e["kind"] for e in detail["events"]]
    assert kinds.count(EventKind.HANDED_OVER) == 3 and kinds.count(EventKind.TAKEN_OVER) == 3  # giao / nhận
    assert kinds[-1] == EventKind.RESOLVED

    response = client.post(f"{API}/dossiers/{code}/hand-back", json={"note": "Đã trả Giấy khai sinh"}, headers=desk)
    assert response.get_json() == {"code": code, "status": "returned"}

    public = lookup(client, code, pin).get_json()
    assert public["status"] == "returned" and public["status_label"] == "Đã trả kết quả"
    assert public["returned_at"] == "2026-12-07T02:30:00+00:00"
    assert [s["outcome"] for s in public["steps"]] == ["on_time"] * 3
    assert "applicant" not in public and all("assignee" not in s for s in public["steps"])  # nothing internal

    slip = client.get(f"{API}/dossiers/{code}/control-slip", headers=auth(ctx, "xa.auditor")).get_json()
    assert [b["step_id"] for b in slip["blocks"]] == ["tham_dinh_ho_so", "ky_duyet", "vao_so_ho_tich"]
    assert [b["from_lane"] for b in slip["blocks"]][1:] == ["Công chức Tư pháp - Hộ tịch", "Lãnh đạo UBND xã"]
    assert slip["status"] == "returned" and all(b["outcome_label"] == "Đúng hạn" for b in slip["blocks"])


def test_refusal_branch_through_the_api(ctx, client):
    desk, specialist, leader = auth(ctx, DESK), auth(ctx, SPECIALIST), auth(ctx, LEADER)
    receipt = client.post(f"{API}/dossiers", json=request(), headers=desk).get_json()
    work_next_step(client, specialist, "tham_dinh_ho_so",
                   {"eligible": False, "refusal_reason": "Đã đăng ký khai sinh tại nơi khác"})
    work_next_step(client, leader, "ky_van_ban_tu_choi", {"refusal_reason": "Đã đăng ký khai sinh tại nơi khác"})
    public = lookup(client, receipt["code"], receipt["pin"]).get_json()
    assert public["status"] == "refused"
    handed = client.post(f"{API}/dossiers/{receipt['code']}/hand-back", json={}, headers=desk)
    assert handed.status_code == 200 and handed.get_json()["status"] == "refused"  # the refusal handed back
    assert_error(client.post(f"{API}/dossiers/{receipt['code']}/hand-back", json={}, headers=desk), 409)


# ---------------------------------------------------------------- online submission


def submit(client, **extra):
    body = request(agency_code=XA, **extra)
    body.pop("channel")
    return client.post(f"{API}/public/dossiers", json=body)


def test_online_submission_waits_for_the_desk_then_is_accepted(ctx, client, clock):
    response = submit(client)
    assert response.status_code == 201
    sub = response.get_json()
    assert set(sub) == {"code", "pin", "status", "submitted_at"} and sub["status"] == "submitted"
    assert sub["submitted_at"] == "2026-12-07T01:00:00+00:00"
    desk = auth(ctx, DESK)
    [row] = client.get(f"{API}/tasks?scope=available", headers=desk).get_json()["items"]
    assert row["dossier_code"] == sub["code"] and row["step_id"] == RECEPTION_STEP
    assert client.get(f"{API}/tasks?scope=available", headers=auth(ctx, "xa2.motcua")).get_json()["total"] == 0
    detail = client.get(f"{API}/dossiers/{sub['code']}", headers=desk).get_json()
    assert "receive" in detail["allowed"] and detail["steps"][0]["allowed"] == []  # accept, not claim/complete

    for username in (SPECIALIST, LEADER, "xa2.motcua", "xa.designer", "xa.auditor"):
        assert_error(client.post(f"{API}/dossiers/{sub['code']}/accept", headers=auth(ctx, username)), 403)
    clock.set_local("2026-12-07T09:00")
    response = client.post(f"{API}/dossiers/{sub['code']}/accept", headers=desk)
    assert response.get_json() == {"code": sub["code"], "status": "received", "due_at": "2026-12-07T10:00:00+00:00"}
    assert_error(client.post(f"{API}/dossiers/{sub['code']}/accept", headers=desk), 409, "invalid_state")
    [row] = client.get(f"{API}/tasks?scope=available", headers=auth(ctx, SPECIALIST)).get_json()["items"]
    assert row["dossier_code"] == sub["code"] and row["step_id"] == "tham_dinh_ho_so"
    assert lookup(client, sub["code"], sub["pin"]).get_json()["status"] == "received"


def test_online_incomplete_then_completed_by_the_citizen_then_rejected(ctx, client):
    sub = submit(client).get_json()
    code, desk = sub["code"], auth(ctx, DESK)
    url = f"{API}/dossiers/{code}"
    assert_error(client.post(f"{url}/return-incomplete", json={"reason": "Thiếu giấy tờ"}, headers=desk), 422)
    assert_error(client.post(f"{url}/return-incomplete", json={"reason": "Thiếu giấy tờ", "missing": ["Tờ khai"]},
                             headers=auth(ctx, SPECIALIST)), 403)
    response = client.post(f"{url}/return-incomplete", headers=desk,
                           json={"reason": "Thiếu giấy tờ", "missing": ["Giấy chứng sinh (bản chính)"]})
    assert response.get_json() == {"code": code, "status": "incomplete"}
    assert lookup(client, code, sub["pin"]).get_json()["status"] == "incomplete"
    assert_error(client.post(f"{url}/accept", headers=desk), 409)

    wrong = "000000" if sub["pin"] != "000000" else "111111"
    supplement = f"{API}/public/dossiers/{code}/supplement"
    assert_error(client.post(supplement, json={"pin": wrong, "documents": ["Giấy chứng sinh"]}), 404)
    assert_error(client.post(supplement, json={"documents": ["Giấy chứng sinh"]}), 422)
    response = client.post(supplement, json={"pin": sub["pin"], "documents": ["Giấy chứng sinh (bản chính)"]})
    assert response.get_json() == {"code": code, "status": "submitted"}

    assert_error(client.post(f"{url}/reject", json={"reason": "x"}, headers=desk), 422)
    assert_error(client.post(f"{url}/reject", json={"reason": "Không thuộc thẩm quyền"},
                             headers=auth(ctx, "xa2.motcua")), 403)
    response = client.post(f"{url}/reject", json={"reason": "Không thuộc thẩm quyền của xã"}, headers=desk)
    assert response.get_json() == {"code": code, "status": "rejected"}
    assert lookup(client, code, sub["pin"]).get_json()["status"] == "rejected"


@pytest.mark.parametrize("extra, status, field", [
    ({"agency_code": None}, 422, "agency_code"),
    ({"channel": "online"}, 422, "channel"),
    ({"agency_code": "KHONG-CO"}, 404, None),
    ({"procedure_code": "9.999999"}, 404, None),
    ({"procedure_code": "1.012765"}, 422, None),  # a province procedure submitted to a commune
    ({"applicant": {"name": ""}}, 422, "applicant"),
])
def test_online_submission_input_problems(client, extra, status, field):
    body = request(agency_code=XA)
    del body["channel"]
    body = {key: value for key, value in {**body, **extra}.items() if value is not None}
    error = assert_error(client.post(f"{API}/public/dossiers", json=body), status)
    if field:
        assert field in error["details"]["json"]


# ---------------------------------------------------------------- citizen lookup and rate limits


def test_wrong_pin_and_unknown_code_look_the_same(ctx, client):
    receipt = client.post(f"{API}/dossiers", json=request(), headers=auth(ctx, DESK)).get_json()
    code = receipt["code"]
    wrong = "000000" if receipt["pin"] != "000000" else "111111"
    unknown_code = f"{XA}-261207-0999"
    wrong_pin = lookup(client, code, wrong)
    unknown = lookup(client, unknown_code, receipt["pin"])
    assert wrong_pin.status_code == unknown.status_code == 404
    assert wrong_pin.get_data(as_text=True) == unknown.get_data(as_text=True).replace(unknown_code, code)
    assert_error(client.post(f"{API}/public/dossiers/{code}/lookup", json={}), 422)  # no PIN at all
    assert client.get(f"{API}/public/dossiers/{code}", query_string={"pin": receipt["pin"]}).status_code in (404, 405)


def test_lookup_is_rate_limited_per_client(ctx, client):
    receipt = client.post(f"{API}/dossiers", json=request(), headers=auth(ctx, DESK)).get_json()
    for _ in range(5):  # the app fixture allows 5 per minute
        assert lookup(client, receipt["code"], receipt["pin"]).status_code == 200
    error = assert_error(lookup(client, receipt["code"], receipt["pin"]), 429, "rate_limited")
    assert error["message"]
    second = client.post(f"{API}/dossiers", json=request(), headers=auth(ctx, DESK)).get_json()
    other = client.post(f"{API}/public/dossiers/{second['code']}/lookup", json={"pin": second["pin"]},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200  # another client still may (on another code: each code has its own budget)


def test_online_submission_is_rate_limited(client):
    for _ in range(5):
        assert submit(client).status_code == 201
    assert_error(submit(client), 429, "rate_limited")
    assert client.get(f"{API}/procedures/{KHAI_SINH}").status_code == 200  # other endpoints are not limited
