"""Who is acting: a snapshot of a user's identity, agency, unit and roles, checked by engine.org.authz."""

from __future__ import annotations

from dataclasses import dataclass

from engine.db.models import User
from engine.enums import Role

SYSTEM_NAME = "system"


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    full_name: str
    agency_id: int
    unit_id: int | None
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            agency_id=user.agency_id,
            unit_id=user.unit_id,
            roles=frozenset(Role(r.role) for r in user.roles),
        )
