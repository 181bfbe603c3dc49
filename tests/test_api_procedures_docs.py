"""REST API: published procedures (public), the OpenAPI document, Swagger UI, and the error envelope."""

from __future__ import annotations

import pytest

from engine.org.directory import issue_token
from tests.helpers import KHAI_SINH

API = "/api/v1"
EVERY_PATH = {
    "/procedures": {"get"},
    "/procedures/{code}": {"get"},
    "/dossiers": {"get", "post"},
    "/dossiers/{code}": {"get"},
    "/dossiers/{code}/control-slip": {"get"},
    "/dossiers/{code}/supplement-request": {"post"},
    "/dossiers/{code}/supplement": {"post"},
    "/dossiers/{code}/refuse": {"post"},
    "/dossiers/{code}/withdraw": {"post"},
    "/dossiers/{code}/apology": {"post"},
    "/dossiers/{code}/hand-back": {"post"},
    "/dossiers/{code}/accept": {"post"},
    "/dossiers/{code}/return-incomplete": {"post"},
    "/dossiers/{code}/reject": {"post"},
    "/tasks": {"get"},
    "/tasks/{task_id}/claim": {"post"},
    "/tasks/{task_id}/release": {"post"},
    "/tasks/{task_id}/complete": {"post"},
    "/tasks/{task_id}/reassign": {"post"},
    "/public/dossiers": {"post"},
    "/public/dossiers/{code}/lookup": {"post"},
    "/public/dossiers/{code}/supplement": {"post"},
}
PUBLIC_PATHS = {"/procedures", "/procedures/{code}", "/public/dossiers", "/public/dossiers/{code}/lookup",
                "/public/dossiers/{code}/supplement"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_procedures_are_listed_without_login(client):
    response = client.get(f"{API}/procedures")
    assert response.status_code == 200
    items = response.get_json()
    assert len(items) >= 6
    khai_sinh = next(p for p in items if p["code"] == KHAI_SINH)
    assert set(khai_sinh) == {"code", "name", "level", "field", "statutory_duration", "cutoff", "fee", "result",
                              "required_documents", "version"}
    assert khai_sinh["statutory_duration"] == "same_day" and khai_sinh["cutoff"] == "15:00"
    assert khai_sinh["level"] == "commune" and khai_sinh["version"] == 1 and khai_sinh["required_documents"]


def test_procedure_detail_adds_steps_and_lanes(client):
    response = client.get(f"{API}/procedures/{KHAI_SINH}")
    assert response.status_code == 200
    detail = response.get_json()
    step = detail["steps"]["tham_dinh_ho_so"]
    assert step["lane"] == "Công chức Tư pháp - Hộ tịch" and step["deadline"] == "PT2H" and step["name"]
    assert set(detail["steps"]) >= {"tham_dinh_ho_so", "ky_duyet", "vao_so_ho_tich", "ky_van_ban_tu_choi"}
    assert detail["lanes"]["Công chức Tư pháp - Hộ tịch"] == {"role": "specialist", "level": None, "unit": "VP"}
    assert detail["lanes"]["Lãnh đạo UBND xã"]["role"] == "leader"
    assert detail["published_at"].endswith("+00:00")
    assert "published_by" not in detail  # officers' names are not public


def test_unknown_procedure_is_404(client):
    assert_error(client.get(f"{API}/procedures/9.999999"), 404, "not_found")


def test_openapi_document_lists_every_path_with_security(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["info"]["title"] == "motcua API" and spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    paths = {path.removeprefix(API): ops for path, ops in spec["paths"].items()}
    for path, methods in EVERY_PATH.items():
        assert path in paths, path
        for method in methods:
            operation = paths[path][method]
            secured = operation.get("security") == [{"bearer": []}]
            assert secured == (path not in PUBLIC_PATHS), (path, method)
    # errors are documented with the real envelope, not flask-smorest's default
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error"}
    assert "422" in paths["/tasks/{task_id}/complete"]["post"]["responses"]
    assert "429" in paths["/public/dossiers/{code}/lookup"]["post"]["responses"]


def test_swagger_ui_is_served_with_local_assets(client):
    page = client.get(f"{API}/docs")
    assert page.status_code == 200 and b"swagger-ui" in page.data
    assert b"/static/swagger-ui/" in page.data and b"openapi.json" in page.data
    asset = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 10_000


def test_unknown_api_route_and_wrong_method_are_json(client):
    assert_error(client.get(f"{API}/nothing-here"), 404, "not_found")
    assert_error(client.delete(f"{API}/procedures"), 405, "method_not_allowed")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eGE6eA=="},
                                     {"Authorization": "Bearer "}])
def test_protected_endpoints_need_a_valid_token(client, headers):
    for method, url in [("get", f"{API}/tasks"), ("get", f"{API}/dossiers/X-1"), ("post", f"{API}/dossiers"),
                        ("post", f"{API}/tasks/1/claim"), ("get", f"{API}/dossiers/X-1/control-slip")]:
        assert_error(getattr(client, method)(url, headers=headers, json={}), 401, "unauthenticated")


def test_a_valid_token_of_a_deactivated_user_is_refused(ctx, client):
    from sqlalchemy import select

    from engine.db.models import User

    token = issue_token(ctx, "xa.vp.chuyenvien")
    with ctx.db.transaction() as session:
        session.scalar(select(User).where(User.username == "xa.vp.chuyenvien")).active = False
    assert_error(client.get(f"{API}/tasks", headers={"Authorization": f"Bearer {token}"}), 401)
