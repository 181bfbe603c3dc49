"""The timer sweep: marks overdue steps and dossiers, raises nonconformities for late steps, and
fires due BPMN timers. Each deadline is claimed by an atomic UPDATE … WHERE done_at IS NULL inside
the transaction that applies its effect, so several workers may run at once without double firing."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import select, update

from engine.context import EngineContext
from engine.db.models import Deadline, Dossier
from engine.enums import OPEN_DOSSIER_STATUSES, OPEN_TASK_STATES, DeadlineKind, EventKind
from engine.events import record
from engine.runtime import fire_timer
from engine.steps import raise_nonconformity, sync
from engine.store import load_workflow, save_workflow

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

    @property
    def handled(self) -> int:
        return self.steps_overdue + self.dossiers_overdue + self.timers_fired


def sweep(ctx: EngineContext, batch: int = DEFAULT_BATCH) -> SweepReport:
    report = SweepReport()
    now = ctx.now()
    with ctx.db.transaction() as session:
        due_ids = list(session.scalars(
            select(Deadline.id).join(Dossier, Dossier.id == Deadline.dossier_id)
            .where(Deadline.done_at.is_(None), Deadline.due_at <= now, Dossier.paused_at.is_(None))
            .order_by(Deadline.due_at).limit(batch)
        ))
    for deadline_id in due_ids:
        try:
            _handle(ctx, deadline_id, report)
        except Exception as exc:  # one bad dossier must not stop the sweep for the others
            log.exception("sweep failed on deadline %s", deadline_id)
            report.errors.append(f"deadline {deadline_id}: {exc}")
    return report


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
        dossier = session.get(Dossier, deadline.dossier_id)
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
               max_cycles: int | None = None) -> None:
    cycles = 0
    while True:
        report = sweep(ctx)
        if report.handled or report.errors:
            log.info("sweep: %s", report)
        cycles += 1
        if once or (max_cycles is not None and cycles >= max_cycles):
            return
        time.sleep(interval)
