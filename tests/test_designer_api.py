"""The designer API and pages: listing, drafts, validation as you work, publishing, diff, migration, import
and export; designers only; hostile input is refused with a clear message and nothing is stored."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from engine.db.models import ProcedureDraft, ProcedureVersion
from engine.dossiers import tasks
from engine.org import directory as org
from engine.procedures import publishing
from tests.designer_helpers import bpmn_text, card_text, set_deadline
from tests.helpers import KHAI_SINH, open_tasks, receive_sample
from tests.page_helpers import csrf, login, post, text

API = "/api/v1/designer"


def bearer(ctx, username: str) -> dict:
    return {"Authorization": f"Bearer {org.issue_token(ctx, username)}"}


@pytest.fixture
def designer(ctx):
    return bearer(ctx, "tinh.thietke")


def new_draft(client, headers) -> int:
    response = client.post(f"{API}/procedures/{KHAI_SINH}/drafts", headers=headers, json={})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def version_count(ctx) -> int:
    with ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(ProcedureVersion))


def test_only_designers(client, ctx):
    assert client.get(f"{API}/procedures").status_code == 401
    for username in ("xa.lanhdao", "xa.admin", "xa.auditor"):
        response = client.get(f"{API}/procedures", headers=bearer(ctx, username))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_list_and_detail(client, designer):
    listed = {p["code"]: p for p in client.get(f"{API}/procedures", headers=designer).get_json()}
    v1 = listed[KHAI_SINH]["versions"][0]
    assert v1["status"] == "published" and v1["published_by"] == "system" and v1["open_dossiers"] == 0
    assert "steps" not in v1  # versions, not dossiers: nothing about any applicant
    assert client.get(f"{API}/procedures/9.999", headers=designer).status_code == 404


def test_draft_round_trip_validate_save_publish(client, designer, ctx, people):
    old = receive_sample(ctx, people).code
    draft_id = new_draft(client, designer)
    assert client.post(f"{API}/procedures/{KHAI_SINH}/drafts", headers=designer, json={}).status_code == 409
    draft = client.get(f"{API}/drafts/{draft_id}", headers=designer).get_json()
    assert draft["card"]["statutory_duration"] == "same_day" and draft["revision"] == 1
    over = set_deadline(draft["bpmn_xml"], "ky_duyet", "PT8H")
    checked = client.post(f"{API}/drafts/{draft_id}/validate", headers=designer, json={"bpmn_xml": over}).get_json()
    assert not checked["valid"] and checked["budget"]["exceeded"]
    assert checked["problems"][0]["element_id"] == "dang_ky_khai_sinh"
    fine = set_deadline(draft["bpmn_xml"], "ky_duyet", "PT3H")
    saved = client.put(f"{API}/drafts/{draft_id}", headers=designer, json={"revision": 1, "bpmn_xml": fine})
    assert saved.status_code == 200 and saved.get_json()["valid"] and saved.get_json()["revision"] == 2
    stale = client.put(f"{API}/drafts/{draft_id}", headers=designer, json={"revision": 1, "bpmn_xml": fine})
    assert stale.status_code == 409
    assert client.post(f"{API}/drafts/{draft_id}/publish", headers=designer, json={"note": ""}).status_code == 422
    published = client.post(f"{API}/drafts/{draft_id}/publish", headers=designer,
                            json={"note": "Thời hạn ký 3 giờ", "revision": 2})
    assert published.status_code == 201 and published.get_json()["number"] == 2
    new = receive_sample(ctx, people).code
    diff = client.get(f"{API}/procedures/{KHAI_SINH}/diff?from=1&to=2", headers=designer).get_json()
    assert diff["deadlines"][0]["id"] == "ky_duyet" and diff["from"] == 1 and diff["to"] == 2
    detail = client.get(f"{API}/procedures/{KHAI_SINH}", headers=designer).get_json()
    assert [(v["number"], v["status"], v["open_dossiers"]) for v in detail["versions"]] == [(1, "retired", 1), (2, "published", 1)]
    # The older dossier continues on version 1; migrating it is a dry run first.
    [task] = open_tasks(ctx, old)
    tasks.complete(ctx, people("xa.vp.chuyenvien"), task.id, {"data": {"eligible": True}})
    report = client.post(f"{API}/procedures/{KHAI_SINH}/migration", headers=designer, json={"to": 2}).get_json()
    assert report["dry_run"] and report["summary"] == {"total": 1, "can_move": 1, "migrated": 0, "blocked": 0}
    assert report["dossiers"][0]["code"] == old and open_tasks(ctx, new)[0].deadline == "PT2H"
    done = client.post(f"{API}/procedures/{KHAI_SINH}/migration", headers=designer, json={"to": 2, "dry_run": False})
    assert done.get_json()["summary"]["migrated"] == 1
    assert open_tasks(ctx, old)[0].deadline == "PT3H"


def test_side_panel_checks(client, designer):
    meaning = client.post(f"{API}/checks/duration", headers=designer, json={"text": "PT4H"}).get_json()
    assert meaning == {"ok": True, "text": "PT4H", "minutes": 240, "same_day": False, "describe_vi": "4 giờ làm việc"}
    hostile = client.post(f"{API}/checks/expression", headers=designer,
                          json={"text": "().__class__.__base__.__subclasses__()"}).get_json()
    assert not hostile["ok"] and "không an toàn" in hostile["message"]
    assert client.post(f"{API}/checks/expression", headers=designer, json={"text": "x > 1"}).get_json()["names"] == ["x"]


def test_export_then_import_round_trips(client, designer, ctx):
    response = client.get(f"{API}/procedures/{KHAI_SINH}/versions/1/package", headers=designer)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "dang_ky_khai_sinh/procedure.toml" in names and "dang_ky_khai_sinh/forms/ky_duyet.json" in names
    again = client.get(f"{API}/procedures/{KHAI_SINH}/versions/1/package", headers=designer).data
    assert again == response.data  # deterministic
    imported = client.post(f"{API}/packages", headers=designer,
                           data={"file": (io.BytesIO(response.data), "p.zip"), "publish": "true", "note": "Khôi phục"})
    assert imported.status_code == 200 and imported.get_json()["published"] == {"number": 1, "content_hash":
        publishing.get_procedure(ctx, KHAI_SINH)["content_hash"], "created": False, "republished_from": None}
    as_draft = client.post(f"{API}/packages", headers=designer, data={"file": (io.BytesIO(response.data), "p.zip")})
    body = as_draft.get_json()
    assert as_draft.status_code == 201 and body["draft_id"] and body["problems"] == []
    draft = client.get(f"{API}/drafts/{body['draft_id']}/package", headers=designer)
    assert zipfile.ZipFile(io.BytesIO(draft.data)).read("dang_ky_khai_sinh/dang_ky_khai_sinh.bpmn") == \
        zipfile.ZipFile(io.BytesIO(response.data)).read("dang_ky_khai_sinh/dang_ky_khai_sinh.bpmn")


def test_session_api_writes_need_the_csrf_token(client, ctx):
    login(client, "tinh.thietke")
    assert client.post(f"{API}/procedures/{KHAI_SINH}/drafts", json={}).status_code == 400
    token = csrf(client, "/designer/")
    response = client.post(f"{API}/procedures/{KHAI_SINH}/drafts", json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 201


# ------------------------------------------------------------------ pages


def test_pages_for_designers_only(client, ctx):
    login(client, "xa.lanhdao")
    assert client.get("/designer/").status_code == 403
    assert "Thiết kế quy trình" not in text(client.get("/officer/"))
    client.post("/officer/logout", data={"csrf_token": csrf(client, "/officer/")})
    login(client, "tinh.thietke")
    page = text(client.get("/officer/"))
    assert 'href="/designer/"' in page
    index = text(client.get("/designer/"))
    assert KHAI_SINH in index and "Nhập gói thủ tục" in index and "Tạo bản nháp" in index


def test_modeler_page_embeds_the_draft_and_serves_its_assets(client, ctx, designer):
    draft_id = new_draft(client, designer)
    login(client, "tinh.thietke")
    page = client.get(f"/designer/drafts/{draft_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="draft-data"' in body and "designer/modeler.js" in body
    data = json.loads(body.split('id="draft-data">', 1)[1].split("</script>", 1)[0])
    assert data["id"] == draft_id and data["bpmn_xml"].startswith("<?xml")
    assert client.get("/static/designer/modeler.js").status_code == 200
    if "bpmn-modeler.production.min.js" in body:  # built by `make install` (npm)
        assert client.get("/static/vendor/bpmn-js/bpmn-modeler.production.min.js").status_code == 200
        assert client.get("/static/vendor/bpmn-js/LICENSE").status_code == 200


def test_procedure_page_versions_diff_and_migration_dry_run(client, ctx, people, designer):
    code = receive_sample(ctx, people).code
    draft_id = new_draft(client, designer)
    draft = client.get(f"{API}/drafts/{draft_id}", headers=designer).get_json()
    client.put(f"{API}/drafts/{draft_id}", headers=designer, json={"bpmn_xml": set_deadline(draft["bpmn_xml"], "tham_dinh_ho_so", "PT3H")})
    client.post(f"{API}/drafts/{draft_id}/publish", headers=designer, json={"note": "Thẩm định 3 giờ"})
    login(client, "tinh.thietke")
    page = text(client.get(f"/designer/procedures/{KHAI_SINH}"))
    assert "Thẩm định 3 giờ" in page and "Đã thay thế" in page and "Đang áp dụng" in page
    assert "tham_dinh_ho_so" in page and "PT2H" in page and "3 giờ làm việc" in page  # the diff v1 → v2
    result = text(post(client, f"/designer/procedures/{KHAI_SINH}/migration", {"to": "2", "run": "0"}, token_from="/designer/"))
    assert code in page or code in result
    assert "Chuyển được" in result and "kéo dài" in result
    assert "Trần Thị Bình" not in result  # no applicant data for designers


def test_page_import_refuses_and_accepts(client, ctx, designer):
    login(client, "tinh.thietke")
    export = client.get(f"{API}/procedures/{KHAI_SINH}/versions/1/package").data
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("p/procedure.toml", card_text())
        archive.writestr("p/p.bpmn", bpmn_text().replace("bpmn:userTask id=\"ky_duyet\"", "bpmn:scriptTask id=\"ky_duyet\"")
                         .replace("</bpmn:userTask>\n    <bpmn:exclusiveGateway id=\"gw_phe_duyet\"",
                                  "</bpmn:scriptTask>\n    <bpmn:exclusiveGateway id=\"gw_phe_duyet\""))
    refused = client.post("/designer/import", data={"csrf_token": csrf(client, "/designer/"),
                                                    "package": (io.BytesIO(bad.getvalue()), "bad.zip")})
    assert refused.status_code == 422 and "scriptTask" in text(refused)
    with ctx.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ProcedureDraft)) == 0
    ok = client.post("/designer/import", data={"csrf_token": csrf(client, "/designer/"),
                                               "package": (io.BytesIO(export), "good.zip")})
    assert ok.status_code == 302 and "/designer/drafts/" in ok.headers["Location"]


DESIGNER_PATHS = {
    "/designer/procedures": {"get"}, "/designer/procedures/{code}": {"get"}, "/designer/procedures/{code}/diff": {"get"},
    "/designer/procedures/{code}/versions/{number}/package": {"get"}, "/designer/procedures/{code}/drafts": {"post"},
    "/designer/procedures/{code}/migration": {"post"}, "/designer/drafts/{draft_id}": {"get", "put", "delete"},
    "/designer/drafts/{draft_id}/validate": {"post"}, "/designer/drafts/{draft_id}/publish": {"post"},
    "/designer/drafts/{draft_id}/diff": {"get"}, "/designer/drafts/{draft_id}/package": {"get"},
    "/designer/packages": {"post"}, "/designer/checks/duration": {"post"}, "/designer/checks/expression": {"post"},
}


def test_openapi_documents_the_designer_api(client):
    paths = {p.removeprefix("/api/v1"): ops for p, ops in client.get("/api/v1/openapi.json").get_json()["paths"].items()}
    for path, methods in DESIGNER_PATHS.items():
        for method in methods:
            assert paths[path][method]["security"] == [{"bearer": []}], (path, method)
    assert "413" in paths["/designer/packages"]["post"]["responses"]


def test_a_new_procedure_imported_as_a_draft_then_published(client, designer, ctx, people):
    card = card_text().replace('code = "1.001193"', 'code = "9.000777"').replace('process = "dang_ky_khai_sinh"',
                                                                               'process = "khai_sinh_moi"')
    bpmn = bpmn_text().replace('bpmn:process id="dang_ky_khai_sinh"', 'bpmn:process id="khai_sinh_moi"').replace(
        'processRef="dang_ky_khai_sinh"', 'processRef="khai_sinh_moi"')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("khai_sinh_moi/procedure.toml", card)
        archive.writestr("khai_sinh_moi/khai_sinh_moi.bpmn", bpmn)
    imported = client.post(f"{API}/packages", headers=designer, data={"file": (io.BytesIO(buffer.getvalue()), "n.zip")})
    assert imported.status_code == 201, imported.get_json()
    draft_id = imported.get_json()["draft_id"]
    listed = {p["code"]: p for p in client.get(f"{API}/procedures", headers=designer).get_json()}
    assert listed["9.000777"]["versions"] == [] and listed["9.000777"]["draft"]["id"] == draft_id
    published = client.post(f"{API}/drafts/{draft_id}/publish", headers=designer, json={"note": "Thủ tục mới"})
    assert published.status_code == 201 and published.get_json()["number"] == 1
    assert publishing.get_procedure(ctx, "9.000777")["name"] == "Đăng ký khai sinh"
    again = client.post(f"{API}/packages", headers=designer, data={"file": (io.BytesIO(buffer.getvalue()), "n.zip")})
    assert again.status_code == 201  # a draft of the now existing procedure
    # A different procedure cannot take an existing package name.
    clash = card.replace('code = "9.000777"', 'code = "9.000778"')
    buffer2 = io.BytesIO()
    with zipfile.ZipFile(buffer2, "w") as archive:
        archive.writestr("khai_sinh_moi/procedure.toml", clash)
        archive.writestr("khai_sinh_moi/khai_sinh_moi.bpmn", bpmn)
    response = client.post(f"{API}/packages", headers=designer,
                           data={"file": (io.BytesIO(buffer2.getvalue()), "c.zip"), "publish": "true", "note": "x"})
    assert response.status_code == 409 and "khai_sinh_moi" in response.get_json()["error"]["message"]


def test_bad_request_shapes_are_422_not_500(client, designer):
    draft_id = new_draft(client, designer)
    for body in ({"card": {"fee": "nhiều"}}, {"card": {"lanes": {"X": "desk"}}}, {"forms": {"a/b": "{}"}},
                 {"bpmn_xml": 5}, {"unknown": 1}, {"card": {"nope": 1}}):
        response = client.put(f"{API}/drafts/{draft_id}", headers=designer, json=body)
        assert response.status_code == 422, (body, response.get_json())
    assert client.post(f"{API}/procedures/{KHAI_SINH}/migration", headers=designer, json={"to": 0}).status_code == 422
    assert client.get(f"{API}/procedures/{KHAI_SINH}/diff?from=1", headers=designer).status_code == 422
    assert client.get(f"{API}/drafts/99999", headers=designer).status_code == 404
    assert client.get(f"{API}/procedures/{KHAI_SINH}/versions/9/package", headers=designer).status_code == 404
