"""Dossier codes (DOMAIN §4): ``{agency_code}-{YYMMDD}-{NNNN}``, gap-free per agency and local day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.clock.calendar import LOCAL_TZ
from engine.db.models import DossierCounter

SEQUENCE_DIGITS = 4
_TAKE_NUMBER = (update(DossierCounter)  # built once: every reception runs it
                .where(DossierCounter.agency_id == bindparam("for_agency"), DossierCounter.day == bindparam("for_day"))
                .values(last=DossierCounter.last + 1).returning(DossierCounter.last))


def format_code(agency_code: str, local_day: str, seq: int) -> str:
    return f"{agency_code}-{local_day}-{seq:0{SEQUENCE_DIGITS}d}"


def next_code(session: Session, agency_id: int, agency_code: str, at: datetime) -> str:
    """Take the next number inside the caller's transaction: the counter row is locked until commit
    (PostgreSQL row lock; SQLite holds the write lock from BEGIN IMMEDIATE), so a rolled-back
    reception gives its number back and concurrent ones never share one."""
    day = at.astimezone(LOCAL_TZ).strftime("%y%m%d")
    for _ in range(2):
        result = session.execute(_TAKE_NUMBER, {"for_agency": agency_id, "for_day": day}).scalar_one_or_none()
        if result is not None:
            return format_code(agency_code, day, result)
        try:
            with session.begin_nested():
                session.execute(insert(DossierCounter).values(agency_id=agency_id, day=day, last=1))
            return format_code(agency_code, day, 1)
        except IntegrityError:
            continue  # another reception created the row first: take the next number from it
    raise RuntimeError("could not allocate a dossier number")  # unreachable in practice


