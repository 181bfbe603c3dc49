"""Working-time durations (DOMAIN §5): ISO 8601 strings whose days are 8 working hours, or ``same_day``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import InvalidDuration

SAME_DAY = "same_day"
WORKING_HOURS_PER_DAY = 8
MINUTES_PER_WORKING_DAY = WORKING_HOURS_PER_DAY * 60

# Only the units that make sense for working time: no years/months/weeks (their length in working
# days is ambiguous); days count as WORKING_HOURS_PER_DAY working hours.
_ISO = re.compile(
    r"^P(?!$)(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


@dataclass(frozen=True)
class WorkDuration:
    """A parsed duration: either ``same_day`` or a number of working minutes."""

    minutes: int = 0
    same_day: bool = False
    text: str = ""

    def __str__(self) -> str:
        return self.text or (SAME_DAY if self.same_day else f"PT{self.minutes}M")

    def describe_vi(self) -> str:
        if self.same_day:
            return "trong ngày làm việc tiếp nhận"
        days, rest = divmod(self.minutes, MINUTES_PER_WORKING_DAY)
        hours, minutes = divmod(rest, 60)
        parts = []
        if days:
            parts.append(f"{days} ngày làm việc")
        if hours:
            parts.append(f"{hours} giờ làm việc")
        if minutes or not parts:
            parts.append(f"{minutes} phút làm việc")
        return " ".join(parts)

    @property
    def budget_minutes(self) -> int:
        """Working minutes this duration allows at most (``same_day`` allows one working day)."""
        return MINUTES_PER_WORKING_DAY if self.same_day else self.minutes


def parse_duration(text: str) -> WorkDuration:
    """Parse ``same_day`` or an ISO 8601 duration made of D/H/M/S parts; raise InvalidDuration otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidDuration(
            "Thời hạn trống: hãy ghi thời hạn dạng ISO 8601 (ví dụ P3D, PT4H) hoặc same_day.",
            message_en="Empty duration: use ISO 8601 (e.g. P3D, PT4H) or same_day.",
        )
    value = text.strip()
    if value == SAME_DAY:
        return WorkDuration(same_day=True, text=SAME_DAY)
    match = _ISO.match(value.upper())
    if not match:
        raise InvalidDuration(
            f"Thời hạn '{value}' không đúng dạng ISO 8601: dùng PnD (n ngày làm việc), PTnH (n giờ), "
            "PTnM (n phút) hoặc same_day.",
            message_en=f"Duration '{value}' is not ISO 8601: use PnD (working days), PTnH, PTnM or same_day.",
            details={"duration": value},
        )
    days, hours, minutes, seconds = (int(match.group(g) or 0) for g in ("days", "hours", "minutes", "seconds"))
    if seconds % 60:
        raise InvalidDuration(
            f"Thời hạn '{value}' có giây lẻ: thời hạn làm việc tính đến phút.",
            message_en=f"Duration '{value}' has odd seconds: working time is counted in minutes.",
            details={"duration": value},
        )
    total = days * MINUTES_PER_WORKING_DAY + hours * 60 + minutes + seconds // 60
    return WorkDuration(minutes=total, text=value)
