"""Boundary conventions, dated breaks, business days, zones and a calendar's first calls.

Hand-written cases for each feature; the laws that tie them together are Hypothesis tests
in ``test_calendar_conventions_laws.py``.
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from escalation_rules import PolicyError
from escalation_rules._exceptions import CalendarError
from escalation_rules._time.calendar import BOUNDARY_PRESETS, Boundaries, BusinessCalendar
from escalation_rules._time.calendar_index import MAX_BLOCK_WEEKS, OUTGROW_AFTER
from escalation_rules._time.calendar_spec import WEEK_US
from escalation_rules._time.clocks import BusinessClock

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = {"mon-fri": [("09:00", "17:00")]}
H = timedelta(hours=1)


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)  # type: ignore[arg-type,misc]


def office(**kw: object) -> BusinessCalendar:
    return BusinessCalendar("Europe/Berlin", OFFICE, **kw)  # type: ignore[arg-type]


MONDAY_9 = at(BERLIN, 2025, 3, 3, 9)
SATURDAY = at(BERLIN, 2025, 3, 8, 12)
NEXT_MONDAY_9 = at(BERLIN, 2025, 3, 10, 9)


# ------------------------------------------------------------------ boundary conventions


def test_the_default_is_the_exact_preset_and_today_s_behaviour() -> None:
    cal = office()
    assert cal.boundaries == Boundaries() == BOUNDARY_PRESETS["exact"]
    assert cal == office(boundaries="exact") == office(boundaries=Boundaries())
    assert cal.add(MONDAY_9, 8 * H) == at(BERLIN, 2025, 3, 3, 17)  # the closing
    assert cal.add(SATURDAY, timedelta(0)) == SATURDAY  # no time passes
    assert cal.between(NEXT_MONDAY_9, MONDAY_9) == -40 * H  # signed


def test_landing_on_a_closing_can_move_to_the_next_opening() -> None:
    cal = office(boundaries=Boundaries(landing="next_opening"))
    assert cal.add(MONDAY_9, 8 * H) == at(BERLIN, 2025, 3, 4, 9)
    friday = at(BERLIN, 2025, 3, 7, 16)
    assert cal.add(friday, H) == NEXT_MONDAY_9  # over the weekend
    # Short of the closing, or past it, nothing changes.
    assert cal.add(MONDAY_9, 8 * H - timedelta(microseconds=1)) == at(
        BERLIN, 2025, 3, 3, 16, 59, 59, 999_999
    )
    assert cal.add(MONDAY_9, 9 * H) == at(BERLIN, 2025, 3, 4, 10)
    # Subtracting is not a sum landing on a closing: it still ends on the opening.
    assert cal.subtract(at(BERLIN, 2025, 3, 3, 17), 8 * H) == MONDAY_9


def test_lunch_is_a_closing_too() -> None:
    cal = BusinessCalendar(
        "Europe/Berlin",
        {"mon-fri": [("09:00", "12:00"), ("13:00", "17:00")]},
        boundaries="pandas",
    )
    assert cal.add(MONDAY_9, 3 * H) == at(BERLIN, 2025, 3, 3, 13)
    assert office().add(MONDAY_9, 3 * H) == at(BERLIN, 2025, 3, 3, 12)


def test_a_closing_cut_by_a_block_edge_is_no_closing() -> None:
    # Round the clock: business time never runs out "at a closing", whatever the blocks.
    cal = BusinessCalendar.always("UTC", boundaries=Boundaries(landing="next_opening"))
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for hours in (1, 24 * 7, 24 * 7 * 52, 24 * 7 * 60):
        assert cal.add(start, hours * H) == start + hours * H


def test_adding_zero_while_closed_can_roll_forward() -> None:
    cal = office(boundaries=Boundaries(zero="next_opening"))
    assert cal.add(SATURDAY, timedelta(0)) == NEXT_MONDAY_9
    assert cal.add(at(BERLIN, 2025, 3, 3, 17), timedelta(0)) == at(BERLIN, 2025, 3, 4, 9)
    open_instant = at(BERLIN, 2025, 3, 3, 10, 30)
    assert cal.add(open_instant, timedelta(0)) == open_instant
    assert cal.subtract(SATURDAY, timedelta(0)) == NEXT_MONDAY_9  # the same sum
    # A non-zero sum from a closed instant starts at the next opening anyway.
    assert cal.add(SATURDAY, timedelta(microseconds=1)) == NEXT_MONDAY_9 + timedelta(microseconds=1)


def test_a_reversed_difference_can_be_zero_or_its_size() -> None:
    assert office(boundaries=Boundaries(reversed="zero")).between(NEXT_MONDAY_9, MONDAY_9) == (
        timedelta(0)
    )
    assert office(boundaries="businesstimedelta").between(NEXT_MONDAY_9, MONDAY_9) == 40 * H
    for preset in BOUNDARY_PRESETS:
        assert office(boundaries=preset).between(MONDAY_9, NEXT_MONDAY_9) == 40 * H


@pytest.mark.parametrize(
    ("preset", "landing", "zero", "reversed_"),
    [
        ("exact", "closing", "instant", "negative"),
        ("biz", "closing", "next_opening", "zero"),
        ("business_time", "closing", "next_opening", "negative"),
        ("pandas", "next_opening", "next_opening", "negative"),
        ("businesstimedelta", "closing", "next_opening", "absolute"),
    ],
)
def test_the_presets(preset: str, landing: str, zero: str, reversed_: str) -> None:
    conventions = BOUNDARY_PRESETS[preset]
    assert (conventions.landing, conventions.zero, conventions.reversed) == (
        landing,
        zero,
        reversed_,
    )
    assert Boundaries.preset(preset) is conventions
    assert conventions.preset_name == preset
    cal = office(boundaries=preset)
    assert cal.boundaries is conventions


def test_the_businesstimedelta_preset_agrees_with_that_package() -> None:
    btd = pytest.importorskip("businesstimedelta")
    pytz = pytest.importorskip("pytz")
    zone = pytz.utc
    rules = btd.Rules(
        [btd.WorkDayRule(start_time=time(9), end_time=time(17), working_days=range(5), tz=zone)]
    )
    cal = BusinessCalendar("UTC", OFFICE, boundaries="businesstimedelta")
    monday = datetime(2025, 3, 3, 9, tzinfo=UTC)
    saturday = datetime(2025, 3, 8, 12, tzinfo=UTC)
    tuesday = datetime(2025, 3, 4, 12, tzinfo=UTC)
    for start, hours in ((monday, 8), (saturday, 0), (saturday, 8), (tuesday, 5)):
        theirs = start + btd.BusinessTimeDelta(rules, hours=hours)
        assert cal.add(start, hours * H) == theirs
    assert cal.between(tuesday, monday) == rules.difference(tuesday, monday).timedelta


def test_conventions_reach_the_business_clock() -> None:
    clock = BusinessClock(office(boundaries="pandas"))
    deadline = clock.deadline(None, MONDAY_9, 8 * H)  # type: ignore[arg-type]
    assert deadline == at(BERLIN, 2025, 3, 4, 9).astimezone(UTC)


def test_conventions_are_part_of_the_value() -> None:
    exact, biz = office(), office(boundaries="biz")
    assert exact != biz and hash(exact) != hash(biz)
    assert (
        repr(biz)
        == "BusinessCalendar('Europe/Berlin', {'mon-fri': [('09:00', '17:00')]}, boundaries='biz')"
    )
    assert eval(repr(biz), {"BusinessCalendar": BusinessCalendar}) == biz
    custom = office(boundaries=Boundaries(landing="next_opening", reversed="zero"))
    assert custom == office(boundaries={"landing": "next_opening", "reversed": "zero"})
    assert repr(custom).endswith("boundaries={'landing': 'next_opening', 'reversed': 'zero'})")
    assert eval(repr(custom), {"BusinessCalendar": BusinessCalendar}) == custom
    for cal in (biz, custom):
        assert pickle.loads(pickle.dumps(cal)) == cal
        assert attrs.evolve(cal, name="x").boundaries == cal.boundaries


@pytest.mark.parametrize(
    ("build", "message", "suggestion"),
    [
        (
            lambda: office(boundaries="zendesk-ish"),
            "boundaries: 'zendesk-ish' is not a boundary preset; the presets are 'biz', "
            "'business_time', 'businesstimedelta', 'exact', 'pandas', or give Boundaries(...)",
            None,
        ),
        (lambda: office(boundaries="pandsa"), "'pandsa' is not a boundary preset", "pandas"),
        (lambda: office(boundaries=3), "3 is not a boundary preset", None),
        (
            lambda: Boundaries(landing="next-opening"),  # type: ignore[arg-type]
            "boundaries.landing: 'next-opening' is not a convention for landing; choose one "
            "of 'closing', 'next_opening'",
            "next_opening",
        ),
        (
            lambda: office(boundaries={"landin": "next_opening"}),
            "boundaries: 'landin' is not a boundary setting; the settings are 'landing', "
            "'zero', 'reversed'",
            "landing",
        ),
        (
            lambda: office(boundaries={"zero": "rolls"}),
            "boundaries.zero: 'rolls' is not a convention for zero; choose one of 'instant', "
            "'next_opening'",
            None,
        ),
        (
            lambda: Boundaries(reversed="abs"),  # type: ignore[arg-type]
            "'abs' is not a convention for reversed",
            "absolute",
        ),
    ],
)
def test_bad_conventions_are_refused(build: object, message: str, suggestion: str | None) -> None:
    with pytest.raises(CalendarError) as info:
        build()  # type: ignore[operator]
    assert message in str(info.value)
    assert info.value.suggestion == suggestion


# ------------------------------------------------------------------ breaks


def test_a_break_closes_part_of_one_date() -> None:
    cal = office(breaks={"2026-12-24": [("12:00", "13:00")]})
    eve = date(2026, 12, 24)  # a Thursday
    assert cal.is_open(at(BERLIN, 2026, 12, 24, 11, 59))
    assert not cal.is_open(at(BERLIN, 2026, 12, 24, 12, 30))
    assert cal.is_open(at(BERLIN, 2026, 12, 24, 13))
    assert cal.is_open(at(BERLIN, 2026, 12, 17, 12, 30))  # only that date
    morning = at(BERLIN, 2026, 12, 24, 9)
    assert cal.between(morning, at(BERLIN, 2026, 12, 24, 17)) == 7 * H
    assert cal.add(morning, 3 * H) == at(BERLIN, 2026, 12, 24, 12)  # the break's start
    assert cal.add(morning, 3 * H + timedelta(minutes=1)) == at(BERLIN, 2026, 12, 24, 13, 1)
    assert cal.previous_closing(at(BERLIN, 2026, 12, 24, 12, 30)) == at(BERLIN, 2026, 12, 24, 12)
    assert cal.next_opening(at(BERLIN, 2026, 12, 24, 12, 30)) == at(BERLIN, 2026, 12, 24, 13)
    # The same as an exception that states the day's hours around the lunch.
    same = office(exceptions={eve: [("09:00", "12:00"), ("13:00", "17:00")]})
    start, end = at(BERLIN, 2026, 12, 20), at(BERLIN, 2026, 12, 31)
    assert cal.between(start, end) == same.between(start, end)


def test_breaks_cut_whatever_is_open_exceptions_holidays_and_night_shifts() -> None:
    cal = BusinessCalendar(
        "Europe/Berlin",
        {"mon-fri": [("22:00", "06:00")]},
        exceptions={"2025-12-22": [("08:00", "20:00")]},  # a Monday on days
        breaks={
            "2025-12-22": [("10:00", "11:00")],  # inside the exception
            "2025-12-24": [("02:00", "03:00")],  # inside Tuesday's night shift
            "2025-12-25": [("23:00", "01:00")],  # across midnight, into the 26th
        },
    )
    assert not cal.is_open(at(BERLIN, 2025, 12, 22, 10, 30))
    assert cal.is_open(at(BERLIN, 2025, 12, 22, 11))
    assert not cal.is_open(at(BERLIN, 2025, 12, 24, 2, 30))
    assert cal.is_open(at(BERLIN, 2025, 12, 24, 3))
    assert not cal.is_open(at(BERLIN, 2025, 12, 25, 23, 30))
    assert not cal.is_open(at(BERLIN, 2025, 12, 26, 0, 30))
    assert cal.is_open(at(BERLIN, 2025, 12, 26, 1))
    week = cal.between(at(BERLIN, 2025, 12, 22), at(BERLIN, 2025, 12, 29))
    # Monday 12 h less 1, then Tue-Fri nights of 8 h (Thursday's into Friday less 2 h),
    # less the hour on Wednesday morning. Monday's night shift is the exception's day.
    assert week == (11 + 8 * 4 - 1 - 2) * H


def test_breaks_follow_daylight_saving_time() -> None:
    # A break at 02:30 on the spring-forward night is at 03:30, as an opening would be.
    cal = BusinessCalendar.always("Europe/Berlin", breaks={"2025-03-30": [("02:30", "04:00")]})
    assert cal.is_open(at(BERLIN, 2025, 3, 30, 3, 15))
    assert not cal.is_open(at(BERLIN, 2025, 3, 30, 3, 45))
    day = cal.between(at(BERLIN, 2025, 3, 30), at(BERLIN, 2025, 3, 31))
    assert day == 23 * H - timedelta(minutes=30)


def test_breaks_in_the_value_repr_and_pickle() -> None:
    cal = office(breaks={date(2026, 12, 24): [(time(12), time(13))], "2026-12-31": []})
    assert cal.breaks == ((date(2026, 12, 24), ((time(12), time(13)),)),)  # an empty day drops
    assert cal != office()
    assert repr(cal).endswith("breaks={'2026-12-24': [('12:00', '13:00')]})")
    assert eval(repr(cal), {"BusinessCalendar": BusinessCalendar}) == cal
    assert pickle.loads(pickle.dumps(cal)) == cal
    always = BusinessCalendar.always(breaks={"2026-01-01": [("00:00", "12:00")]})
    assert always.previous_closing(datetime(2026, 6, 1, tzinfo=UTC)) == datetime(
        2026, 1, 1, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        ("12:00-13:00", "breaks: breaks must map dates to breaks, got '12:00-13:00'"),
        ({"2026-13-01": []}, "breaks: '2026-13-01' is not a date"),
        ({"2026-12-24": "12:00"}, "breaks must be a list of (start, end) pairs, got '12:00'"),
        ({"2026-12-24": [("12:00",)]}, "a break must be a (start, end) pair, got ('12:00',)"),
        ({"2026-12-24": [("12:00", "12:61")]}, "'12:61' is not a time of day"),
        (
            {"2026-12-24": [("12:00", "13:00"), ("12:30", "14:00")]},
            "the breaks 12:00-13:00 and 12:30-14:00 overlap",
        ),
        ({"2026-12-24": [("00:00", "00:15")] * 97}, "97 breaks on 2026-12-24; a day takes at most"),
    ],
)
def test_bad_breaks_are_refused(breaks: object, message: str) -> None:
    with pytest.raises(CalendarError, match=message.replace("(", r"\(").replace(")", r"\)")):
        office(breaks=breaks)


def test_a_date_given_twice_in_breaks_is_refused() -> None:
    with pytest.raises(CalendarError, match="the date 2026-12-24 is given twice"):
        office(breaks={"2026-12-24": [], date(2026, 12, 24): []})


# ------------------------------------------------------------------ business days


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (at(BERLIN, 2025, 3, 3, 9), 2, at(BERLIN, 2025, 3, 5, 9)),  # Monday 09:00 -> Wednesday
        (at(BERLIN, 2025, 3, 7, 16), 2, at(BERLIN, 2025, 3, 11, 16)),  # Friday 16:00 -> Tuesday
        (at(BERLIN, 2025, 3, 7, 16), 1, at(BERLIN, 2025, 3, 10, 16)),  # -> Monday
        (at(BERLIN, 2025, 3, 3, 9), 5, at(BERLIN, 2025, 3, 10, 9)),  # a week
        (at(BERLIN, 2025, 3, 8, 12), 1, at(BERLIN, 2025, 3, 11, 9)),  # Saturday: Monday 09:00 first
        (at(BERLIN, 2025, 3, 7, 18), 1, at(BERLIN, 2025, 3, 11, 9)),  # Friday evening, the same
        (at(BERLIN, 2025, 3, 3, 7), 1, at(BERLIN, 2025, 3, 4, 9)),  # before opening
        (at(BERLIN, 2025, 3, 3, 17), 1, at(BERLIN, 2025, 3, 5, 9)),  # at the close: Tuesday 09:00
        (at(BERLIN, 2025, 3, 4, 12, 34, 56, 789), 1, at(BERLIN, 2025, 3, 5, 12, 34, 56, 789)),
        (at(BERLIN, 2025, 3, 8, 12), 0, at(BERLIN, 2025, 3, 10, 9)),  # zero: the next opening
        (at(BERLIN, 2025, 3, 4, 12), 0, at(BERLIN, 2025, 3, 4, 12)),
    ],
)
def test_business_days_keep_the_local_time(start: datetime, n: int, expected: datetime) -> None:
    assert office().add_business_days(start, n) == expected


def test_business_days_skip_holidays_closed_days_and_weekends() -> None:
    cal = office(holidays=["2025-12-25", "2025-12-26"], exceptions={"2025-12-29": []})
    start = at(BERLIN, 2025, 12, 23, 10)  # Tuesday
    assert cal.add_business_days(start, 1) == at(BERLIN, 2025, 12, 24, 10)
    assert cal.add_business_days(start, 2) == at(BERLIN, 2025, 12, 30, 10)
    assert cal.add_business_days(start, 3) == at(BERLIN, 2025, 12, 31, 10)
    assert not cal.is_business_day(date(2025, 12, 25))
    assert not cal.is_business_day(date(2025, 12, 27))  # Saturday
    assert not cal.is_business_day(date(2025, 12, 29))  # closed by its exception
    assert cal.is_business_day(date(2025, 12, 24))


def test_a_time_not_open_on_the_target_day_rolls_forward() -> None:
    cal = office(exceptions={"2025-12-24": [("09:00", "12:00")]})  # a half day
    late = at(BERLIN, 2025, 12, 23, 15)
    assert cal.add_business_days(late, 1) == at(BERLIN, 2025, 12, 25, 9)
    lunch = office(breaks={"2025-12-24": [("12:00", "13:00")]})
    noon = at(BERLIN, 2025, 12, 23, 12, 15)
    assert lunch.add_business_days(noon, 1) == at(BERLIN, 2025, 12, 24, 13)
    # An exception that opens a Saturday makes it a business day.
    saturday = office(exceptions={"2025-12-27": [("10:00", "14:00")]})
    friday = at(BERLIN, 2025, 12, 26, 11)
    assert saturday.add_business_days(friday, 1) == at(BERLIN, 2025, 12, 27, 11)


def test_a_day_closed_by_its_breaks_is_no_business_day() -> None:
    cal = office(breaks={"2025-12-24": [("00:00", "00:00")]})
    assert not cal.is_business_day(date(2025, 12, 24))
    assert cal.add_business_days(at(BERLIN, 2025, 12, 23, 10), 1) == at(BERLIN, 2025, 12, 25, 10)
    partly = office(breaks={"2025-12-24": [("09:00", "16:00")]})
    assert partly.is_business_day(date(2025, 12, 24))


def test_business_days_keep_the_wall_clock_time_across_dst() -> None:
    cal = BusinessCalendar("Europe/Berlin", {"mon-sun": [("00:00", "00:00")]})
    friday = at(BERLIN, 2025, 3, 28, 10)  # CET; Sunday the clocks go forward
    got = cal.add_business_days(friday, 3)
    assert got == at(BERLIN, 2025, 3, 31, 10) and got.utcoffset() == 2 * H
    assert got.astimezone(UTC) - friday.astimezone(UTC) == 3 * 24 * H - H  # a short day between
    # A wall time in the spring-forward gap moves forward by the gap, as opening hours do.
    saturday = at(BERLIN, 2025, 3, 29, 2, 30)
    assert cal.add_business_days(saturday, 1) == at(BERLIN, 2025, 3, 30, 3, 30)
    # The repeated autumn hour: the first occurrence, fold=0.
    ny = BusinessCalendar.always("America/New_York")
    evening = at(NEW_YORK, 2025, 11, 1, 1, 30)
    got = ny.add_business_days(evening, 1)
    assert got.astimezone(UTC) == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # 01:30 EDT


def test_business_days_night_shifts_belong_to_their_start() -> None:
    nights = BusinessCalendar("Europe/Berlin", {"mon-fri": [("22:00", "06:00")]})
    assert not nights.is_business_day(date(2025, 3, 8))  # Friday's shift ends on Saturday
    friday = at(BERLIN, 2025, 3, 7, 23)
    assert nights.add_business_days(friday, 1) == at(BERLIN, 2025, 3, 10, 23)
    early = at(BERLIN, 2025, 3, 4, 3)  # Monday's shift, on Tuesday's date
    # Dates count, not shifts: Wednesday is the next business day, and at 03:00 on it
    # Tuesday's shift is open: one shift later.
    assert nights.add_business_days(early, 1) == at(BERLIN, 2025, 3, 5, 3)


@pytest.mark.parametrize(
    ("n", "message", "suggestion"),
    [
        (-1, "a number of business days cannot be negative, got -1", None),
        (2.0, "must be a whole number (an int), got 2.0", "2"),
        (2.5, "must be a whole number (an int), got 2.5", None),
        (True, "must be a whole number (an int), got True", None),
        ("2", "must be a whole number (an int), got '2'", None),
        (10_001, "10,001 business days is more than a calendar counts (at most 10,000", None),
    ],
)
def test_bad_numbers_of_business_days_are_refused(
    n: object, message: str, suggestion: str | None
) -> None:
    with pytest.raises(CalendarError) as info:
        office().add_business_days(MONDAY_9, n)  # type: ignore[arg-type]
    assert message in str(info.value)
    assert (info.value.where, info.value.value, info.value.suggestion) == ("n", n, suggestion)
    assert isinstance(info.value, PolicyError)


def test_the_most_business_days_are_counted_and_the_end_of_time_overflows() -> None:
    cal = office()
    far = cal.add_business_days(MONDAY_9, 10_000)
    assert far.time() == time(9) and far.year == 2063
    with pytest.raises(OverflowError):
        cal.add_business_days(at(BERLIN, 9999, 12, 1, 9), 100)
    with pytest.raises(CalendarError, match="takes a date"):
        cal.is_business_day(MONDAY_9)  # type: ignore[arg-type]


# ------------------------------------------------------------------ in_zone


def test_in_zone_reads_the_same_hours_in_another_zone() -> None:
    cal = office(holidays=["2025-12-25"], exceptions={"2025-12-24": [("09:00", "12:00")]})
    ny = cal.in_zone("America/New_York")
    assert ny == attrs.evolve(cal, tz="America/New_York")
    assert (ny.hours, ny.holidays, ny.exceptions, ny.name) == (
        cal.hours,
        cal.holidays,
        cal.exceptions,
        cal.name,
    )
    assert ny.is_open(at(NEW_YORK, 2025, 3, 3, 16, 30))
    assert not cal.is_open(at(NEW_YORK, 2025, 3, 3, 16, 30))
    assert ny.add(at(NEW_YORK, 2025, 12, 24, 11), 2 * H) == at(NEW_YORK, 2025, 12, 26, 10)
    assert ny.in_zone("Europe/Berlin") == cal


def test_in_zone_is_cheap_to_call_again_and_bounded() -> None:
    cal = office(breaks={"2026-12-24": [("12:00", "13:00")]}, boundaries="biz")
    ny = cal.in_zone("America/New_York")
    assert cal.in_zone("America/New_York") is ny
    assert cal.in_zone(NEW_YORK) is ny  # a ZoneInfo, by its key
    assert cal.in_zone("Europe/Berlin") is cal and cal.in_zone(BERLIN) is cal
    assert (ny.breaks, ny.boundaries) == (cal.breaks, cal.boundaries)
    zones = ["Asia/Tokyo", "UTC", "Europe/Paris", "Africa/Lagos", "America/Chicago"]
    zones += ["Asia/Kolkata", "Australia/Sydney", "Europe/London", "America/Denver"]
    for tz in zones:
        assert cal.in_zone(tz).tz == tz
    assert len(cal._zones) == 8  # the oldest went first
    assert cal.in_zone("America/New_York") == ny  # made again, equal


def test_in_zone_refuses_an_unknown_zone_with_a_suggestion() -> None:
    with pytest.raises(CalendarError) as info:
        office().in_zone("America/New_Yrok")
    assert str(info.value) == (
        "tz: 'America/New_Yrok' is not a known time zone (did you mean 'America/New_York'?)"
    )
    assert info.value.suggestion == "America/New_York"


# ------------------------------------------------------------------ the first calls


def test_a_new_calendar_lists_short_blocks_then_long_ones() -> None:
    cal = office()
    assert cal._index.block_us == WEEK_US
    cal.add(MONDAY_9, 8 * H)
    assert len(cal._index.blocks) == 1
    first = cal._index
    # A dozen units of work later, long blocks take over; the answers stay the same.
    for week in range(OUTGROW_AFTER + 1):
        cal.is_open(MONDAY_9 + timedelta(weeks=week))
    assert cal._index is not first
    assert cal._index.block_us == MAX_BLOCK_WEEKS * WEEK_US
    assert cal._index.arounds is first.arounds  # shared with the short blocks
    assert cal.add(MONDAY_9, 8 * H) == at(BERLIN, 2025, 3, 3, 17)


def test_long_walks_swap_in_long_blocks_early() -> None:
    cal = office()
    start = at(BERLIN, 2025, 3, 3, 9)
    expected = office().add(start, 10_000 * H)
    for _ in range(OUTGROW_AFTER):
        assert cal.add(start, 10_000 * H) == expected
    assert cal._index.block_us == MAX_BLOCK_WEEKS * WEEK_US


def test_a_calendar_with_many_intervals_grows_into_blocks_of_a_few_weeks() -> None:
    dense = [(time(h, m), time(h, m + 5)) for h in range(24) for m in (0, 15, 30, 45)]
    cal = BusinessCalendar("UTC", {"mon-sun": dense})
    start = datetime(2025, 3, 3, tzinfo=UTC)
    expected = cal.add(start, 100 * H)
    for week in range(OUTGROW_AFTER + 1):
        cal.is_open(start + timedelta(weeks=week))
    assert cal._index.block_us == 3 * WEEK_US  # 672 intervals a week: 2,048 in three weeks
    assert cal.add(start, 100 * H) == expected
