"""Escalation by the worker (DOMAIN §3, ISO 9001 §10.2), run after each timer sweep:

- a reminder to the step's assignee (to its lane's role holders while unclaimed) when the step is due
  within ``reminder_hours`` working hours (halfway through steps shorter than twice that);
- a notice to the head of the step's unit (the agency's leaders when it has none) once it is overdue;
- an apology prompt (Form 04) one working day before an appointment the dossier cannot make
  (engine.dossiers.apology);
- a flag, and a notice to the unit head, on a nonconformity with no corrective action recorded within
  ``nc_action_days`` working days.

Candidates are found with SQL over indexed tables; each one is handled in its own transaction that
inserts a unique escalation key first, so several workers may run at once and each escalation fires
once (and a failing one does not stop the others)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Mapping

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine.clock.calendar import WorkingCalendar
from engine.clock.durations import parse_duration
from engine.context import EngineContext
from engine.db.models import Dossier, Escalation, Nonconformity, Task
from engine.db.once import insert_once
from engine.dossiers import apology
from engine.enums import OPEN_TASK_STATES, EscalationKind, NonconformityStatus, NotificationTopic, Role
from engine.notify import messages
from engine.notify.outbox import notify_officers
from engine.notify.recipients import heads_of, role_holders, unit_label
from engine.org.actors import Actor
from engine.org.authz import may_work_task
from engine.settings import env_int

log = logging.getLogger(__name__)
OPEN = [s.value for s in OPEN_TASK_STATES]


@dataclass(frozen=True)
class OversightSettings:
    reminder_hours: int = 2  # MOTCUA_REMINDER_HOURS: working hours before a step's due time
    nc_action_days: int = 5  # MOTCUA_NC_ACTION_DAYS: working days to record a corrective action
    batch: int = 500

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OversightSettings:
        return cls(reminder_hours=env_int("MOTCUA_REMINDER_HOURS", cls.reminder_hours, env=env),
                   nc_action_days=env_int("MOTCUA_NC_ACTION_DAYS", cls.nc_action_days, env=env))


@dataclass
class EscalationReport:
    reminders: int = 0
    overdue_notices: int = 0
    apology_prompts: int = 0
    nonconformities_flagged: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.reminders + self.overdue_notices + self.apology_prompts + self.nonconformities_flagged


@dataclass(frozen=True)
class EscalationRound:
    now: datetime
    calendar: WorkingCalendar
    settings: OversightSettings


def escalate(ctx: EngineContext, settings: OversightSettings | None = None) -> EscalationReport:
    settings = settings or OversightSettings.from_env()
    report = EscalationReport()
    calendar = ctx.calendar()  # before any transaction of ours (it may open its own)
    run = EscalationRound(ctx.now(), calendar, settings)
    passes: list[tuple[str, Callable, Callable]] = [
        ("reminders", _reminder_candidates, _remind),
        ("overdue_notices", _overdue_candidates, _overdue_notice),
        ("apology_prompts", apology.candidates, apology.prompt),
        ("nonconformities_flagged", _nonconformity_candidates, _flag_nonconformity),
    ]
    for counter, find, handle in passes:
        with ctx.db.transaction() as session:
            ids = find(session, run)
        for subject_id in ids:
            try:
                with ctx.db.transaction() as session:
                    queued = handle(session, run, subject_id)
            except Exception as exc:  # one bad row must not stop the others
                log.exception("escalation %s failed on #%s", counter, subject_id)
                report.errors.append(f"{counter} #{subject_id}: {exc}")
                continue
            if queued is not None:
                setattr(report, counter, getattr(report, counter) + 1)
                report.messages += queued
    return report


def fire_once(session: Session, kind: EscalationKind, key: str, now: datetime, **columns) -> bool:
    """Claim an escalation: True for the one transaction that inserted its key."""
    return insert_once(session, Escalation, key=key, kind=kind.value, at=now, **columns)


def not_escalated(kind: EscalationKind, column):
    return ~exists().where(Escalation.kind == kind.value, column)


# --- reminders ---------------------------------------------------------------------------------------

def _reminder_candidates(session: Session, run: EscalationRound) -> list[int]:
    horizon = run.calendar.add(run.now, f"PT{run.settings.reminder_hours}H")
    return list(session.scalars(
        select(Task.id).join(Dossier, Dossier.id == Task.dossier_id)
        .where(Task.state.in_(OPEN), Task.due_at > run.now, Task.due_at <= horizon, Task.paused.is_(False),
               Task.overdue.is_(False), Dossier.paused_at.is_(None),
               not_escalated(EscalationKind.REMINDER, Escalation.task_id == Task.id))
        .order_by(Task.due_at).limit(run.settings.batch)))


def reminder_due(task: Task, run: EscalationRound) -> bool:
    """Within ``reminder_hours`` of the due time, or halfway through a step shorter than twice that."""
    window = min(run.settings.reminder_hours * 60, parse_duration(task.deadline).budget_minutes // 2)
    return run.calendar.working_minutes_between(run.now, task.due_at) <= window


def _remind(session: Session, run: EscalationRound, task_id: int) -> int | None:
    task = session.get(Task, task_id)
    if task.state not in OPEN_TASK_STATES or task.paused or task.due_at <= run.now or not reminder_due(task, run):
        return None
    key = f"reminder:task:{task.id}"
    if not fire_once(session, EscalationKind.REMINDER, key, run.now, dossier_id=task.dossier_id, task_id=task.id,
                     detail={"due_at": task.due_at.isoformat(), "assignee_id": task.assignee_id}):
        return None
    if task.assignee is not None:
        users = [task.assignee]
    else:
        users = [u for u in role_holders(session, Role(task.role), task.agency_id, task.unit_id)
                 if may_work_task(Actor.of(u), task)]
    subject, body = messages.step_due_soon(task.dossier_code, task.procedure_name, task.step_name, task.due_at,
                                           claimed=task.assignee is not None)
    return notify_officers(session, run.now, users, key=key, topic=NotificationTopic.STEP_DUE_SOON, subject=subject,
                           body=body, dossier_id=task.dossier_id)


# --- overdue notices -----------------------------------------------------------------------------------

def _overdue_candidates(session: Session, run: EscalationRound) -> list[int]:
    return list(session.scalars(
        select(Task.id).where(Task.state.in_(OPEN), Task.overdue.is_(True), Task.paused.is_(False),
                              not_escalated(EscalationKind.OVERDUE_NOTICE, Escalation.task_id == Task.id))
        .order_by(Task.due_at).limit(run.settings.batch)))


def _overdue_notice(session: Session, run: EscalationRound, task_id: int) -> int | None:
    task = session.get(Task, task_id)
    if task.state not in OPEN_TASK_STATES or not task.overdue:
        return None
    key = f"overdue:task:{task.id}"
    if not fire_once(session, EscalationKind.OVERDUE_NOTICE, key, run.now, dossier_id=task.dossier_id,
                     task_id=task.id, detail={"due_at": task.due_at.isoformat(), "unit_id": task.unit_id}):
        return None
    subject, body = messages.step_overdue(task.dossier_code, task.procedure_name, task.step_name,
                                          unit_label(session, task.unit_id, task.lane), task.due_at,
                                          task.assignee.full_name if task.assignee else None)
    return notify_officers(session, run.now, heads_of(session, task.agency_id, task.unit_id), key=key,
                           topic=NotificationTopic.STEP_OVERDUE, subject=subject, body=body,
                           dossier_id=task.dossier_id)


# --- nonconformities without a corrective action -------------------------------------------------------

def action_due_at(calendar: WorkingCalendar, nc: Nonconformity, days: int) -> datetime:
    return calendar.add(nc.raised_at, f"P{days}D")


def _nonconformity_candidates(session: Session, run: EscalationRound) -> list[int]:
    # n working days are never shorter than n - 1 calendar days: an indexed pre-filter, refined per row.
    raised_before = run.now - timedelta(days=run.settings.nc_action_days - 1)
    return list(session.scalars(
        select(Nonconformity.id)
        .where(Nonconformity.status == NonconformityStatus.OPEN.value, Nonconformity.raised_at <= raised_before,
               not_escalated(EscalationKind.NONCONFORMITY_OVERDUE, Escalation.nonconformity_id == Nonconformity.id))
        .order_by(Nonconformity.raised_at).limit(run.settings.batch)))


def _flag_nonconformity(session: Session, run: EscalationRound, nc_id: int) -> int | None:
    nc = session.get(Nonconformity, nc_id)
    due = action_due_at(run.calendar, nc, run.settings.nc_action_days)
    if nc.status != NonconformityStatus.OPEN or due > run.now:
        return None
    key = f"nc_overdue:nc:{nc.id}"
    if not fire_once(session, EscalationKind.NONCONFORMITY_OVERDUE, key, run.now, dossier_id=nc.dossier_id,
                     nonconformity_id=nc.id, detail={"action_due_at": due.isoformat()}):
        return None
    task = session.get(Task, nc.task_id)
    subject, body = messages.nonconformity_overdue(task.dossier_code, task.step_name,
                                                   unit_label(session, nc.unit_id, task.lane), nc.raised_at, due)
    return notify_officers(session, run.now, heads_of(session, nc.agency_id, nc.unit_id), key=key,
                           topic=NotificationTopic.NONCONFORMITY_OVERDUE, subject=subject, body=body,
                           dossier_id=nc.dossier_id)
