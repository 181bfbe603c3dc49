"""REST API of dossier files (issue 18): multipart upload per part, listing, download as a nosniff attachment, the
citizen's files with code + PIN, hostile uploads refused with a Vietnamese message naming the part, and OpenAPI."""

from __future__ import annotations

import hashlib
import io

import pytest

from engine.documents.storage import FolderStorage
from tests import documents_samples as samples
from tests.helpers import request
from tests.test_api_dossiers import DESK, auth
from tests.test_api_procedures_docs import API


@pytest.fixture
def received(ctx, client, tmp_path) -> dict:
    ctx.storage = FolderStorage(tmp_path / "files")
    response = client.post(f"{API}/dossiers", json=request(), headers=auth(ctx, DESK))
    assert response.status_code == 201
    return response.get_json()


def upload(client, ctx, code, files, username=DESK, **form):
    data = {**form, "file": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"{API}/dossiers/{code}/files", data=data, content_type="multipart/form-data",
                       headers=auth(ctx, username))


def test_upload_pages_list_and_download(ctx, client, received):
    code = received["code"]
    response = upload(client, ctx, code, [("p1.jpg", samples.jpeg()), ("p2.jpg", samples.jpeg())], part="to_khai")
    assert response.status_code == 201, response.get_json()
    stored = response.get_json()
    assert stored["pages"] == 2 and stored["media_type"] == "application/pdf" and stored["uploader"] == DESK
    listing = client.get(f"{API}/dossiers/{code}/files", headers=auth(ctx, DESK)).get_json()
    part = next(p for p in listing["parts"] if p["code"] == "to_khai")
    assert [f["id"] for f in part["files"]] == [stored["id"]] and not part["missing"]
    got = client.get(f"{API}/dossiers/{code}/files/{stored['id']}", headers=auth(ctx, DESK))
    assert got.status_code == 200 and hashlib.sha256(got.data).hexdigest() == stored["sha256"]
    assert got.headers["X-Content-Type-Options"] == "nosniff" and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"{API}/dossiers/{code}/files/{stored['id']}",
                      headers=auth(ctx, "xa2.motcua")).status_code == 403
    public = client.post(f"{API}/public/dossiers/{code}/files", json={"pin": received["pin"]})
    assert public.status_code == 200 and "working" not in public.get_json()
    mine = client.post(f"{API}/public/dossiers/{code}/files/{stored['id']}", json={"pin": received["pin"]})
    assert mine.status_code == 200 and mine.data == got.data
    assert client.post(f"{API}/public/dossiers/{code}/files/{stored['id']}", json={"pin": "99999999"}).status_code == 404


@pytest.mark.parametrize("name,content,status", [
    ("../../x.pdf", b"<html><script>alert(1)</script></html>", 422),
    ("x.pdf", samples.encrypted_pdf(), 422),
    ("bomb.png", samples.png_bomb(), 422),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1), 413),
])
def test_hostile_uploads_are_refused_with_the_part_named(ctx, client, received, name, content, status):
    response = upload(client, ctx, received["code"], [(name, content)], part="to_khai")
    assert response.status_code == status, response.get_json()
    message = response.get_json()["error"]["message"]
    assert "to_khai" in message and "Tờ khai" in message
    assert list(ctx.storage.blobs()) == []


def test_unknown_part_and_the_openapi_document(ctx, client, received):
    response = upload(client, ctx, received["code"], [("x.pdf", samples.pdf())], part="khong_co")
    assert response.status_code == 422 and "khong_co" in response.get_json()["error"]["message"]
    spec = client.get(f"{API}/openapi.json").get_json()
    post = spec["paths"][f"{API}/dossiers/{{code}}/files"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert f"{API}/dossiers/{{code}}/files/{{file_id}}" in spec["paths"]
