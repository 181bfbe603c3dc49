"""Hostile input through every door of the designer (draft save, validation, zip import on the API, the page
and the CLI): a script task, an external entity (XXE), a billion-laughs expansion, a 50 MB file, broken XML,
and a gateway condition reaching Python internals are refused with a clear message; nothing is stored and
nothing runs."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.db.models import ProcedureDraft, ProcedureVersion
from engine.design import drafts
from engine.design.packages import import_package
from engine.errors import PackageError, TooLarge
from engine.org import directory as org
from engine.procedures.zipio import MAX_MEMBER_BYTES
from tests.designer_helpers import BPMN_NAME, SLUG, bpmn_text, card_text
from tests.helpers import KHAI_SINH
from tests.page_helpers import csrf, login, text

API = "/api/v1/designer"
BIG = 50 * 1024 * 1024
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<bpmn:definitions '
       'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;</bpmn:definitions>')
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10)
) + ']>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</bpmn:definitions>')


def script_task(marker) -> str:
    return bpmn_text().replace("  </bpmn:process>", f'    <bpmn:scriptTask id="chay_ma" name="Chạy mã"><bpmn:script>'
                               f'open(r"{marker}", "w").write("x")</bpmn:script></bpmn:scriptTask>\n  </bpmn:process>')


def hostile_condition(marker) -> str:
    return bpmn_text().replace("approved == True", "().__class__.__base__.__subclasses__()")


def os_condition(marker) -> str:
    return bpmn_text().replace("approved == True", f"__import__('os').system('touch {marker}')")


CASES = {  # name -> (BPMN text maker, element the refusal names, words the message must contain)
    "script-task": (script_task, "chay_ma", "scriptTask"),
    "xxe": (lambda m: XXE, None, "DOCTYPE"),
    "billion-laughs": (lambda m: LAUGHS, None, "DOCTYPE"),
    "broken-xml": (lambda m: bpmn_text()[:-40], None, "không phải XML hợp lệ"),
    "python-internals": (hostile_condition, "flow_06", "__class__"),
    "os-call": (os_condition, "flow_06", "không an toàn"),
}


@pytest.fixture
def designer(ctx):
    return {"Authorization": f"Bearer {org.issue_token(ctx, 'tinh.thietke')}"}


def counts(ctx) -> tuple[int, int]:
    with ctx.db.transaction() as session:
        return (session.scalar(select(func.count()).select_from(ProcedureVersion)),
                session.scalar(select(func.count()).select_from(ProcedureDraft)))


def zipped(bpmn: str | bytes, card: str | None = None, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{SLUG}/procedure.toml", card or card_text())
        archive.writestr(f"{SLUG}/{BPMN_NAME}", bpmn)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("case", CASES)
def test_draft_save_refuses_and_stores_nothing(ctx, people, tmp_path, case):
    make, element, words = CASES[case]
    marker = tmp_path / "ran"
    draft_id = drafts.create_draft(ctx, people("tinh.thietke"), KHAI_SINH)
    before = drafts.get_draft(ctx, people("tinh.thietke"), draft_id)
    with pytest.raises(PackageError) as err:
        drafts.save_draft(ctx, people("tinh.thietke"), draft_id, {"bpmn_xml": make(marker)})
    assert words in err.value.message + " ".join(d["message"] for d in err.value.details)
    assert element in {d["element_id"] for d in err.value.details}
    after = drafts.get_draft(ctx, people("tinh.thietke"), draft_id)
    assert (after["revision"], after["bpmn_xml"]) == (before["revision"], before["bpmn_xml"])
    # Validation shows the same refusal on the element, and nothing runs.
    report = drafts.validate_draft(ctx, people("tinh.thietke"), draft_id, {"bpmn_xml": make(marker)})
    assert not report["valid"] and element in {p["element_id"] for p in report["problems"] if p["severity"] == "error"}
    assert not marker.exists()


@pytest.mark.parametrize("case", CASES)
def test_zip_import_refuses_and_stores_nothing(ctx, people, tmp_path, case):
    make, element, words = CASES[case]
    marker = tmp_path / "ran"
    before = counts(ctx)
    for publish in (False, True):
        start = time.perf_counter()
        with pytest.raises(PackageError) as err:
            import_package(ctx, people("tinh.thietke"), zipped(make(marker)), publish=publish, note="thử")
        assert time.perf_counter() - start < 3
        assert words in err.value.message + " ".join(d["message"] for d in err.value.details)
        assert "không có gì được lưu" in err.value.message
    assert counts(ctx) == before and not marker.exists()


@pytest.mark.parametrize("case", ["script-task", "xxe", "python-internals"])
def test_api_refuses_with_the_element_named(client, ctx, designer, tmp_path, case):
    make, element, words = CASES[case]
    draft_id = client.post(f"{API}/procedures/{KHAI_SINH}/drafts", headers=designer, json={}).get_json()["id"]
    saved = client.put(f"{API}/drafts/{draft_id}", headers=designer, json={"bpmn_xml": make(tmp_path / "ran")})
    error = saved.get_json()["error"]
    assert saved.status_code == 422 and error["code"] == "package_invalid" and words in str(error)
    assert element in {d["element_id"] for d in error["details"]}
    imported = client.post(f"{API}/packages", headers=designer, data={"file": (io.BytesIO(zipped(make(tmp_path / "ran"))), "x.zip")})
    assert imported.status_code == 422 and words in str(imported.get_json()["error"])


def test_50_mb_is_refused_before_reading(client, ctx, designer, people):
    draft_id = client.post(f"{API}/procedures/{KHAI_SINH}/drafts", headers=designer, json={}).get_json()["id"]
    huge = b"<bpmn:definitions>" + b" " * BIG
    start = time.perf_counter()
    response = client.put(f"{API}/drafts/{draft_id}", headers={**designer, "Content-Type": "application/json"},
                          data=b'{"bpmn_xml": "' + huge + b'"}')
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert "quá lớn" in response.get_json()["error"]["message"]
    upload = client.post(f"{API}/packages", headers=designer, data={"file": (io.BytesIO(huge), "big.zip")})
    assert upload.status_code == 413 and "quá lớn" in upload.get_json()["error"]["message"]
    assert time.perf_counter() - start < 10
    # The engine refuses by size before parsing too, whoever calls it.
    with pytest.raises(PackageError) as err:
        drafts.save_draft(ctx, people("tinh.thietke"), draft_id, {"bpmn_xml": huge.decode()})
    assert "quá lớn" in err.value.message and "trước khi đọc" in err.value.message
    with pytest.raises(TooLarge):
        import_package(ctx, people("tinh.thietke"), huge)


def test_50_mb_page_upload_is_refused_with_a_page(client, ctx):
    login(client, "tinh.thietke")
    response = client.post("/designer/import", data={"csrf_token": csrf(client, "/designer/"),
                                                     "package": (io.BytesIO(b"x" * BIG), "big.zip")})
    assert response.status_code == 413 and "quá lớn" in text(response)


def test_a_package_over_the_form_limit_but_within_the_zip_limit_is_read(client, ctx, designer):
    """A 3 MB zip (stored, not deflated) is within the 4 MB package limit: the input guard reads its form under the
    import's own limit, not the application's 2 MB, so the answer is about the package, never 413."""
    filler = bytes(range(256)) * (1536 * 1024 // 256)  # two members of 1.5 MB: each within the member limit
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{SLUG}/procedure.toml", card_text())
        archive.writestr(f"{SLUG}/{BPMN_NAME}", bpmn_text())
        archive.writestr(f"{SLUG}/ghi_chu_1.txt", filler)
        archive.writestr(f"{SLUG}/ghi_chu_2.txt", filler)
    data = buffer.getvalue()
    assert 2 * 1024 * 1024 < len(data) < 4 * 1024 * 1024
    answer = client.post("/api/v1/designer/packages", headers=designer,
                         data={"file": (io.BytesIO(data), "goi.zip")})
    assert answer.status_code != 413, answer.get_data(as_text=True)
    login(client, "tinh.thietke")
    page = client.post("/designer/import", data={"csrf_token": csrf(client, "/designer/"),
                                                 "package": (io.BytesIO(data), "goi.zip")})
    assert page.status_code != 413


def test_zip_bomb_and_traversal(ctx, people):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{SLUG}/procedure.toml", card_text())
        archive.writestr(f"{SLUG}/{BPMN_NAME}", b"<" + b"a" * (MAX_MEMBER_BYTES * 4))
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(TooLarge):
        import_package(ctx, people("tinh.thietke"), bomb.getvalue())
    with pytest.raises(PackageError) as err:
        import_package(ctx, people("tinh.thietke"), zipped(bpmn_text(), extra={f"{SLUG}/../../evil.json": "{}"}))
    assert "Đường dẫn" in err.value.message
    with pytest.raises(PackageError):
        import_package(ctx, people("tinh.thietke"), b"not a zip")
    assert counts(ctx)[1] == 0


def test_cli_import_refuses(ctx, tmp_path, monkeypatch):
    from engine.cli import cli
    from engine.cli import common as cli_common

    monkeypatch.setattr(cli_common, "context", lambda: ctx)
    path = tmp_path / "bad.zip"
    path.write_bytes(zipped(script_task(tmp_path / "ran")))
    result = CliRunner().invoke(cli, ["procedures", "import", str(path), "--publish", "--note", "x"])
    assert result.exit_code == 1 and "scriptTask" in result.output and "chay_ma" in result.output
    assert counts(ctx) == (counts(ctx)[0], 0) and not (tmp_path / "ran").exists()
