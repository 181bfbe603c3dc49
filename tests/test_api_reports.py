"""GET /api/v1/reports/kpis: the figures of tests/test_kpis.py as JSON, by role (401, 403), every bad parameter
a 422, and the endpoint documented in the OpenAPI document."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from engine.demo import organisation as demo
from engine.kpis import Kpi
from tests.kpi_dataset import PERIOD, build
from tests.test_api_procedures_docs import API, assert_error
from tests.test_api_tasks import auth
from tests.test_kpis import BIRTH, BUSINESS, DECEMBER, TOTALS

URL = f"{API}/reports/kpis"


def get(client, ctx, username: str | None, **query):
    headers = auth(ctx, username) if username else {}
    return client.get(f"{URL}?{urlencode(query)}", headers=headers)


def as_json(figures: dict) -> dict:
    return {k.value: v for k, v in figures.items()}


def test_leader_gets_the_figures(ctx, people, clock, client):
    build(ctx, people, clock)
    response = get(client, ctx, "xa.lanhdao", **PERIOD, group_by="procedure")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["from"], body["to"], body["group_by"], body["include_sub"]) == ("2026-12-01", "2027-02-01",
                                                                               "procedure", False)
    assert body["agency"] == {"code": demo.XA, "name": "UBND xã An Bình"} and body["procedure"] is None
    assert body["generated_at"] == "2027-02-01T02:30:00+00:00"
    assert body["totals"] == as_json(TOTALS)
    assert [(g["key"], g["figures"]) for g in body["groups"]] == [("1.001193", as_json(BIRTH)),
                                                                  ("2.000720", as_json(BUSINESS))]
    december = body["by_month"][0]
    assert december["key"] == "2026-12" and december["label"] == "12/2026"
    assert december["figures"] == {**as_json(DECEMBER), "open_now": None, "overdue_now": None, "paused_now": None}
    assert body["bottlenecks"][0] == {
        "procedure_code": "2.000720", "procedure_name": "Đăng ký thành lập hộ kinh doanh", "step_id": "tham_dinh_ho_so",
        "step_name": "Thẩm định hồ sơ đăng ký hộ kinh doanh", "finished": 3, "late": 1, "total_hours": 28.0,
        "avg_hours": 9.33, "p90_hours": 12.5}
    assert body["units"][0] == {"unit_code": "KT", "unit_name": "Phòng Kinh tế", "agency_code": demo.XA,
                                "open_steps": 2, "overdue_steps": 1, "finished_steps": 9, "late_steps": 3}
    assert body["indicators_766"]["available"][0] == {
        "key": "on_time_share", "label": "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn", "value": 0.7143}
    unit_head = get(client, ctx, "xa.kt.truongphong", **PERIOD).get_json()
    assert unit_head["unit"] == {"code": "KT", "name": "Phòng Kinh tế"} and unit_head["totals"] == as_json(BUSINESS)


def test_authentication_and_authority(ctx, client):
    assert_error(get(client, ctx, None), 401, "unauthenticated")
    for username, query in [("xa.motcua", {}), ("xa.vp.chuyenvien", {}), ("xa.designer", {}),
                            ("xa.lanhdao", {"include_sub": "true"}), ("xa.lanhdao", {"agency": demo.PROVINCE}),
                            ("xa.vp.truongphong", {"unit": "KT"}), ("xa.auditor", {"agency": demo.PROVINCE})]:
        assert_error(get(client, ctx, username, **query), 403, "forbidden")
    assert get(client, ctx, "tinh.kiemsoat", agency=demo.PROVINCE, include_sub="true").status_code == 200


@pytest.mark.parametrize("query, field", [
    ({"from": "2027-02-01", "to": "2026-12-01"}, "to"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),
    ({"from": "01/12/2026"}, "from"),
    ({"group_by": "week"}, "group_by"),
    ({"agency": "000.00.99.H99"}, "agency"),
    ({"unit": "XX"}, "unit"),
    ({"procedure": "9.999999"}, "procedure"),
    ({"include_sub": "perhaps"}, "include_sub"),
    ({"procedur": "1.001193"}, "procedur"),  # a misspelt filter is refused, not ignored
])
def test_bad_parameters_are_422(ctx, client, query, field):
    error = assert_error(get(client, ctx, "xa.lanhdao", **query), 422)
    details = error["details"].get("query", error["details"])
    assert field in details, error


def test_documented_in_openapi(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    operation = spec["paths"][f"{API}/reports/kpis"]["get"]
    assert operation["security"] == [{"bearer": []}]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "agency", "include_sub", "procedure", "unit",
                                                            "group_by"}
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    figures = spec["components"]["schemas"]["KpiFigures"]["properties"]
    assert set(figures) == {k.value for k in Kpi}
    assert "Tỷ lệ giải quyết trước hạn, đúng hạn" in figures["on_time_rate"]["description"]
