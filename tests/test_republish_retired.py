"""A retired version's content published again (re-importing an old export, publishing its folder, or a draft
edited back) comes back into force as a NEW version, and every answer says what happened (issue 16, defect
10b); the content of the version in force changes nothing and says so."""

from __future__ import annotations

import io

from click.testing import CliRunner
from sqlalchemy import select

from engine.db.models import AuditEntry, ProcedureVersion
from engine.design import drafts
from engine.design import packages as package_io
from engine.org.directory import issue_token
from engine.procedures import publishing
from tests.conftest import PROCESSES
from tests.helpers import KHAI_SINH, dossier, open_tasks, receive_sample
from tests.test_publishing import _changed_copy

API = "/api/v1/designer"


def _versions(ctx) -> list[tuple[int, str]]:
    with ctx.db.transaction() as session:
        return [(v.number, v.content_hash) for v in session.scalars(
            select(ProcedureVersion).join(ProcedureVersion.procedure).where(ProcedureVersion.number > 0)
            .order_by(ProcedureVersion.number)) if v.procedure.code == KHAI_SINH]


def _in_force(ctx) -> tuple[int, str]:
    described = publishing.get_procedure(ctx, KHAI_SINH)
    return described["version"], described["content_hash"]


def _retire_v1(ctx, tmp_path) -> str:
    v1_hash = _in_force(ctx)[1]
    assert publishing.publish(ctx, _changed_copy(tmp_path), note="Tăng thời hạn").number == 2
    return v1_hash


def test_publishing_a_retired_folder_again_puts_it_back_in_force_as_a_new_version(ctx, people, tmp_path):
    v1_hash = _retire_v1(ctx, tmp_path)
    on_v2 = receive_sample(ctx, people).code
    result = publishing.publish(ctx, PROCESSES / "dang_ky_khai_sinh", note="Quay lại thời hạn cũ")
    assert (result.created, result.number, result.content_hash, result.republished_from) == (True, 3, v1_hash, 1)
    assert _in_force(ctx) == (3, v1_hash)
    assert [n for n, _h in _versions(ctx)] == [1, 2, 3]
    new = receive_sample(ctx, people).code
    assert open_tasks(ctx, new)[0].deadline == "PT2H" and open_tasks(ctx, on_v2)[0].deadline == "PT3H"
    assert dossier(ctx, on_v2).procedure_version_id != dossier(ctx, new).procedure_version_id
    with ctx.db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "procedure_published")
                                .order_by(AuditEntry.seq.desc())).first()
    assert entry.detail["republished_from"] == 1 and entry.detail["number"] == 3
    assert "phiên bản 1" in publishing.get_procedure(ctx, KHAI_SINH)["note"]
    again = publishing.publish(ctx, PROCESSES / "dang_ky_khai_sinh")  # now the version in force: a no-op
    assert (again.created, again.number, again.republished_from) == (False, 3, None)
    assert len(_versions(ctx)) == 3


def test_the_api_import_answers_201_for_a_rollback_and_200_for_the_version_in_force(client, ctx, tmp_path):
    headers = {"Authorization": f"Bearer {issue_token(ctx, 'tinh.thietke')}"}
    exported = client.get(f"{API}/procedures/{KHAI_SINH}/versions/1/package", headers=headers).data
    v1_hash = _retire_v1(ctx, tmp_path)

    def imported():
        return client.post(f"{API}/packages", headers=headers,
                           data={"file": (io.BytesIO(exported), "v1.zip"), "publish": "true", "note": "Khôi phục"})

    rollback = imported()
    assert rollback.status_code == 201, rollback.get_json()
    assert rollback.get_json()["published"] == {"number": 3, "content_hash": v1_hash, "created": True,
                                                "republished_from": 1}
    assert _in_force(ctx) == (3, v1_hash)
    same = imported()
    assert same.status_code == 200 and same.get_json()["published"]["created"] is False
    assert same.get_json()["published"]["number"] == 3 and _in_force(ctx) == (3, v1_hash)
    as_draft = client.post(f"{API}/packages", headers=headers, data={"file": (io.BytesIO(exported), "v1.zip")})
    assert as_draft.status_code == 201 and as_draft.get_json()["draft_id"]


def test_a_draft_made_identical_to_a_retired_version_publishes_as_a_new_version(ctx, people, tmp_path):
    designer = people("tinh.thietke")
    _, exported = package_io.export_version(ctx, designer, KHAI_SINH, 1)
    v1_hash = _retire_v1(ctx, tmp_path)
    draft = package_io.import_package(ctx, designer, exported)  # a draft on v2 with v1's content
    publication = drafts.publish_draft(ctx, designer, draft.draft_id, "Khôi phục phiên bản 1")
    assert (publication.created, publication.number, publication.republished_from) == (True, 3, 1)
    assert _in_force(ctx) == (3, v1_hash)


def test_the_command_line_says_which_version_came_back(ctx, people, tmp_path, monkeypatch):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", ctx.db.url)
    from engine.cli import cli

    name, exported = package_io.export_version(ctx, people("tinh.thietke"), KHAI_SINH, 1)
    (tmp_path / name).write_bytes(exported)
    _retire_v1(ctx, tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["procedures", "import", str(tmp_path / name), "--publish", "--note", "Khôi phục"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "v3" in result.output and "đã ban hành / published" in result.output
    assert "nội dung phiên bản 1 / content of version 1" in result.output
    again = runner.invoke(cli, ["procedures", "import", str(tmp_path / name), "--publish", "--note", "x"],
                          catch_exceptions=False)
    assert "v3" in again.output and "không đổi / unchanged" in again.output
