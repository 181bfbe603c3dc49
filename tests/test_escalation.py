"""Escalation by the worker, driven by the clock: reminders, overdue notices to the unit head, the
apology prompt (Form 04) with who may sign and why, overdue nonconformities; each fires once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from engine.db.models import Dossier
from engine.dossiers import actions as dossiers
from engine.dossiers import tasks
from engine.dossiers.apology import prompt_for
from engine.enums import EscalationKind, NotificationTopic
from engine.errors import InvalidInput
from engine.worker.escalation import OversightSettings, escalate
from engine.worker.sweep import sweep
from tests.helpers import HO_KINH_DOANH, dossier, open_tasks, receive_sample
from tests.oversight_helpers import escalations, outbox, recipients

KT_SPECIALIST, KT_HEAD, LEADER = "xa.kt.chuyenvien", "xa.kt.truongphong", "xa.lanhdao"


def business(ctx, people, clock):
    """Đăng ký hộ kinh doanh received Monday 08:00: appraisal (P1D) due Tue 08:00, appointment Thu 08:00."""
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    [task] = open_tasks(ctx, receipt.code)
    assert task.due_at == (clock.now + timedelta(days=1))
    return receipt, task


def test_reminder_two_working_hours_before_to_the_lane_while_unclaimed(ctx, people, clock):
    business(ctx, people, clock)
    clock.set_local("2026-12-07T15:29")  # 121 working minutes left (15:29–17:00, 07:30–08:00)
    assert sweep(ctx).escalation.reminders == 0
    clock.set_local("2026-12-07T15:30")
    assert sweep(ctx).escalation.reminders == 1
    assert recipients(ctx, NotificationTopic.STEP_DUE_SOON) == [KT_SPECIALIST]
    [message] = outbox(ctx, NotificationTopic.STEP_DUE_SOON)
    assert message.channel == "console" and "Sắp đến hạn" in message.subject
    assert "08:00 ngày 08/12/2026" in message.body and "chưa có người nhận" in message.body
    clock.set_local("2026-12-07T16:30")
    assert sweep(ctx).escalation.reminders == 0  # once per step


def test_reminder_goes_to_the_assignee_once_claimed(ctx, people, clock):
    _, task = business(ctx, people, clock)
    tasks.claim(ctx, people(KT_SPECIALIST), task.id)
    clock.set_local("2026-12-07T16:00")
    sweep(ctx)
    [message] = outbox(ctx, NotificationTopic.STEP_DUE_SOON)
    assert message.recipient == KT_SPECIALIST and "đang do ông/bà xử lý" in message.body


def test_reminder_window_is_configurable_and_halved_for_short_steps(ctx, people, clock, monkeypatch):
    business(ctx, people, clock)
    clock.set_local("2026-12-07T13:30")  # 4 working hours left
    assert escalate(ctx, OversightSettings(reminder_hours=3)).reminders == 0
    monkeypatch.setenv("MOTCUA_REMINDER_HOURS", "4")
    assert sweep(ctx).escalation.reminders == 1
    # A same-day birth registration: its first step lasts PT2H, so it is reminded halfway (1 hour before).
    birth = receive_sample(ctx, people)
    [step] = open_tasks(ctx, birth.code)
    clock.now = step.due_at - timedelta(minutes=61)
    assert escalate(ctx, OversightSettings(reminder_hours=2)).reminders == 0
    clock.now = step.due_at - timedelta(minutes=60)
    assert escalate(ctx, OversightSettings(reminder_hours=2)).reminders == 1


def test_bad_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MOTCUA_REMINDER_HOURS", "two")
    with pytest.raises(InvalidInput, match="MOTCUA_REMINDER_HOURS"):
        OversightSettings.from_env()


def test_overdue_step_notifies_the_unit_head_once(ctx, people, clock):
    business(ctx, people, clock)
    clock.set_local("2026-12-08T08:01")
    report = sweep(ctx)
    assert report.steps_overdue == 1 and report.escalation.overdue_notices == 1
    assert recipients(ctx, NotificationTopic.STEP_OVERDUE) == [KT_HEAD]
    [message] = outbox(ctx, NotificationTopic.STEP_OVERDUE)
    assert "Phòng Kinh tế" in message.body and "quá hạn từ 08:00 ngày 08/12/2026" in message.body
    clock.set_local("2026-12-08T10:00")
    assert sweep(ctx).escalation.overdue_notices == 0


def test_no_reminder_or_notice_while_paused(ctx, people, clock):
    receipt, _ = business(ctx, people, clock)
    dossiers.request_supplement(ctx, people("xa.motcua"), receipt.code, {"reason": "Thiếu giấy tờ",
                                                                          "missing": ["Giấy đề nghị"]})
    clock.set_local("2026-12-09T10:00")
    report = sweep(ctx)
    assert report.escalation.handled == 0 and outbox(ctx, NotificationTopic.STEP_DUE_SOON) == []


def test_apology_prompt_one_working_day_before_an_appointment_it_cannot_make(ctx, people, clock):
    receipt, _ = business(ctx, people, clock)
    clock.set_local("2026-12-08T09:00")
    assert sweep(ctx).escalation.apology_prompts == 0  # overdue step, but the appointment is two days away
    clock.set_local("2026-12-09T07:59")
    assert sweep(ctx).escalation.apology_prompts == 0
    clock.set_local("2026-12-09T08:00")  # one working day before Thu 08:00
    assert sweep(ctx).escalation.apology_prompts == 1
    assert recipients(ctx, NotificationTopic.APOLOGY_PROMPT) == [KT_HEAD]
    [message] = outbox(ctx, NotificationTopic.APOLOGY_PROMPT)
    assert "Mẫu 04" in message.subject and "Thẩm định hồ sơ đăng ký hộ kinh doanh" in message.body
    # The dossier page shows why and who may sign: the late unit's head first, then the leader.
    with ctx.db.transaction() as session:
        prompt = prompt_for(session, session.get(Dossier, dossier(ctx, receipt.code).id))
    assert [s["username"] for s in prompt["signers"]] == [KT_HEAD, LEADER]
    assert prompt["signers"][0]["unit"] == "Phòng Kinh tế"
    assert "quá hạn từ 08:00 ngày 08/12/2026" in prompt["reason"]
    assert [s["step_name"] for s in prompt["steps"]] == ["Thẩm định hồ sơ đăng ký hộ kinh doanh"]
    clock.set_local("2026-12-09T09:00")
    assert sweep(ctx).escalation.apology_prompts == 0  # once per dossier
    # Issued: the prompt disappears from the dossier, the citizen is told.
    dossiers.issue_apology(ctx, people(KT_HEAD), receipt.code, {
        "reason": "Hồ sơ cần xác minh thêm", "new_due_at": "2026-12-14T08:00:00+07:00"})
    with ctx.db.transaction() as session:
        assert prompt_for(session, session.get(Dossier, dossier(ctx, receipt.code).id)) is None
    assert {m.channel for m in outbox(ctx, NotificationTopic.APOLOGY)} == {"email", "sms"}


def test_apology_prompt_when_a_step_deadline_ends_after_the_appointment(ctx, people, clock):
    clock.set_local("2026-12-07T14:00")  # birth registration: appointment today 17:00
    receipt = receive_sample(ctx, people)
    [step] = open_tasks(ctx, receipt.code)
    clock.set_local("2026-12-07T15:50")
    tasks.complete(ctx, people("xa.vp.chuyenvien"), step.id, {"data": {"eligible": True}})
    [signing] = open_tasks(ctx, receipt.code)  # PT2H from 15:50: due 17:50, after the appointment
    assert sweep(ctx).escalation.apology_prompts == 1
    with ctx.db.transaction() as session:
        prompt = prompt_for(session, session.get(Dossier, dossier(ctx, receipt.code).id))
    assert "sau ngày hẹn trả 17:00 ngày 07/12/2026" in prompt["reason"]
    assert [s["username"] for s in prompt["signers"]] == [LEADER]  # the signing step has no unit: the leader
    assert recipients(ctx, NotificationTopic.APOLOGY_PROMPT) == [LEADER]


def test_no_prompt_for_a_dossier_on_track(ctx, people, clock):
    receipt, task = business(ctx, people, clock)
    clock.set_local("2026-12-08T07:45")
    tasks.complete(ctx, people(KT_SPECIALIST), task.id, {"data": {"eligible": True}})
    [signing] = open_tasks(ctx, receipt.code)
    clock.set_local("2026-12-09T07:40")
    tasks.complete(ctx, people(KT_HEAD), signing.id, {"data": {"approved": True}})
    clock.set_local("2026-12-09T08:00")  # one working day before; the last step (PT4H) is due 11:40 today
    report = sweep(ctx)
    assert report.escalation.apology_prompts == 0 and escalations(ctx, EscalationKind.APOLOGY_PROMPT) == []
    with ctx.db.transaction() as session:
        assert prompt_for(session, session.get(Dossier, dossier(ctx, receipt.code).id)) is None


def test_nonconformity_without_action_is_flagged_after_five_working_days(ctx, people, clock):
    business(ctx, people, clock)
    clock.set_local("2026-12-08T08:01")
    sweep(ctx)  # raises the nonconformity at Tue 08:01
    clock.set_local("2026-12-15T08:00")  # five working days later is Tue 15/12 08:01
    assert sweep(ctx).escalation.nonconformities_flagged == 0
    clock.set_local("2026-12-15T08:01")
    assert sweep(ctx).escalation.nonconformities_flagged == 1
    assert recipients(ctx, NotificationTopic.NONCONFORMITY_OVERDUE) == [KT_HEAD]
    assert sweep(ctx).escalation.nonconformities_flagged == 0
    assert escalations(ctx, EscalationKind.NONCONFORMITY_OVERDUE)[0].detail["action_due_at"].startswith("2026-12-15")


def test_officers_with_an_email_on_file_get_email(ctx, people, clock):
    from engine.notify.admin import set_contact

    set_contact(ctx, KT_HEAD, {"email": "truongphong.kt@example.org"})
    business(ctx, people, clock)
    clock.set_local("2026-12-08T08:01")
    sweep(ctx)
    [message] = outbox(ctx, NotificationTopic.STEP_OVERDUE)
    assert (message.channel, message.recipient) == ("email", "truongphong.kt@example.org")


def test_several_workers_escalate_once(ctx, people, clock):
    for _ in range(4):
        business(ctx, people, clock)
    clock.set_local("2026-12-09T08:00")
    reports, barrier = [], threading.Barrier(3)

    def worker():
        barrier.wait()
        reports.append(sweep(ctx))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(not r.errors for r in reports)
    assert sum(r.escalation.overdue_notices for r in reports) == 4
    assert sum(r.escalation.apology_prompts for r in reports) == 4
    assert len(outbox(ctx, NotificationTopic.STEP_OVERDUE)) == 4
    assert len(outbox(ctx, NotificationTopic.APOLOGY_PROMPT)) == 4
    assert len(escalations(ctx)) == 8
