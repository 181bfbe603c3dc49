"""The dossier page's files (issue 18): the desk uploads two scanned pages of a part, the page lists them with the
page count and the missing required part, the specialist downloads the PDF, an outsider cannot, a bad file is a
Vietnamese message naming the part."""

from __future__ import annotations

import io

from engine.documents.storage import FolderStorage
from tests import documents_samples as samples
from tests.helpers import receive_sample
from tests.page_helpers import csrf_from, flashes, text
from tests.test_pages_dossier import officer


def upload(client, code, part, files):
    page = client.get(f"/officer/dossiers/{code}")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "part": part,
            "file": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/officer/dossiers/{code}/files", data=data, content_type="multipart/form-data")


def test_desk_uploads_pages_the_page_lists_them_and_officers_download(app, ctx, people, tmp_path):
    ctx.storage = FolderStorage(tmp_path / "files")
    code = receive_sample(ctx, people).code
    desk = officer(app, "xa.motcua")
    done = upload(desk, code, "to_khai", [("p1.jpg", samples.jpeg()), ("p2.jpg", samples.jpeg())])
    assert done.status_code == 302
    page = desk.get(f"/officer/dossiers/{code}")
    html = text(page)
    assert "p1.pdf" in html and "2 trang" in html and "Thiếu" in html  # giay_chung_sinh is still missing
    link = f"/officer/dossiers/{code}/files/1"
    assert link in page.get_data(as_text=True)
    got = desk.get(link)
    assert got.status_code == 200 and got.data.startswith(b"%PDF") and got.headers["Content-Disposition"].startswith(
        "attachment") and got.headers["X-Content-Type-Options"] == "nosniff"
    assert officer(app, "xa2.motcua").get(link).status_code == 403
    refused = upload(desk, code, "to_khai", [("x.pdf", b"<html></html>")])
    assert refused.status_code == 302
    assert any("to_khai" in m for m in flashes(desk.get(f"/officer/dossiers/{code}")))
