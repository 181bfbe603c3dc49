"""Who hears of a step or a unit's record: role holders of an agency (and unit), the unit's heads, and
the agency's leaders when a unit has no head."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Unit, User, UserRole
from engine.enums import Role


def role_holders(session: Session, role: Role, agency_id: int, unit_id: int | None = None) -> list[User]:
    query = (select(User).join(UserRole, UserRole.user_id == User.id)
             .where(User.active.is_(True), User.agency_id == agency_id, UserRole.role == role.value))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return list(session.scalars(query.order_by(User.id)))


def heads_of(session: Session, agency_id: int, unit_id: int | None) -> list[User]:
    """The unit's heads; the agency's leaders when there is no unit or nobody heads it."""
    heads = role_holders(session, Role.UNIT_HEAD, agency_id, unit_id) if unit_id is not None else []
    return heads or role_holders(session, Role.LEADER, agency_id)


def unit_names(session: Session, unit_ids) -> dict[int, str]:
    ids = {u for u in unit_ids if u is not None}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()) if ids else {}


def unit_label(session: Session, unit_id: int | None, fallback: str) -> str:
    return unit_names(session, [unit_id]).get(unit_id) or fallback
