"""Files on a dossier (issue 18), through the use cases, on both databases and both storages (a folder and a real
SeaweedFS S3 server started by the fixture): reception with scanned pages, online submission and supplementation,
results for the citizen with code + PIN, replaced versions, every hostile input refused with nothing stored, a crash
between storing and committing, the orphan sweep, and ``audit verify`` catching a swapped file."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime, timedelta, timezone

import pikepdf
import pytest
from PIL import Image

from engine.documents import files as docs
from engine.documents.storage import FolderStorage, S3Storage
from engine.documents.verify import verify_files
from engine.dossiers import online
from engine.dossiers.actions import request_supplement
from engine.dossiers.tasks import claim
from engine.enums import DossierStatus, EventKind, FileKind
from engine.errors import InvalidInput, InvalidState, NotAuthorized, NotFound, TooLarge
from tests import documents_samples as samples
from tests.helpers import KHAI_SINH, dossier, events, open_tasks, request
from tests.seaweed_server import SeaweedServer, SeaweedUnavailable

XA = "000.00.31.H99"
_WEED: dict = {}


@pytest.fixture(scope="session")
def seaweed():
    if "error" in _WEED:
        pytest.skip(_WEED["error"])
    try:
        server = SeaweedServer().start()
    except SeaweedUnavailable as exc:
        _WEED["error"] = f"SeaweedFS S3 tests SKIPPED: {exc}"
        pytest.skip(_WEED["error"])
    yield server
    server.stop()


@pytest.fixture(params=["folder", "s3"])
def storage(request, ctx, tmp_path):
    if request.param == "folder":
        store = FolderStorage(tmp_path / "files")
    else:
        server = request.getfixturevalue("seaweed")
        client = server.client()
        bucket = f"motcua-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=bucket)
        store = S3Storage(bucket, client=client)
    ctx.storage = store
    return store


def blobs(storage) -> set[str]:
    return {b.sha256 for b in storage.blobs()}


def receive(ctx, people, files):
    return docs.receive_with_files(ctx, people("xa.motcua"), request(KHAI_SINH), files)


def test_desk_scans_two_pages_of_a_part_into_one_pdf(ctx, people, storage):
    receipt = receive(ctx, people, {"to_khai": [samples.upload(samples.jpeg(), "trang1.jpg"),
                                                samples.upload(samples.png(), "trang2.png")]})
    view = docs.list_files(ctx, people("xa.motcua"), receipt.code)
    to_khai = next(p for p in view["parts"] if p["code"] == "to_khai")
    (file,) = to_khai["files"]
    assert file["pages"] == 2 and file["media_type"] == "application/pdf" and file["name"] == "trang1.pdf"
    assert not to_khai["missing"]
    assert [p["code"] for p in view["parts"] if p["missing"]] == ["giay_chung_sinh"]
    got = docs.download(ctx, people("xa.motcua"), receipt.code, file["id"])
    assert hashlib.sha256(got.data).hexdigest() == file["sha256"] == got.sha256
    assert len(pikepdf.open(io.BytesIO(got.data)).pages) == 2
    attached = [e for e in events(ctx, receipt.code) if e.kind == EventKind.FILE_ATTACHED]
    assert [(e.payload["part"], e.payload["sha256"], e.actor_name) for e in attached] == \
        [("to_khai", file["sha256"], "xa.motcua")]
    assert blobs(storage) == {file["sha256"]}
    assert verify_files(ctx) == ([], 1)


def test_online_submission_supplement_result_and_citizen_download(ctx, people, storage, clock):
    sub = docs.submit_with_files(ctx, request(KHAI_SINH, agency_code=XA),
                                 {"to_khai": [samples.upload(samples.pdf(), "../../to_khai.pdf")]})
    online.return_incomplete(ctx, people("xa.motcua"), sub.code,
                             {"reason": "Thiếu giấy chứng sinh", "missing": ["Giấy chứng sinh"]})
    docs.resubmit_with_files(ctx, sub.code, sub.pin, {"documents": []},
                             {"giay_chung_sinh": [samples.upload(samples.jpeg(gps=True), "IMG_0001.JPG")]})
    mine = docs.public_files(ctx, sub.code, sub.pin)
    names = {p["code"]: [f["name"] for f in p["files"]] for p in mine["parts"]}
    assert names["to_khai"] == ["to_khai.pdf"] and names["giay_chung_sinh"] == ["IMG_0001.jpg"]
    assert "working" not in mine
    photo = next(p for p in mine["parts"] if p["code"] == "giay_chung_sinh")["files"][0]
    data = docs.public_download(ctx, sub.code, sub.pin, photo["id"]).data
    assert not Image.open(io.BytesIO(data)).getexif()  # GPS and maker gone
    online.accept_submission(ctx, people("xa.motcua"), sub.code)
    (task,) = open_tasks(ctx, sub.code)
    specialist = people("xa.vp.chuyenvien")
    claim(ctx, specialist, task.id)
    working = docs.attach(ctx, specialist, sub.code, "", [samples.upload(samples.pdf(), "ghi_chu.pdf")],
                          kind=FileKind.WORKING, task_id=task.id)
    result = docs.attach(ctx, specialist, sub.code, "ket_qua", [samples.upload(samples.pdf(), "giay_khai_sinh.pdf")],
                         kind=FileKind.RESULT)
    assert working.part_code == task.step_id
    mine = docs.public_files(ctx, sub.code, sub.pin)
    assert [f["id"] for f in mine["results"][0]["files"]] == [result.id]
    assert docs.public_download(ctx, sub.code, sub.pin, result.id).sha256 == result.sha256
    with pytest.raises(NotFound):
        docs.public_download(ctx, sub.code, sub.pin, working.id)  # an officer's working document is not the citizen's
    with pytest.raises(NotFound):
        docs.public_download(ctx, sub.code, "000000", result.id)
    sources = [e.payload["source"] for e in events(ctx, sub.code) if e.kind == EventKind.FILE_ATTACHED]
    assert sources == ["online", "supplement", "officer", "officer"]
    assert verify_files(ctx)[0] == []


def test_a_replaced_file_keeps_its_earlier_version_and_identical_bytes_are_stored_once(ctx, people, storage):
    receipt = receive(ctx, people, {"to_khai": [samples.upload(samples.pdf(), "a.pdf")]})
    desk = people("xa.motcua")
    scan = samples.pdf(pages=2)  # made once: a sample made in another second carries another creation date
    second = docs.attach(ctx, desk, receipt.code, "to_khai", [samples.upload(scan, "b.pdf")])
    docs.attach(ctx, desk, receipt.code, "giay_chung_sinh", [samples.upload(scan, "c.pdf")])
    part = next(p for p in docs.list_files(ctx, desk, receipt.code)["parts"] if p["code"] == "to_khai")
    assert [f["id"] for f in part["files"]] == [second.id]
    assert [f["name"] for f in part["history"]] == ["a.pdf"] and second.replaces_id == part["history"][0]["id"]
    assert len(blobs(storage)) == 2  # b.pdf and c.pdf are the same bytes


HOSTILE = {
    "html named pdf": ("to_khai", samples.upload(b"<html><script>alert(1)</script></html>", "x.pdf"), InvalidInput),
    "svg": ("to_khai", samples.upload(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.svg"),
            InvalidInput),
    "encrypted": ("to_khai", samples.upload(samples.encrypted_pdf()), InvalidInput),
    "broken pdf": ("to_khai", samples.upload(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage"), InvalidInput),
    "broken jpeg": ("to_khai", samples.upload(b"\xff\xd8\xff\xe0" + b"\x00" * 100, "x.jpg"), InvalidInput),
    "bomb": ("to_khai", samples.upload(samples.png_bomb(), "bomb.png"), InvalidInput),
    "too large": ("to_khai", samples.upload(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1)), TooLarge),
    "empty": ("to_khai", samples.upload(b""), InvalidInput),
    "unknown part": ("khong_co", samples.upload(samples.pdf()), InvalidInput),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_input_is_refused_naming_the_part_and_nothing_is_stored(ctx, people, storage, case):
    receipt = receive(ctx, people, {})
    before = [e.kind for e in events(ctx, receipt.code)]
    part, upload, error = HOSTILE[case]
    with pytest.raises(error) as refused:
        docs.attach(ctx, people("xa.motcua"), receipt.code, part, [upload])
    assert part in refused.value.message and refused.value.http_status in (413, 422)
    assert blobs(storage) == set()
    assert [e.kind for e in events(ctx, receipt.code)] == before
    with pytest.raises(error):  # at reception too: no dossier is created
        receive(ctx, people, {part: [upload]})
    assert blobs(storage) == set()


def test_refusal_messages_name_the_limit(ctx, people, storage):
    receipt = receive(ctx, people, {})
    with pytest.raises(TooLarge, match="tối đa 10 MB"):
        docs.attach(ctx, people("xa.motcua"), receipt.code, "to_khai",
                    [samples.upload(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1))])
    with pytest.raises(InvalidInput, match="mã hoá"):
        docs.attach(ctx, people("xa.motcua"), receipt.code, "to_khai", [samples.upload(samples.encrypted_pdf())])
    with pytest.raises(InvalidInput, match="chỉ nhận PDF"):
        docs.attach(ctx, people("xa.motcua"), receipt.code, "ket_qua", [samples.upload(samples.jpeg())],
                    kind=FileKind.RESULT)


def test_pdf_active_content_is_removed(ctx, people, storage):
    receipt = receive(ctx, people, {"to_khai": [samples.upload(samples.pdf(javascript=True, attachment=True,
                                                                           form=True))]})
    (file,) = next(p for p in docs.list_files(ctx, people("xa.motcua"), receipt.code)["parts"]
                   if p["code"] == "to_khai")["files"]
    clean = pikepdf.open(io.BytesIO(docs.download(ctx, people("xa.motcua"), receipt.code, file["id"]).data))
    assert "/OpenAction" not in clean.Root and "/AcroForm" not in clean.Root
    assert "/JavaScript" not in clean.Root.get("/Names", {}) and not clean.attachments
    assert "/AA" not in clean.pages[0].obj


def test_closed_dossier_and_outsiders_are_refused(ctx, people, storage):
    receipt = receive(ctx, people, {})
    with pytest.raises(NotAuthorized):
        docs.attach(ctx, people("xa2.motcua"), receipt.code, "to_khai", [samples.upload(samples.pdf())])
    with pytest.raises(NotAuthorized):
        docs.list_files(ctx, people("xa2.motcua"), receipt.code)
    with pytest.raises(NotAuthorized):
        docs.download(ctx, people("xa2.motcua"), receipt.code, 1)
    with pytest.raises(NotAuthorized):  # a working document belongs to the step of who works it
        docs.attach(ctx, people("xa.motcua"), receipt.code, "", [samples.upload(samples.pdf())],
                    kind=FileKind.WORKING, task_id=open_tasks(ctx, receipt.code)[0].id)
    from engine.dossiers.actions import withdraw

    withdraw(ctx, people("xa.motcua"), receipt.code, {"reason": "Công dân rút hồ sơ"})
    assert dossier(ctx, receipt.code).status == DossierStatus.WITHDRAWN
    with pytest.raises(InvalidState):
        docs.attach(ctx, people("xa.motcua"), receipt.code, "to_khai", [samples.upload(samples.pdf())])
    assert not [e for e in events(ctx, receipt.code) if e.kind == EventKind.FILE_ATTACHED]


def test_a_crash_between_storing_and_committing_attaches_nothing_and_the_sweep_removes_the_blob(
        ctx, people, storage, monkeypatch):
    receipt = receive(ctx, people, {})

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(docs, "record", crash)
    with pytest.raises(RuntimeError):
        docs.attach(ctx, people("xa.motcua"), receipt.code, "to_khai", [samples.upload(samples.pdf())])
    monkeypatch.undo()
    assert docs.list_files(ctx, people("xa.motcua"), receipt.code)["parts"][0]["files"] == []
    (orphan,) = blobs(storage)
    kept = receive(ctx, people, {"to_khai": [samples.upload(samples.pdf(pages=3))]})
    assert docs.sweep_orphans(ctx) == []  # within the grace period
    later = datetime.now(timezone.utc) + docs.ORPHAN_GRACE + timedelta(hours=1)  # blobs carry the real time
    assert docs.sweep_orphans(ctx, now=later) == [orphan]
    assert orphan not in blobs(storage) and len(blobs(storage)) == 1
    assert verify_files(ctx)[0] == [] and kept.code


def test_audit_verify_catches_a_swapped_file(ctx, people, storage):
    receipt = receive(ctx, people, {"to_khai": [samples.upload(samples.pdf())]})
    (file,) = docs.list_files(ctx, people("xa.motcua"), receipt.code)["parts"][0]["files"]
    forged = samples.pdf(pages=5)
    if isinstance(storage, FolderStorage):
        path = storage._path(file["sha256"])
        path.write_bytes(forged)
    else:
        storage.client.put_object(Bucket=storage.bucket, Key=storage._key(file["sha256"]), Body=forged)
    problems, checked = verify_files(ctx)
    assert checked == 1 and len(problems) == 1 and "swapped" in problems[0].reason
    assert problems[0].dossier_code == receipt.code
    with pytest.raises(NotFound, match="không khớp"):
        docs.download(ctx, people("xa.motcua"), receipt.code, file["id"])
