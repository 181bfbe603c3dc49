"""Working calendar (DOMAIN §5): the spec's examples, VN holidays 2026, classification, and properties."""

from __future__ import annotations

import time as wallclock
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.clock.calendar import LOCAL_TZ, CalendarConfig, WorkingCalendar
from engine.clock.durations import WorkDuration, parse_duration
from engine.enums import Outcome
from engine.errors import InvalidDuration, InvalidInput

CAL = WorkingCalendar()


def L(y, m, d, hh=0, mm=0, ss=0):
    """A local (Asia/Ho_Chi_Minh) instant."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=LOCAL_TZ)


# 2026-03-02 is a Monday with no holiday in its week or the next.
MON, TUE, WED, THU, FRI, SAT, SUN, NEXT_MON = (date(2026, 3, 2) + timedelta(days=i) for i in range(8))


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return L(d.year, d.month, d.day, hh, mm)


# --- DOMAIN §5 examples ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, duration, expected",
    [
        (at(MON, 10), "P3D", at(THU, 10)),
        (at(FRI, 16), "P1D", at(NEXT_MON, 16)),
        (at(SAT, 9), "PT2H", at(NEXT_MON, 9, 30)),
        (at(MON, 11), "PT1H", at(MON, 13, 30)),
        (at(MON, 10), "PT1H30M", at(MON, 11, 30)),  # exhausted exactly at a period end: stays there
        (at(MON, 7, 30), "P1D", at(MON, 17)),
        (at(MON, 11, 30), "PT30M", at(MON, 13, 30)),  # a period end is outside working time
        (at(MON, 17), "PT1M", at(TUE, 7, 31)),
        (at(MON, 6, 50), "PT1H", at(MON, 8, 30)),
        (L(2026, 11, 20, 16), "P1D", L(2026, 11, 23, 16)),
    ],
)
def test_add_examples(start, duration, expected):
    assert CAL.add(start, duration) == expected
    assert CAL.add(start, parse_duration(duration)) == expected


def test_add_zero_returns_t_even_outside_working_time():
    assert CAL.add(at(SAT, 9), "PT0M") == at(SAT, 9)
    assert CAL.add(at(MON, 12), WorkDuration(minutes=0)) == at(MON, 12)


def test_add_same_day():
    assert CAL.add(at(MON, 14), "same_day") == at(MON, 17)
    assert CAL.add(at(SAT, 9), "same_day") == at(NEXT_MON, 17)
    assert CAL.add(at(MON, 17), "same_day") == at(TUE, 17)


def test_accepts_any_timezone_and_returns_local():
    start = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)  # Mon 10:00 local
    result = CAL.add(start, "P3D")
    assert result == at(THU, 10) and result.utcoffset() == timedelta(hours=7)
    assert result.tzinfo == LOCAL_TZ


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add(datetime(2026, 3, 2, 10), "P1D"),
        lambda: CAL.next_working_instant(datetime(2026, 3, 2, 10)),
        lambda: CAL.working_minutes_between(at(MON, 8), datetime(2026, 3, 2, 10)),
        lambda: CAL.effective_receipt(datetime(2026, 3, 2, 10)),
        lambda: CAL.classify(datetime(2026, 3, 2, 10), at(MON, 17)),
        lambda: CAL.add("2026-03-02T10:00+07:00", "P1D"),
        lambda: CAL.end_of_working_day(at(SAT, 9)),
        lambda: CAL.effective_receipt(at(MON, 9), cutoff="3pm"),
        lambda: CAL.add(at(MON, 9), WorkDuration(minutes=-5)),
    ],
)
def test_invalid_input_is_refused(call):
    with pytest.raises(InvalidInput):
        call()


def test_invalid_duration_string():
    with pytest.raises(InvalidDuration):
        CAL.add(at(MON, 9), "3 days")


def test_long_durations_are_fast_and_exact():
    began = wallclock.perf_counter()
    for _ in range(50):
        far = CAL.add(at(MON, 10), "P200D")
    assert wallclock.perf_counter() - began < 1.0
    assert CAL.working_minutes_between(at(MON, 10), far) == 200 * 480
    assert CAL.add(at(MON, 10), "P20D") == at(MON + timedelta(days=28), 10)


# --- days, periods, instants -----------------------------------------------------------------


def test_working_periods():
    assert CAL.working_periods(MON) == [(at(MON, 7, 30), at(MON, 11, 30)), (at(MON, 13), at(MON, 17))]
    assert CAL.working_periods(SAT) == [] and CAL.working_periods(SUN) == []
    assert CAL.end_of_working_day(MON) == at(MON, 17)


def test_next_working_instant():
    assert CAL.next_working_instant(at(MON, 10)) == at(MON, 10)
    assert CAL.next_working_instant(at(MON, 7, 30)) == at(MON, 7, 30)
    assert CAL.next_working_instant(at(MON, 11, 30)) == at(MON, 13)
    assert CAL.next_working_instant(at(MON, 17)) == at(TUE, 7, 30)
    assert CAL.next_working_instant(at(FRI, 18)) == at(NEXT_MON, 7, 30)


def test_working_minutes_between():
    assert CAL.working_minutes_between(at(MON, 7, 30), at(TUE, 7, 30)) == 480
    assert CAL.working_minutes_between(at(FRI, 16), at(NEXT_MON, 8)) == 90
    assert CAL.working_minutes_between(at(MON, 11), at(MON, 13, 30)) == 60
    assert CAL.working_minutes_between(at(TUE, 9), at(MON, 9)) == 0
    assert CAL.working_minutes_between(at(MON, 9), at(MON, 9)) == 0


def test_custom_periods_and_weekdays():
    cal = WorkingCalendar(CalendarConfig(periods=[(time(8), time(12))], weekdays={0, 1, 2, 3, 4, 5}))
    assert cal.is_working_day(SAT) and not cal.is_working_day(SUN)
    assert cal.add(at(FRI, 11), "P1D") == at(NEXT_MON, 11)  # P1D is 8 working hours: two 4-hour days
    assert cal.add(at(MON, 10), "PT3H") == at(TUE, 9)


@pytest.mark.parametrize(
    "config",
    [
        dict(periods=((time(13), time(17)), (time(7, 30), time(11, 30)))),  # out of order
        dict(periods=((time(8), time(12)), (time(11), time(17)))),  # overlapping
        dict(periods=((time(12), time(8)),)),
        dict(periods=()),
        dict(weekdays=frozenset()),
        dict(weekdays=frozenset({7})),
    ],
)
def test_bad_config_is_refused(config):
    with pytest.raises(InvalidInput):
        CalendarConfig(**config)


# --- cut-off and effective receipt ------------------------------------------------------------


@pytest.mark.parametrize(
    "received, cutoff, expected",
    [
        (at(MON, 6, 50), None, at(MON, 7, 30)),
        (at(MON, 12), None, at(MON, 13)),
        (at(MON, 12), time(15), at(MON, 13)),
        (at(MON, 10), time(15), at(MON, 10)),
        (at(MON, 15), time(15), at(MON, 15)),  # at the cut-off is not after it
        (L(2026, 3, 2, 15, 0, 40), time(15), L(2026, 3, 2, 15, 0, 40)),  # minute precision
        (at(MON, 15, 1), time(15), at(TUE, 7, 30)),
        (at(MON, 15, 30), "15:00", at(TUE, 7, 30)),
        (at(MON, 17, 30), None, at(TUE, 7, 30)),
        (at(FRI, 15, 30), time(15), at(NEXT_MON, 7, 30)),
        (at(SAT, 9), None, at(NEXT_MON, 7, 30)),
        (at(SUN, 6), time(15), at(NEXT_MON, 7, 30)),
        (L(2026, 4, 30, 10), None, L(2026, 5, 4, 7, 30)),  # holiday
    ],
)
def test_effective_receipt(received, cutoff, expected):
    assert CAL.effective_receipt(received, cutoff) == expected


def test_due_same_day_with_and_without_cutoff():
    assert CAL.due(at(MON, 15, 30), "same_day", time(15)) == at(TUE, 17)
    assert CAL.due(at(MON, 14), "same_day", time(15)) == at(MON, 17)
    assert CAL.due(at(MON, 15, 30), "same_day") == at(MON, 17)
    assert CAL.due(at(MON, 17, 10), "same_day") == at(TUE, 17)
    assert CAL.due(at(SAT, 9), "same_day", time(15)) == at(NEXT_MON, 17)


def test_due_with_duration():
    assert CAL.due(at(SAT, 9), "P1D") == at(NEXT_MON, 17)
    assert CAL.due(at(MON, 10), "P3D", time(15)) == at(THU, 10)
    # Tue 07:30 + 3 working days is used up exactly at Thu 17:00, which is the appointment.
    assert CAL.due(at(MON, 15, 30), "P3D", time(15)) == at(THU, 17)


# --- Vietnamese holidays 2026 -------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 1, 1), False),
        *[(date(2026, 2, d), False) for d in range(16, 21)],  # Tết
        (date(2026, 2, 23), True),
        (date(2026, 4, 27), False),  # Hùng Kings' day (Sun 26/4) observed
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        (date(2026, 8, 22), True),  # make-up Saturday
        (date(2026, 8, 31), False),  # substituted from 22/8
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
    ],
)
def test_public_holidays(day, working):
    assert CAL.is_working_day(day) is working
    assert bool(CAL.working_periods(day)) is working


@pytest.mark.parametrize(
    "start, expected",
    [
        (L(2026, 2, 13, 16), L(2026, 2, 23, 16)),  # across Tết
        (L(2026, 4, 24, 16), L(2026, 4, 28, 16)),  # across Hùng Kings' day
        (L(2026, 4, 29, 16), L(2026, 5, 4, 16)),  # across 30/4 and 1/5
        (L(2026, 8, 21, 16), L(2026, 8, 22, 16)),  # onto the make-up Saturday
        (L(2026, 8, 28, 16), L(2026, 9, 3, 16)),  # across 31/8, 1/9, 2/9
        (L(2025, 12, 31, 16), L(2026, 1, 2, 16)),  # across New Year
    ],
)
def test_add_across_holidays(start, expected):
    assert CAL.add(start, "P1D") == expected


def test_configured_extra_holiday_and_working_day():
    cal = WorkingCalendar(CalendarConfig(extra_holidays=frozenset({NEXT_MON}), extra_working_days=frozenset({SAT})))
    assert not cal.is_working_day(NEXT_MON) and cal.is_working_day(SAT)
    assert cal.add(at(FRI, 16), "P1D") == at(SAT, 16)
    assert cal.add(at(SAT, 16), "P1D") == at(NEXT_MON + timedelta(days=1), 16)
    # A configured working day wins even over a public holiday.
    assert WorkingCalendar(CalendarConfig(extra_working_days={date(2026, 2, 16)})).is_working_day(date(2026, 2, 16))


def test_without_public_holidays():
    cal = WorkingCalendar(CalendarConfig(use_public_holidays=False))
    assert cal.is_working_day(date(2026, 2, 16)) and not cal.is_working_day(date(2026, 8, 22))
    assert cal.add(L(2026, 2, 13, 16), "P1D") == L(2026, 2, 16, 16)


# --- classification and pause -------------------------------------------------------------------


@pytest.mark.parametrize(
    "finished, outcome",
    [
        (L(2026, 2, 27, 9), Outcome.EARLY),  # the Friday before
        (at(MON, 16, 59), Outcome.EARLY),
        (at(TUE, 8), Outcome.ON_TIME),
        (at(TUE, 10), Outcome.ON_TIME),  # exactly the due instant
        (at(TUE, 10, 1), Outcome.LATE),  # one minute after
        (at(WED, 8), Outcome.LATE),
        (datetime(2026, 3, 3, 3, 0, tzinfo=timezone.utc), Outcome.ON_TIME),  # = Tue 10:00 local
        (datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc), Outcome.ON_TIME),  # UTC date earlier, local not
    ],
)
def test_classify(finished, outcome):
    assert CAL.classify(finished, at(TUE, 10)) is outcome


def test_push():
    # Paused Mon 16:00 -> Tue 09:00: 60 + 90 = 150 working minutes.
    assert CAL.push(at(WED, 10), at(MON, 16), at(TUE, 9)) == at(WED, 14)
    assert CAL.push(at(WED, 10), at(FRI, 17), at(NEXT_MON, 7, 30)) == at(WED, 10)  # weekend: nothing elapsed
    assert CAL.push(at(MON, 17), at(MON, 9), at(MON, 9, 30)) == at(TUE, 8)
    assert CAL.push(at(WED, 10), at(TUE, 9), at(TUE, 9)) == at(WED, 10)


# --- properties --------------------------------------------------------------------------------

BASE = L(2025, 12, 1)
PROPS = settings(max_examples=150, deadline=None)
instants = st.integers(0, 600 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))
precise_instants = st.integers(0, 600 * 24 * 3600 * 10**6).map(lambda us: BASE + timedelta(microseconds=us))
durations = st.integers(0, 480 * 40).map(lambda m: WorkDuration(minutes=m))


def inside_or_at_period_end(t: datetime) -> bool:
    return any(start < t <= end for start, end in CAL.working_periods(t.date()))


@PROPS
@given(precise_instants, durations)
def test_add_lands_in_working_time_or_at_a_period_end(t, d):
    result = CAL.add(t, d)
    if d.minutes == 0:
        assert result == t
    else:
        assert result > t and inside_or_at_period_end(result)


@PROPS
@given(instants, instants, durations)
def test_add_is_monotonic_in_t(t1, t2, d):
    t1, t2 = sorted((t1, t2))
    assert CAL.add(t1, d) <= CAL.add(t2, d)


@PROPS
@given(instants, durations, durations)
def test_add_is_monotonic_in_duration(t, d1, d2):
    d1, d2 = sorted((d1, d2), key=lambda d: d.minutes)
    assert CAL.add(t, d1) <= CAL.add(t, d2)


@PROPS
@given(precise_instants, durations)
def test_add_consumes_exactly_the_duration(t, d):
    # Holds for any t, not only inside working time: time skipped before the first period is not working time.
    assert CAL.working_minutes_between(t, CAL.add(t, d)) == d.minutes


@PROPS
@given(instants, durations, durations)
def test_add_composes(t, a, b):
    # Exact for all a, b >= 0: an intermediate result at a period end restarts at the next period's start,
    # which is where the single addition would have continued.
    assert CAL.add(CAL.add(t, a), b) == CAL.add(t, WorkDuration(minutes=a.minutes + b.minutes))


@PROPS
@given(instants, st.sampled_from([None, time(15), time(11, 45)]))
def test_effective_receipt_is_a_working_instant_not_before_receipt(t, cutoff):
    effective = CAL.effective_receipt(t, cutoff)
    assert effective >= t and CAL.next_working_instant(effective) == effective
    assert CAL.effective_receipt(effective) == effective
    assert CAL.due(t, "same_day", cutoff) == CAL.end_of_working_day(effective.date())


@PROPS
@given(precise_instants, precise_instants)
def test_classify_consistency(finished, due):
    outcome = CAL.classify(finished, due)
    local_f, local_d = finished.astimezone(LOCAL_TZ), due.astimezone(LOCAL_TZ)
    assert (outcome is Outcome.LATE) == (finished > due)
    assert (outcome is Outcome.EARLY) == (finished <= due and local_f.date() < local_d.date())
    assert CAL.classify(due, due) is Outcome.ON_TIME


@PROPS
@given(instants, instants, durations)
def test_push(due, paused_from, pause):
    assert CAL.push(due, paused_from, paused_from) == due
    assert CAL.push(due, paused_from, paused_from - timedelta(hours=1)) == due
    resumed = CAL.add(paused_from, pause)
    # From a working instant, pushing a due instant = adding the pause to the original duration.
    start = CAL.next_working_instant(due)
    original = WorkDuration(minutes=480)
    pushed = CAL.push(CAL.add(start, original), paused_from, resumed)
    assert pushed == CAL.add(start, WorkDuration(minutes=original.minutes + pause.minutes))
