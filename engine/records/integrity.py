"""Whole-database integrity checks: the hash chains, the dossiers' and the security audit log's, and a saved
daily digest (``motcua audit verify [--digest FILE]``), and the agreement of every
dossier's workflow state with its read model (``motcua check``), e.g. after a crash or a kill -9.

The read model is what the engine keeps beside each workflow: one inbox row per READY user task, one
pending deadline per open step, one pending deadline per waiting BPMN timer, and the sweep's events.
Read in batches of dossiers, one query per table per batch; only open dossiers' workflows are loaded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from engine.context import EngineContext
from engine.db.models import Deadline, Dossier, Event, Task
from engine.documents.verify import FileProblem, verify_files  # noqa: F401 (motcua audit verify: files too)
from engine.dossiers.events import BrokenLink, verify_chain
from engine.dossiers.runtime import load_state, ready_user_tasks, waiting_timers
from engine.dossiers.store import compiled_for
from engine.enums import OPEN_DOSSIER_STATUSES, OPEN_TASK_STATES, DeadlineKind, DossierStatus, EventKind
from engine.kpis import tally as kpi_tally
from engine.org.auditchain import (
    AuditBrokenLink,
    DailyDigest,
    compare_digest,
    compute_digest,
    parse_digest,
    verify_audit_log,
)

BATCH = 1000
# Statuses whose workflow is running (before receipt there is none; after resolution nothing is due).
RUNNING_STATUSES = frozenset({DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.AWAITING_SUPPLEMENT})
SWEEP_EVENTS = (EventKind.STEP_OVERDUE, EventKind.DOSSIER_OVERDUE, EventKind.TIMER_FIRED)


def verify_all(ctx: EngineContext) -> tuple[list[BrokenLink], int]:
    broken: list[BrokenLink] = []
    checked, last_id = 0, 0
    while True:
        with ctx.db.transaction() as session:
            dossiers = list(session.scalars(select(Dossier).where(Dossier.id > last_id).order_by(Dossier.id).limit(BATCH)))
            for dossier in dossiers:
                broken.extend(verify_chain(session, dossier))
        if not dossiers:
            return broken, checked
        checked += len(dossiers)
        last_id = dossiers[-1].id


def verify_audit_chain(ctx: EngineContext) -> tuple[list[AuditBrokenLink], int]:
    """The security audit log's chain: (broken links, first broken entry first; entries checked)."""
    with ctx.db.transaction(read_only=True) as session:
        return verify_audit_log(session)


def verify_saved_digest(ctx: EngineContext, text: str) -> tuple[DailyDigest, list[str]]:
    """A daily digest saved earlier (JSON or text) against the same day recomputed from the database now:
    (the saved digest, every difference; none when nothing made before that day's end was rewritten)."""
    saved, written = parse_digest(text)
    with ctx.db.transaction(read_only=True) as session:
        current = compute_digest(session, saved.day, ctx.now())
    return saved, compare_digest(saved, written, current)


@dataclass(frozen=True)
class Inconsistency:
    dossier_code: str
    reason: str

    def __str__(self) -> str:
        return f"{self.dossier_code}: {self.reason}"


@dataclass
class ConsistencyReport:
    checked: int = 0
    workflows_loaded: int = 0
    problems: list[Inconsistency] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_all(ctx: EngineContext, batch: int = BATCH) -> ConsistencyReport:
    report, last_id = ConsistencyReport(), 0
    while True:
        with ctx.db.transaction() as session:
            dossiers = list(session.scalars(
                select(Dossier).where(Dossier.id > last_id).order_by(Dossier.id).limit(batch)))
            if not dossiers:
                report.problems.extend(Inconsistency(where, what) for where, what in kpi_tally.check(session))
                return report
            _check_batch(session, dossiers, report)
        report.checked += len(dossiers)
        last_id = dossiers[-1].id


def _check_batch(session, dossiers: list[Dossier], report: ConsistencyReport) -> None:
    ids = [d.id for d in dossiers]
    tasks, deadlines, sweep_events = defaultdict(list), defaultdict(list), defaultdict(Counter)
    for task in session.scalars(select(Task).where(Task.dossier_id.in_(ids))):
        tasks[task.dossier_id].append(task)
    for deadline in session.scalars(select(Deadline).where(Deadline.dossier_id.in_(ids))):
        deadlines[deadline.dossier_id].append(deadline)
    for dossier_id, kind, payload in session.execute(
            select(Event.dossier_id, Event.kind, Event.payload)
            .where(Event.dossier_id.in_(ids), Event.kind.in_([k.value for k in SWEEP_EVENTS]))):
        sweep_events[dossier_id][(kind, (payload or {}).get("task_id") or (payload or {}).get("step"))] += 1
    for dossier in dossiers:
        problems = _check_dossier(dossier, tasks[dossier.id], deadlines[dossier.id], sweep_events[dossier.id], report)
        report.problems.extend(Inconsistency(dossier.code, p) for p in problems)


def _check_dossier(dossier: Dossier, tasks: list[Task], deadlines: list[Deadline], fired: Counter,
                   report: ConsistencyReport) -> list[str]:
    problems: list[str] = []
    pending = [d for d in deadlines if d.done_at is None]
    open_rows = [t for t in tasks if t.state in OPEN_TASK_STATES]
    step_deadlines = defaultdict(list)
    for deadline in deadlines:
        if deadline.kind == DeadlineKind.STEP:
            step_deadlines[deadline.task_id].append(deadline)
    timers_done = Counter(d.detail.get("step") for d in deadlines if d.kind == DeadlineKind.TIMER and d.done_at)
    for (kind, key), count in fired.items():
        allowed = timers_done[key] if kind == EventKind.TIMER_FIRED else 1  # a timer in a loop fires once per turn
        if count > allowed:
            problems.append(f"{kind} recorded {count} times for {key}, at most {allowed} expected (fired twice)")
    if dossier.status not in OPEN_DOSSIER_STATUSES:
        if open_rows:
            problems.append(f"closed ({dossier.status}) but has open inbox rows {[t.id for t in open_rows]}")
        if pending:
            problems.append(f"closed ({dossier.status}) but has pending deadlines {[d.id for d in pending]}")
        return problems
    for task in tasks:
        rows = step_deadlines.get(task.id, [])
        waiting = [d for d in rows if d.done_at is None]
        if task.state not in OPEN_TASK_STATES:
            if waiting:
                problems.append(f"finished step #{task.id} still has a pending deadline")
            continue
        if len(rows) != 1:
            problems.append(f"open step #{task.id} has {len(rows)} deadlines (expected exactly one)")
        elif waiting and fired[(EventKind.STEP_OVERDUE.value, task.id)]:
            problems.append(f"open step #{task.id} was marked overdue yet its deadline is still pending")
        elif not waiting and not (task.overdue and fired[(EventKind.STEP_OVERDUE.value, task.id)] == 1):
            problems.append(f"open step #{task.id}: deadline done but the overdue was not recorded (timer lost)")
    if dossier.status in RUNNING_STATUSES:
        problems.extend(_check_workflow(dossier, open_rows, pending, report))
        dossier_deadlines = [d for d in deadlines if d.kind == DeadlineKind.DOSSIER]
        if len(dossier_deadlines) != 1:
            problems.append(f"{len(dossier_deadlines)} appointment deadlines (expected exactly one)")
        elif dossier_deadlines[0].done_at is not None and not dossier.overdue:
            problems.append("appointment deadline done but the dossier is not marked overdue (timer lost)")
    return problems


def _check_workflow(dossier: Dossier, open_rows: list[Task], pending: list[Deadline],
                    report: ConsistencyReport) -> list[str]:
    problems: list[str] = []
    try:
        workflow = load_state(dossier.workflow_state, compiled_for(dossier))  # read only: the live copy stays
    except Exception as exc:  # a state that does not load is itself the finding
        return [f"workflow state does not load: {exc}"]
    report.workflows_loaded += 1
    ready = {str(t.id) for t in ready_user_tasks(workflow)}
    rows = {t.workflow_task_id for t in open_rows}
    if ready - rows:
        problems.append(f"READY user tasks without an inbox row: {sorted(ready - rows)}")
    if rows - ready:
        problems.append(f"open inbox rows whose task is not READY in the workflow: {sorted(rows - ready)}")
    timers = {d.workflow_task_id for d in pending if d.kind == DeadlineKind.TIMER}
    lost = {str(t.id) for t in waiting_timers(workflow)} - timers
    if lost:
        problems.append(f"waiting BPMN timers without a pending deadline (timer lost): {sorted(lost)}")
    return problems
