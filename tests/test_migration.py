"""Migration of running dossiers to a newer version: the dry run's verdicts and reasons, and a real migration
of a dossier mid-way that then finishes on the new version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.db.models import AuditEntry, Deadline, Dossier
from engine.demo.walkthrough import complete_open_steps
from engine.design import migration
from engine.dossiers import tasks
from engine.dossiers.events import verify_chain
from engine.dossiers.reception import receive
from engine.enums import DeadlineKind, DossierStatus, EventKind
from engine.errors import NotAuthorized, NotFound
from engine.procedures import publishing
from engine.worker.sweep import sweep
from tests.conftest import ROOT
from tests.designer_helpers import (
    bpmn_text,
    move_to_lane,
    package_copy,
    set_deadline,
    without_eligibility_gateway,
    without_ky_duyet,
)
from tests.helpers import KHAI_SINH, denials, dossier, event_kinds, events, open_tasks, receive_sample, request

TIMER_PACKAGE = ROOT / "tests" / "fixtures" / "timer_package"


def version_of(ctx, code: str) -> int:
    with ctx.db.transaction() as session:
        return session.scalar(select(Dossier).where(Dossier.code == code)).procedure_version.number


def at_signing(ctx, people) -> str:
    """A dossier past appraisal, waiting for the leader's signature (ky_duyet)."""
    code = receive_sample(ctx, people).code
    [task] = open_tasks(ctx, code)
    tasks.complete(ctx, people("xa.vp.chuyenvien"), task.id, {"data": {"eligible": True}})
    assert [t.step_id for t in open_tasks(ctx, code)] == ["ky_duyet"]
    return code


def publish_variant(ctx, tmp_path, text: str, note: str = "v2") -> int:
    return publishing.publish(ctx, package_copy(tmp_path, bpmn=text), note=note).number


def test_dry_run_changes_nothing_and_lists_each_dossier(ctx, people, tmp_path):
    waiting = at_signing(ctx, people)
    fresh = receive_sample(ctx, people).code
    before = dossier(ctx, waiting).workflow_state
    text = set_deadline(bpmn_text(), "ky_duyet", "PT3H").replace('name="Ký Giấy khai sinh"', 'name="Ký duyệt Giấy khai sinh"')
    assert publish_variant(ctx, tmp_path, text) == 2
    report = migration.migrate(ctx, people("tinh.thietke"), KHAI_SINH, 2, dry_run=True).to_dict()
    assert report["summary"] == {"total": 2, "can_move": 2, "migrated": 0, "blocked": 0}
    by_code = {d["code"]: d for d in report["dossiers"]}
    step = by_code[waiting]["steps"][0]
    assert (step["step"], step["old_name"], step["name"]) == ("ky_duyet", "Ký Giấy khai sinh", "Ký duyệt Giấy khai sinh")
    assert (step["deadline_old"], step["deadline_new"], step["extend_minutes"]) == ("PT2H", "PT3H", 60)
    assert any("kéo dài" in n["message"] for n in by_code[waiting]["notes"])
    assert by_code[fresh]["steps"][0]["step"] == "tham_dinh_ho_so"
    assert dossier(ctx, waiting).workflow_state == before and version_of(ctx, waiting) == 1
    assert EventKind.MIGRATED not in event_kinds(ctx, waiting)


def test_real_migration_mid_way_then_the_dossier_finishes_on_the_new_version(ctx, people, tmp_path, clock):
    code = at_signing(ctx, people)
    [row] = open_tasks(ctx, code)
    due_before, task_id = row.due_at, row.id
    other = receive_sample(ctx, people).code  # stays at appraisal; migrated too
    text = set_deadline(bpmn_text(), "ky_duyet", "PT3H").replace('name="Ký Giấy khai sinh"', 'name="Ký duyệt Giấy khai sinh"')
    publish_variant(ctx, tmp_path, text, "Kéo dài thời hạn ký")
    report = migration.migrate(ctx, people("tinh.thietke"), KHAI_SINH, 2, dry_run=False, dossier_codes=[code])
    [move] = report.dossiers
    assert move.migrated and move.can_move
    assert version_of(ctx, code) == 2
    [row] = open_tasks(ctx, code)
    assert row.id == task_id and row.step_name == "Ký duyệt Giấy khai sinh" and row.deadline == "PT3H"
    assert row.due_at == ctx.calendar().add(due_before, "PT1H")
    with ctx.db.transaction() as session:
        step_deadline = session.scalar(select(Deadline).where(Deadline.task_id == row.id, Deadline.kind == DeadlineKind.STEP))
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "dossier_migrated")).all()
    assert step_deadline.due_at == row.due_at
    assert [(a.target, a.detail["from_version"], a.detail["to_version"]) for a in audit] == [(code, 1, 2)]
    migrated = [e for e in events(ctx, code) if e.kind == EventKind.MIGRATED]
    assert migrated[0].payload["from_version"] == 1 and migrated[0].payload["steps"][0]["deadline_new"] == "PT3H"
    assert version_of(ctx, other) == 1  # not chosen: stays on its version
    # The dossier goes on under version 2 and finishes.
    clock.advance(minutes=30)
    complete_open_steps(ctx, code, {"approved": True})
    assert dossier(ctx, code).status == DossierStatus.RESOLVED
    with ctx.db.transaction() as session:
        assert verify_chain(session, session.scalar(select(Dossier).where(Dossier.code == code))) == []
    complete_open_steps(ctx, other, {"eligible": True, "approved": True})
    assert dossier(ctx, other).status == DossierStatus.RESOLVED


def test_shorter_deadline_keeps_the_running_steps_due_time(ctx, people, tmp_path):
    code = at_signing(ctx, people)
    [row] = open_tasks(ctx, code)
    publish_variant(ctx, tmp_path, set_deadline(bpmn_text(), "ky_duyet", "PT1H"))
    [move] = migration.migrate(ctx, people("tinh.thietke"), KHAI_SINH, 2).dossiers
    assert move.migrated and any("rút ngắn" in n["message"] for n in move.notes)
    [after] = open_tasks(ctx, code)
    assert (after.due_at, after.deadline) == (row.due_at, "PT2H")


def test_overdue_step_stays_overdue(ctx, people, tmp_path, clock):
    code = at_signing(ctx, people)
    [row] = open_tasks(ctx, code)
    clock.now = row.due_at + timedelta(minutes=5)
    assert sweep(ctx).steps_overdue == 1
    publish_variant(ctx, tmp_path, set_deadline(bpmn_text(), "ky_duyet", "PT4H"))
    [move] = migration.migrate(ctx, people("tinh.thietke"), KHAI_SINH, 2).dossiers
    assert move.migrated and any("quá hạn" in n["message"] for n in move.notes)
    [after] = open_tasks(ctx, code)
    assert after.overdue and after.due_at == row.due_at


def test_open_step_changing_hands_blocks_the_move(ctx, people, tmp_path):
    code = at_signing(ctx, people)
    publish_variant(ctx, tmp_path, move_to_lane(bpmn_text(), "ky_duyet", "lane_cv"))
    [move] = migration.migrate(ctx, people("tinh.thietke"), KHAI_SINH, 2).dossiers
    assert not move.can_move and not move.migrated
    [reason] = move.reasons
    assert reason["code"] == "lane" and reason["element"] == "ky_duyet"
    assert "Lãnh đạo UBND xã" in reason["message"] and "Công chức Tư pháp - Hộ tịch" in reason["message"]
    assert version_of(ctx, code) == 1


def test_removed_waiting_step_blocks_the_move(ctx, people, tmp_path):
    code = at_signing(ctx, people)
    fresh = receive_sample(ctx, people).code  # still at appraisal: ky_duyet is only ahead of it
    publish_variant(ctx, tmp_path, without_ky_duyet(bpmn_text()))
    report = migration.migrate(ctx, people("tinh.thietke"), KHAI_SINH, 2, dry_run=True)
    by_code = {d.code: d for d in report.dossiers}
    assert not by_code[code].can_move
    assert [r["code"] for r in by_code[code].reasons] == ["removed"]
    assert by_code[code].reasons[0]["element"] == "ky_duyet" and "đang chờ" in by_code[code].reasons[0]["message"]
    assert by_code[fresh].can_move


def test_removed_element_already_passed_blocks_the_move(ctx, people, tmp_path):
    code = at_signing(ctx, people)
    publish_variant(ctx, tmp_path, without_eligibility_gateway(bpmn_text()))
    [move] = migration.migrate(ctx, people("tinh.thietke"), KHAI_SINH, 2, dry_run=True).dossiers
    assert not move.can_move
    assert {(r["code"], r["element"]) for r in move.reasons} == {("removed", "gw_du_dieu_kien")}
    assert "đã đi qua" in move.reasons[0]["message"]


def test_waiting_timer_must_stay_a_timer(ctx, people, tmp_path):
    publishing.publish(ctx, TIMER_PACKAGE)
    code = receive(ctx, people("xa.motcua"), request("T.0001")).code
    assert open_tasks(ctx, code) == []  # waiting on the timer
    changed = package_copy(tmp_path, name="timer_package")
    # (copy the timer fixture instead of the birth registration)
    import shutil
    shutil.rmtree(changed)
    shutil.copytree(TIMER_PACKAGE, changed)
    bpmn = changed / "thu_tuc_hen_gio.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('"PT2H"', '"PT3H"'), encoding="utf-8")
    publishing.publish(ctx, changed, note="Hẹn giờ 3 giờ")
    [move] = migration.migrate(ctx, people("tinh.thietke"), "T.0001", 2, dry_run=True).dossiers
    assert move.can_move and any("hẹn giờ đang chạy giữ" in n["message"] for n in move.notes)
    assert migration.migrate(ctx, people("tinh.thietke"), "T.0001", 2).dossiers[0].migrated
    text = bpmn.read_text(encoding="utf-8")
    start, end = text.index('<bpmn:intermediateCatchEvent'), text.index('</bpmn:intermediateCatchEvent>') + 31
    bpmn.write_text(text[:start] + '<bpmn:userTask id="cho_xac_minh" name="Xác minh"><bpmn:extensionElements>'
                    '<spiffworkflow:properties><spiffworkflow:property name="deadline" value="PT2H"/>'
                    '</spiffworkflow:properties></bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming>'
                    '<bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>' + text[end:], encoding="utf-8")
    publishing.publish(ctx, changed, note="Thay hẹn giờ bằng bước xác minh")
    [move] = migration.migrate(ctx, people("tinh.thietke"), "T.0001", 3, dry_run=True).dossiers
    assert not move.can_move and move.reasons[0]["code"] == "timer"
    # The migrated timer still fires from the sweep on its scheduled time, on version 2.
    with ctx.db.transaction() as session:
        timer = session.scalar(select(Deadline).where(Deadline.kind == DeadlineKind.TIMER))
    ctx.clock.now = timer.due_at + timedelta(minutes=1)
    assert sweep(ctx).timers_fired == 1
    assert [t.step_id for t in open_tasks(ctx, code)] == ["xu_ly"]


def test_only_designers_migrate_and_refusals_are_logged(ctx, people, tmp_path):
    at_signing(ctx, people)
    publish_variant(ctx, tmp_path, set_deadline(bpmn_text(), "ky_duyet", "PT3H"))
    with pytest.raises(NotAuthorized):
        migration.migrate(ctx, people("xa.lanhdao"), KHAI_SINH, 2, dry_run=True)
    assert denials(ctx)[-1].action == "migrate"
    with pytest.raises(NotFound):
        migration.migrate(ctx, people("tinh.thietke"), KHAI_SINH, 9, dry_run=True)


def test_dossiers_on_the_target_or_closed_are_not_candidates(ctx, people, tmp_path):
    publish_variant(ctx, tmp_path, set_deadline(bpmn_text(), "ky_duyet", "PT3H"))
    receive_sample(ctx, people)  # on version 2 already
    assert migration.migrate(ctx, people("tinh.thietke"), KHAI_SINH, 2, dry_run=True).dossiers == []


def test_renamed_lane_with_the_same_role_moves_and_the_inbox_row_follows(ctx, people, tmp_path):
    from tests.designer_helpers import card_text

    code = at_signing(ctx, people)
    text = bpmn_text().replace('name="Lãnh đạo UBND xã"', 'name="Chủ tịch UBND xã"')
    card = card_text().replace('"Lãnh đạo UBND xã" = "leader"', '"Chủ tịch UBND xã" = "leader"')
    publishing.publish(ctx, package_copy(tmp_path, bpmn=text, card=card), note="Đổi tên làn")
    [move] = migration.migrate(ctx, people("tinh.thietke"), KHAI_SINH, 2).dossiers
    assert move.migrated, move.reasons
    [row] = open_tasks(ctx, code)
    assert row.lane == "Chủ tịch UBND xã" and row.role == "leader"
    complete_open_steps(ctx, code, {"approved": True})
    assert dossier(ctx, code).status == DossierStatus.RESOLVED
