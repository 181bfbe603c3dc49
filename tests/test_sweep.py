"""The timer sweep: overdue steps and dossiers, nonconformities, BPMN timers, several workers at once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from engine.db.models import Deadline
from engine.dossiers import actions as dossiers
from engine.dossiers import tasks
from engine.dossiers.reception import receive
from engine.enums import DossierStatus, EventKind, Outcome
from engine.procedures import publishing
from engine.worker.sweep import run_worker, sweep
from tests.conftest import ROOT, local
from tests.helpers import HO_KINH_DOANH, dossier, event_kinds, nonconformities, open_tasks, receive_sample, request

TIMER_PACKAGE = ROOT / "tests" / "fixtures" / "timer_package"


def test_nothing_due_nothing_done(ctx, people):
    receive_sample(ctx, people)
    assert sweep(ctx).handled == 0


def test_overdue_step_raises_one_nonconformity_for_its_unit(ctx, people, clock):
    receipt = receive_sample(ctx, people)
    [task] = open_tasks(ctx, receipt.code)
    clock.now = task.due_at + timedelta(minutes=1)
    assert sweep(ctx).steps_overdue == 1
    assert sweep(ctx).handled == 0  # fired once only
    [nc] = nonconformities(ctx, receipt.code)
    assert nc.unit_id == task.unit_id and nc.step_id == "tham_dinh_ho_so"
    assert open_tasks(ctx, receipt.code)[0].overdue
    # Completing late keeps the single nonconformity and classifies the step late.
    assert tasks.complete(ctx, people("xa.vp.chuyenvien"), task.id, {"data": {"eligible": True}}) == Outcome.LATE
    assert len(nonconformities(ctx, receipt.code)) == 1


def test_late_completion_without_a_sweep_still_raises_the_nonconformity(ctx, people, clock):
    receipt = receive_sample(ctx, people)
    [task] = open_tasks(ctx, receipt.code)
    clock.now = task.due_at + timedelta(hours=1)
    tasks.complete(ctx, people("xa.vp.chuyenvien"), task.id, {"data": {"eligible": True}})
    assert len(nonconformities(ctx, receipt.code)) == 1


def test_overdue_dossier(ctx, people, clock):
    receipt = receive_sample(ctx, people)
    clock.set_local("2026-12-08T09:00")
    report = sweep(ctx)
    assert report.dossiers_overdue == 1
    assert dossier(ctx, receipt.code).overdue
    assert EventKind.DOSSIER_OVERDUE in event_kinds(ctx, receipt.code)


def test_paused_dossiers_are_not_swept_and_resume_pushed(ctx, people, clock):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    dossiers.request_supplement(ctx, people("xa.motcua"), receipt.code,
                                {"reason": "Thiếu giấy tờ", "missing": ["Hợp đồng thuê nhà"]})
    clock.set_local("2026-12-21T09:00")  # two weeks later, long after every original deadline
    assert sweep(ctx).handled == 0
    dossiers.supplement(ctx, people("xa.motcua"), receipt.code, {})
    assert sweep(ctx).handled == 0  # every deadline moved by the paused working time
    assert dossier(ctx, receipt.code).due_at > clock.now


def test_bpmn_timer_fires_on_working_time(ctx, people, clock):
    publishing.publish(ctx, TIMER_PACKAGE, note="kiểm thử")
    clock.set_local("2026-12-04T16:00")  # Friday: PT2H of working time ends Monday 08:30
    receipt = receive(ctx, people("xa.motcua"), request("T.0001"))
    assert open_tasks(ctx, receipt.code) == []
    clock.set_local("2026-12-05T12:00")  # Saturday: wall-clock two hours passed, working time did not
    assert sweep(ctx).timers_fired == 0
    clock.set_local("2026-12-07T08:31")
    assert sweep(ctx).timers_fired == 1
    [task] = open_tasks(ctx, receipt.code)
    assert task.step_id == "xu_ly"
    assert sweep(ctx).timers_fired == 0
    assert EventKind.TIMER_FIRED in event_kinds(ctx, receipt.code)


def test_several_workers_never_fire_twice(ctx, people, clock):
    codes = [receive_sample(ctx, people).code for _ in range(6)]
    clock.set_local("2026-12-08T09:00")
    reports, barrier = [], threading.Barrier(3)

    def worker():
        barrier.wait()
        reports.append(sweep(ctx))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.steps_overdue for r in reports) == 6
    assert sum(r.dossiers_overdue for r in reports) == 6
    assert all(not r.errors for r in reports)
    for code in codes:
        assert event_kinds(ctx, code).count(EventKind.DOSSIER_OVERDUE) == 1
        assert len(nonconformities(ctx, code)) == 1


def test_finished_dossiers_leave_no_pending_deadline(ctx, people):
    receipt = receive_sample(ctx, people)
    dossiers.withdraw(ctx, people("xa.motcua"), receipt.code, {"reason": "Công dân xin rút"})
    with ctx.db.transaction() as session:
        pending = session.scalars(select(Deadline).where(Deadline.done_at.is_(None))).all()
    assert pending == []
    assert dossier(ctx, receipt.code).status == DossierStatus.WITHDRAWN


def test_worker_loop_runs_bounded_cycles(ctx, people, clock):
    receive_sample(ctx, people)
    clock.set_local("2026-12-08T09:00")
    run_worker(ctx, interval=0, max_cycles=2)
    assert sweep(ctx).handled == 0

