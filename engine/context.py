"""The application context handed to every use case: database, clock, calendar and spec caches.

The clock is injectable so tests (and the sweep) drive time without sleeping.
"""

from __future__ import annotations

import threading
import time as _time
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock.calendar import CalendarConfig, WorkingCalendar
from engine.db.models import CalendarDay
from engine.db.session import Database

CALENDAR_RELOAD_SECONDS = 60.0


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class EngineContext:
    def __init__(self, db: Database | None = None, clock: Callable[[], datetime] = system_clock):
        self.db = db or Database()
        self.clock = clock
        self._calendar: WorkingCalendar | None = None
        self._calendar_loaded_at = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        value = self.clock()
        if value.tzinfo is None:
            raise ValueError("the clock must return aware datetimes")
        return value.astimezone(timezone.utc)

    def calendar(self, session: Session | None = None) -> WorkingCalendar:
        """The working calendar with the configured extra holidays and working days (reloaded periodically,
        so several processes pick up an administrator's change within a minute)."""
        with self._lock:
            fresh = _time.monotonic() - self._calendar_loaded_at < CALENDAR_RELOAD_SECONDS
            if self._calendar is not None and fresh:
                return self._calendar
        if session is not None:
            calendar = self._load_calendar(session)
        else:
            with self.db.transaction() as own:
                calendar = self._load_calendar(own)
        with self._lock:
            self._calendar, self._calendar_loaded_at = calendar, _time.monotonic()
        return calendar

    def invalidate_calendar(self) -> None:
        with self._lock:
            self._calendar = None

    @staticmethod
    def _load_calendar(session: Session) -> WorkingCalendar:
        days = session.scalars(select(CalendarDay)).all()
        return WorkingCalendar(
            CalendarConfig(
                extra_holidays=frozenset(d.day for d in days if not d.working),
                extra_working_days=frozenset(d.day for d in days if d.working),
            )
        )
