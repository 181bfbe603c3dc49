"""Loading a dossier and its workflow inside a transaction, and saving the workflow back."""

from __future__ import annotations

import threading
from collections import OrderedDict

from dataclasses import dataclass

from sqlalchemy import bindparam, event, or_, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from engine.db.models import Dossier, Task
from engine.dossiers.runtime import SPEC_CACHE, CompiledProcedure, dump_state, load_state
from engine.enums import OPEN_TASK_STATES
from engine.errors import NotFound
from engine.inputs.policy import check_text
from engine.settings import env_int


def dossier_not_found(code: str) -> NotFound:
    return NotFound(f"Không tìm thấy hồ sơ '{code}'.", message_en=f"No dossier '{code}'.")


# The dossier's row lock, fresh from the database (built once: taken on every change to a dossier).
_LOCKED = select(Dossier).with_for_update().execution_options(populate_existing=True)
_LOCK_BY_ID = _LOCKED.where(Dossier.id == bindparam("dossier_id"))
_TRY_LOCK_BY_ID = _LOCK_BY_ID.with_for_update(skip_locked=True)
_DOSSIER_OF_TASK = (select(Task.dossier_id).where(Task.id == bindparam("task_id"))
                    .scalar_subquery())  # a step never moves to another dossier
_LOCK_BY_TASK = _LOCKED.where(Dossier.id == _DOSSIER_OF_TASK)


def load_dossier(session: Session, code: str, for_update: bool = False) -> Dossier:
    """The dossier by code; ``for_update`` when the caller will change it (see ``lock_dossier``)."""
    check_text(code, "code")  # the input policy: no control character reaches the database
    dossier = session.scalar((_LOCKED if for_update else select(Dossier)).where(Dossier.code == code))
    if dossier is None:
        raise dossier_not_found(code)
    return dossier


def lock_dossier(session: Session, dossier_id: int) -> Dossier:
    """Take the dossier's row lock and load it fresh. Every change to a dossier, its steps, deadlines and
    events happens under this lock, so concurrent requests on one dossier queue instead of losing an update
    (PostgreSQL: SELECT … FOR UPDATE; SQLite needs none, BEGIN IMMEDIATE already holds the write lock)."""
    return session.scalars(_LOCK_BY_ID, {"dossier_id": dossier_id}).one()


def try_lock_dossier(session: Session, dossier_id: int) -> Dossier | None:
    """As ``lock_dossier``, but None at once when another transaction holds the dossier (PostgreSQL's SKIP
    LOCKED): for those who may simply pass it by, such as a timer sweep or an officer taking the next step."""
    return session.scalars(_TRY_LOCK_BY_ID, {"dossier_id": dossier_id}).first()


# A step and every open step of its dossier (what a completion hands over from), fresh from the database.
_STEP_OR_OPEN = or_(Task.id == bindparam("task_id"), Task.state.in_(list(OPEN_TASK_STATES)))
_STEPS_UNDER_LOCK = (select(Task).where(Task.dossier_id == bindparam("dossier_id"), _STEP_OR_OPEN).order_by(Task.id)
                     .execution_options(populate_existing=True))
# SQLite: the dossier and those steps in one statement (see ``load_step``).
_DOSSIER_WITH_STEPS = (select(Dossier, Task).join(Task, Task.dossier_id == Dossier.id)
                       .where(Dossier.id == _DOSSIER_OF_TASK, _STEP_OR_OPEN).order_by(Task.id)
                       .execution_options(populate_existing=True))


@dataclass(frozen=True)
class LoadedStep:
    """A step about to be changed, and its dossier's open steps as read under the dossier's lock (the step
    itself among them while it is open): ``steps.sync`` takes them instead of reading them again."""

    task: Task
    open_tasks: list[Task]


def _locked_at_begin(session: Session) -> bool:
    """Whether this transaction already holds the write lock (SQLite's BEGIN IMMEDIATE): then nothing can
    change between statements, and the dossier may be read together with its steps. PostgreSQL takes the
    row lock first and reads the steps in a second statement: a join ``FOR UPDATE OF dossiers`` that waited
    for the lock would hand back the steps as they were before the holder committed (READ COMMITTED)."""
    return session.get_bind().dialect.name == "sqlite"


def load_step(session: Session, task_id: int) -> LoadedStep:
    """A step about to be changed: its dossier is locked first (one lock order everywhere: dossier, then rows);
    one statement on SQLite, two on PostgreSQL."""
    if _locked_at_begin(session):
        rows = session.execute(_DOSSIER_WITH_STEPS, {"task_id": task_id}).all()
        dossier = rows[0][0] if rows else None
        steps = [row[1] for row in rows]
    else:
        dossier = session.scalars(_LOCK_BY_TASK, {"task_id": task_id}).first()
        steps = [] if dossier is None else list(session.scalars(_STEPS_UNDER_LOCK,
                                                               {"dossier_id": dossier.id, "task_id": task_id}))
    task = next((t for t in steps if t.id == task_id), None)
    if task is None:
        raise NotFound(f"Không tìm thấy bước xử lý #{task_id}.", message_en=f"No task #{task_id}.")
    for step in steps:
        set_committed_value(step, "dossier", dossier)  # the locked row, not a second SELECT on first use
    return LoadedStep(task, [t for t in steps if t.state in OPEN_TASK_STATES])


def load_task(session: Session, task_id: int) -> Task:
    """A step about to be changed, its dossier locked (see ``load_step``)."""
    return load_step(session, task_id).task


def task_of(session: Session, dossier: Dossier, task_id: int) -> Task:
    """A step of a dossier whose lock the caller holds, fresh from the database."""
    task = session.get(Task, task_id, populate_existing=True)
    set_committed_value(task, "dossier", dossier)  # the locked row, not a second SELECT on first use
    return task


def dossier_tasks(session: Session, dossier: Dossier) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.dossier_id == dossier.id).order_by(Task.id)))


def compiled_for(dossier: Dossier) -> CompiledProcedure:
    """The dossier's parsed procedure; versions never change, so a known version id skips loading its row."""
    session = object_session(dossier)
    bind = session.get_bind() if session is not None and dossier.procedure_version_id is not None else None
    compiled = SPEC_CACHE.known(bind, dossier.procedure_version_id) if bind is not None else None
    if compiled is None:
        compiled = SPEC_CACHE.get(dossier.procedure_version)
        if bind is not None:
            SPEC_CACHE.remember(bind, dossier.procedure_version_id, compiled)
    return compiled


class LiveWorkflows:
    """Workflows as the last committed change left them, by dossier id with the state they were stored as:
    the next step on a dossier skips deserialising when the stored state is still exactly those bytes (any
    change to the workflow, in any process, changes them; steps that leave the workflow alone, such as a
    claim, keep the hit). A workflow is taken out while a transaction works on it and put back only once that
    transaction has committed, so any failure simply drops it: the stored state stays the truth."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[int, tuple[bytes, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def take(self, dossier_id: int, state: bytes):
        with self._lock:
            entry = self._items.pop(dossier_id, None)
            if entry is not None and entry[0] == state:
                self.hits += 1
                return entry[1]
            self.misses += 1
            return None

    def put(self, dossier_id: int, state: bytes, workflow) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[dossier_id] = (state, workflow)
            self._items.move_to_end(dossier_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


LIVE_WORKFLOWS = LiveWorkflows(env_int("MOTCUA_LIVE_WORKFLOWS", 2000, minimum=0))  # 0: no cache
_SAVED = "motcua_saved_workflows"


def load_workflow(dossier: Dossier):
    """The dossier's workflow for a change: the live one if its version is current, else deserialised."""
    compiled = compiled_for(dossier)
    workflow = LIVE_WORKFLOWS.take(dossier.id, dossier.workflow_state) if dossier.id is not None else None
    return compiled, workflow if workflow is not None else load_state(dossier.workflow_state, compiled)


def save_workflow(dossier: Dossier, workflow) -> None:
    dossier.workflow_state = dump_state(workflow)
    session = object_session(dossier)
    if session is not None:
        session.info.setdefault(_SAVED, {})[id(dossier)] = (dossier, workflow)


@event.listens_for(Session, "after_commit")
def _keep_live(session: Session) -> None:
    for dossier, workflow in session.info.pop(_SAVED, {}).values():
        LIVE_WORKFLOWS.put(dossier.id, dossier.workflow_state, workflow)


@event.listens_for(Session, "after_rollback")
def _drop_live(session: Session) -> None:
    session.info.pop(_SAVED, None)
