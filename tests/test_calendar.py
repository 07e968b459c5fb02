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
from escalation_rules._calendar import (
    BusinessCalendar,
    BusinessClock,
    holidays_from_ics,
    holidays_from_package,
)
from escalation_rules._exceptions import CalendarError

from .conftest import three_levels

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
    assert clone._blocks and not pickle.loads(pickle.dumps(clone))._blocks


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


ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    "BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20251225\r\nSUMMARY:Christmas\r\n"
    " Day (folded)\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Carnival\r\nDTSTART;VALUE=DATE:20260216\r\n"
    "DTEND;VALUE=DATE:20260218\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:3\r\nDTSTART;VALUE=DATE:20260501\r\nDURATION:P1W\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:4\r\nDTSTART;VALUE=DATE:2026\r\n 0101\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_holidays_from_ics_reads_all_day_events() -> None:
    days = holidays_from_ics(ICS)
    may = {date(2026, 5, d) for d in range(1, 8)}
    assert (
        days == {date(2025, 12, 25), date(2026, 2, 16), date(2026, 2, 17), date(2026, 1, 1)} | may
    )
    assert office(holidays=days).is_open(local(BERLIN, 2026, 2, 18, 10))


@pytest.mark.parametrize(
    ("event", "fragment"),
    [
        ("DTSTART:20251225T090000Z", "is timed; holidays must be all-day events"),
        ("DTSTART;VALUE=DATE:20251225\r\nRRULE:FREQ=YEARLY", "RRULE"),
        ("SUMMARY:no date", "has no DTSTART"),
        ("DTSTART;VALUE=DATE:20251345", "is not a date"),
        ("DTSTART;VALUE=DATE:20251225\r\nDURATION:PT8H", "not a whole number of days"),
    ],
)
def test_holidays_from_ics_refuses_what_it_cannot_read(event: str, fragment: str) -> None:
    text = f"BEGIN:VCALENDAR\nBEGIN:VEVENT\n{event}\nEND:VEVENT\nEND:VCALENDAR\n"
    with pytest.raises(CalendarError, match="VEVENT at line 2") as info:
        holidays_from_ics(text)
    assert fragment in str(info.value)


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
