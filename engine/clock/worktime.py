"""Working time actually spent on a dossier or a step (DOMAIN §5, §7), stamped once when it finishes, so
reports aggregate a stored column in SQL instead of replaying the calendar for every row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.clock.calendar import WorkingCalendar
from engine.db.models import Dossier, Event, Task
from engine.enums import EventKind


def end_open_pause(dossier: Dossier, calendar: WorkingCalendar, now: datetime) -> None:
    """A dossier decided while paused: the pause ends now, counted and pushing the statutory due exactly as
    a supplement would have."""
    if dossier.paused_at is None:
        return
    minutes = calendar.working_minutes_between(dossier.paused_at, now)
    dossier.paused_minutes += minutes
    if minutes:
        dossier.statutory_due_at = calendar.add(dossier.statutory_due_at, f"PT{minutes}M")
    dossier.paused_at = None


def dossier_working_minutes(calendar: WorkingCalendar, dossier: Dossier, now: datetime) -> int:
    """From the effective (cut-off adjusted) receipt to ``now``, minus the working time spent paused: the same
    clock the statutory due date runs on."""
    return max(0, calendar.working_minutes_between(dossier.effective_received_at, now) - dossier.paused_minutes)


def stamp_resolution(dossier: Dossier, calendar: WorkingCalendar, now: datetime) -> None:
    """A decision (result or refusal): when, early / on time / late against the statutory due, and how long."""
    end_open_pause(dossier, calendar, now)
    dossier.resolved_at = now
    dossier.outcome = calendar.classify(now, dossier.statutory_due_at).value
    dossier.working_minutes = dossier_working_minutes(calendar, dossier, now)


_SUPPLEMENTS_SINCE = select(Event.payload).where(  # built once: it runs on every completed step
    Event.dossier_id == bindparam("dossier_id"), Event.kind == EventKind.SUPPLEMENTED.value, Event.at > bindparam("since"))


def step_working_minutes(session: Session, calendar: WorkingCalendar, task: Task, now: datetime) -> int:
    """From hand-over (ready) to ``now``, minus the dossier's pauses. A step neither opens nor finishes while
    its dossier is paused, so every pause that ended after the step became ready lies wholly inside it."""
    if not task.dossier.paused_minutes:  # never paused for a working minute: no pause to subtract
        return calendar.working_minutes_between(task.ready_at, now)
    payloads = session.scalars(_SUPPLEMENTS_SINCE, {"dossier_id": task.dossier_id, "since": task.ready_at})
    paused = sum(int(payload.get("paused_minutes") or 0) for payload in payloads)
    return max(0, calendar.working_minutes_between(task.ready_at, now) - paused)
