"""Dossier codes (DOMAIN §4): ``{agency_code}-{YYMMDD}-{NNNN}``, gap-free per agency and local day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.calendar import LOCAL_TZ
from engine.db.models import DossierCounter

SEQUENCE_DIGITS = 4


def format_code(agency_code: str, local_day: str, seq: int) -> str:
    return f"{agency_code}-{local_day}-{seq:0{SEQUENCE_DIGITS}d}"


def next_code(session: Session, agency_id: int, agency_code: str, at: datetime) -> str:
    """Take the next number inside the caller's transaction: the counter row is locked until commit
    (PostgreSQL row lock; SQLite holds the write lock from BEGIN IMMEDIATE), so a rolled-back
    reception gives its number back and concurrent ones never share one."""
    day = at.astimezone(LOCAL_TZ).strftime("%y%m%d")
    for _ in range(2):
        result = session.execute(
            update(DossierCounter)
            .where(DossierCounter.agency_id == agency_id, DossierCounter.day == day)
            .values(last=DossierCounter.last + 1)
            .returning(DossierCounter.last)
        ).scalar_one_or_none()
        if result is not None:
            return format_code(agency_code, day, result)
        try:
            with session.begin_nested():
                session.execute(insert(DossierCounter).values(agency_id=agency_id, day=day, last=1))
            return format_code(agency_code, day, 1)
        except IntegrityError:
            continue  # another reception created the row first: take the next number from it
    raise RuntimeError("could not allocate a dossier number")  # unreachable in practice


