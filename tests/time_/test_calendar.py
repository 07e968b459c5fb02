"""Business calendars: hand-written cases for each feature, and a table of bad inputs."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import attrs
import pendulum
import pytest

from escalation_rules import (
    Escalate,
    EscalationRulesError,
    Event,
    EventKind,
    Issue,
    IssueError,
    NaiveDatetimeError,
    Policy,
    PolicyError,
    after,
    escalate,
    hours,
    minutes,
)
from escalation_rules._exceptions import CalendarError
from escalation_rules._time.calendar import BusinessCalendar
from escalation_rules._time.clocks import BusinessClock
from escalation_rules._time.holidays import holidays_from_package

from ..conftest import three_levels

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
OFFICE = {"mon-fri": [("09:00", "17:00")]}
ONE_MICROSECOND = timedelta(microseconds=1)

# The DST changes of 2025 (local dates, all Sundays).
SPRING_FORWARD = {
    "Europe/Berlin": date(2025, 3, 30),
    "America/New_York": date(2025, 3, 9),
    "Australia/Sydney": date(2025, 10, 5),
}
FALL_BACK = {
    "Europe/Berlin": date(2025, 10, 26),
    "America/New_York": date(2025, 11, 2),
    "Australia/Sydney": date(2025, 4, 6),
}
ZONES = sorted(SPRING_FORWARD)


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[arg-type,misc]


def utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def office(tz: str = "Europe/Berlin", **kw: object) -> BusinessCalendar:
    return BusinessCalendar(tz, OFFICE, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------ add and subtract


def test_add_within_a_day() -> None:
    cal = office()
    assert cal.add(local(BERLIN, 2025, 3, 3, 10), hours(2)) == local(BERLIN, 2025, 3, 3, 12)


def test_add_landing_on_the_close_returns_the_close() -> None:
    cal = office()
    got = cal.add(local(BERLIN, 2025, 3, 3, 9), hours(8))
    assert got == local(BERLIN, 2025, 3, 3, 17)
    assert not cal.is_open(got)


def test_add_one_microsecond_past_the_close_goes_to_the_next_morning() -> None:
    cal = office()
    got = cal.add(local(BERLIN, 2025, 3, 3, 9), hours(8) + timedelta(microseconds=1))
    assert got == local(BERLIN, 2025, 3, 4, 9, 0, 0, 1)


def test_add_from_a_closed_instant_starts_at_the_next_opening() -> None:
    cal = office()
    saturday = local(BERLIN, 2025, 3, 8, 12)
    assert cal.add(saturday, minutes(30)) == local(BERLIN, 2025, 3, 10, 9, 30)
    assert cal.add(local(BERLIN, 2025, 3, 3, 7), hours(1)) == local(BERLIN, 2025, 3, 3, 10)
    assert cal.add(local(BERLIN, 2025, 3, 3, 18), hours(1)) == local(BERLIN, 2025, 3, 4, 10)


def test_add_zero_returns_the_start_even_when_closed() -> None:
    cal = office()
    saturday = local(BERLIN, 2025, 3, 8, 12, 34, 56, 789)
    assert cal.add(saturday, timedelta(0)) == saturday
    assert cal.subtract(saturday, timedelta(0)) == saturday


def test_add_across_a_weekend() -> None:
    cal = office()
    friday = local(BERLIN, 2025, 3, 7, 15)
    assert cal.add(friday, hours(4)) == local(BERLIN, 2025, 3, 10, 11)


def test_add_a_whole_week() -> None:
    cal = office()
    start = local(BERLIN, 2025, 3, 5, 11, 15)
    assert cal.add(start, hours(40)) == local(BERLIN, 2025, 3, 12, 11, 15)


def test_add_ten_thousand_hours_is_exact() -> None:
    # 10,000 h = 250 weeks of 40 h, with no holidays: the same wall time 250 weeks on.
    cal = office()
    start = local(BERLIN, 2025, 3, 5, 11, 15)
    assert cal.add(start, hours(10_000)) == local(BERLIN, 2025, 3, 5, 11, 15) + timedelta(weeks=250)


def test_subtract_mirrors_add_and_lands_on_the_opening() -> None:
    cal = office()
    assert cal.subtract(local(BERLIN, 2025, 3, 4, 10), hours(1)) == local(BERLIN, 2025, 3, 4, 9)
    assert cal.subtract(local(BERLIN, 2025, 3, 4, 9), hours(8)) == local(BERLIN, 2025, 3, 3, 9)
    assert cal.subtract(local(BERLIN, 2025, 3, 10, 10), hours(2)) == local(BERLIN, 2025, 3, 7, 16)


def test_adding_a_negative_duration_subtracts() -> None:
    cal = office()
    start = local(BERLIN, 2025, 3, 10, 10)
    assert cal.add(start, -hours(2)) == cal.subtract(start, hours(2))
    assert cal.subtract(start, -hours(2)) == cal.add(start, hours(2))


def test_the_result_is_a_stdlib_datetime_in_the_calendars_zone() -> None:
    cal = office("America/New_York")
    start = datetime(2025, 3, 3, 14, tzinfo=UTC)  # 09:00 in New York
    got = cal.add(start, hours(1))
    assert type(got) is datetime and got.tzinfo == NEW_YORK
    assert (got.hour, got.minute) == (10, 0)


def test_pendulum_instants_and_durations_are_accepted() -> None:
    cal = office()
    start = pendulum.datetime(2025, 3, 3, 9, tz="Europe/Berlin")
    got = cal.add(start, pendulum.duration(hours=1, minutes=30))
    assert type(got) is datetime and got == local(BERLIN, 2025, 3, 3, 10, 30)
    assert cal.between(start, pendulum.datetime(2025, 3, 4, 9, tz="UTC")) == hours(9)


def test_microseconds_are_kept() -> None:
    cal = office()
    start = local(BERLIN, 2025, 3, 3, 16, 59, 59, 999_999)
    got = cal.add(start, timedelta(microseconds=2))
    assert got == local(BERLIN, 2025, 3, 4, 9, 0, 0, 1)
    assert cal.between(start, got) == timedelta(microseconds=2)


# ------------------------------------------------------------------ between


def test_between_counts_only_open_time() -> None:
    cal = office()
    assert cal.between(local(BERLIN, 2025, 3, 3, 8), local(BERLIN, 2025, 3, 4, 10)) == hours(9)
    assert cal.between(local(BERLIN, 2025, 3, 8), local(BERLIN, 2025, 3, 9)) == timedelta(0)


def test_between_is_negative_backwards() -> None:
    cal = office()
    a, b = local(BERLIN, 2025, 3, 3, 10), local(BERLIN, 2025, 3, 5, 10)
    assert cal.between(b, a) == -cal.between(a, b) == -hours(16)


def test_between_accepts_instants_in_any_zone() -> None:
    cal = office("Australia/Sydney")
    a = local(SYDNEY, 2025, 6, 2, 9).astimezone(NEW_YORK)
    b = local(SYDNEY, 2025, 6, 2, 17).astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert cal.between(a, b) == hours(8)


def test_between_a_year_apart() -> None:
    cal = office("America/New_York")
    # 2025-01-06 is a Monday; 52 weeks later is 2026-01-05, also a Monday.
    assert cal.between(local(NEW_YORK, 2025, 1, 6), local(NEW_YORK, 2026, 1, 5)) == hours(52 * 40)


# ------------------------------------------------------------------ is_open, next/previous


def test_is_open_is_half_open() -> None:
    cal = office()
    assert cal.is_open(local(BERLIN, 2025, 3, 3, 9))
    assert cal.is_open(local(BERLIN, 2025, 3, 3, 16, 59, 59, 999_999))
    assert not cal.is_open(local(BERLIN, 2025, 3, 3, 17))
    assert not cal.is_open(local(BERLIN, 2025, 3, 8, 12))


def test_next_opening() -> None:
    cal = office()
    open_instant = local(BERLIN, 2025, 3, 3, 11)
    assert cal.next_opening(open_instant) == open_instant
    assert cal.next_opening(local(BERLIN, 2025, 3, 3, 17)) == local(BERLIN, 2025, 3, 4, 9)
    assert cal.next_opening(local(BERLIN, 2025, 3, 8, 3)) == local(BERLIN, 2025, 3, 10, 9)


def test_previous_closing() -> None:
    cal = office()
    closing = local(BERLIN, 2025, 3, 3, 17)
    assert cal.previous_closing(closing) == closing
    assert cal.previous_closing(local(BERLIN, 2025, 3, 3, 20)) == closing
    assert cal.previous_closing(local(BERLIN, 2025, 3, 4, 11)) == closing
    assert cal.previous_closing(local(BERLIN, 2025, 3, 10, 8)) == local(BERLIN, 2025, 3, 7, 17)


# ------------------------------------------------------------------ DST, three zones


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(
    ("changes", "expected"), [(SPRING_FORWARD, hours(5)), (FALL_BACK, hours(7))]
)
def test_an_interval_spanning_a_change_counts_real_time(
    tz: str, changes: dict[str, date], expected: timedelta
) -> None:
    cal = BusinessCalendar(tz, {"mon-sun": [("00:00", "06:00")]})
    zone = ZoneInfo(tz)
    day = changes[tz]
    start = datetime.combine(day, time(0), tzinfo=zone)
    assert cal.between(start, start + timedelta(days=1)) == expected
    assert cal.add(start, expected) == datetime.combine(day, time(6), tzinfo=zone)


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("changes", [SPRING_FORWARD, FALL_BACK])
def test_office_weeks_around_a_change_all_hold_forty_hours(
    tz: str, changes: dict[str, date]
) -> None:
    cal = office(tz)
    zone = ZoneInfo(tz)
    monday = datetime.combine(changes[tz] - timedelta(days=13), time(0), tzinfo=zone)
    for week in range(4):
        a = monday + timedelta(weeks=week)
        assert cal.between(a, a + timedelta(weeks=1)) == hours(40)


@pytest.mark.parametrize("tz", ZONES)
def test_friday_afternoon_plus_eight_hours_across_a_change(tz: str) -> None:
    cal = office(tz)
    zone = ZoneInfo(tz)
    for change in (SPRING_FORWARD[tz], FALL_BACK[tz]):
        friday = datetime.combine(change - timedelta(days=2), time(14, 30), tzinfo=zone)
        monday = datetime.combine(change + timedelta(days=1), time(14, 30), tzinfo=zone)
        assert cal.add(friday, hours(8)) == monday
        assert cal.subtract(monday, hours(8)) == friday


def test_a_start_in_the_spring_gap_moves_forward() -> None:
    # 02:30 does not exist on 2025-03-30 in Berlin; like zoneinfo's fold=0 it is 03:30 CEST.
    cal = BusinessCalendar("Europe/Berlin", {"sun": [("02:30", "04:00")]})
    day = local(BERLIN, 2025, 3, 30)
    assert cal.next_opening(day) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert cal.between(day, day + timedelta(days=1)) == minutes(30)


def test_an_ambiguous_start_means_its_first_occurrence() -> None:
    # 02:30 happens twice on 2025-10-26 in Berlin: first at 00:30 UTC (CEST).
    cal = BusinessCalendar("Europe/Berlin", {"sun": [("02:30", "03:30")]})
    day = local(BERLIN, 2025, 10, 26)
    # (Compared in UTC: == between zones is always False for a wall time that occurs twice.)
    assert utc(cal.next_opening(day)) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    assert cal.between(day, day + timedelta(days=1)) == hours(2)  # 02:30 CEST to 03:30 CET


def test_results_in_the_repeated_hour_keep_their_fold() -> None:
    cal = BusinessCalendar.always("Europe/Berlin")
    first = datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    got = cal.add(first, hours(1))  # 02:30 CET, the second 02:30 of the night
    assert utc(got) == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    assert (got.hour, got.minute, got.fold) == (2, 30, 1)
    assert got.utcoffset() == hours(1)


def test_intervals_that_overlap_after_the_gap_count_once() -> None:
    # 01:00-02:30 runs to 03:30 CEST on spring-forward day and so overlaps 03:00-05:00.
    cal = BusinessCalendar("Europe/Berlin", {"sun": [("01:00", "02:30"), ("03:00", "05:00")]})
    day = local(BERLIN, 2025, 3, 30)
    assert cal.between(day, day + timedelta(days=1)) == hours(3)  # 00:00 UTC to 03:00 UTC
    assert cal.previous_closing(day + timedelta(hours=12)) == datetime(2025, 3, 30, 3, tzinfo=UTC)


# ------------------------------------------------------------------ every operation, three zones
#
# Berlin and New York change in March and October/November, Sydney (southern
# hemisphere) ends DST in April and starts it in October. In all three the
# spring gap holds 02:30; the repeated autumn hour is 02:00-03:00 in Berlin and
# Sydney and 01:00-02:00 in New York.

REPEATED = {
    "Europe/Berlin": time(2, 30),
    "America/New_York": time(1, 30),
    "Australia/Sydney": time(2, 30),
}


def wall(tz: str, day: date, hh: int, mm: int = 0, *, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(tz)).replace(fold=fold)


@pytest.mark.parametrize("tz", ZONES)
def test_every_operation_on_an_interval_starting_in_the_spring_gap(tz: str) -> None:
    # 02:30 does not exist: it means 03:30, so 02:30-05:00 lasts 1.5 real hours.
    day = SPRING_FORWARD[tz]
    cal = BusinessCalendar(tz, {"sun": [("02:30", "05:00")]})
    midnight, opening, closing = wall(tz, day, 0), wall(tz, day, 3, 30), wall(tz, day, 5)
    assert utc(opening) - utc(midnight) == hours(2.5)  # one hour of the night is missing
    assert cal.next_opening(midnight) == opening
    assert not cal.is_open(opening - minutes(1)) and cal.is_open(opening)
    assert cal.between(midnight, wall(tz, day, 23)) == hours(1.5)
    assert cal.between(wall(tz, day, 23), midnight) == -hours(1.5)
    assert cal.add(midnight, hours(1)) == wall(tz, day, 4, 30)
    assert cal.add(midnight, hours(1.5)) == closing
    assert cal.subtract(closing, hours(1.5)) == opening
    assert cal.previous_closing(wall(tz, day, 12)) == closing


@pytest.mark.parametrize("tz", ZONES)
def test_every_operation_on_an_interval_starting_in_the_repeated_hour(tz: str) -> None:
    # An ambiguous start means its first occurrence; the interval counts real time.
    day, start = FALL_BACK[tz], REPEATED[tz]
    cal = BusinessCalendar(tz, {"sun": [(start, time(start.hour + 2, start.minute))]})
    first = wall(tz, day, start.hour, start.minute)
    second = wall(tz, day, start.hour, start.minute, fold=1)
    closing = wall(tz, day, start.hour + 2, start.minute)
    assert utc(second) - utc(first) == hours(1)
    assert utc(cal.next_opening(wall(tz, day, 0))) == utc(first)
    assert not cal.is_open(utc(first) - minutes(1)) and cal.is_open(first)
    assert cal.is_open(second)
    assert cal.between(wall(tz, day, 0), wall(tz, day, 23)) == hours(3)
    got = cal.add(first, hours(1))  # the same wall time, the second time round
    assert utc(got) == utc(second) and (got.hour, got.minute, got.fold) == (
        start.hour,
        start.minute,
        1,
    )
    assert cal.add(first, hours(3)) == closing
    assert utc(cal.subtract(closing, hours(3))) == utc(first)
    assert cal.subtract(closing, hours(2)) == second  # unambiguous: fold=1 is in the value
    assert cal.previous_closing(wall(tz, day, 12)) == closing


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(("changes", "length"), [(SPRING_FORWARD, hours(7)), (FALL_BACK, hours(9))])
def test_every_operation_on_a_night_shift_across_a_change(
    tz: str, changes: dict[str, date], length: timedelta
) -> None:
    # Saturday 22:00 to Sunday 06:00 is 8 wall hours: 7 real ones in spring, 9 in autumn.
    sunday = changes[tz]
    saturday = sunday - timedelta(days=1)
    cal = BusinessCalendar(tz, {"sat": [("22:00", "06:00")]})
    start, end = wall(tz, saturday, 22), wall(tz, sunday, 6)
    assert cal.between(start, wall(tz, sunday, 12)) == length
    assert cal.between(wall(tz, sunday, 12), wall(tz, saturday, 12)) == -length
    assert cal.add(wall(tz, saturday, 12), length) == end  # lands on the closing
    assert cal.add(start, length + minutes(1)) == wall(tz, saturday + timedelta(days=7), 22, 1)
    assert cal.subtract(end, length) == start
    assert utc(cal.add(start, hours(5))) == utc(start) + hours(5)  # real time, inside the shift
    assert cal.is_open(wall(tz, sunday, 5, 59)) and not cal.is_open(end)
    assert cal.previous_closing(wall(tz, sunday, 12)) == end
    assert cal.next_opening(end) == wall(tz, saturday + timedelta(days=7), 22)


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("changes", [SPRING_FORWARD, FALL_BACK])
def test_office_hours_over_a_dst_weekend(tz: str, changes: dict[str, date]) -> None:
    sunday = changes[tz]
    friday, monday = sunday - timedelta(days=2), sunday + timedelta(days=1)
    cal = office(tz)
    real = utc(wall(tz, monday, 12)) - utc(wall(tz, friday, 12))
    assert real == hours(71 if changes is SPRING_FORWARD else 73)
    assert cal.between(wall(tz, friday, 12), wall(tz, monday, 12)) == hours(8)
    assert cal.between(wall(tz, monday, 12), wall(tz, friday, 12)) == -hours(8)
    assert cal.next_opening(wall(tz, friday, 17)) == wall(tz, monday, 9)
    assert cal.previous_closing(wall(tz, monday, 8)) == wall(tz, friday, 17)
    assert not cal.is_open(wall(tz, sunday, 10)) and cal.is_open(wall(tz, monday, 9))
    assert cal.add(wall(tz, friday, 9), hours(8)) == wall(tz, friday, 17)


@pytest.mark.parametrize("tz", ZONES)
def test_round_the_clock_over_both_changes(tz: str) -> None:
    cal = BusinessCalendar.always(tz)
    spring, fall = SPRING_FORWARD[tz], FALL_BACK[tz]
    day = timedelta(days=1)
    assert cal.between(wall(tz, spring, 0), wall(tz, spring + day, 0)) == hours(23)
    assert cal.between(wall(tz, fall, 0), wall(tz, fall + day, 0)) == hours(25)
    assert cal.add(wall(tz, spring, 0), hours(24)) == wall(tz, spring + day, 1)
    assert cal.add(wall(tz, fall, 0), hours(24)) == wall(tz, fall, 23)
    assert cal.subtract(wall(tz, spring + day, 1), hours(24)) == wall(tz, spring, 0)


# A real public holiday in each zone: (zone, holiday, last working day before, first after).
HOLIDAYS = [
    ("Europe/Berlin", date(2025, 10, 3), date(2025, 10, 2), date(2025, 10, 6)),  # Unity Day
    ("America/New_York", date(2025, 11, 27), date(2025, 11, 26), date(2025, 11, 28)),
    # NSW Labour Day, the Monday after the spring change: the gap spans both.
    ("Australia/Sydney", date(2025, 10, 6), date(2025, 10, 3), date(2025, 10, 7)),
]


@pytest.mark.parametrize(("tz", "holiday", "before", "after_"), HOLIDAYS)
def test_every_operation_on_a_holiday(tz: str, holiday: date, before: date, after_: date) -> None:
    cal = office(tz, holidays=[holiday])
    assert not cal.is_open(wall(tz, holiday, 10))
    assert office(tz).is_open(wall(tz, holiday, 10))
    assert cal.add(wall(tz, before, 16), hours(2)) == wall(tz, after_, 10)
    assert cal.add(wall(tz, holiday, 10), hours(1)) == wall(tz, after_, 10)
    assert cal.subtract(wall(tz, after_, 10), hours(2)) == wall(tz, before, 16)
    assert cal.between(wall(tz, before, 9), wall(tz, after_, 17)) == hours(16)
    assert cal.between(wall(tz, after_, 17), wall(tz, before, 9)) == -hours(16)
    assert cal.next_opening(wall(tz, before, 17)) == wall(tz, after_, 9)
    assert cal.next_opening(wall(tz, holiday, 10)) == wall(tz, after_, 9)
    assert cal.previous_closing(wall(tz, after_, 8)) == wall(tz, before, 17)


def test_a_half_day_and_holidays_in_sydney() -> None:
    tz = "Australia/Sydney"
    cal = office(
        tz,
        holidays=[date(2025, 12, 25), date(2025, 12, 26)],
        exceptions={date(2025, 12, 24): [("09:00", "12:00")]},
    )
    eve = date(2025, 12, 24)
    assert cal.add(wall(tz, eve, 11), hours(2)) == wall(tz, date(2025, 12, 29), 10)
    assert cal.add(wall(tz, eve, 9), hours(3)) == wall(tz, eve, 12)  # lands on the early close
    assert cal.previous_closing(wall(tz, date(2025, 12, 29), 8)) == wall(tz, eve, 12)
    assert cal.between(wall(tz, date(2025, 12, 22), 0), wall(tz, date(2025, 12, 29), 0)) == hours(
        8 + 8 + 3
    )


def test_an_exception_night_shift_across_the_autumn_change_in_new_york() -> None:
    # Extra hours on Saturday 2025-11-01 from 22:00 to 04:00: six wall hours, seven real.
    tz = "America/New_York"
    cal = office(tz, exceptions={"2025-11-01": [("22:00", "04:00")]})
    saturday, sunday = date(2025, 11, 1), date(2025, 11, 2)
    assert cal.between(wall(tz, saturday, 12), wall(tz, sunday, 12)) == hours(7)
    assert cal.add(wall(tz, saturday, 22), hours(7)) == wall(tz, sunday, 4)
    assert cal.add(wall(tz, saturday, 22), hours(8)) == wall(tz, date(2025, 11, 3), 10)
    assert not cal.is_open(wall(tz, date(2025, 11, 8), 23))  # only on that date


# ------------------------------------------------------------------ night shifts


NIGHTS = {"mon-fri": [("22:00", "06:00")]}


def test_a_night_shift_belongs_to_the_day_it_starts_on() -> None:
    cal = BusinessCalendar("America/New_York", NIGHTS)
    assert cal.is_open(local(NEW_YORK, 2025, 3, 4, 5, 59))  # Monday's shift, Tuesday morning
    assert cal.is_open(local(NEW_YORK, 2025, 3, 8, 3))  # Friday's shift, Saturday morning
    assert not cal.is_open(local(NEW_YORK, 2025, 3, 8, 22))
    assert not cal.is_open(local(NEW_YORK, 2025, 3, 3, 3))  # Monday morning: no Sunday shift
    monday = local(NEW_YORK, 2025, 3, 3, 22)
    assert cal.between(monday, monday + timedelta(days=1)) == hours(8)
    assert cal.add(monday, hours(9)) == local(NEW_YORK, 2025, 3, 4, 23)


def test_a_night_shift_across_the_spring_change() -> None:
    # Saturday 22:00 to Sunday 06:00 in New York on 2025-03-09 lasts 7 real hours.
    cal = BusinessCalendar("America/New_York", {"sat": [("22:00", "06:00")]})
    saturday = local(NEW_YORK, 2025, 3, 8, 22)
    assert cal.between(saturday, saturday + timedelta(days=1)) == hours(7)
    assert cal.add(saturday, hours(7)) == local(NEW_YORK, 2025, 3, 9, 6)


def test_time_midnight_as_an_end_means_midnight() -> None:
    cal = BusinessCalendar("Europe/Berlin", {"mon": [(time(18), time(0))]})
    assert cal.add(local(BERLIN, 2025, 3, 3, 18), hours(6)) == local(BERLIN, 2025, 3, 4)
    assert not cal.is_open(local(BERLIN, 2025, 3, 4))


def test_touching_intervals_make_one_opening() -> None:
    cal = BusinessCalendar(
        "Europe/Berlin", {"mon": [("22:00", "24:00")], "tue": [("00:00", "06:00")]}
    )
    assert cal.add(local(BERLIN, 2025, 3, 3, 23), hours(1)) == local(BERLIN, 2025, 3, 4)
    # Midnight is not a closing: the previous closing of Tuesday noon is 06:00.
    assert cal.previous_closing(local(BERLIN, 2025, 3, 4, 12)) == local(BERLIN, 2025, 3, 4, 6)
    assert cal.next_opening(local(BERLIN, 2025, 3, 4, 0)) == local(BERLIN, 2025, 3, 4, 0)


def test_several_intervals_a_day() -> None:
    cal = BusinessCalendar("Europe/Berlin", {"mon-fri": [("13:00", "17:00"), ("09:00", "12:00")]})
    nine = local(BERLIN, 2025, 3, 3, 9)
    assert cal.add(nine, hours(3)) == local(BERLIN, 2025, 3, 3, 12)
    assert cal.add(nine, hours(3) + minutes(1)) == local(BERLIN, 2025, 3, 3, 13, 1)
    assert cal.between(nine, local(BERLIN, 2025, 3, 4, 9)) == hours(7)
    assert cal.previous_closing(local(BERLIN, 2025, 3, 3, 14)) == local(BERLIN, 2025, 3, 3, 12)


# The calendar caches its intervals in blocks of 52 weeks from 1970-01-01 UTC; one edge
# falls on 2024-10-24 00:00 UTC, a Thursday: 02:00 in Berlin, 11:00 in Sydney.
BLOCK_EDGE = datetime(2024, 10, 24, tzinfo=UTC)  # 1970-01-01 + 55 x 52 weeks


@pytest.mark.parametrize(
    ("tz", "shift", "length"),
    [
        ("Europe/Berlin", ("22:00", "06:00"), hours(8)),
        ("Australia/Sydney", ("20:00", "14:00"), hours(18)),
    ],
)
def test_a_night_shift_across_a_cache_block_edge(
    tz: str, shift: tuple[str, str], length: timedelta
) -> None:
    cal = BusinessCalendar(tz, {"wed": [shift]})
    wednesday, thursday = date(2024, 10, 23), date(2024, 10, 24)
    start, end = wall(tz, wednesday, int(shift[0][:2])), wall(tz, thursday, int(shift[1][:2]))
    assert start < BLOCK_EDGE < end
    assert cal.between(wall(tz, wednesday, 12), wall(tz, thursday, 18)) == length
    assert cal.is_open(BLOCK_EDGE) and cal.is_open(BLOCK_EDGE - ONE_MICROSECOND)
    assert cal.add(start, length) == end and cal.subtract(end, length) == start
    assert cal.previous_closing(wall(tz, thursday, 18)) == end
    assert cal.next_opening(BLOCK_EDGE) == BLOCK_EDGE


# ------------------------------------------------------------------ holidays and exceptions


def test_a_holiday_is_closed() -> None:
    cal = office(holidays=[date(2025, 12, 25), "2025-12-26"])
    assert not cal.is_open(local(BERLIN, 2025, 12, 25, 10))
    assert cal.add(local(BERLIN, 2025, 12, 24, 16), hours(2)) == local(BERLIN, 2025, 12, 29, 10)


def test_a_night_shift_runs_into_a_holiday_morning() -> None:
    cal = BusinessCalendar("Europe/Berlin", NIGHTS, holidays=[date(2025, 3, 4)])
    assert cal.is_open(local(BERLIN, 2025, 3, 4, 3))  # Monday's shift, on the holiday
    assert not cal.is_open(local(BERLIN, 2025, 3, 4, 23))  # the holiday's own shift
    assert not cal.is_open(local(BERLIN, 2025, 3, 5, 3))
    assert cal.add(local(BERLIN, 2025, 3, 4, 5), hours(2)) == local(BERLIN, 2025, 3, 5, 23)


def test_an_exception_replaces_the_days_hours() -> None:
    cal = office(exceptions={date(2025, 12, 24): [("09:00", "12:00")]})
    assert cal.add(local(BERLIN, 2025, 12, 24, 11), hours(2)) == local(BERLIN, 2025, 12, 25, 10)
    assert not cal.is_open(local(BERLIN, 2025, 12, 24, 13))


def test_an_empty_exception_closes_the_day_and_one_on_a_weekend_opens_it() -> None:
    cal = office(exceptions={"2025-03-05": [], "2025-03-08": [("10:00", "14:00")]})
    assert cal.between(local(BERLIN, 2025, 3, 3), local(BERLIN, 2025, 3, 10)) == hours(36)
    assert cal.is_open(local(BERLIN, 2025, 3, 8, 10))
    assert not cal.is_open(local(BERLIN, 2025, 3, 5, 10))


def test_an_exception_wins_over_a_holiday() -> None:
    cal = office(
        holidays=[date(2025, 12, 24)], exceptions={date(2025, 12, 24): [("09:00", "12:00")]}
    )
    assert cal.is_open(local(BERLIN, 2025, 12, 24, 10))


def test_holidays_from_a_year_far_away_are_still_found() -> None:
    cal = office(holidays=[date(2031, 1, 6)])  # a Monday
    assert cal.add(local(BERLIN, 2031, 1, 3, 16), hours(2)) == local(BERLIN, 2031, 1, 7, 10)


# ------------------------------------------------------------------ 24/7


def test_always_adds_real_time_even_across_dst() -> None:
    cal = BusinessCalendar.always("Australia/Sydney")
    start = datetime(2025, 4, 5, 12, tzinfo=UTC)
    assert cal.add(start, hours(30)) == start + hours(30)
    assert cal.between(start, start + timedelta(days=400)) == timedelta(days=400)
    assert cal.is_open(start) and cal.next_opening(start) == start
    assert cal.previous_closing(start) is None


def test_always_with_a_holiday_closes_that_day() -> None:
    cal = BusinessCalendar.always("Europe/Berlin", holidays=[date(2020, 5, 1)])
    assert cal.previous_closing(local(BERLIN, 2026, 1, 1)) == local(BERLIN, 2020, 5, 1)
    assert cal.next_opening(local(BERLIN, 2020, 5, 1, 12)) == local(BERLIN, 2020, 5, 2)
    assert cal.previous_closing(local(BERLIN, 2020, 4, 30)) is None


def test_always_defaults_to_utc() -> None:
    cal = BusinessCalendar.always()
    assert cal.tz == "UTC" and cal.name == "24/7"


# ------------------------------------------------------------------ the model


def test_a_calendar_is_a_frozen_hashable_value() -> None:
    a = office(holidays=["2025-12-25"], name="support")
    b = office(holidays=[date(2025, 12, 25)], name="support")
    a.add(local(BERLIN, 2025, 3, 3, 9), hours(3))  # fills a's cache, not b's
    assert a == b and hash(a) == hash(b)
    assert a != office(name="support")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        a.name = "x"  # type: ignore[misc]


def test_repr_reads_like_the_input_and_evaluates_back() -> None:
    cal = BusinessCalendar(
        "Europe/Berlin",
        {"mon-thu": [("09:00", "17:00")], 4: [("09:00", "15:30")], "sat": [("22:00", "06:00")]},  # type: ignore[arg-type]
        holidays=["2025-12-25"],
        exceptions={"2025-12-24": [("09:00", "12:00")]},
        name="ops",
    )
    text = repr(cal)
    assert text.startswith("BusinessCalendar('Europe/Berlin', {'mon-thu': [('09:00', '17:00')]")
    assert "'fri': [('09:00', '15:30')]" in text and "name='ops'" in text
    assert eval(text, {"BusinessCalendar": BusinessCalendar}) == cal


def test_evolve_and_pickle_round_trip() -> None:
    cal = office(exceptions={"2025-12-24": []}, name="a")
    assert attrs.evolve(cal, name="b").hours == cal.hours
    clone = pickle.loads(pickle.dumps(cal))
    assert clone == cal
    assert clone.add(local(BERLIN, 2025, 12, 23, 16), hours(2)) == local(BERLIN, 2025, 12, 25, 10)
    # Only the definition is pickled, not the block cache that the add above filled.
    assert clone._index.blocks and not pickle.loads(pickle.dumps(clone))._index.blocks


def test_hours_may_be_seven_days_and_weekday_names_are_flexible() -> None:
    week = [[("09:00", "17:00")]] * 5 + [[], []]
    assert BusinessCalendar("UTC", week) == BusinessCalendar("UTC", OFFICE)
    assert BusinessCalendar("UTC", {"Monday": [("09:00", "17:00")]}) == BusinessCalendar(
        "UTC", {0: [(time(9), time(17))]}
    )
    wrapped = BusinessCalendar("UTC", {"fri-mon": [("09:00", "17:00")]})
    assert [bool(day) for day in wrapped.hours] == [True, False, False, False, True, True, True]


def test_the_zone_may_be_given_as_a_zoneinfo() -> None:
    assert BusinessCalendar(ZoneInfo("Europe/Berlin"), OFFICE).tz == "Europe/Berlin"


# ------------------------------------------------------------------ BusinessClock


def test_business_clock_deadline_is_calendar_add() -> None:
    cal = office()
    clock = BusinessClock(cal)
    start = local(BERLIN, 2025, 3, 7, 16)
    got = clock.deadline(None, start, hours(2))  # type: ignore[arg-type]
    assert got == cal.add(start, hours(2)) == local(BERLIN, 2025, 3, 10, 10)
    assert got is not None and got.tzinfo is UTC


def test_business_clock_deadlines_in_the_repeated_hour_compare_equal_across_zones() -> None:
    # Python never finds an aware datetime in a repeated hour == to one in another zone,
    # so the clock answers in UTC, as the wall clock does.
    cal = BusinessCalendar.always("Europe/Berlin")
    start = datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    local_answer = cal.add(start, hours(1))
    assert local_answer.fold == 1 and local_answer != datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    got = BusinessClock(cal).deadline(None, start, hours(1))  # type: ignore[arg-type]
    assert got == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)


def test_a_policy_on_a_business_clock_waits_for_business_hours() -> None:
    created = local(BERLIN, 2026, 3, 6, 16)  # Friday 16:00
    policy = Policy(
        three_levels(),
        [escalate("slow", at=after(hours(2), since="created"))],
        clock=BusinessClock(office()),
    )
    issue = Issue("T-1", created, history=[Event(EventKind.CREATED, created)])
    decision = policy.evaluate(issue, local(BERLIN, 2026, 3, 7, 12))
    assert decision.actions == ()
    assert decision.next_evaluation_at == local(BERLIN, 2026, 3, 9, 10)
    later = policy.evaluate(issue, local(BERLIN, 2026, 3, 9, 10))
    assert [type(a) for a in later.actions] == [Escalate]


# ------------------------------------------------------------------ bad input


def _ok_hours() -> dict[str, list[tuple[str, str]]]:
    return dict(OFFICE)


BAD_CALENDARS = [
    # (kwargs, exception, message fragment)
    ({"tz": "Europe/Berln"}, CalendarError, "did you mean 'Europe/Berlin'?"),
    ({"tz": "Mars/Olympus"}, CalendarError, "'Mars/Olympus' is not a known time zone"),
    ({"tz": ""}, CalendarError, "must be an IANA zone name"),
    ({"tz": 5}, CalendarError, "must be an IANA zone name"),
    ({"hours": {"mnday": [("09:00", "17:00")]}}, CalendarError, "did you mean 'monday'?"),
    ({"hours": {"mon-fry": [("09:00", "17:00")]}}, CalendarError, "did you mean 'fri'?"),
    ({"hours": {7: [("09:00", "17:00")]}}, CalendarError, "runs from 0 (Monday) to 6"),
    ({"hours": {True: [("09:00", "17:00")]}}, CalendarError, "a weekday must be 0-6"),
    ({"hours": {"mon-tue-wed": [("09:00", "17:00")]}}, CalendarError, "a range like 'mon-fri'"),
    (
        {"hours": {"mon-fri": [("09:00", "17:00")], "wed": [("18:00", "19:00")]}},
        CalendarError,
        "'wed' is given twice",
    ),
    (
        {"hours": {"mon": [("09:00", "17:00"), ("12:00", "18:00")]}},
        CalendarError,
        "09:00-17:00 and 12:00-18:00 overlap",
    ),
    (
        {"hours": {"mon": [("22:00", "06:00")], "tue": [("05:00", "09:00")]}},
        CalendarError,
        "22:00-06:00 and 05:00-09:00 (from hours['tue']) overlap",
    ),
    (
        {"hours": {"sun": [("22:00", "06:00")], "mon": [("05:00", "09:00")]}},
        CalendarError,
        "overlap",
    ),
    ({"hours": {"mon": [("9am", "17:00")]}}, CalendarError, "'9am' is not a time of day"),
    ({"hours": {"mon": [("09:00", "25:00")]}}, CalendarError, "'25:00' is not a time of day"),
    ({"hours": {"mon": [("24:00", "06:00")]}}, CalendarError, "only allowed as an end"),
    ({"hours": {"mon": [(time(9, tzinfo=UTC), "17:00")]}}, CalendarError, "its own tzinfo"),
    (
        {"hours": {"mon": [(datetime(2025, 1, 1, 9), "17:00")]}},
        CalendarError,
        "must be a time object",
    ),
    ({"hours": {"mon": [("09:00",)]}}, CalendarError, "must be a (start, end) pair"),
    ({"hours": {"mon": "09:00-17:00"}}, CalendarError, "a list of (start, end) pairs"),
    ({"hours": "mon-fri 9-5"}, CalendarError, "hours must map weekdays"),
    ({"hours": {}}, CalendarError, "must be open at some time of the week"),
    ({"hours": {"sat": []}}, CalendarError, "must be open at some time of the week"),
    ({"holidays": [datetime(2025, 12, 25, tzinfo=UTC)]}, CalendarError, "use .date()"),
    ({"holidays": ["25.12.2025"]}, CalendarError, "'25.12.2025' is not a date"),
    ({"holidays": "2025-12-25"}, CalendarError, "an iterable of dates"),
    (
        {"exceptions": {"2025-12-24": [("09:00", "12:00")], date(2025, 12, 24): []}},
        CalendarError,
        "2025-12-24 is given twice",
    ),
    ({"exceptions": [("2025-12-24", [])]}, CalendarError, "must map dates"),
    (
        {
            "exceptions": {"2025-03-04": [("05:00", "09:00")]},
            "hours": {"mon": [("22:00", "06:00")]},
        },
        CalendarError,
        "22:00-06:00 and 05:00-09:00 (from exceptions['2025-03-04']) overlap",
    ),
    (
        {"exceptions": {"2025-03-03": [("23:00", "10:00")]}},
        CalendarError,
        "23:00-10:00 and 09:00-17:00 (from hours['tue'] on 2025-03-04) overlap",
    ),
    ({"name": 3}, CalendarError, "name must be a string"),
]


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"), BAD_CALENDARS, ids=[str(i) for i in range(len(BAD_CALENDARS))]
)
def test_bad_calendars_are_refused(
    kwargs: dict[str, object], error: type[Exception], fragment: str
) -> None:
    args: dict[str, object] = {"tz": "Europe/Berlin", "hours": _ok_hours(), **kwargs}
    with pytest.raises(error) as info:
        BusinessCalendar(**args)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_a_calendar_error_is_a_policy_error_with_its_data() -> None:
    with pytest.raises(CalendarError) as info:
        BusinessCalendar("Europe/Berln", OFFICE)
    err = info.value
    assert isinstance(err, PolicyError) and isinstance(err, ValueError)
    assert isinstance(err, EscalationRulesError)
    assert (err.where, err.value, err.suggestion) == ("tz", "Europe/Berln", "Europe/Berlin")
    assert str(err) == "tz: 'Europe/Berln' is not a known time zone (did you mean 'Europe/Berlin'?)"


BAD_CALLS = [
    # (method, arguments, exception, message fragment)
    ("add", (datetime(2025, 3, 3, 9), hours(1)), NaiveDatetimeError, "start must be timezone"),
    ("add", ("2025-03-03T09:00Z", hours(1)), IssueError, "must be a timezone-aware datetime"),
    ("add", (datetime(2025, 3, 3, 9, tzinfo=UTC), 3600), TypeError, "must be a timedelta"),
    ("subtract", (datetime(2025, 3, 3, 9, tzinfo=UTC), 1.5), TypeError, "must be a timedelta"),
    (
        "between",
        (datetime(2025, 3, 3, 9, tzinfo=UTC), datetime(2025, 3, 4)),
        NaiveDatetimeError,
        "b must be timezone-aware",
    ),
    ("is_open", (date(2025, 3, 3),), IssueError, "instant must be a timezone-aware datetime"),
    ("next_opening", (datetime(2025, 3, 3),), NaiveDatetimeError, "instant must be"),
    ("previous_closing", (datetime(2025, 3, 3),), NaiveDatetimeError, "instant must be"),
    (
        "add",
        (datetime(2025, 3, 3, 9, tzinfo=UTC), timedelta(days=999_999_999)),
        OverflowError,
        "outside the years",
    ),
    (
        "subtract",
        (datetime(2025, 3, 3, 9, tzinfo=UTC), timedelta(days=10_000_000)),
        OverflowError,
        "outside the years",
    ),
    (
        "add",
        (datetime(9999, 12, 20, 9, tzinfo=UTC), hours(100)),
        OverflowError,
        "outside the years",
    ),
]


@pytest.mark.parametrize(
    ("method", "args", "error", "fragment"),
    BAD_CALLS,
    ids=[f"{row[0]}-{i}" for i, row in enumerate(BAD_CALLS)],
)
def test_bad_calls_are_refused(
    method: str, args: tuple[object, ...], error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error) as info:
        getattr(office(), method)(*args)
    assert fragment in str(info.value)


def test_business_clock_needs_a_calendar() -> None:
    with pytest.raises(TypeError):
        BusinessClock("Europe/Berlin")  # type: ignore[arg-type]


# ------------------------------------------------------------------ holiday sources


def test_holidays_from_package() -> None:
    pytest.importorskip("holidays")
    days = holidays_from_package("DE", "BY", years=range(2025, 2027))
    assert date(2025, 1, 6) in days and date(2026, 12, 25) in days  # Epiphany is Bavarian
    assert date(2025, 1, 6) not in holidays_from_package("DE", years=2025)
    with pytest.raises(CalendarError, match="did you mean 'BY'"):
        holidays_from_package("DE", "By", years=2025)
    with pytest.raises(CalendarError, match="does not know the country 'XX'"):
        holidays_from_package("XX", years=2025)


def test_holidays_from_package_in_the_southern_hemisphere() -> None:
    pytest.importorskip("holidays")
    days = holidays_from_package("AU", "NSW", years=2025)
    assert date(2025, 10, 6) in days  # Labour Day in New South Wales
    assert date(2025, 10, 6) not in holidays_from_package("AU", "VIC", years=2025)
    cal = office("Australia/Sydney", holidays=days)
    friday = datetime(2025, 10, 3, 16, tzinfo=SYDNEY)
    assert cal.add(friday, hours(2)) == datetime(2025, 10, 7, 10, tzinfo=SYDNEY)


def test_holidays_from_package_names_the_extra_when_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> object:
        if name == "holidays":
            raise ModuleNotFoundError("No module named 'holidays'")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(ImportError, match=r"escalation-rules\[holidays\]"):
        holidays_from_package("DE", years=2025)


# ------------------------------------------------------------------ every refusal, exactly
#
# Users match on the text and on the attributes of a CalendarError, so each row pins the
# whole message (the "where: " prefix, the quoted value, the "did you mean" suffix) and
# the `where`, `value` and `suggestion` attributes.

T9, T17 = time(9), time(17)


def _cal(hours_: object = OFFICE, **kw: object) -> BusinessCalendar:
    return BusinessCalendar("UTC", hours_, **kw)  # type: ignore[arg-type]


EXACT_REFUSALS = [
    # (id, builder, message, where, value, suggestion)
    (
        "tz-typo",
        lambda: BusinessCalendar("Europe/Berln", OFFICE),
        "tz: 'Europe/Berln' is not a known time zone (did you mean 'Europe/Berlin'?)",
        "tz",
        "Europe/Berln",
        "Europe/Berlin",
    ),
    (
        "tz-unknown",
        lambda: BusinessCalendar("Mars/Olympus", OFFICE),
        "tz: 'Mars/Olympus' is not a known time zone",
        "tz",
        "Mars/Olympus",
        None,
    ),
    (
        "tz-not-a-key",
        lambda: BusinessCalendar("../etc", OFFICE),
        "tz: '../etc' is not a known time zone",
        "tz",
        "../etc",
        None,
    ),
    (
        "tz-empty",
        lambda: BusinessCalendar("", OFFICE),
        "tz: a calendar's tz must be an IANA zone name, got ''",
        "tz",
        "",
        None,
    ),
    (
        "tz-number",
        lambda: BusinessCalendar(5, OFFICE),  # type: ignore[arg-type]
        "tz: a calendar's tz must be an IANA zone name, got 5",
        "tz",
        5,
        None,
    ),
    (
        "weekday-long-typo",
        lambda: _cal({"mnday": [("09:00", "17:00")]}),
        "hours['mnday']: 'mnday' is not a weekday (did you mean 'monday'?)",
        "hours['mnday']",
        "mnday",
        "monday",
    ),
    (
        "weekday-long-typo-6",
        lambda: _cal({"fridey": [("09:00", "17:00")]}),
        "hours['fridey']: 'fridey' is not a weekday (did you mean 'friday'?)",
        "hours['fridey']",
        "fridey",
        "friday",
    ),
    (
        "weekday-short-typo-4",
        lambda: _cal({"mond": [("09:00", "17:00")]}),
        "hours['mond']: 'mond' is not a weekday (did you mean 'mon'?)",
        "hours['mond']",
        "mond",
        "mon",
    ),
    (
        "weekday-typo-in-range",
        lambda: _cal({"mon-fry": [("09:00", "17:00")]}),
        "hours['mon-fry']: 'fry' is not a weekday (did you mean 'fri'?)",
        "hours['mon-fry']",
        "mon-fry",
        "fri",
    ),
    (
        "weekday-nothing-close",
        lambda: _cal({"xyzzy": [("09:00", "17:00")]}),
        "hours['xyzzy']: 'xyzzy' is not a weekday",
        "hours['xyzzy']",
        "xyzzy",
        None,
    ),
    (
        "weekday-7",
        lambda: _cal({7: [("09:00", "17:00")]}),
        "hours[7]: a weekday number runs from 0 (Monday) to 6 (Sunday), got 7",
        "hours[7]",
        7,
        None,
    ),
    (
        "weekday-minus-1",
        lambda: _cal({-1: [("09:00", "17:00")]}),
        "hours[-1]: a weekday number runs from 0 (Monday) to 6 (Sunday), got -1",
        "hours[-1]",
        -1,
        None,
    ),
    (
        "weekday-bool",
        lambda: _cal({True: [("09:00", "17:00")]}),
        "hours[True]: a weekday must be 0-6 or a name like 'mon', got True",
        "hours[True]",
        True,
        None,
    ),
    (
        "weekday-float",
        lambda: _cal({1.0: [("09:00", "17:00")]}),
        "hours[1.0]: a weekday must be 0-6 or a name like 'mon', got 1.0",
        "hours[1.0]",
        1.0,
        None,
    ),
    (
        "weekday-three-parts",
        lambda: _cal({"mon-tue-wed": [("09:00", "17:00")]}),
        "hours['mon-tue-wed']: 'mon-tue-wed' is not a weekday or a range like 'mon-fri'",
        "hours['mon-tue-wed']",
        "mon-tue-wed",
        None,
    ),
    (
        "weekday-twice",
        lambda: _cal({"mon-fri": [("09:00", "17:00")], "wed": [("18:00", "19:00")]}),
        "hours: 'wed' is given twice, in 'mon-fri' and 'wed'",
        "hours",
        "wed",
        None,
    ),
    (
        "overlap-in-a-day",
        lambda: _cal({"mon": [("09:00", "17:00"), ("12:00", "18:00")]}),
        "hours['mon']: the opening intervals 09:00-17:00 and 12:00-18:00 overlap",
        "hours['mon']",
        (time(12), time(18)),
        None,
    ),
    (
        "overlap-shown-with-seconds",
        lambda: _cal({"mon": [("09:00:30", "17:00"), (time(12, 0, 0, 5), "18:00")]}),
        "hours['mon']: the opening intervals 09:00:30-17:00 and 12:00:00.000005-18:00 overlap",
        "hours['mon']",
        (time(12, 0, 0, 5), time(18)),
        None,
    ),
    (
        "overlap-into-the-next-day",
        lambda: _cal({"mon": [("22:00", "06:00")], "tue": [("05:00", "09:00")]}),
        "hours['mon']: the opening intervals 22:00-06:00 and 05:00-09:00 (from hours['tue'])"
        " overlap",
        "hours['mon']",
        (time(5), time(9)),
        None,
    ),
    (
        "overlap-across-the-week-end",
        lambda: _cal({"sun": [("22:00", "06:00")], "mon": [("05:00", "09:00")]}),
        "hours['sun']: the opening intervals 22:00-06:00 and 05:00-09:00 (from hours['mon'])"
        " overlap",
        "hours['sun']",
        (time(5), time(9)),
        None,
    ),
    (
        "time-text",
        lambda: _cal({"mon": [("9am", "17:00")]}),
        "hours['mon'][0]: '9am' is not a time of day like '09:30'",
        "hours['mon'][0]",
        "9am",
        None,
    ),
    (
        "time-hour-25",
        lambda: _cal({"mon": [("09:00", "25:00")]}),
        "hours['mon'][0]: '25:00' is not a time of day like '09:30'",
        "hours['mon'][0]",
        "25:00",
        None,
    ),
    (
        "time-minute-60",
        lambda: _cal({"mon": [("09:00", "23:60")]}),
        "hours['mon'][0]: '23:60' is not a time of day like '09:30'",
        "hours['mon'][0]",
        "23:60",
        None,
    ),
    (
        "time-second-60",
        lambda: _cal({"mon": [("09:00", "23:59:60")]}),
        "hours['mon'][0]: '23:59:60' is not a time of day like '09:30'",
        "hours['mon'][0]",
        "23:59:60",
        None,
    ),
    (
        "time-24-as-start",
        lambda: _cal({"mon": [("24:00", "06:00")]}),
        "hours['mon'][0]: '24:00' is not a time of day like '09:30' ('24:00' is only allowed"
        " as an end)",
        "hours['mon'][0]",
        "24:00",
        None,
    ),
    (
        "time-past-24-as-end",
        lambda: _cal({"mon": [("09:00", "24:00:01")]}),
        "hours['mon'][0]: '24:00:01' is not a time of day like '09:30' ('24:00' is only"
        " allowed as an end)",
        "hours['mon'][0]",
        "24:00:01",
        None,
    ),
    (
        "time-with-tzinfo",
        lambda: _cal({"mon": [(time(9, tzinfo=UTC), "17:00")]}),
        "hours['mon'][0]: opening times are local wall times in the calendar's zone; "
        "datetime.time(9, 0, tzinfo=datetime.timezone.utc) carries its own tzinfo",
        "hours['mon'][0]",
        time(9, tzinfo=UTC),
        None,
    ),
    (
        "time-a-datetime",
        lambda: _cal({"mon": [(datetime(2025, 1, 1, 9), "17:00")]}),
        "hours['mon'][0]: an opening time must be a time object (from datetime) or 'HH:MM', "
        "got datetime.datetime(2025, 1, 1, 9, 0)",
        "hours['mon'][0]",
        datetime(2025, 1, 1, 9),
        None,
    ),
    (
        "time-a-number",
        lambda: _cal({"mon": [("09:00", "12:00"), ("13:00", 17)]}),
        "hours['mon'][1]: an opening time must be a time object (from datetime) or 'HH:MM', got 17",
        "hours['mon'][1]",
        17,
        None,
    ),
    (
        "pair-of-one",
        lambda: _cal({"mon": [("09:00",)]}),
        "hours['mon'][0]: an opening interval must be a (start, end) pair, got ('09:00',)",
        "hours['mon'][0]",
        ("09:00",),
        None,
    ),
    (
        "pair-of-three",
        lambda: _cal({"mon": [("09:00", "12:00", "17:00")]}),
        "hours['mon'][0]: an opening interval must be a (start, end) pair, got "
        "('09:00', '12:00', '17:00')",
        "hours['mon'][0]",
        ("09:00", "12:00", "17:00"),
        None,
    ),
    (
        "pair-a-string-of-two",
        lambda: _cal({"mon": ["95"]}),
        "hours['mon'][0]: an opening interval must be a (start, end) pair, got '95'",
        "hours['mon'][0]",
        "95",
        None,
    ),
    (
        "pair-bytes-of-two",
        lambda: _cal({"mon": [b"95"]}),
        "hours['mon'][0]: an opening interval must be a (start, end) pair, got b'95'",
        "hours['mon'][0]",
        b"95",
        None,
    ),
    (
        "pair-a-number",
        lambda: _cal({"mon": [9]}),
        "hours['mon'][0]: an opening interval must be a (start, end) pair, got 9",
        "hours['mon'][0]",
        9,
        None,
    ),
    (
        "intervals-a-string",
        lambda: _cal({"mon": "09:00-17:00"}),
        "hours['mon']: opening hours must be a list of (start, end) pairs, got '09:00-17:00'",
        "hours['mon']",
        "09:00-17:00",
        None,
    ),
    (
        "intervals-bytes",
        lambda: _cal({"mon": b"09"}),
        "hours['mon']: opening hours must be a list of (start, end) pairs, got b'09'",
        "hours['mon']",
        b"09",
        None,
    ),
    (
        "intervals-a-number",
        lambda: _cal({"mon": 5}),
        "hours['mon']: opening hours must be a list of (start, end) pairs, got 5",
        "hours['mon']",
        5,
        None,
    ),
    (
        "hours-a-string",
        lambda: _cal("mon-fri 9-5"),
        "hours: hours must map weekdays to opening intervals, e.g. {'mon-fri': [('09:00', "
        "'17:00')]}, or list seven days; got 'mon-fri 9-5'",
        "hours",
        "mon-fri 9-5",
        None,
    ),
    (
        "hours-six-days",
        lambda: _cal([[], [], [], [], [], [("09:00", "17:00")]]),
        "hours: hours must map weekdays to opening intervals, e.g. {'mon-fri': [('09:00', "
        "'17:00')]}, or list seven days; got [[], [], [], [], [], [('09:00', '17:00')]]",
        "hours",
        [[], [], [], [], [], [("09:00", "17:00")]],
        None,
    ),
    (
        "hours-none-at-all",
        lambda: _cal({}),
        "hours: a calendar must be open at some time of the week; give hours for at least one "
        "weekday",
        "hours",
        {},
        None,
    ),
    (
        "hours-only-empty-days",
        lambda: _cal({"sat-sun": []}),
        "hours: a calendar must be open at some time of the week; give hours for at least one "
        "weekday",
        "hours",
        {"sat-sun": []},
        None,
    ),
    (
        "holiday-a-datetime",
        lambda: _cal(holidays=[datetime(2025, 12, 25, tzinfo=UTC)]),
        "holidays: holidays takes dates, got the datetime datetime.datetime(2025, 12, 25, 0, 0, "
        "tzinfo=datetime.timezone.utc); use .date()",
        "holidays",
        datetime(2025, 12, 25, tzinfo=UTC),
        None,
    ),
    (
        "holiday-text",
        lambda: _cal(holidays=["25.12.2025"]),
        "holidays: '25.12.2025' is not a date (a datetime.date or 'YYYY-MM-DD')",
        "holidays",
        "25.12.2025",
        None,
    ),
    (
        "holiday-a-number",
        lambda: _cal(holidays=[20251225]),
        "holidays: 20251225 is not a date (a datetime.date or 'YYYY-MM-DD')",
        "holidays",
        20251225,
        None,
    ),
    (
        "holidays-one-string",
        lambda: _cal(holidays="2025-12-25"),
        "holidays: holidays must be an iterable of dates, got '2025-12-25'",
        "holidays",
        "2025-12-25",
        None,
    ),
    (
        "holidays-bytes",
        lambda: _cal(holidays=b"2025"),
        "holidays: holidays must be an iterable of dates, got b'2025'",
        "holidays",
        b"2025",
        None,
    ),
    (
        "holidays-one-date",
        lambda: _cal(holidays=date(2025, 12, 25)),
        "holidays: holidays must be an iterable of dates, got datetime.date(2025, 12, 25)",
        "holidays",
        date(2025, 12, 25),
        None,
    ),
    (
        "holidays-a-number",
        lambda: _cal(holidays=5),
        "holidays: holidays must be an iterable of dates, got 5",
        "holidays",
        5,
        None,
    ),
    (
        "exception-date-twice",
        lambda: _cal(exceptions={"2025-12-24": [("09:00", "12:00")], date(2025, 12, 24): []}),
        "exceptions: the date 2025-12-24 is given twice",
        "exceptions",
        date(2025, 12, 24),
        None,
    ),
    (
        "exceptions-a-list",
        lambda: _cal(exceptions=[("2025-12-24", [])]),
        "exceptions: exceptions must map dates to opening intervals, got [('2025-12-24', [])]",
        "exceptions",
        [("2025-12-24", [])],
        None,
    ),
    (
        "exceptions-a-tuple-of-triples",
        lambda: _cal(exceptions=(("2025-12-24", [], 1),)),
        "exceptions: exceptions must map dates to opening intervals, got (('2025-12-24', [], 1),)",
        "exceptions",
        (("2025-12-24", [], 1),),
        None,
    ),
    (
        "exceptions-a-tuple-of-lists",
        lambda: _cal(exceptions=(["2025-12-24", []],)),
        "exceptions: exceptions must map dates to opening intervals, got (['2025-12-24', []],)",
        "exceptions",
        (["2025-12-24", []],),
        None,
    ),
    (
        "exception-a-datetime",
        lambda: _cal(exceptions={datetime(2025, 12, 24): []}),
        "exceptions: exceptions takes dates, got the datetime datetime.datetime(2025, 12, 24, 0, "
        "0); use .date()",
        "exceptions",
        datetime(2025, 12, 24),
        None,
    ),
    (
        "exception-key-text",
        lambda: _cal(exceptions={"24/12": []}),
        "exceptions: '24/12' is not a date (a datetime.date or 'YYYY-MM-DD')",
        "exceptions",
        "24/12",
        None,
    ),
    (
        "exception-bad-time",
        lambda: _cal(exceptions={"2025-03-03": [("9", "10:00")]}),
        "exceptions['2025-03-03'][0]: '9' is not a time of day like '09:30'",
        "exceptions['2025-03-03'][0]",
        "9",
        None,
    ),
    (
        "exception-overlapping-itself",
        lambda: _cal(exceptions={"2025-12-24": [("09:00", "12:00"), ("11:00", "13:00")]}),
        "exceptions['2025-12-24']: the opening intervals 09:00-12:00 and 11:00-13:00 overlap",
        "exceptions['2025-12-24']",
        (time(11), time(13)),
        None,
    ),
    (
        "exception-overlapping-the-night-before",
        lambda: _cal(
            {"mon": [("22:00", "06:00")]}, exceptions={"2025-03-04": [("05:00", "09:00")]}
        ),
        "hours['mon'] on 2025-03-03: the opening intervals 22:00-06:00 and 05:00-09:00 (from "
        "exceptions['2025-03-04']) overlap",
        "hours['mon'] on 2025-03-03",
        (time(5), time(9)),
        None,
    ),
    (
        "exception-overlapping-the-morning-after",
        lambda: _cal(exceptions={"2025-03-03": [("23:00", "10:00")]}),
        "exceptions['2025-03-03']: the opening intervals 23:00-10:00 and 09:00-17:00 (from "
        "hours['tue'] on 2025-03-04) overlap",
        "exceptions['2025-03-03']",
        (T9, T17),
        None,
    ),
    (
        "exception-overlapping-an-exception",
        lambda: _cal(
            exceptions={"2025-03-03": [("23:00", "10:00")], "2025-03-04": [("08:00", "12:00")]}
        ),
        "exceptions['2025-03-03']: the opening intervals 23:00-10:00 and 08:00-12:00 (from "
        "exceptions['2025-03-04']) overlap",
        "exceptions['2025-03-03']",
        (time(8), time(12)),
        None,
    ),
    (
        "name-not-text",
        lambda: _cal(name=3),
        "name: a calendar's name must be a string, got 3",
        "name",
        3,
        None,
    ),
]


@pytest.mark.parametrize(
    ("build", "message", "where", "value", "suggestion"),
    [row[1:] for row in EXACT_REFUSALS],
    ids=[row[0] for row in EXACT_REFUSALS],
)
def test_refusals_say_exactly_what_and_where(
    build: object, message: str, where: str, value: object, suggestion: str | None
) -> None:
    with pytest.raises(CalendarError) as info:
        build()  # type: ignore[operator]
    err = info.value
    assert str(err) == message
    assert (err.where, err.value, err.suggestion) == (where, value, suggestion)
    assert type(err.value) is type(value)
    assert isinstance(err, PolicyError) and isinstance(err, ValueError)


# ------------------------------------------------------------------ accepted spellings


def _week_of(**days: list[tuple[time, time]]) -> tuple[tuple[tuple[time, time], ...], ...]:
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return tuple(tuple(days.get(name, [])) for name in names)


NINE_TO_FIVE = [(T9, T17)]

SPELLINGS = [
    # (id, hours as written, the stored week: seven tuples of (start, end), Monday first)
    ("names-and-case", {"Monday": [("09:00", "17:00")]}, _week_of(mon=NINE_TO_FIVE)),
    ("upper-case", {"SUN": [("09:00", "17:00")]}, _week_of(sun=NINE_TO_FIVE)),
    (
        "spaces-around-a-range",
        {" mon - wed ": [(" 9:00 ", "17:00 ")]},
        _week_of(mon=NINE_TO_FIVE, tue=NINE_TO_FIVE, wed=NINE_TO_FIVE),
    ),
    ("a-number", {6: [("09:00", "17:00")]}, _week_of(sun=NINE_TO_FIVE)),
    ("zero-is-monday", {0: [("09:00", "17:00")]}, _week_of(mon=NINE_TO_FIVE)),
    ("a-one-day-range", {"thu-thu": [("09:00", "17:00")]}, _week_of(thu=NINE_TO_FIVE)),
    (
        "a-range-across-the-weekend",
        {"sat-mon": [("09:00", "17:00")]},
        _week_of(sat=NINE_TO_FIVE, sun=NINE_TO_FIVE, mon=NINE_TO_FIVE),
    ),
    ("tue-mon-is-the-whole-week", {"tue-mon": [("09:00", "17:00")]}, (tuple(NINE_TO_FIVE),) * 7),
    (
        "full-names-in-a-range",
        {"friday-sunday": [("09:00", "17:00")]},
        _week_of(fri=NINE_TO_FIVE, sat=NINE_TO_FIVE, sun=NINE_TO_FIVE),
    ),
    (
        "seconds",
        {"mon": [("09:00:15", "17:30:45")]},
        _week_of(mon=[(time(9, 0, 15), time(17, 30, 45))]),
    ),
    ("one-digit-hour", {"mon": [("9:05", "17:00")]}, _week_of(mon=[(time(9, 5), T17)])),
    ("24:00-ends-at-midnight", {"mon": [("18:00", "24:00")]}, _week_of(mon=[(time(18), time(0))])),
    ("24:00:00-too", {"mon": [("18:00", "24:00:00")]}, _week_of(mon=[(time(18), time(0))])),
    (
        "the-last-second",
        {"mon": [("00:00", "23:59:59")]},
        _week_of(mon=[(time(0), time(23, 59, 59))]),
    ),
    (
        "microseconds-kept",
        {"mon": [(time(9, 0, 0, 250), time(17))]},
        _week_of(mon=[(time(9, 0, 0, 250), T17)]),
    ),
    (
        "intervals-sorted",
        {"mon": [("13:00", "17:00"), ("09:00", "12:00")]},
        _week_of(mon=[(T9, time(12)), (time(13), T17)]),
    ),
    (
        "a-set-of-intervals",
        {"sat": {("10:00", "11:00"), ("08:00", "09:00")}},
        _week_of(sat=[(time(8), T9), (time(10), time(11))]),
    ),
    (
        "a-night-shift-sorts-by-its-start",
        {"mon": [("22:00", "02:00"), ("09:00", "17:00")]},
        _week_of(mon=[(T9, T17), (time(22), time(2))]),
    ),
    (
        "touching-intervals",
        {"mon": [("12:00", "18:00"), ("09:00", "12:00")]},
        _week_of(mon=[(T9, time(12)), (time(12), time(18))]),
    ),
    (
        "seven-named-days",
        {
            "mon": [("09:00", "17:00")],
            "tue": [],
            "wed": [],
            "thu": [],
            "fri": [],
            "sat": [],
            "sun": [("09:00", "17:00")],
        },
        _week_of(mon=NINE_TO_FIVE, sun=NINE_TO_FIVE),
    ),
    (
        "touching-across-the-week-end",
        {"sun": [("22:00", "24:00")], "mon": [("00:00", "06:00")]},
        _week_of(sun=[(time(22), time(0))], mon=[(time(0), time(6))]),
    ),
    (
        "seven-lists",
        [[], [("09:00", "17:00")], [], [], [], [], []],
        _week_of(tue=NINE_TO_FIVE),
    ),
    (
        "seven-tuples",
        ((), (), (), (), (), (), (("09:00", "17:00"),)),
        _week_of(sun=NINE_TO_FIVE),
    ),
]


@pytest.mark.parametrize(
    ("hours_", "week"), [row[1:] for row in SPELLINGS], ids=[row[0] for row in SPELLINGS]
)
def test_accepted_spellings_of_weekdays_and_times(hours_: object, week: object) -> None:
    cal = _cal(hours_)
    assert cal.hours == week
    assert all(type(t) is time for day in cal.hours for pair in day for t in pair)


def test_pendulum_dates_and_times_are_stored_as_stdlib_values() -> None:
    cal = BusinessCalendar(
        "UTC",
        {"mon": [(pendulum.time(9), pendulum.time(17))]},
        holidays=[pendulum.date(2025, 1, 6), " 2025-01-07 "],
        exceptions={pendulum.date(2025, 1, 8): [(pendulum.time(10), "11:00")]},
    )
    assert cal.hours[0] == ((T9, T17),) and {type(t) for t in cal.hours[0][0]} == {time}
    assert cal.holidays == {date(2025, 1, 6), date(2025, 1, 7)}
    assert {type(d) for d in cal.holidays} == {date}
    assert cal.exceptions == ((date(2025, 1, 8), ((time(10), time(11)),)),)
    assert type(cal.exceptions[0][0]) is date and type(cal.exceptions[0][1][0][0]) is time
    # Equal to the same calendar written with stdlib values, hash included.
    same = BusinessCalendar(
        "UTC",
        {"mon": [("09:00", "17:00")]},
        holidays=["2025-01-06", "2025-01-07"],
        exceptions={"2025-01-08": [("10:00", "11:00")]},
    )
    assert cal == same and hash(cal) == hash(same)


def test_exceptions_are_stored_sorted_by_date() -> None:
    cal = _cal(exceptions={"2025-12-31": [], "2025-12-24": [("09:00", "12:00")]})
    assert cal.exceptions == ((date(2025, 12, 24), ((T9, time(12)),)), (date(2025, 12, 31), ()))


REPRS = [
    # (id, calendar, its repr: runs of equal days as ranges, times as written)
    ("office", lambda: _cal(), "BusinessCalendar('UTC', {'mon-fri': [('09:00', '17:00')]})"),
    (
        "single-days-and-runs",
        lambda: _cal(
            {
                "mon": [("00:00", "00:00")],
                "wed-thu": [("09:00", "10:00")],
                "sat-sun": [("01:00", "02:00")],
            }
        ),
        "BusinessCalendar('UTC', {'mon': [('00:00', '00:00')], 'wed-thu': [('09:00', '10:00')], "
        "'sat-sun': [('01:00', '02:00')]})",
    ),
    (
        "the-whole-week",
        lambda: BusinessCalendar.always("Europe/Berlin"),
        "BusinessCalendar('Europe/Berlin', {'mon-sun': [('00:00', '00:00')]}, name='24/7')",
    ),
    (
        "sunday-alone",
        lambda: _cal({"sun": [("22:00", "24:00")]}),
        "BusinessCalendar('UTC', {'sun': [('22:00', '00:00')]})",
    ),
    (
        "seconds",
        lambda: _cal({"tue": [("09:00:01", time(17, 0, 59))]}),
        "BusinessCalendar('UTC', {'tue': [('09:00:01', '17:00:59')]})",
    ),
    (
        "microseconds",
        lambda: _cal({"wed": [(time(9, 0, 0, 250), "17:00:00.000001")]}),
        "BusinessCalendar('UTC', {'wed': [('09:00:00.000250', '17:00:00.000001')]})",
    ),
    (
        "holidays-exceptions-name",
        lambda: _cal(
            holidays=["2025-12-26", "2025-12-25"],
            exceptions={"2025-12-31": [("09:00", "12:00")], "2025-12-24": []},
            name="x",
        ),
        "BusinessCalendar('UTC', {'mon-fri': [('09:00', '17:00')]}, holidays=['2025-12-25', "
        "'2025-12-26'], exceptions={'2025-12-24': [], '2025-12-31': [('09:00', '12:00')]}, "
        "name='x')",
    ),
]


@pytest.mark.parametrize(
    ("build", "text"), [row[1:] for row in REPRS], ids=[row[0] for row in REPRS]
)
def test_repr_is_the_definition_and_evaluates_back(build: object, text: str) -> None:
    cal = build()  # type: ignore[operator]
    assert repr(cal) == text
    assert eval(text, {"BusinessCalendar": BusinessCalendar, "time": time}) == cal


# ------------------------------------------------------------------ the holidays package, refusals


PACKAGE_REFUSALS = [
    # (country, subdivision, message, where, value, suggestion)
    (
        "XX",
        None,
        "country: the holidays package does not know the country 'XX'",
        "country",
        "XX",
        None,
    ),
    (
        "de",
        None,
        "country: the holidays package does not know the country 'de' (did you mean 'DE'?)",
        "country",
        "de",
        "DE",
    ),
    (
        "DE",
        "By",
        "subdiv: the holidays package does not know the subdivision 'By' of DE (did you mean "
        "'BY'?)",
        "subdiv",
        "By",
        "BY",
    ),
    (
        "DE",
        "XX",
        "subdiv: the holidays package does not know the subdivision 'XX' of DE",
        "subdiv",
        "XX",
        None,
    ),
]


@pytest.mark.parametrize(
    ("country", "subdiv", "message", "where", "value", "suggestion"), PACKAGE_REFUSALS
)
def test_holidays_from_package_refusals_are_exact(
    country: str, subdiv: str | None, message: str, where: str, value: str, suggestion: str | None
) -> None:
    pytest.importorskip("holidays")
    with pytest.raises(CalendarError) as info:
        holidays_from_package(country, subdiv, years=2025)
    err = info.value
    assert str(err) == message
    assert (err.where, err.value, err.suggestion) == (where, value, suggestion)


def test_holidays_from_package_takes_one_year_or_several_and_returns_stdlib_dates() -> None:
    pytest.importorskip("holidays")
    one = holidays_from_package("DE", years=2025)
    assert type(one) is frozenset and {type(d) for d in one} == {date}
    assert {d.year for d in one} == {2025} and date(2025, 10, 3) in one
    several = holidays_from_package("DE", years=[2025, 2027])
    assert {d.year for d in several} == {2025, 2027}
    assert holidays_from_package("DE", None, years=(2025,)) == one


# ------------------------------------------------------------------ the edges of time


def test_the_supported_range_ends_exactly_where_documented() -> None:
    # Supported instants run from 0001-01-04 to 9999-12-28 (UTC): a few days' margin inside
    # datetime's range. Reaching an end is fine; one microsecond past it overflows.
    always = BusinessCalendar.always()
    last = datetime(9999, 12, 28, tzinfo=UTC)
    first = datetime(1, 1, 4, tzinfo=UTC)
    assert always.add(last - hours(1), hours(1)) == last
    assert always.subtract(first + hours(1), hours(1)) == first
    assert always.add(last, timedelta(0)) == last
    with pytest.raises(OverflowError) as info:
        always.add(last - hours(1), hours(1) + ONE_MICROSECOND)
    assert str(info.value) == "the instant is outside the years a calendar supports (1-9999)"
    with pytest.raises(OverflowError) as info:
        always.add(last + ONE_MICROSECOND, timedelta(0))
    assert str(info.value) == "the instant is outside the years a calendar supports (1-9999)"
    with pytest.raises(OverflowError) as info:
        always.subtract(first + hours(1), hours(1) + ONE_MICROSECOND)
    assert str(info.value) == "business time runs outside the years a calendar supports (1-9999)"
    with pytest.raises(OverflowError) as info:
        always.add(first - ONE_MICROSECOND, timedelta(0))
    assert str(info.value) == "the instant is outside the years a calendar supports (1-9999)"


def test_business_clock_deadlines_end_where_the_calendar_does() -> None:
    clock = BusinessClock(BusinessCalendar.always())
    last = datetime(9999, 12, 28, tzinfo=UTC)
    got = clock.deadline(None, last - hours(1), hours(1))  # type: ignore[arg-type]
    assert got == last and got.tzinfo is UTC
    first = datetime(1, 1, 4, tzinfo=UTC)
    assert clock.deadline(None, first + hours(1), -hours(1)) == first  # type: ignore[arg-type]
    with pytest.raises(OverflowError) as info:
        clock.deadline(None, last - hours(1), hours(1) + ONE_MICROSECOND)  # type: ignore[arg-type]
    assert str(info.value) == "the deadline is outside the years a calendar supports (1-9999)"
    office_clock = BusinessClock(office("UTC"))
    with pytest.raises(OverflowError) as info:
        office_clock.deadline(None, datetime(9999, 12, 20, 9, tzinfo=UTC), hours(100))  # type: ignore[arg-type]
    assert str(info.value) == "business time runs outside the years a calendar supports (1-9999)"
    with pytest.raises(NaiveDatetimeError, match=r"^start must be timezone-aware"):
        office_clock.deadline(None, datetime(2025, 3, 3, 9), hours(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^a business duration must be a timedelta, got 60$"):
        office_clock.deadline(None, datetime(2025, 3, 3, 9, tzinfo=UTC), 60)  # type: ignore[arg-type]


EXACT_CALL_ERRORS = [
    # (method, arguments, exception, the whole message)
    (
        "add",
        (datetime(2025, 3, 3, 9, tzinfo=UTC), timedelta(days=999_999_999)),
        OverflowError,
        "adding 999999999 days, 0:00:00 of business time runs outside the years a calendar "
        "supports (1-9999)",
    ),
    (
        "subtract",
        (datetime(2025, 3, 3, 9, tzinfo=UTC), timedelta(days=10_000_000)),
        OverflowError,
        "adding -10000000 days, 0:00:00 of business time runs outside the years a calendar "
        "supports (1-9999)",
    ),
    (
        "add",
        (datetime(9999, 12, 20, 9, tzinfo=UTC), hours(100)),
        OverflowError,
        "business time runs outside the years a calendar supports (1-9999)",
    ),
    (
        "subtract",
        (datetime(1, 1, 10, 9, tzinfo=UTC), hours(100)),
        OverflowError,
        "business time runs outside the years a calendar supports (1-9999)",
    ),
    (
        "add",
        (datetime(2025, 3, 3, 9, tzinfo=UTC), 3600),
        TypeError,
        "a business duration must be a timedelta, got 3600",
    ),
    (
        "subtract",
        (datetime(2025, 3, 3, 9, tzinfo=UTC), "1h"),
        TypeError,
        "a business duration must be a timedelta, got '1h'",
    ),
    (
        "add",
        (datetime(2025, 3, 3, 9), hours(1)),
        NaiveDatetimeError,
        "start must be timezone-aware, got the naive datetime '2025-03-03T09:00:00'; attach a "
        "zone, e.g. pendulum.instance(dt, tz='UTC') or dt.replace(tzinfo=...)",
    ),
    (
        "subtract",
        ("2025-03-03", hours(1)),
        IssueError,
        "start must be a timezone-aware datetime, got '2025-03-03' (str)",
    ),
    (
        "between",
        (datetime(2025, 3, 3), datetime(2025, 3, 4, tzinfo=UTC)),
        NaiveDatetimeError,
        "a must be timezone-aware, got the naive datetime '2025-03-03T00:00:00'; attach a "
        "zone, e.g. pendulum.instance(dt, tz='UTC') or dt.replace(tzinfo=...)",
    ),
    (
        "between",
        (datetime(2025, 3, 3, tzinfo=UTC), None),
        IssueError,
        "b must be a timezone-aware datetime, got None (NoneType)",
    ),
    ("is_open", (0,), IssueError, "instant must be a timezone-aware datetime, got 0 (int)"),
    ("next_opening", (0,), IssueError, "instant must be a timezone-aware datetime, got 0 (int)"),
    (
        "previous_closing",
        (0,),
        IssueError,
        "instant must be a timezone-aware datetime, got 0 (int)",
    ),
    (
        "is_open",
        (pendulum.naive(2025, 3, 3, 9),),
        NaiveDatetimeError,
        "instant must be timezone-aware, got the naive datetime '2025-03-03T09:00:00'; attach a "
        "zone, e.g. pendulum.instance(dt, tz='UTC') or dt.replace(tzinfo=...)",
    ),
]


@pytest.mark.parametrize(
    ("method", "args", "error", "message"),
    EXACT_CALL_ERRORS,
    ids=[f"{row[0]}-{i}" for i, row in enumerate(EXACT_CALL_ERRORS)],
)
def test_call_errors_are_exact(
    method: str, args: tuple[object, ...], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        getattr(office("UTC"), method)(*args)
    assert type(info.value) is error
    assert str(info.value) == message


# ------------------------------------------------------------------ looking far back


def _holidays_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


FAR_CLOSINGS = [
    # (id, calendar, instant, its previous closing): closings found across 52-week blocks
    (
        "round-the-clock-since-a-holiday-long-ago",
        lambda: BusinessCalendar.always("UTC", holidays=[date(1900, 1, 1)]),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(1900, 1, 1, tzinfo=UTC),
    ),
    (
        "round-the-clock-before-its-only-holiday",
        lambda: BusinessCalendar.always("UTC", holidays=[date(2030, 1, 1)]),
        datetime(2026, 3, 1, tzinfo=UTC),
        None,
    ),
    (
        "round-the-clock-after-its-only-holiday",
        lambda: BusinessCalendar.always("UTC", holidays=[date(2030, 1, 1)]),
        datetime(2030, 3, 1, tzinfo=UTC),
        datetime(2030, 1, 1, tzinfo=UTC),
    ),
    (
        "round-the-clock-closed-one-morning",
        lambda: BusinessCalendar.always("UTC", exceptions={date(2000, 1, 1): [("10:00", "00:00")]}),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2000, 1, 1, tzinfo=UTC),
    ),
    (
        "round-the-clock-in-two-halves",
        lambda: BusinessCalendar(
            "UTC", {"mon-sun": [("00:00", "12:00"), ("12:00", "00:00")]}, holidays=["2000-01-01"]
        ),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2000, 1, 1, tzinfo=UTC),
    ),
    (
        "round-the-clock-in-a-zone",
        lambda: BusinessCalendar.always("Pacific/Auckland", holidays=["2010-06-01"]),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2010, 6, 1, tzinfo=ZoneInfo("Pacific/Auckland")),
    ),
    (
        "round-the-clock-the-latest-of-several-holidays",
        lambda: BusinessCalendar.always(
            "UTC", holidays=[date(1900, 1, 1), date(1950, 1, 1), date(2030, 1, 1)]
        ),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(1950, 1, 1, tzinfo=UTC),
    ),
    (
        "round-the-clock-closed-in-the-block-before",
        # The block of 2026-03-01 starts on 2025-10-23; the holiday is in the one before.
        lambda: BusinessCalendar.always("UTC", holidays=[date(2025, 3, 1)]),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2025, 3, 1, tzinfo=UTC),
    ),
    (
        "round-the-clock-closed-just-after-a-block-edge",
        lambda: BusinessCalendar.always("UTC", holidays=[date(2024, 10, 25)]),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2024, 10, 25, tzinfo=UTC),
    ),
    (
        "round-the-clock-closed-just-before-a-block-edge",
        lambda: BusinessCalendar.always("UTC", holidays=[date(2025, 10, 21)]),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2025, 10, 21, tzinfo=UTC),
    ),
    (
        "round-the-clock-closed-in-year-1",
        lambda: BusinessCalendar.always("UTC", holidays=[date(1, 1, 10)]),
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(1, 1, 10, tzinfo=UTC),
    ),
    (
        "two-years-of-holidays",
        # Closed from Monday 2024-09-02 to 2026-10-25: two whole 52-week blocks hold no hours.
        lambda: office("UTC", holidays=_holidays_between(date(2024, 9, 2), date(2026, 10, 25))),
        datetime(2026, 10, 26, 8, tzinfo=UTC),
        datetime(2024, 8, 30, 17, tzinfo=UTC),
    ),
    (
        "open-across-a-block-edge",
        # Wednesday's night shift runs across the block edge of Thursday 2024-10-24 00:00 UTC;
        # the edge is not a closing: the last one was the week before.
        lambda: BusinessCalendar("Europe/Berlin", {"wed": [("22:00", "06:00")]}),
        BLOCK_EDGE + hours(1),
        datetime(2024, 10, 17, 6, tzinfo=BERLIN),
    ),
    (
        "on-a-block-edge",
        lambda: BusinessCalendar("Europe/Berlin", {"wed": [("22:00", "06:00")]}),
        BLOCK_EDGE,
        datetime(2024, 10, 17, 6, tzinfo=BERLIN),
    ),
    (
        "closing-on-a-block-edge",
        # Open until exactly the block edge, then closed: the edge is a real closing.
        lambda: BusinessCalendar("UTC", {"wed": [("20:00", "00:00")]}),
        BLOCK_EDGE + hours(1),
        BLOCK_EDGE,
    ),
    (
        "before-the-first-opening-ever",
        lambda: office("UTC"),
        datetime(1, 1, 4, 8, tzinfo=UTC),  # a Thursday, the first supported day
        None,
    ),
    (
        "inside-the-first-opening-ever",
        lambda: office("UTC"),
        datetime(1, 1, 4, 12, tzinfo=UTC),
        None,
    ),
    (
        "after-the-first-closing-ever",
        lambda: office("UTC"),
        datetime(1, 1, 4, 18, tzinfo=UTC),
        datetime(1, 1, 4, 17, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize(
    ("build", "instant", "expected"),
    [row[1:] for row in FAR_CLOSINGS],
    ids=[row[0] for row in FAR_CLOSINGS],
)
def test_previous_closing_looks_back_across_blocks(
    build: object, instant: datetime, expected: datetime | None
) -> None:
    cal = build()  # type: ignore[operator]
    got = cal.previous_closing(instant)
    if expected is None:
        assert got is None
    else:
        assert got is not None and utc(got) == utc(expected)
        assert not cal.is_open(got) and cal.is_open(got - ONE_MICROSECOND)


def test_next_opening_and_between_cross_blocks_without_hours() -> None:
    # Closed from Monday 2024-09-02 to Sunday 2026-10-25: the 52-week blocks starting on
    # 2024-10-24 and 2025-10-23 hold no opening hours at all.
    cal = office("UTC", holidays=_holidays_between(date(2024, 9, 2), date(2026, 10, 25)))
    friday = datetime(2024, 8, 30, 16, tzinfo=UTC)
    reopening = datetime(2026, 10, 26, 9, tzinfo=UTC)
    assert cal.next_opening(datetime(2024, 8, 30, 17, tzinfo=UTC)) == reopening
    assert cal.next_opening(datetime(2025, 6, 1, tzinfo=UTC)) == reopening
    assert cal.add(friday, hours(2)) == reopening + hours(1)
    assert cal.subtract(reopening + hours(1), hours(2)) == friday
    assert cal.between(friday, reopening + hours(1)) == hours(2)
    assert cal.between(reopening + hours(1), friday) == -hours(2)
    assert cal.between(datetime(2024, 10, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)) == (
        timedelta(0)
    )


def test_an_interval_inside_the_spring_gap_is_dropped() -> None:
    # 02:00-03:00 does not exist on 2025-03-30 in Berlin: both ends map to 03:00 CEST, so the
    # interval holds no time, and neither opens nor closes anything that day.
    cal = BusinessCalendar("Europe/Berlin", {"sun": [("02:00", "03:00"), ("09:00", "17:00")]})
    day = local(BERLIN, 2025, 3, 30)
    assert cal.between(day, day + timedelta(days=1)) == hours(8)
    assert cal.next_opening(day) == local(BERLIN, 2025, 3, 30, 9)
    assert cal.previous_closing(local(BERLIN, 2025, 3, 30, 8)) == local(BERLIN, 2025, 3, 23, 17)
    assert not cal.is_open(local(BERLIN, 2025, 3, 30, 3))
    # A week later the same interval is an ordinary hour.
    assert cal.next_opening(local(BERLIN, 2025, 4, 6)) == local(BERLIN, 2025, 4, 6, 2)


def test_touching_intervals_have_no_closing_between_them() -> None:
    cal = BusinessCalendar(
        "Europe/Berlin", {"mon": [("22:00", "24:00")], "tue": [("00:00", "06:00")]}
    )
    # Inside the second part: the last closing is the previous Tuesday's 06:00, not midnight.
    assert cal.previous_closing(local(BERLIN, 2025, 3, 4, 3)) == local(BERLIN, 2025, 2, 25, 6)
    assert cal.previous_closing(local(BERLIN, 2025, 3, 4)) == local(BERLIN, 2025, 2, 25, 6)
    assert cal.is_open(local(BERLIN, 2025, 3, 4))
    assert cal.subtract(local(BERLIN, 2025, 3, 4, 1), hours(3)) == local(BERLIN, 2025, 3, 3, 22)


def test_an_exception_next_to_a_holiday_is_checked_against_the_holiday_not_its_weekday() -> None:
    # Monday's night shift would run into Tuesday 05:00-09:00, but Monday is a holiday: no
    # shift starts on it, so the exception does not clash with anything.
    cal = BusinessCalendar(
        "UTC",
        {"mon": [("22:00", "06:00")]},
        holidays=["2025-03-03"],
        exceptions={"2025-03-04": [("05:00", "09:00")]},
    )
    assert cal.between(datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 3, 5, tzinfo=UTC)) == (
        hours(4)
    )


# ------------------------------------------------------------------ landing on boundaries
#
# A 52-week block of the cache ends on Thursday 2024-10-24 00:00 UTC, so in UTC office hours
# the block's last closing is Wednesday 17:00 and the next block's first opening Thursday
# 09:00. Landing exactly on them must give the closing and the opening, as anywhere else.


def test_add_landing_on_the_last_closing_before_a_block_edge() -> None:
    cal = office("UTC")
    closing = datetime(2024, 10, 23, 17, tzinfo=UTC)
    assert cal.add(datetime(2024, 10, 23, 16, tzinfo=UTC), hours(1)) == closing
    # From a year earlier (the block before): 2081 business hours to the same closing.
    start = datetime(2023, 10, 25, 16, tzinfo=UTC)
    assert cal.add(start, hours(2081)) == closing
    assert cal.add(start, hours(2081) + ONE_MICROSECOND) == datetime(
        2024, 10, 24, 9, 0, 0, 1, tzinfo=UTC
    )


def test_subtract_landing_on_the_first_opening_after_a_block_edge() -> None:
    cal = office("UTC")
    opening = datetime(2024, 10, 24, 9, tzinfo=UTC)
    assert cal.subtract(datetime(2024, 10, 24, 10, tzinfo=UTC), hours(1)) == opening
    assert cal.subtract(datetime(2024, 10, 25, 10, tzinfo=UTC), hours(9)) == opening
    assert cal.subtract(datetime(2024, 10, 24, 10, tzinfo=UTC), hours(1) + ONE_MICROSECOND) == (
        datetime(2024, 10, 23, 16, 59, 59, 999_999, tzinfo=UTC)
    )


def test_one_microsecond_lands_on_the_closing() -> None:
    cal = office("UTC")
    last = datetime(2025, 3, 3, 16, 59, 59, 999_999, tzinfo=UTC)
    assert cal.add(last, ONE_MICROSECOND) == datetime(2025, 3, 3, 17, tzinfo=UTC)
    assert cal.subtract(datetime(2025, 3, 3, 9, 0, 0, 1, tzinfo=UTC), ONE_MICROSECOND) == (
        datetime(2025, 3, 3, 9, tzinfo=UTC)
    )


# ------------------------------------------------------------------ near the ends of time


def test_long_additions_near_the_ends_of_the_supported_years() -> None:
    # As much business time as the calendar really holds before the year 9999 (or after the
    # year 1) can be added; an addition that certainly cannot fit is refused at once.
    always = BusinessCalendar.always()
    assert always.add(datetime(9990, 1, 1, tzinfo=UTC), timedelta(days=1826)) == datetime(
        9995, 1, 1, tzinfo=UTC
    )
    assert always.subtract(datetime(10, 1, 1, tzinfo=UTC), timedelta(days=1826)) == datetime(
        5, 1, 1, tzinfo=UTC
    )
    cal = office("UTC")
    with pytest.raises(OverflowError) as info:
        cal.add(datetime(9990, 1, 1, tzinfo=UTC), timedelta(days=365 * 200))
    assert str(info.value) == (
        "adding 73000 days, 0:00:00 of business time runs outside the years a calendar supports"
        " (1-9999)"
    )
    with pytest.raises(OverflowError) as info:
        cal.subtract(datetime(10, 1, 1, tzinfo=UTC), timedelta(days=365 * 200))
    assert str(info.value) == (
        "adding -73000 days, 0:00:00 of business time runs outside the years a calendar "
        "supports (1-9999)"
    )


@pytest.mark.parametrize(
    ("first", "count", "business"),
    [(date(9999, 7, 20), 50, 30), (date(1, 1, 5), 300, 250)],
    ids=["before-9999", "after-year-1"],
)
def test_business_time_of_exceptions_counts_near_the_ends(
    first: date, count: int, business: int
) -> None:
    # Fifteen minutes a week, plus whole days opened by exceptions: the business time of
    # those days can be used, even a few weeks from the end of the supported years.
    days = {first + timedelta(days=i): [("00:00", "00:00")] for i in range(count)}
    cal = BusinessCalendar("UTC", {"sun": [("09:00", "09:15")]}, exceptions=days)
    start = datetime.combine(first, time(0), tzinfo=UTC)
    end = start + timedelta(days=count)
    assert cal.add(start, timedelta(days=business)) == start + timedelta(days=business)
    assert cal.subtract(end, timedelta(days=business)) == end - timedelta(days=business)


@pytest.mark.parametrize(
    ("closed", "hours_"),
    [
        # Closed on Sunday mornings, or on Monday mornings (the week's wall-clock start).
        (date(2024, 10, 20), {"mon-sat": [("00:00", "00:00")], "sun": [("12:00", "00:00")]}),
        (date(2024, 10, 21), {"mon": [("12:00", "00:00")], "tue-sun": [("00:00", "00:00")]}),
    ],
    ids=["sunday-mornings", "monday-mornings"],
)
def test_previous_closing_across_a_year_kept_open_by_exceptions(
    closed: date, hours_: dict[str, list[tuple[str, str]]]
) -> None:
    # Closed one morning a week, except that exceptions open that day every week of the
    # 52-week block from Thursday 2024-10-24: that whole block is open, yet the calendar is
    # not open round the clock, and the last closing lies in the block before.
    days = [closed + timedelta(weeks=i) for i in range(1, 53)]
    cal = BusinessCalendar("UTC", hours_, exceptions={day: [("00:00", "00:00")] for day in days})
    last_closing = datetime.combine(closed, time(0), tzinfo=UTC)
    assert cal.previous_closing(datetime(2025, 6, 1, 12, tzinfo=UTC)) == last_closing
    assert cal.previous_closing(datetime(2025, 10, 22, tzinfo=UTC)) == last_closing
    reclosed = datetime.combine(days[-1] + timedelta(weeks=1), time(0), tzinfo=UTC)
    assert cal.previous_closing(reclosed + hours(13)) == reclosed
    # Open from 12:00 on the last closed morning to the next closed one, without a break.
    assert cal.between(last_closing, reclosed + hours(12)) == timedelta(days=370, hours=12)
