"""Moving running dossiers to a newer version of their procedure, when it is safe (document control:
a dossier otherwise finishes on the version it started on).

A dossier can move when everything it has been through and everything it waits on exists in the new
version (same BPMN ids), each open step keeps its lane's role, unit and level, each waiting timer is still a
timer, and the new version is decidable by the dossier's agency. The dry run answers per dossier, with the
reasons; the migration re-checks inside one transaction per dossier, re-binds the workflow state to the new
spec (SpiffWorkflow's SpecDiff / WorkflowDiff / migrate_workflow), and records a ``migrated`` event in the
dossier's log and an entry in the audit log.

What follows the dossier (decided here, once):
- the inbox rows of open steps take the new step name and lane name (their role, unit and agency are the
  same, or the dossier could not move) and the dossier points at the new version;
- a running step whose deadline the new version lengthens gets the extra working time added to its due time;
  a shorter deadline never shortens a step already handed over (officers are not made late retroactively),
  and a step already overdue stays overdue (a recorded lateness is not erased); steps handed over after the
  migration use the new deadlines;
- the dossier's appointment (Form 01, promised to the applicant) and already scheduled timers keep their time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import select, update

from engine.clock.durations import WorkDuration, parse_duration
from engine.context import EngineContext
from engine.db.models import Deadline, Dossier, Procedure, ProcedureVersion, Task
from engine.dossiers.events import record
from engine.dossiers.runtime import (
    _REGISTRY,
    SPEC_CACHE,
    CompiledProcedure,
    advance,
    dump_state,
    load_state,
    waiting_timers,
)
from engine.dossiers.steps import check_lanes_resolvable, sync
from engine.dossiers.store import dossier_not_found, load_dossier, save_workflow
from engine.enums import OPEN_TASK_STATES, DeadlineKind, DossierStatus, EventKind
from engine.errors import InvalidInput, InvalidState, MotcuaError, NotFound
from engine.org.actors import Actor
from engine.org.audit import audit, guarded_transaction
from engine.org.authz import check_design_scope, check_designer, designer_agencies
from engine.procedures.spiff import lane_of, step_properties

MIGRATE = "migrate"
# Dossiers whose workflow runs (submitted/incomplete ones have none yet: they start on the version in force).
MOVABLE_STATUSES = (DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.AWAITING_SUPPLEMENT)
_ACTIVE = SpiffState.COMPLETED | SpiffState.READY | SpiffState.WAITING | SpiffState.STARTED | SpiffState.ERROR


@dataclass
class DossierMove:
    code: str
    status: str
    from_version: int
    to_version: int
    can_move: bool = True
    migrated: bool = False
    reasons: list[dict] = field(default_factory=list)  # why it cannot move
    notes: list[dict] = field(default_factory=list)  # what will change, for the record
    steps: list[dict] = field(default_factory=list)  # open steps: before and after

    def refuse(self, code: str, element: str | None, vi: str, en: str) -> None:
        self.can_move = False
        self.reasons.append({"code": code, "element": element, "message": vi, "message_en": en})

    def note(self, element: str | None, vi: str, en: str) -> None:
        self.notes.append({"element": element, "message": vi, "message_en": en})


@dataclass
class MigrationReport:
    procedure: str
    to_version: int
    dry_run: bool
    dossiers: list[DossierMove] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"procedure": self.procedure, "to_version": self.to_version, "dry_run": self.dry_run,
                "dossiers": [asdict(d) for d in self.dossiers],
                "summary": {"total": len(self.dossiers), "can_move": sum(d.can_move for d in self.dossiers),
                            "migrated": sum(d.migrated for d in self.dossiers),
                            "blocked": sum(not d.can_move for d in self.dossiers)}}


def _target(session, code: str, number: int) -> tuple[Procedure, ProcedureVersion]:
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã '{code}'.", message_en=f"No procedure '{code}'.")
    version = session.scalar(select(ProcedureVersion).where(
        ProcedureVersion.procedure_id == procedure.id, ProcedureVersion.number == number))
    if version is None:
        raise NotFound(f"Thủ tục {code} không có phiên bản {number}.", message_en=f"Procedure {code} has no version {number}.")
    return procedure, version


def _candidates(session, procedure: Procedure, target: ProcedureVersion, agencies: list[int] | None) -> list[str]:
    """Open dossiers on an older version of the procedure (SQL over indexed columns), of ``agencies`` only (the
    designer's agency and those below it: a migration never touches nor names another agency's dossiers)."""
    query = (select(Dossier.code).join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
             .where(ProcedureVersion.procedure_id == procedure.id, ProcedureVersion.number < target.number,
                    Dossier.status.in_([s.value for s in MOVABLE_STATUSES])))
    if agencies is not None:
        query = query.where(Dossier.agency_id.in_(agencies))
    return list(session.scalars(query.order_by(Dossier.id)))


def migrate(ctx: EngineContext, actor: Actor | None, code: str, to_number: int, *, dry_run: bool = False,
            dossier_codes: list[str] | None = None) -> MigrationReport:
    """Dry run (nothing changes) or migration (one transaction per dossier) of the procedure's open dossiers."""
    if not isinstance(to_number, int) or isinstance(to_number, bool) or to_number < 1:
        raise InvalidInput("Số phiên bản đích phải là số nguyên dương.", message_en="Target version must be a positive integer.")
    with guarded_transaction(ctx, actor, MIGRATE, code) as session:
        check_designer(actor, MIGRATE, code)
        procedure, target = _target(session, code, to_number)
        check_design_scope(actor, session, procedure.owner_agency_id, MIGRATE, code)
        agencies = designer_agencies(actor, session)
        codes = _candidates(session, procedure, target, agencies)
    if dossier_codes is not None:
        codes = [c for c in codes if c in set(dossier_codes)]
    report = MigrationReport(code, to_number, dry_run)
    for dossier_code in codes:
        try:
            report.dossiers.append(_one(ctx, actor, dossier_code, code, to_number, dry_run))
        except MotcuaError as exc:  # e.g. a concurrent change: this dossier is reported, the others go on
            move = DossierMove(dossier_code, "?", 0, to_number)
            move.refuse(exc.code, None, exc.message, exc.message_en)
            report.dossiers.append(move)
    return report


def _one(ctx: EngineContext, actor: Actor | None, dossier_code: str, code: str, to_number: int, dry_run: bool) -> DossierMove:
    with guarded_transaction(ctx, actor, MIGRATE, dossier_code) as session:
        _, target = _target(session, code, to_number)
        dossier = load_dossier(session, dossier_code, for_update=True)
        if (agencies := designer_agencies(actor, session)) is not None and dossier.agency_id not in agencies:
            raise dossier_not_found(dossier_code)  # never reached from migrate(): candidates are in scope
        old_version = dossier.procedure_version
        move = DossierMove(dossier.code, dossier.status, old_version.number, target.number)
        if old_version.number >= target.number or dossier.status not in MOVABLE_STATUSES:
            move.refuse("moved", None, f"Hồ sơ đã ở phiên bản {old_version.number} ({dossier.status}).",
                        f"The dossier is already on version {old_version.number} ({dossier.status}).")
            return move
        old, new = SPEC_CACHE.get(old_version), SPEC_CACHE.get(target)
        workflow = _analyse(session, dossier, old, new, move)  # reads only: a dry run changes nothing
        if dry_run or not move.can_move:
            return move
        _apply(session, ctx, actor, dossier, target, new, workflow, move)
        move.migrated = True
        return move


def _analyse(session, dossier: Dossier, old: CompiledProcedure, new: CompiledProcedure, move: DossierMove):
    """Fill ``move`` with reasons and notes; return the workflow re-bound to the new spec (None if it cannot move)."""
    if dossier.paused_at is not None:
        move.note(None, "Hồ sơ đang tạm dừng chờ bổ sung: các thời hạn vẫn được lùi khi tiếp tục.",
                  "The dossier is paused for supplementation: deadlines are still pushed on resume.")
    if new.card.level != old.card.level:
        move.refuse("level", None, f"Phiên bản mới do cấp '{new.card.level}' giải quyết, hồ sơ đang ở cấp '{old.card.level}'.",
                    f"The new version is decided at level '{new.card.level}', not '{old.card.level}'.")
    try:
        check_lanes_resolvable(session, dossier.agency_id, new)
    except InvalidState as exc:
        move.refuse("agency", None, exc.message, exc.message_en)
    if str(new.card.statutory_duration) != str(old.card.statutory_duration):
        move.note(None, f"Thời hạn giải quyết đổi ({old.card.statutory_duration} → {new.card.statutory_duration}); "
                  "ngày hẹn trả của hồ sơ giữ nguyên.", "The statutory duration changed; the appointment stays.")
    workflow = load_state(dossier.workflow_state, old)
    if workflow.subprocesses:
        move.refuse("subprocess", None, "Hồ sơ có quy trình con: chưa hỗ trợ chuyển phiên bản.",
                    "Dossiers with sub-processes cannot be migrated.")
    spec_diff = SpecDiff(_REGISTRY, workflow.spec, new.spec)
    wf_diff = WorkflowDiff(workflow, spec_diff)
    for task in wf_diff.removed:
        if task.state & _ACTIVE:
            passed = task.state == SpiffState.COMPLETED
            name = task.task_spec.bpmn_name or task.task_spec.name
            move.refuse("removed", task.task_spec.name,
                        f"'{name}' ({task.task_spec.name}) mà hồ sơ {'đã đi qua' if passed else 'đang chờ'} không còn "
                        "trong phiên bản mới.",
                        f"'{task.task_spec.name}', which the dossier {'went through' if passed else 'waits on'}, "
                        "was removed in the new version.")
    _check_open_steps(session, dossier, workflow, spec_diff, old, new, move)
    _check_timers(workflow, spec_diff, move)
    if not move.can_move:
        return None
    return _simulate(workflow, wf_diff, new, move)


def _check_open_steps(session, dossier, workflow, spec_diff, old, new, move) -> None:
    rows = session.scalars(select(Task).where(Task.dossier_id == dossier.id, Task.state.in_(list(OPEN_TASK_STATES))))
    for row in rows:
        try:
            spiff_task = workflow.get_task_from_id(UUID(row.workflow_task_id))
        except ValueError:
            spiff_task = None
        if spiff_task is None:
            continue  # not a workflow step (e.g. the online reception check)
        new_spec = spec_diff.alignment.get(spiff_task.task_spec)
        if new_spec is None:
            continue  # reported as removed
        if not getattr(new_spec, "manual", False):
            move.refuse("type", new_spec.name, f"Bước '{row.step_name}' không còn là bước của cán bộ trong phiên bản mới.",
                        f"Step '{row.step_id}' is no longer a user task in the new version.")
            continue
        old_lane, new_lane = lane_of(spiff_task.task_spec), lane_of(new_spec)
        old_rule, new_rule = old.card.lanes.get(old_lane), new.card.lanes.get(new_lane)
        if new_rule != old_rule:
            move.refuse("lane", new_spec.name,
                        f"Bước '{row.step_name}' đang mở sẽ đổi người làm: làn '{old_lane}' ({_rule(old_rule)}) → "
                        f"'{new_lane}' ({_rule(new_rule)}).",
                        f"Open step '{row.step_id}' would change hands: lane '{old_lane}' ({_rule(old_rule)}) → "
                        f"'{new_lane}' ({_rule(new_rule)}).")
            continue
        new_deadline = step_properties(new_spec).get("deadline")
        step = {"step": new_spec.name, "name": new_spec.bpmn_name or new_spec.name, "lane": new_lane,
                "old_name": row.step_name, "old_lane": row.lane, "deadline_old": row.deadline, "deadline_new": row.deadline,
                "due_old": row.due_at.isoformat(), "due_new": row.due_at.isoformat(), "task_id": row.id}
        _deadline_rule(row, new_deadline, step, move)
        move.steps.append(step)


def _rule(rule) -> str:
    if rule is None:
        return "chưa gán vai trò"
    return "/".join(x for x in (rule.role.value, rule.unit, rule.level) if x)


def _deadline_rule(row: Task, new_text: str | None, step: dict, move: DossierMove) -> None:
    """A lengthened deadline extends the running step; a shorter one applies from the next hand-over."""
    try:
        before, after = parse_duration(row.deadline), parse_duration(new_text or "")
    except MotcuaError:
        return
    if after.minutes == before.minutes:
        return
    if after.minutes < before.minutes:
        move.note(step["step"], f"Thời hạn bước '{step['name']}' rút ngắn ({row.deadline} → {new_text}): bước đang chạy giữ "
                  "hạn cũ, thời hạn mới áp dụng từ lần giao sau.",
                  f"Step deadline shortened ({row.deadline} → {new_text}): the running step keeps its due time.")
    elif row.overdue:
        move.note(step["step"], f"Bước '{step['name']}' đã quá hạn: giữ nguyên, không xoá việc trễ hạn đã ghi nhận.",
                  "The step is already overdue: its recorded lateness stands.")
    else:
        step["deadline_new"], step["extend_minutes"] = str(after), after.minutes - before.minutes
        move.note(step["step"], f"Thời hạn bước '{step['name']}' kéo dài ({row.deadline} → {new_text}): cộng thêm "
                  f"{WorkDuration(minutes=after.minutes - before.minutes).describe_vi()} vào hạn bước đang chạy.",
                  f"Step deadline lengthened ({row.deadline} → {new_text}): the running step gets the extra time.")


def _check_timers(workflow, spec_diff, move: DossierMove) -> None:
    for timer in waiting_timers(workflow):
        new_spec = spec_diff.alignment.get(timer.task_spec)
        if new_spec is None:
            continue
        definition = getattr(new_spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            move.refuse("timer", new_spec.name, f"Hồ sơ đang chờ hẹn giờ '{new_spec.name}', nhưng trong phiên bản mới "
                        "phần tử này không còn là hẹn giờ.", f"The dossier waits on timer '{new_spec.name}', which is "
                        "no longer a timer in the new version.")
        elif definition.expression != timer.task_spec.event_definition.expression:
            move.note(new_spec.name, f"Hẹn giờ '{new_spec.name}' đổi ({timer.task_spec.event_definition.expression} → "
                      f"{definition.expression}): hẹn giờ đang chạy giữ thời điểm đã định.",
                      "The timer changed: the running timer keeps its scheduled time.")


def _simulate(workflow, wf_diff, new: CompiledProcedure, move: DossierMove):
    """Re-bind in memory and prove the result is a sound workflow of the new version (else: a reason)."""
    ready_before = {str(t.id) for t in workflow.get_tasks(state=SpiffState.READY) if t.task_spec.manual}
    try:
        migrate_workflow(wf_diff, workflow, new.spec)
        advance(workflow)
        foreign = [t.task_spec.name for t in workflow.get_tasks() if new.spec.task_specs.get(t.task_spec.name) is not t.task_spec]
        if foreign:
            raise ValueError(f"tasks bound to specs outside the new version: {', '.join(sorted(set(foreign)))}")
        load_state(dump_state(workflow), new)
        ready_after = {str(t.id) for t in workflow.get_tasks(state=SpiffState.READY) if t.task_spec.manual}
        if not ready_before <= ready_after:
            raise ValueError("open steps would be withdrawn")
    except Exception as exc:  # noqa: BLE001 - any failure of the re-binding means: do not move
        move.refuse("state", None, f"Không gắn được trạng thái hồ sơ vào phiên bản mới: {exc}",
                    f"The dossier's state cannot be re-bound to the new version: {exc}")
        return None
    return workflow


def _apply(session, ctx: EngineContext, actor: Actor | None, dossier: Dossier, target: ProcedureVersion,
           new: CompiledProcedure, workflow, move: DossierMove) -> None:
    now, calendar = ctx.now(), ctx.calendar(session)
    for step in move.steps:
        row = session.get(Task, step["task_id"])
        row.step_id, row.step_name, row.lane, row.procedure_name = step["step"], step["name"], step["lane"], new.card.name
        if step.get("extend_minutes"):
            row.due_at = calendar.add(row.due_at, WorkDuration(minutes=step["extend_minutes"]))
            row.deadline = step["deadline_new"]
            step["due_new"] = row.due_at.isoformat()
            session.execute(update(Deadline).where(
                Deadline.task_id == row.id, Deadline.kind == DeadlineKind.STEP.value, Deadline.done_at.is_(None))
                .values(due_at=row.due_at), execution_options={"synchronize_session": False})
    dossier.procedure_version = target
    record(session, dossier, EventKind.MIGRATED, actor, now, procedure=new.card.code, from_version=move.from_version,
           to_version=move.to_version, steps=[{k: v for k, v in s.items() if k != "task_id"} for s in move.steps],
           notes=[n["message"] for n in move.notes])
    sync(session, dossier, new, workflow, calendar, now, actor)
    save_workflow(dossier, workflow)
    audit(session, ctx, actor, "dossier_migrated", dossier.code, procedure=new.card.code, from_version=move.from_version,
          to_version=move.to_version)
