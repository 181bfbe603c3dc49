"""Designers' step forms are self-contained and bounded in time (issue 16, defects 1 and 3).

A ``$ref`` leaving the form (a file, a URL, a URN, another schema, a nested ``$id``) or pointing at nothing is a
problem of the package at draft save, zip import and publish; a version stored before that check never reads a
file or fetches a URL when an officer completes the step. Patterns run on RE2: catastrophic backtracking
patterns are answered in milliseconds, and what RE2 cannot run is refused at publish."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest
from sqlalchemy import select, update

from engine.db.models import Procedure, ProcedureVersion
from engine.design import drafts
from engine.design.packages import export_version, import_package
from engine.dossiers import tasks
from engine.dossiers.runtime import SPEC_CACHE
from engine.dossiers.store import LIVE_WORKFLOWS
from engine.errors import FormValidationError, PackageError
from engine.org.directory import issue_token
from engine.procedures.form_schemas import form_problems, form_validator
from tests.conftest import PROCESSES
from tests.helpers import KHAI_SINH, open_tasks, receive_sample

DESIGNER = "tinh.thietke"
SPECIALIST = "xa.vp.chuyenvien"
STEP = "tham_dinh_ho_so"
FORM_FILE = f"forms/{STEP}.json"
API = "/api/v1"
QUICK_SECONDS = 1.0

OUTSIDE_REFS = {
    "file": {"$ref": "file:///etc/passwd"},
    "http-loopback": {"$ref": "http://127.0.0.1:9/schema.json"},
    "https": {"$ref": "https://example.org/schema.json#/$defs/x"},
    "urn": {"$ref": "urn:motcua:other"},
    "relative-file": {"$ref": "other.json"},
    "protocol-relative": {"$ref": "//evil.example/x.json"},
    "dynamic-ref": {"$dynamicRef": "https://example.org/meta#node"},
    "nested-id": {"$id": "file:///etc/passwd", "$ref": "#"},
}
DANGLING_REFS = {
    "missing-def": {"$ref": "#/$defs/khong_co"},
    "missing-anchor": {"$ref": "#khong_co"},
}
CATASTROPHIC = ["^(a+)+$", "^(a|a)*$", "^(a|aa)+$", "^(a*)*$", "(x+x+)+y", "^([a-zA-Z0-9]+\\s?)*$"]
NOT_RE2 = {"look-ahead": "^(?=a)a+$", "negative-look-ahead": "^(?!x).*$", "look-behind": "(?<=a)b",
           "back-reference": "^(a)\\1$"}


def base_form() -> dict:
    return json.loads((PROCESSES / "dang_ky_khai_sinh" / FORM_FILE).read_text(encoding="utf-8"))


def form_with(field: dict, name: str = "child_full_name") -> dict:
    form = base_form()
    form["properties"][name] = {"title": "Trường thử", **field}
    return form


def save_form(ctx, people, form: dict) -> tuple[int, dict]:
    draft_id = drafts.create_draft(ctx, people(DESIGNER), KHAI_SINH)
    forms = drafts.get_draft(ctx, people(DESIGNER), draft_id)["forms"]
    saved = drafts.save_draft(ctx, people(DESIGNER), draft_id, {"forms": {**forms, STEP: json.dumps(form)}})
    return draft_id, saved


def problems_of(found: list[dict]) -> list[dict]:
    return [p for p in found if p["file"] == FORM_FILE and p["severity"] == "error"]


def zip_with(ctx, people, form: dict) -> bytes:
    """The version in force, exported, with the step's form replaced (a designer's hand-edited zip)."""
    import io
    import zipfile

    _, data = export_version(ctx, people(DESIGNER), KHAI_SINH)
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.endswith(FORM_FILE):
                content = json.dumps(form).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


# ---------------------------------------------------------------- defect 1: outside references


@pytest.mark.parametrize("name", sorted(OUTSIDE_REFS) + sorted(DANGLING_REFS))
def test_a_reference_outside_the_form_is_refused_at_save_import_and_publish(ctx, people, name):
    field = {**OUTSIDE_REFS, **DANGLING_REFS}[name]
    form = form_with(field)
    draft_id, saved = save_form(ctx, people, form)
    assert not saved["valid"]
    [problem] = problems_of(saved["problems"])
    assert problem["element_id"] == STEP
    assert problem["message"] and problem["message_en"] and problem["fix"] and problem["fix_en"]
    assert problem["message"] != problem["message_en"]  # Vietnamese first, English beside it
    with pytest.raises(PackageError) as refused:
        drafts.publish_draft(ctx, people(DESIGNER), draft_id, "Tham chiếu ra ngoài")
    assert any(d["file"] == FORM_FILE for d in refused.value.details)

    data = zip_with(ctx, people, form)
    with pytest.raises(PackageError):
        import_package(ctx, people(DESIGNER), data, publish=True, note="Nhập gói")
    with ctx.db.transaction() as session:
        assert session.scalar(select(ProcedureVersion.number).join(Procedure, Procedure.id == ProcedureVersion.procedure_id).where(Procedure.code == KHAI_SINH)
                              .order_by(ProcedureVersion.number.desc()).limit(1)) == 1


def test_local_references_and_look_alikes_stay_allowed():
    form = base_form()
    form["$defs"] = {"ten": {"type": "string", "maxLength": 200}, "ma": {"$anchor": "ma", "type": "string"}}
    form["properties"]["child_full_name"] = {"$ref": "#/$defs/ten"}
    form["properties"]["opinion"] = {"$ref": "#ma"}
    form["properties"]["$ref"] = {"type": "string", "const": "file:///etc/passwd"}  # a property named $ref
    form["properties"]["example"] = {"type": "object", "default": {"$ref": "http://example.org/"}}  # data, not schema
    assert form_problems(STEP, form) == []
    validator = form_validator(form)
    assert validator.is_valid({"eligible": True, "child_full_name": "Lê Văn An", "opinion": "Đủ"})
    assert not validator.is_valid({"eligible": True, "child_full_name": "x" * 201})


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Recorder.hits.append(self.path)
        body = json.dumps({"type": "string", "maxLength": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/schema.json"
    server.shutdown()
    server.server_close()


def _store_form_behind_the_validator(ctx, form: dict) -> None:
    """A version stored before forms were checked (or edited in the database): the run time is the last line."""
    with ctx.db.transaction() as session:
        version = session.scalar(select(ProcedureVersion).join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
                                 .where(Procedure.code == KHAI_SINH))
        table = ProcedureVersion.__table__  # Core: the ORM refuses to touch a published version
        session.execute(update(table).where(table.c.id == version.id).values(
            forms={**version.forms, STEP: json.dumps(form)}, content_hash="f" * 64))
    SPEC_CACHE._by_hash.clear()
    SPEC_CACHE._by_id.clear()
    LIVE_WORKFLOWS.clear()


@pytest.mark.parametrize("kind", ["file", "http", "urn"])
def test_a_stored_outside_reference_is_never_resolved_when_a_step_is_completed(ctx, people, tmp_path, listener, kind):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"type": "string", "const": "BI-MAT-MAY-CHU"}), encoding="utf-8")
    ref = {"file": secret.as_uri(), "http": listener, "urn": "urn:motcua:x"}[kind]
    try:
        _store_form_behind_the_validator(ctx, form_with({"$ref": ref}))
        code = receive_sample(ctx, people).code
        [task] = open_tasks(ctx, code)
        with pytest.raises(FormValidationError) as refused:
            tasks.complete(ctx, people(SPECIALIST), task.id, {"data": {"eligible": True, "child_full_name": "An"}})
        text = json.dumps(refused.value.to_dict(), ensure_ascii=False)
        assert "BI-MAT-MAY-CHU" not in text and "tham chiếu ra ngoài" in refused.value.message
        assert "refers outside" in refused.value.message_en
        assert _Recorder.hits == []  # nothing fetched
        assert [t.state for t in open_tasks(ctx, code)] == ["ready"]  # nothing changed
    finally:
        SPEC_CACHE._by_hash.clear()
        SPEC_CACHE._by_id.clear()


# ---------------------------------------------------------------- defect 3: bounded patterns


@pytest.mark.parametrize("name", sorted(NOT_RE2))
def test_a_pattern_the_bounded_engine_cannot_run_is_refused_at_publish(ctx, people, name):
    draft_id, saved = save_form(ctx, people, form_with({"type": "string", "pattern": NOT_RE2[name]}))
    [problem] = problems_of(saved["problems"])
    assert "RE2" in problem["message"] and "RE2" in problem["message_en"]
    with pytest.raises(PackageError):
        drafts.publish_draft(ctx, people(DESIGNER), draft_id, "Mẫu không chạy được")


def test_pattern_properties_cannot_hide_with_unevaluated_properties():
    form = base_form()
    form["patternProperties"] = {"^x_(a+)+$": {"type": "string"}}
    form["unevaluatedProperties"] = False
    assert len(form_problems(STEP, form)) == 1
    form["patternProperties"] = {"^x_(?=a)": {"type": "string"}}
    del form["unevaluatedProperties"]
    assert len(form_problems(STEP, form)) == 1


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_answer_at_once_on_every_keyword(pattern):
    attack = "a" * 5000 + "!"
    form = base_form()
    form["properties"]["child_full_name"] = {"type": "string", "pattern": pattern}
    form["properties"]["names"] = {"type": "object", "patternProperties": {pattern: {"type": "integer"}},
                                   "additionalProperties": False}
    form["properties"]["rule"] = {"type": "string", "format": "regex"}
    form["properties"]["keys"] = {"type": "object", "propertyNames": {"pattern": pattern}}
    assert form_problems(STEP, form) == []
    validator = form_validator(form)
    started = time.perf_counter()
    errors = list(validator.iter_errors({"eligible": True, "child_full_name": attack, "names": {attack: 1},
                                         "rule": "(" + "a+" * 2000 + ")", "keys": {attack: 1}}))
    assert time.perf_counter() - started < QUICK_SECONDS
    assert {tuple(e.absolute_path) for e in errors} == {("child_full_name",), ("names",), ("keys",)}
    assert validator.is_valid({"eligible": True, "child_full_name": "a" * 40 if "a" in pattern else "xxy"})


def test_lookahead_in_regex_format_data_is_refused_not_run():
    validator = form_validator({"type": "object", "properties": {"rule": {"type": "string", "format": "regex"}}})
    assert not validator.is_valid({"rule": "(?=a)b"}) and validator.is_valid({"rule": "^[0-9]+$"})


def test_the_probe_pattern_through_the_api_is_a_quick_422(ctx, people, client):
    draft_id, saved = save_form(ctx, people, form_with({"type": "string", "pattern": "^(a+)+$"}))
    assert saved["valid"], saved["problems"]
    drafts.publish_draft(ctx, people(DESIGNER), draft_id, "Mẫu kiểm tra tên")
    code = receive_sample(ctx, people).code
    [task] = open_tasks(ctx, code)
    headers = {"Authorization": f"Bearer {issue_token(ctx, SPECIALIST)}"}
    for attack in ("a" * 28 + "!", "a" * 30 + "!", "a" * 5000 + "!"):
        started = time.perf_counter()
        response = client.post(f"{API}/tasks/{task.id}/complete", headers=headers,
                               json={"data": {"eligible": True, "child_full_name": attack}})
        assert time.perf_counter() - started < QUICK_SECONDS
        assert response.status_code == 422, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "form_invalid" and error["details"][0]["field"] == "child_full_name"
    response = client.post(f"{API}/tasks/{task.id}/complete", headers=headers,
                           json={"data": {"eligible": True, "child_full_name": "a" * 30}})
    assert response.status_code == 200, response.get_json()
