"""The timer sweep: marks overdue steps and dossiers, raises nonconformities for late steps, and
fires due BPMN timers. Each deadline is claimed inside the transaction that applies its effect (SQLite:
an atomic UPDATE … WHERE done_at IS NULL; PostgreSQL: a lease with FOR UPDATE SKIP LOCKED), so any
number of workers may run at once and each deadline fires exactly once."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import select, update

from engine.context import EngineContext
from engine.db.models import Deadline, Dossier
from engine.dossiers.events import record
from engine.dossiers.runtime import fire_timer
from engine.dossiers.steps import raise_nonconformity, sync
from engine.dossiers.store import load_workflow, save_workflow, try_lock_dossier
from engine.enums import OPEN_DOSSIER_STATUSES, OPEN_TASK_STATES, DeadlineKind, EventKind
from engine.notify.delivery import deliver_due
from engine.notify.senders import SenderRegistry
from engine.worker.escalation import EscalationReport, escalate

log = logging.getLogger(__name__)
DEFAULT_BATCH = 500
DEFAULT_INTERVAL_SECONDS = 30.0


@dataclass
class SweepReport:
    steps_overdue: int = 0
    dossiers_overdue: int = 0
    timers_fired: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    escalation: EscalationReport = field(default_factory=EscalationReport)  # reminders, notices, prompts

    @property
    def handled(self) -> int:
        return self.steps_overdue + self.dossiers_overdue + self.timers_fired


def sweep(ctx: EngineContext, batch: int = DEFAULT_BATCH) -> SweepReport:
    report = SweepReport()
    if ctx.db.is_postgres:
        _sweep_leased(ctx, batch, report)
    else:
        _sweep_claimed(ctx, batch, report)
    report.escalation = escalate(ctx)  # after the deadlines: steps just marked overdue get their notice now
    report.errors.extend(report.escalation.errors)
    return report


def _due(now):
    return (select(Deadline).join(Dossier, Dossier.id == Deadline.dossier_id)
            .where(Deadline.done_at.is_(None), Deadline.due_at <= now, Dossier.paused_at.is_(None))
            .order_by(Deadline.due_at))


def _sweep_claimed(ctx: EngineContext, batch: int, report: SweepReport) -> None:
    """SQLite: writers are serialised anyway; each deadline is claimed by an atomic UPDATE."""
    with ctx.db.transaction() as session:
        due_ids = list(session.scalars(_due(ctx.now()).with_only_columns(Deadline.id).limit(batch)))
    for deadline_id in due_ids:
        try:
            _handle(ctx, deadline_id, report)
        except Exception as exc:  # one bad dossier must not stop the sweep for the others
            log.exception("sweep failed on deadline %s", deadline_id)
            report.errors.append(f"deadline {deadline_id}: {exc}")


def _sweep_leased(ctx: EngineContext, batch: int, report: SweepReport) -> None:
    """PostgreSQL: each transaction leases the next due deadline with FOR UPDATE SKIP LOCKED, so any number
    of workers share the due rows without waiting on each other, and a worker killed mid-way leaves its
    lease with its connection. A dossier someone is changing right now is left to the next sweep (its lock
    is also taken with SKIP LOCKED: a worker never waits while holding a lease, so it cannot deadlock)."""
    passed: set[int] = set()  # busy or failing in this sweep
    for _ in range(batch):
        deadline_id = None
        try:
            with ctx.db.transaction() as session:
                now = ctx.now()
                query = _due(now).limit(1).with_for_update(skip_locked=True, of=Deadline)
                if passed:
                    query = query.where(Deadline.id.not_in(passed))
                deadline = session.scalars(query).first()
                if deadline is None:
                    return
                deadline_id = deadline.id
                passed.add(deadline_id)  # once per sweep, whatever happens to it
                dossier = try_lock_dossier(session, deadline.dossier_id)
                if dossier is None:
                    report.skipped += 1
                    continue
                deadline.done_at = now
                _apply(session, ctx, deadline, dossier, now, report)
        except Exception as exc:  # one bad dossier must not stop the sweep for the others
            log.exception("sweep failed on deadline %s", deadline_id)
            report.errors.append(f"deadline {deadline_id}: {exc}")
            if deadline_id is None:
                return


def _handle(ctx: EngineContext, deadline_id: int, report: SweepReport) -> None:
    now = ctx.now()
    with ctx.db.transaction() as session:
        claimed = session.execute(
            update(Deadline).where(Deadline.id == deadline_id, Deadline.done_at.is_(None)).values(done_at=now),
            execution_options={"synchronize_session": False},
        ).rowcount
        if claimed != 1:
            report.skipped += 1  # another worker took it
            return
        deadline = session.get(Deadline, deadline_id)
        _apply(session, ctx, deadline, session.get(Dossier, deadline.dossier_id), now, report)


def _apply(session, ctx: EngineContext, deadline: Deadline, dossier: Dossier, now, report: SweepReport) -> None:
    """The effect of a claimed deadline, in the transaction that claimed it (so it happens exactly once)."""
    if dossier.paused_at is not None or dossier.status not in OPEN_DOSSIER_STATUSES:
        deadline.done_at = None if dossier.paused_at is not None else now
        report.skipped += 1
        return
    if deadline.kind == DeadlineKind.STEP:
        task = deadline.task
        if task is not None and task.state in OPEN_TASK_STATES:
            task.overdue = True
            record(session, dossier, EventKind.STEP_OVERDUE, None, now, task_id=task.id, step=task.step_id,
                   due_at=task.due_at.isoformat())
            raise_nonconformity(session, task, now, None)
            report.steps_overdue += 1
    elif deadline.kind == DeadlineKind.DOSSIER:
        dossier.overdue = True
        record(session, dossier, EventKind.DOSSIER_OVERDUE, None, now, due_at=dossier.due_at.isoformat())
        report.dossiers_overdue += 1
    elif deadline.kind == DeadlineKind.TIMER:
        compiled, workflow = load_workflow(dossier)
        if fire_timer(workflow, deadline.workflow_task_id):
            record(session, dossier, EventKind.TIMER_FIRED, None, now, step=deadline.detail.get("step"))
            sync(session, dossier, compiled, workflow, ctx.calendar(session), now, None)
            save_workflow(dossier, workflow)
            report.timers_fired += 1


def run_worker(ctx: EngineContext, interval: float = DEFAULT_INTERVAL_SECONDS, once: bool = False,
               max_cycles: int | None = None, senders: SenderRegistry | None = None) -> None:
    """Sweep, then deliver due notifications through ``senders`` (none given: messages stay queued)."""
    cycles = 0
    while True:
        report = sweep(ctx)
        if report.handled or report.errors or report.escalation.handled:
            log.info("sweep: %s", report)
        if senders is not None:
            delivery = deliver_due(ctx, senders)
            if delivery.sent or delivery.retried or delivery.failed:
                log.info("notifications: %s", delivery)
        cycles += 1
        if once or (max_cycles is not None and cycles >= max_cycles):
            return
        time.sleep(interval)
