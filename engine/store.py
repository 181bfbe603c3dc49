"""Loading a dossier and its workflow inside a transaction, and saving the workflow back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Dossier, Task
from engine.errors import NotFound
from engine.runtime import SPEC_CACHE, CompiledProcedure, dump_state, load_state


def dossier_not_found(code: str) -> NotFound:
    return NotFound(f"Không tìm thấy hồ sơ '{code}'.", message_en=f"No dossier '{code}'.")


def load_dossier(session: Session, code: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    if dossier is None:
        raise dossier_not_found(code)
    return dossier


def load_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"Không tìm thấy bước xử lý #{task_id}.", message_en=f"No task #{task_id}.")
    return task


def dossier_tasks(session: Session, dossier: Dossier) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.dossier_id == dossier.id).order_by(Task.id)))


def compiled_for(dossier: Dossier) -> CompiledProcedure:
    return SPEC_CACHE.get(dossier.procedure_version)


def load_workflow(dossier: Dossier):
    compiled = compiled_for(dossier)
    return compiled, load_state(dossier.workflow_state, compiled)


def save_workflow(dossier: Dossier, workflow) -> None:
    dossier.workflow_state = dump_state(workflow)
