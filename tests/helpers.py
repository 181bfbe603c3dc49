"""Helpers shared by the service-level tests."""

from __future__ import annotations

from sqlalchemy import select

from engine.db.models import AuditEntry, Dossier, Event, Nonconformity, Task
from engine.dossiers.reception import receive
from engine.enums import OPEN_TASK_STATES

KHAI_SINH = "1.001193"  # same_day, 15:00 cut-off, commune
HO_KINH_DOANH = "2.000720"  # P3D, commune
XA_DESK = "xa.motcua"


def applicant(name: str = "Trần Thị Bình") -> dict:
    return {"name": name, "id_number": "001199001234", "phone": "0987654321", "email": "binh@example.org",
            "address": "Thôn Tây, xã An Bình"}


def request(procedure_code: str = KHAI_SINH, **extra) -> dict:
    return {"procedure_code": procedure_code, "applicant": applicant(), "channel": "desk",
            "documents": ["Tờ khai", "Giấy chứng sinh"], "data": {}, **extra}


def receive_sample(ctx, people, procedure_code: str = KHAI_SINH, desk: str = XA_DESK, **extra):
    return receive(ctx, people(desk), request(procedure_code, **extra))


def open_tasks(ctx, code: str) -> list[Task]:
    with ctx.db.transaction() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        return list(session.scalars(select(Task).where(
            Task.dossier_id == dossier.id, Task.state.in_(list(OPEN_TASK_STATES))).order_by(Task.id)))


def all_tasks(ctx, code: str) -> list[Task]:
    with ctx.db.transaction() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        return list(session.scalars(select(Task).where(Task.dossier_id == dossier.id).order_by(Task.id)))


def dossier(ctx, code: str) -> Dossier:
    with ctx.db.transaction() as session:
        return session.scalar(select(Dossier).where(Dossier.code == code))


def events(ctx, code: str) -> list[Event]:
    with ctx.db.transaction() as session:
        d = session.scalar(select(Dossier).where(Dossier.code == code))
        return list(session.scalars(select(Event).where(Event.dossier_id == d.id).order_by(Event.seq)))


def event_kinds(ctx, code: str) -> list[str]:
    return [e.kind for e in events(ctx, code)]


def nonconformities(ctx, code: str) -> list[Nonconformity]:
    with ctx.db.transaction() as session:
        d = session.scalar(select(Dossier).where(Dossier.code == code))
        return list(session.scalars(select(Nonconformity).where(Nonconformity.dossier_id == d.id)))


def denials(ctx) -> list[AuditEntry]:
    with ctx.db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False)).order_by(AuditEntry.id)))
