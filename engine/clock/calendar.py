"""Working calendar (DOMAIN §5): working days, working periods, deadlines and their classification.

Pure functions of a ``CalendarConfig``: no database, no web. Every public method takes aware
datetimes (naive ones are ambiguous, so they are refused) and returns aware datetimes in LOCAL_TZ;
callers store UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from engine.clock.durations import WorkDuration, parse_duration
from engine.enums import Outcome
from engine.errors import InvalidInput

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# A guard, not a rule: a configuration with no working day in ten years is broken, and looping
# forever on it would hang a request instead of reporting the problem.
_MAX_SEARCH_DAYS = 3660
_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class CalendarConfig:
    """The agency's working calendar; hashable so calendars built from equal configs are interchangeable."""

    periods: tuple[tuple[time, time], ...] = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    extra_holidays: frozenset[date] = frozenset()  # configured non-working days
    extra_working_days: frozenset[date] = frozenset()  # configured worked days (make-up Saturday)
    use_public_holidays: bool = True  # VN public holidays from the `holidays` package

    def __post_init__(self):
        # Normalise lists/sets coming from JSON or the database, so the config stays hashable.
        object.__setattr__(self, "periods", tuple((s, e) for s, e in self.periods))
        for name in ("weekdays", "extra_holidays", "extra_working_days"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        previous_end = None
        for start, end in self.periods:
            if start.tzinfo or end.tzinfo or not start < end or (previous_end is not None and start < previous_end):
                raise InvalidInput(
                    "Giờ làm việc không hợp lệ: mỗi ca phải có giờ bắt đầu trước giờ kết thúc, "
                    "các ca theo thứ tự và không chồng lấn.",
                    message_en="Invalid working periods: each must start before it ends, in order, "
                    "without overlap.",
                    details={"periods": [[s.isoformat(), e.isoformat()] for s, e in self.periods]},
                )
            previous_end = end
        if not self.periods or not self.weekdays or not self.weekdays <= set(range(7)):
            raise InvalidInput(
                "Lịch làm việc cần ít nhất một ca và ít nhất một ngày làm việc trong tuần "
                "(0 = thứ Hai ... 6 = Chủ nhật).",
                message_en="The calendar needs at least one period and one weekday (0 = Monday ... 6 = Sunday).",
                details={"weekdays": sorted(self.weekdays)},
            )


@lru_cache(maxsize=None)
def _vn_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public days off, weekend days worked in compensation) for one year; building them is slow, so cache."""
    vn = holidays.VN(years=year)
    worked = frozenset(d for d in getattr(vn, "weekend_workdays", ()) if d.year == year)
    return frozenset(vn), worked


def _local(t: datetime, name: str = "t") -> datetime:
    """The same instant in LOCAL_TZ; a naive datetime has no instant, so it is refused."""
    if not isinstance(t, datetime):
        raise InvalidInput(
            f"'{name}' phải là thời điểm (datetime), nhận được {type(t).__name__}.",
            message_en=f"'{name}' must be a datetime, got {type(t).__name__}.",
            details={"field": name},
        )
    if t.tzinfo is None or t.utcoffset() is None:
        raise InvalidInput(
            f"Thời điểm '{name}' ({t.isoformat()}) thiếu múi giờ.",
            message_en=f"Datetime '{name}' ({t.isoformat()}) is naive: a time zone is required.",
            details={"field": name, "value": t.isoformat()},
        )
    return t.astimezone(LOCAL_TZ)


def _day(d: date) -> date:
    """Accept a date, or an aware datetime meaning its local date."""
    if isinstance(d, datetime):
        return _local(d, "d").date()
    if not isinstance(d, date):
        raise InvalidInput(f"'{d!r}' không phải ngày.", message_en=f"{d!r} is not a date.")
    return d


def _duration(duration: WorkDuration | str) -> WorkDuration:
    if isinstance(duration, str):
        return parse_duration(duration)
    if not isinstance(duration, WorkDuration) or duration.minutes < 0:
        raise InvalidInput(
            f"Thời hạn không hợp lệ: {duration!r}.",
            message_en=f"Invalid duration: {duration!r} (expected a WorkDuration or an ISO 8601 string).",
        )
    return duration


def _cutoff(cutoff: time | str | None) -> time | None:
    if cutoff is None or (isinstance(cutoff, time) and cutoff.tzinfo is None):
        return cutoff
    try:
        return time.fromisoformat(cutoff)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"Giờ chốt tiếp nhận '{cutoff}' không hợp lệ: dùng dạng HH:MM, ví dụ 15:00.",
            message_en=f"Invalid cut-off '{cutoff}': use HH:MM, e.g. 15:00.",
        ) from None


class WorkingCalendar:
    """Working-time arithmetic over one CalendarConfig. Periods are half-open: [start, end)."""

    def __init__(self, config: CalendarConfig | None = None):
        self.config = config or CalendarConfig()
        # Per-instance caches: these are called for every deadline, report row and inbox line.
        self._working_day = lru_cache(maxsize=8192)(self._compute_working_day)
        self._periods = lru_cache(maxsize=8192)(self._compute_periods)

    # --- days -------------------------------------------------------------------------------

    def _compute_working_day(self, d: date) -> bool:
        c = self.config
        if d in c.extra_working_days:  # configured worked days win over everything
            return True
        if d in c.extra_holidays:
            return False
        if c.use_public_holidays:
            days_off, worked = _vn_year(d.year)
            if d in days_off:
                return False
            if d in worked:
                return True
        return d.weekday() in c.weekdays

    def is_working_day(self, d: date) -> bool:
        return self._working_day(_day(d))

    def _compute_periods(self, d: date) -> tuple[tuple[datetime, datetime], ...]:
        if not self._working_day(d):
            return ()
        return tuple(
            (datetime.combine(d, s, tzinfo=LOCAL_TZ), datetime.combine(d, e, tzinfo=LOCAL_TZ))
            for s, e in self.config.periods
        )

    def working_periods(self, d: date) -> list[tuple[datetime, datetime]]:
        """The day's working periods as aware local datetimes; [] on a non-working day."""
        return list(self._periods(_day(d)))

    def _next_working_day(self, d: date) -> date:
        """The first working day strictly after d."""
        for _ in range(_MAX_SEARCH_DAYS):
            d += _ONE_DAY
            if self._working_day(d):
                return d
        raise InvalidInput(
            f"Lịch làm việc không có ngày làm việc nào trong {_MAX_SEARCH_DAYS} ngày sau {d.isoformat()}.",
            message_en=f"The calendar has no working day within {_MAX_SEARCH_DAYS} days after {d.isoformat()}.",
        )

    def end_of_working_day(self, d: date) -> datetime:
        """End of the last period of working day d; a non-working day has no end, so it is refused."""
        periods = self._periods(_day(d))
        if not periods:
            raise InvalidInput(
                f"Ngày {_day(d).isoformat()} không phải ngày làm việc.",
                message_en=f"{_day(d).isoformat()} is not a working day.",
                details={"date": _day(d).isoformat()},
            )
        return periods[-1][1]

    # --- instants ---------------------------------------------------------------------------

    def next_working_instant(self, t: datetime) -> datetime:
        """t itself if inside a working period, else the start of the next one (a period end is outside)."""
        t = _local(t)
        for start, end in self._periods(t.date()):
            if t < end:
                return max(start, t)
        return self._periods(self._next_working_day(t.date()))[0][0]

    def add(self, t: datetime, duration: WorkDuration | str) -> datetime:
        """t plus working time, consumed period by period; exhausting it exactly at a period end stops there."""
        t = _local(t)
        d = _duration(duration)
        if d.same_day:
            return self.end_of_working_day(self.next_working_instant(t).date())
        if d.minutes == 0:
            return t
        remaining = timedelta(minutes=d.minutes)
        current = self.next_working_instant(t)
        day = current.date()
        while True:  # one iteration per working day: O(days), never O(minutes)
            for start, end in self._periods(day):
                if end <= current:
                    continue
                start = max(start, current)
                if remaining <= end - start:
                    return start + remaining
                remaining -= end - start
            day = self._next_working_day(day)

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole working minutes in [a, b) (seconds are floored); 0 if b <= a."""
        a, b = _local(a, "a"), _local(b, "b")
        if b <= a:
            return 0
        total = timedelta(0)
        day = a.date()
        while day <= b.date():
            for start, end in self._periods(day):
                low, high = max(start, a), min(end, b)
                if high > low:
                    total += high - low
            day += _ONE_DAY
        return total // _ONE_MINUTE

    # --- dossiers ---------------------------------------------------------------------------

    def effective_receipt(self, received_at: datetime, cutoff: time | None = None) -> datetime:
        """When the clock starts: after the cut-off or on a day off, at the next working day's first period.

        The cut-off is compared at minute precision, as written on the receipt slip: 15:00:40 is not after 15:00.
        Otherwise (before opening, lunch break, after closing) the clock starts at the next working instant.
        """
        r = _local(received_at, "received_at")
        cutoff = _cutoff(cutoff)
        day = r.date()
        after_cutoff = cutoff is not None and r.time().replace(second=0, microsecond=0) > cutoff
        if after_cutoff or not self._working_day(day):
            return self._periods(self._next_working_day(day))[0][0]
        return self.next_working_instant(r)

    def due(self, received_at: datetime, duration: WorkDuration | str, cutoff: time | None = None) -> datetime:
        """The appointment: effective receipt + duration (same_day: end of the effective receipt's day)."""
        return self.add(self.effective_receipt(received_at, cutoff), duration)

    def push(self, due_at: datetime, paused_from: datetime, resumed_at: datetime) -> datetime:
        """Move a due instant by the working time that elapsed while the dossier was paused."""
        paused = self.working_minutes_between(paused_from, resumed_at)
        return self.add(due_at, WorkDuration(minutes=paused))

    def classify(self, finished_at: datetime, due_at: datetime) -> Outcome:
        """early: an earlier local date than the due date; on_time: not after the due instant; else late."""
        finished, due = _local(finished_at, "finished_at"), _local(due_at, "due_at")
        if finished > due:
            return Outcome.LATE
        if finished.date() < due.date():
            return Outcome.EARLY
        return Outcome.ON_TIME
