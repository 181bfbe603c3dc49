"""Column types shared by the models: instants are stored as naive UTC, returned aware."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, JSON
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Store UTC without tz info (portable across SQLite and PostgreSQL), hand back aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


# Portable JSON (JSONB on PostgreSQL would be a later optimisation; queries never look inside).
JSONData = JSON().with_variant(JSON(), "sqlite")
