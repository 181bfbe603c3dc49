"""One input policy at the boundary (issue 16, defect 5): out-of-range or unstorable input is a clean 4xx with a
Vietnamese-first message, never a 500, on SQLite and PostgreSQL alike, and nothing of it is stored.

- control characters (a NUL byte above all) in text fields, JSON bodies, paths, query strings and page forms;
- numbers that are not finite (NaN, Infinity, ``1e999``) in JSON bodies and in data handed to the engine;
- dates near year 1 or 9999 (or merely outside 2000..2100) in the apology, the audit-log filters and the
  tracking-book / control-slip filters."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from engine.db.models import Dossier
from engine.dossiers import actions as dossiers
from engine.dossiers import tasks
from engine.dossiers.reception import receive
from engine.errors import InvalidInput
from engine.inputs.policy import EARLIEST_DATE, LATEST_DATE, check_data, parse_day
from engine.org.directory import issue_token
from engine.records import auditlog, registers
from tests.helpers import applicant, dossier, open_tasks, receive_sample, request
from tests.page_helpers import csrf, login

API = "/api/v1"
DESK, SPECIALIST, LEADER, AUDITOR = "xa.motcua", "xa.vp.chuyenvien", "xa.lanhdao", "xa.auditor"
XA = "000.00.31.H99"
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\n", "\r"]  # single-line fields refuse line breaks too
MULTILINE_REFUSED = ["\x00", "\x08", "\x1b", "\x7f"]
FAR_DATES = ["0001-01-01", "0001-01-02", "1899-12-31", "1999-12-31", "2101-01-01", "9999-12-30", "9999-12-31"]
NON_FINITE_BODIES = ['{"data": {"x": 1e999}}', '{"data": {"x": -1e999}}', '{"data": {"x": NaN}}',
                     '{"data": {"x": Infinity}}', '{"data": {"x": -Infinity}}', '{"data": {"x": [1, {"y": 1e400}]}}']


def auth(ctx, username: str) -> dict:
    return {"Authorization": f"Bearer {issue_token(ctx, username)}"}


def count_dossiers(ctx) -> int:
    with ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Dossier))


def assert_clean_refusal(response, statuses=(400, 422)):
    assert response.status_code in statuses, (response.status_code, response.data[:300])
    if response.mimetype == "application/json":
        error = response.get_json()["error"]
        assert error["code"] in ("bad_request", "invalid_input") and error["message"]


def post_raw(client, path: str, body: str, headers: dict):
    return client.post(path, data=body.encode("utf-8"), headers={**headers, "Content-Type": "application/json"})


# ---------------------------------------------------------------- text: control characters


@pytest.mark.parametrize("char", CONTROLS)
@pytest.mark.parametrize("field", ["name", "address", "id_number", "phone"])
def test_applicant_text_with_a_control_character_is_refused_by_the_engine(ctx, people, field, char):
    person = {**applicant(), field: f"0123{char}45"}
    with pytest.raises(InvalidInput) as refused:
        receive(ctx, people(DESK), request(applicant=person))
    assert refused.value.message.startswith("Dữ liệu không hợp lệ") and "applicant" in str(refused.value.details)
    assert count_dossiers(ctx) == 0


@pytest.mark.parametrize("char", MULTILINE_REFUSED)
def test_a_reason_keeps_its_line_breaks_but_not_other_controls(ctx, people, char):
    code = receive_sample(ctx, people).code
    with pytest.raises(InvalidInput):
        dossiers.refuse(ctx, people(DESK), code, {"reason": f"Không đủ{char} điều kiện"})
    dossiers.refuse(ctx, people(DESK), code, {"reason": "Không đủ điều kiện:\r\n\t- thiếu tờ khai"})
    assert dossier(ctx, code).closed_reason == "Không đủ điều kiện:\r\n\t- thiếu tờ khai"


@pytest.mark.parametrize("body", [
    {"applicant": {**applicant("Trần\x00 Bình")}},
    {"applicant": {**applicant(), "address": "Thôn\x00 Tây"}},
    {"documents": ["Tờ khai\x00"]},
    {"procedure_code": "1.001193\x00"},
    {"agency_code": "000.00.31.H99\x00"},
    {"data": {"ghi_chu": "a\x00b"}},
    {"data": {"ghi\x00chu": "ab"}},
    {"data": {"x": [{"y": "\x00"}]}},
])
def test_a_nul_anywhere_in_a_json_body_is_a_400(ctx, client, body):
    response = client.post(f"{API}/dossiers", json={**request(), **body}, headers=auth(ctx, DESK))
    assert_clean_refusal(response, (400,))
    assert count_dossiers(ctx) == 0


def test_a_nul_in_a_refusal_reason_or_a_reassignment_is_a_400(ctx, people, client):
    code = receive_sample(ctx, people).code
    response = client.post(f"{API}/dossiers/{code}/refuse", json={"reason": "Lý do\x00 từ chối"},
                           headers=auth(ctx, DESK))
    assert_clean_refusal(response, (400,))
    [task] = open_tasks(ctx, code)
    response = client.post(f"{API}/tasks/{task.id}/reassign", json={"username": "xa.vp.chuyenvien\x00"},
                           headers=auth(ctx, "xa.vp.truongphong"))
    assert_clean_refusal(response, (400,))
    assert dossier(ctx, code).status == "received"


@pytest.mark.parametrize("path", [
    f"{API}/public/dossiers/X%00Y?pin=123456",
    f"{API}/public/dossiers/%00?pin=123456",
    f"{API}/public/dossiers/000.00.31.H99-261207-0001?pin=12%0034",
    f"{API}/public/dossiers/000.00.31.H99-261207-0001?pin=12%0A34",
    "/lookup?code=A%00B&pin=1",
    "/officer/dossiers/%00",
    "/officer/dossiers/A%01B/receipt",
    "/officer/records/tracking-book?agency=%00",
    "/officer/audit?code=%00",
])
def test_control_characters_in_paths_and_query_strings_are_a_400(ctx, people, client, path):
    receive_sample(ctx, people)
    login(client, AUDITOR if "audit" in path else DESK)
    assert_clean_refusal(client.get(path), (400,))


@pytest.mark.parametrize("username", ["xa.motcua\x00", "\x00", "xa.motcua\x1b"])
def test_a_control_character_in_the_login_form_is_a_400(client, username):
    token = csrf(client, "/officer/login")
    response = client.post("/officer/login", data={"csrf_token": token, "username": username, "password": "x"})
    assert_clean_refusal(response, (400,))


def test_the_engine_refuses_a_nul_dossier_code(ctx, people):
    with pytest.raises(InvalidInput):
        dossiers.refuse(ctx, people(DESK), "A\x00B", {"reason": "Không đủ điều kiện"})


# ---------------------------------------------------------------- numbers: finite only


@pytest.mark.parametrize("body", NON_FINITE_BODIES)
def test_non_finite_numbers_in_a_json_body_are_a_400(ctx, people, client, body):
    code = receive_sample(ctx, people).code
    [task] = open_tasks(ctx, code)
    response = post_raw(client, f"{API}/tasks/{task.id}/complete", body, auth(ctx, SPECIALIST))
    assert_clean_refusal(response, (400,))
    reception = {key: value for key, value in request().items() if key != "data"}
    raw = json.dumps(reception)[:-1] + ', "data": ' + body[len('{"data": '):-1] + "}"
    assert_clean_refusal(post_raw(client, f"{API}/dossiers", raw, auth(ctx, DESK)), (400,))
    detail = client.get(f"{API}/dossiers/{code}", headers=auth(ctx, DESK))
    assert detail.status_code == 200 and json.loads(detail.data)["code"] == code
    assert [t.state for t in open_tasks(ctx, code)] == ["ready"]


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), [1.0, {"x": float("inf")}]])
def test_the_engine_refuses_non_finite_numbers_from_any_caller(ctx, people, value):
    code = receive_sample(ctx, people).code
    [task] = open_tasks(ctx, code)
    with pytest.raises(InvalidInput) as refused:
        tasks.complete(ctx, people(SPECIALIST), task.id, {"data": {"eligible": True, "so": value}})
    assert "hữu hạn" in refused.value.message and "finite" in refused.value.message_en
    with pytest.raises(InvalidInput):
        receive(ctx, people(DESK), request(data={"so": value}))
    assert count_dossiers(ctx) == 1


def test_data_size_and_depth_are_bounded():
    with pytest.raises(InvalidInput):
        check_data({"x": "a" * (300 * 1024)})
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(InvalidInput):
        check_data(deep)
    assert check_data({"ghi_chu": "Dòng 1\nDòng 2\tcột", "so": 1.5, "ds": [1, 2]})


# ---------------------------------------------------------------- dates: within range


@pytest.mark.parametrize("day", FAR_DATES)
def test_an_apology_dated_out_of_range_is_refused(ctx, people, client, day):
    code = receive_sample(ctx, people, procedure_code="2.000720").code
    for offset in ("+00:00", "+07:00", "-12:00"):
        response = client.post(f"{API}/dossiers/{code}/apology", headers=auth(ctx, LEADER),
                               json={"reason": "Chậm do xác minh", "new_due_at": f"{day}T23:59:59{offset}"})
        assert_clean_refusal(response, (422,))
        assert "2000" in json.dumps(response.get_json(), ensure_ascii=False)
    assert dossier(ctx, code).apology_issued_at is None
    response = client.post(f"{API}/dossiers/{code}/apology", headers=auth(ctx, LEADER),
                           json={"reason": "Chậm do xác minh", "new_due_at": "2026-12-31T17:00:00+07:00"})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("day", FAR_DATES)
def test_far_dates_in_the_audit_filters_are_refused(ctx, people, client, day):
    receive_sample(ctx, people)
    login(client, AUDITOR)
    for query in (f"from={day}", f"to={day}", f"tab=security&from={day}", f"tab=security&to={day}"):
        response = client.get(f"/officer/audit?{query}")
        assert response.status_code == 422, query
        assert "2000" in response.get_data(as_text=True)
    with pytest.raises(InvalidInput):
        auditlog.browse_events(ctx, people(AUDITOR), date_to=day)
    with pytest.raises(InvalidInput):
        auditlog.browse_security_log(ctx, people(AUDITOR), date_from=date.fromisoformat(day))


@pytest.mark.parametrize("day", FAR_DATES + ["31/12/9999", "01/01/0001"])
def test_far_dates_in_the_register_filters_are_refused(ctx, people, client, day):
    receive_sample(ctx, people)
    login(client, LEADER)
    for query in ({"from": day, "to": day}, {"to": day}, {"from": day}):
        for path, extra in (("/officer/records/tracking-book", {}), ("/officer/records/tracking-book", {"format": "xlsx"}),
                            ("/officer/records/control-slips.xlsx", {})):
            response = client.get(path, query_string={**query, **extra, "agency": XA})
            assert response.status_code in (400, 422), (path, query, response.status_code)
    with pytest.raises(InvalidInput):
        registers.parse_period(day, None, date(2026, 12, 7))


def test_the_policy_range_is_inclusive():
    assert parse_day(EARLIEST_DATE.isoformat(), "d") == EARLIEST_DATE
    assert parse_day(LATEST_DATE.isoformat(), "d") == LATEST_DATE
    assert parse_day("31/12/2026", "d", ("%Y-%m-%d", "%d/%m/%Y")) == date(2026, 12, 31)
    with pytest.raises(InvalidInput) as refused:
        parse_day("2026-12-31\x00", "d")
    assert "\x00" not in refused.value.message


def test_a_clean_request_still_goes_through(ctx, client):
    body = {**request(), "data": {"ghi_chu": "Dòng 1\nDòng 2", "so": 1.5e10}}
    response = client.post(f"{API}/dossiers", json=body, headers=auth(ctx, DESK))
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    detail = client.get(f"{API}/dossiers/{code}", headers=auth(ctx, DESK))
    assert detail.status_code == 200 and json.loads(detail.data)["code"] == code
