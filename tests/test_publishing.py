"""Document control: immutable versions; a dossier stays on the version it started with."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from engine.db.models import ProcedureVersion
from engine.demo.walkthrough import complete_open_steps
from engine.errors import NotAuthorized, PackageError
from engine.procedures import publishing
from tests.conftest import PROCESSES
from tests.helpers import KHAI_SINH, dossier, open_tasks, receive_sample


def _changed_copy(tmp_path):
    copy = tmp_path / "dang_ky_khai_sinh"
    shutil.copytree(PROCESSES / "dang_ky_khai_sinh", copy)
    bpmn = copy / "dang_ky_khai_sinh.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('value="PT2H"', 'value="PT3H"', 1), encoding="utf-8")
    return copy


def test_new_version_leaves_running_dossiers_on_theirs(ctx, people, tmp_path):
    old = receive_sample(ctx, people).code
    result = publishing.publish(ctx, _changed_copy(tmp_path), note="Tăng thời hạn thẩm định")
    assert result.created and result.number == 2
    new = receive_sample(ctx, people).code
    assert dossier(ctx, old).procedure_version_id != dossier(ctx, new).procedure_version_id
    assert open_tasks(ctx, old)[0].deadline == "PT2H" and open_tasks(ctx, new)[0].deadline == "PT3H"
    complete_open_steps(ctx, old)
    assert dossier(ctx, old).status == "resolved"
    assert publishing.get_procedure(ctx, KHAI_SINH)["version"] == 2


def test_republishing_identical_content_is_a_no_op(ctx):
    result = publishing.publish(ctx, PROCESSES / "dang_ky_khai_sinh")
    assert not result.created and result.number == 1
    with ctx.db.transaction() as session:
        versions = session.scalars(select(ProcedureVersion).where(ProcedureVersion.number > 1)).all()
    assert versions == []


def test_only_designers_publish_from_the_web(ctx, people, tmp_path):
    changed = _changed_copy(tmp_path)
    with pytest.raises(NotAuthorized):
        publishing.publish(ctx, changed, actor=people("xa.lanhdao"))
    assert publishing.publish(ctx, changed, actor=people("tinh.thietke")).number == 2


def test_invalid_package_is_not_published(ctx, tmp_path):
    bad = _changed_copy(tmp_path)
    (bad / "procedure.toml").write_text("code = [", encoding="utf-8")
    with pytest.raises(PackageError) as err:
        publishing.publish(ctx, bad)
    assert err.value.details and err.value.details[0]["file"] == "procedure.toml"


def test_listing(ctx):
    listed = publishing.list_procedures(ctx)
    assert len(listed) >= 5 and {p["code"] for p in listed} >= {KHAI_SINH}
    assert all(p["steps"] for p in listed)


