"""REST API for nonconformities: GET the caller's list, POST the cause and corrective action, POST the
closure; 401 without a token, 403 outside the responsibility boundary, 404, 409 and 422."""

from __future__ import annotations

import pytest

from engine.org.directory import issue_token
from engine.worker.sweep import sweep
from tests.helpers import HO_KINH_DOANH, receive_sample
from tests.test_api_procedures_docs import API, assert_error

ACTION = {"cause": "Chuyên viên nghỉ ốm, không có người thay", "corrective_action": "Phân công người dự phòng"}


def auth(ctx, username: str) -> dict:
    return {"Authorization": f"Bearer {issue_token(ctx, username)}"}


@pytest.fixture
def nc_id(ctx, people, clock, client) -> int:
    receive_sample(ctx, people, HO_KINH_DOANH)
    clock.set_local("2026-12-08T08:01")
    sweep(ctx)
    response = client.get(f"{API}/nonconformities", headers=auth(ctx, "xa.kt.truongphong"))
    assert response.status_code == 200, response.get_json()
    [row] = response.get_json()["rows"]
    return row["id"]


def test_list(ctx, client, nc_id):
    body = client.get(f"{API}/nonconformities?status=open", headers=auth(ctx, "xa.auditor")).get_json()
    assert body["total"] == 1 and body["counts"] == {"open": 1, "action_recorded": 0, "closed": 0}
    row = body["rows"][0]
    assert row["id"] == nc_id and row["unit"] == "Phòng Kinh tế" and row["allowed"] == []
    assert row["raised_at"] == "2026-12-08T01:01:00+00:00" and row["action_due_at"] == "2026-12-15T01:01:00+00:00"
    assert client.get(f"{API}/nonconformities?flagged=true", headers=auth(ctx, "xa.auditor")).get_json()["total"] == 0
    assert client.get(f"{API}/nonconformities", headers=auth(ctx, "xa.vp.truongphong")).get_json()["total"] == 0


def test_errors(ctx, client, nc_id):
    assert_error(client.get(f"{API}/nonconformities"), 401)
    assert_error(client.get(f"{API}/nonconformities", headers=auth(ctx, "xa.motcua")), 403, "forbidden")
    assert_error(client.get(f"{API}/nonconformities?status=lost", headers=auth(ctx, "xa.auditor")), 422)
    assert_error(client.get(f"{API}/nonconformities?unit=KT", headers=auth(ctx, "xa.auditor")), 422)
    head = auth(ctx, "xa.kt.truongphong")
    assert_error(client.post(f"{API}/nonconformities/{nc_id}/action", json={"cause": "x"}, headers=head), 422)
    assert_error(client.post(f"{API}/nonconformities/{nc_id}/action", json={**ACTION, "extra": 1}, headers=head), 422)
    assert_error(client.post(f"{API}/nonconformities/999999/action", json=ACTION, headers=head), 404)
    assert_error(client.post(f"{API}/nonconformities/99999999999/action", json=ACTION, headers=head), 404)
    assert_error(client.post(f"{API}/nonconformities/{nc_id}/action", json=ACTION,
                             headers=auth(ctx, "xa.vp.truongphong")), 403)
    assert_error(client.post(f"{API}/nonconformities/{nc_id}/close", json={"note": "Đã kiểm tra"},
                             headers=auth(ctx, "xa.auditor")), 409, "invalid_state")


def test_action_then_closure(ctx, client, nc_id):
    head, auditor = auth(ctx, "xa.kt.truongphong"), auth(ctx, "xa.auditor")
    response = client.post(f"{API}/nonconformities/{nc_id}/action", json=ACTION, headers=head)
    assert response.status_code == 200 and response.get_json() == {"id": nc_id, "status": "action_recorded"}
    assert_error(client.post(f"{API}/nonconformities/{nc_id}/close", json={"note": "Tự đóng"}, headers=head), 403)
    assert_error(client.post(f"{API}/nonconformities/{nc_id}/close", json={"note": "Khác cơ quan"},
                             headers=auth(ctx, "xa2.auditor")), 403)
    response = client.post(f"{API}/nonconformities/{nc_id}/close", json={"note": "Đã kiểm tra phân công"},
                           headers=auditor)
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    row = client.get(f"{API}/nonconformities", headers=auditor).get_json()["rows"][0]
    assert row["cause"] == ACTION["cause"] and row["closed_by"] == "xa.auditor"


def test_documented_in_openapi(client):
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    assert {"/api/v1/nonconformities", "/api/v1/nonconformities/{nc_id}/action",
            "/api/v1/nonconformities/{nc_id}/close"} <= set(paths)


def test_dossier_detail_carries_the_apology_prompt(ctx, client, people, clock):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    clock.set_local("2026-12-09T08:00")
    sweep(ctx)
    body = client.get(f"{API}/dossiers/{receipt.code}", headers=auth(ctx, "xa.lanhdao")).get_json()
    prompt = body["apology_prompt"]
    assert [s["username"] for s in prompt["signers"]] == ["xa.kt.truongphong", "xa.lanhdao"]
    assert prompt["prompted_at"].startswith("2026-12-09T01:00")
