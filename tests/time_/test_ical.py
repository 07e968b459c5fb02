"""Holidays from iCalendar text: `holidays_from_ics` on ``icalendar`` and ``recurring-ical-events``.

Each form read, each refusal with its exact message, the bounds on untrusted text, and a fuzz
test that nothing but an `EscalationRulesError` ever comes out.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import EscalationRulesError
from escalation_rules._exceptions import CalendarError
from escalation_rules._time.calendar import BusinessCalendar
from escalation_rules._time.holidays import holidays_from_ics
from escalation_rules._time.ical import MAX_EXPANSION_STEPS, MAX_ICS_CHARS

XMAS = date(2025, 12, 25)


def _vevent(*lines: str) -> str:
    body = "\n".join(lines)
    return f"BEGIN:VCALENDAR\nBEGIN:VEVENT\n{body}\nEND:VEVENT\nEND:VCALENDAR\n"


def _days(first: date, count: int) -> set[date]:
    return {first + timedelta(days=i) for i in range(count)}


# ------------------------------------------------------------------ the review's findings


def test_an_alarm_never_adds_days() -> None:
    # The old reader took the VALARM's DURATION for the event's: five holidays, not one.
    text = _vevent(
        "DTSTART;VALUE=DATE:20251225",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT15M",
        "DURATION:P5D",
        "REPEAT:1",
        "END:VALARM",
    )
    assert holidays_from_ics(text) == {XMAS}


def test_rdate_adds_its_dates_and_periods() -> None:
    text = _vevent(
        "DTSTART;VALUE=DATE:20251225",
        "RDATE;VALUE=DATE:20261225,20271225",
        "RDATE;VALUE=PERIOD:20280101T000000/P2D",
    )
    assert holidays_from_ics(text) == {
        XMAS,
        date(2026, 12, 25),
        date(2027, 12, 25),
        date(2028, 1, 1),
        date(2028, 1, 2),
    }


def test_a_cancelled_event_adds_no_day() -> None:
    text = _vevent("DTSTART;VALUE=DATE:20251225", "STATUS:CANCELLED") + _vevent(
        "DTSTART;VALUE=DATE:20251226"
    )
    assert holidays_from_ics(text) == {date(2025, 12, 26)}


def test_an_all_day_event_without_an_end_is_one_day() -> None:
    # RFC 5545 3.6.1: a DATE-valued DTSTART without DTEND or DURATION lasts one day.
    text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20251225\r\n"
    text += "END:VEVENT\r\nEND:VCALENDAR\r\n"
    assert holidays_from_ics(text) == {XMAS}


# 90 bytes: the old reader built all 3,652,058 dates from the year 1 to 9999, in seconds.
EVERY_DAY = "BEGIN:VEVENT\nDTSTART;VALUE=DATE:00010101\nDTEND;VALUE=DATE:99991231\nEND:VEVENT\n"


def test_an_event_over_max_dates_days_is_refused_before_its_days_are_built() -> None:
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(EVERY_DAY)
    assert str(info.value) == (
        "VEVENT at line 1: the event lasts 3,652,058 days, more than max_dates (10,000)"
    )
    assert info.value.value == 3_652_058


def test_max_dates_can_be_raised_or_lowered() -> None:
    week = _vevent("DTSTART;VALUE=DATE:20251222", "DTEND;VALUE=DATE:20251229")
    assert len(holidays_from_ics(week, max_dates=7)) == 7
    with pytest.raises(CalendarError, match=r"lasts 7 days, more than max_dates \(6\)"):
        holidays_from_ics(week, max_dates=6)
    two = week + _vevent("DTSTART;VALUE=DATE:20260101")
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(two, max_dates=7)
    assert str(info.value) == (
        "iCalendar text: the events cover more than max_dates (7) dates; ask for fewer years "
        "or a larger max_dates"
    )


# ------------------------------------------------------------------ repeating events


def test_a_yearly_rule_with_an_exdate_in_the_years_asked_for() -> None:
    text = _vevent("DTSTART;VALUE=DATE:20201225", "RRULE:FREQ=YEARLY", "EXDATE;VALUE=DATE:20261225")
    assert holidays_from_ics(text, years=range(2025, 2029)) == {
        date(2025, 12, 25),
        date(2027, 12, 25),
        date(2028, 12, 25),
    }
    assert holidays_from_ics(text, years=2026) == set()


@pytest.mark.parametrize(
    ("rule", "years", "expected"),
    [
        # US Thanksgiving: the fourth Thursday of November
        (
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
            [2025, 2026],
            {date(2025, 11, 27), date(2026, 11, 26)},
        ),
        # UK spring bank holiday: the last Monday of May
        ("FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO", 2026, {date(2026, 5, 25)}),
        ("FREQ=YEARLY;COUNT=2", range(2020, 2030), {date(2020, 1, 1), date(2021, 1, 1)}),
        (
            "FREQ=YEARLY;UNTIL=20220101",
            range(2020, 2030),
            _days(date(2020, 1, 1), 1)
            | {
                date(2021, 1, 1),
                date(2022, 1, 1),
            },
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3",  # DTSTART is one of them: January 31
            2020,
            {
                date(2020, 1, 31),
                date(2020, 2, 29),
                date(2020, 3, 31),
            },
        ),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;COUNT=3",  # from Friday 3 January
            2020,
            {
                date(2020, 1, 3),
                date(2020, 1, 17),
                date(2020, 1, 31),
            },
        ),
        ("FREQ=DAILY;COUNT=3", 2020, _days(date(2020, 1, 1), 3)),
        # February 29 comes back every four years: within the look-ahead
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", 2025, set()),
    ],
)
def test_repeat_rules(rule: str, years: object, expected: set[date]) -> None:
    # DTSTART is always an occurrence (RFC 5545 3.8.5.3), so it starts on the rule's first.
    first = min(expected, default=date(2020, 1, 1))
    text = _vevent(f"DTSTART;VALUE=DATE:{first:%Y%m%d}", f"RRULE:{rule}")
    assert holidays_from_ics(text, years=years) == expected  # type: ignore[arg-type]


def test_a_changed_instance_moves_and_a_cancelled_one_goes() -> None:
    text = (
        "BEGIN:VCALENDAR\n"
        "BEGIN:VEVENT\nUID:x\nDTSTART;VALUE=DATE:20251225\nRRULE:FREQ=YEARLY\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:x\nRECURRENCE-ID;VALUE=DATE:20261225\nDTSTART;VALUE=DATE:20261228\n"
        "END:VEVENT\n"
        "BEGIN:VEVENT\nUID:x\nRECURRENCE-ID;VALUE=DATE:20271225\nDTSTART;VALUE=DATE:20271225\n"
        "STATUS:CANCELLED\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    assert holidays_from_ics(text, years=range(2025, 2029)) == {
        date(2025, 12, 25),
        date(2026, 12, 28),
        date(2028, 12, 25),
    }


def test_a_repeating_event_needs_years() -> None:
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(_vevent("DTSTART;VALUE=DATE:20251225", "RRULE:FREQ=YEARLY"))
    assert str(info.value) == (
        "VEVENT at line 2: the event repeats (RRULE); pass years=... to say which years to read"
    )
    assert info.value.value == "FREQ=YEARLY"


def test_a_rule_that_never_occurs_again_is_refused_not_walked_to_the_year_9999() -> None:
    # dateutil would walk this day by day from 2025 to 9999 (seconds) for any window.
    text = _vevent("DTSTART;VALUE=DATE:20250101", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(text, years=2025)
    assert str(info.value) == (
        "VEVENT at line 2: RRULE 'FREQ=DAILY;BYMONTHDAY=30;BYMONTH=2' has no occurrence in the "
        "100 years after 2025-12-31; expanding it would walk on to the year 9999"
    )


def test_a_rule_that_starts_far_before_the_years_is_refused_by_its_steps() -> None:
    text = _vevent("DTSTART;VALUE=DATE:00010101", "RRULE:FREQ=DAILY;UNTIL=99991231")
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(text, years=2025)
    assert str(info.value) == (
        "VEVENT at line 2: expanding RRULE 'FREQ=DAILY;UNTIL=99991231' takes more than "
        f"{MAX_EXPANSION_STEPS:,} steps, with the rules before it; move its DTSTART closer to "
        "the years asked for, or ask for fewer"
    )


def test_the_steps_of_all_rules_add_up() -> None:
    # Each rule alone is well within the bound; together they are not.
    one = _vevent("DTSTART;VALUE=DATE:19000101", "RRULE:FREQ=DAILY;BYMONTH=1;BYMONTHDAY=1")
    assert holidays_from_ics(one, years=2025) == {date(2025, 1, 1)}
    with pytest.raises(CalendarError, match="takes more than 500,000 steps, with the rules"):
        holidays_from_ics(one * 12, years=2025)


def test_a_rule_with_more_occurrences_than_max_dates_is_refused() -> None:
    text = _vevent("DTSTART;VALUE=DATE:20250101", "RRULE:FREQ=DAILY")
    assert len(holidays_from_ics(text, years=2025)) == 365
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(text, years=2025, max_dates=100)
    assert str(info.value) == (
        "VEVENT at line 2: RRULE 'FREQ=DAILY' occurs more than max_dates (100) times in 2025-2025"
    )


def test_overlapping_occurrences_are_bounded_too() -> None:
    # 3,653 daily occurrences of 200 days each: under 4,000 dates, but 730,000 to look at.
    text = _vevent(
        "DTSTART;VALUE=DATE:20200101", "DURATION:P200D", "RRULE:FREQ=DAILY;UNTIL=20291231"
    )
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(text, years=range(2020, 2030))
    assert str(info.value) == "iCalendar text: the events overlap on more than 500,000 days"
    assert len(holidays_from_ics(text.replace("P200D", "P2D"), years=range(2020, 2030))) == 3653


# ------------------------------------------------------------------ timed events


BERLIN = ZoneInfo("Europe/Berlin")

TIMED = [
    # (id, lines, dates): the dates an event touches, in the zone of its DTSTART
    (
        "across-midnight-in-berlin",
        ("DTSTART;TZID=Europe/Berlin:20251224T230000", "DTEND;TZID=Europe/Berlin:20251225T010000"),
        {date(2025, 12, 24), XMAS},
    ),
    (
        "utc-is-its-own-zone",
        ("DTSTART:20251224T230000Z", "DTEND:20251225T010000Z"),
        {date(2025, 12, 24), XMAS},
    ),
    ("ends-at-midnight", ("DTSTART:20251225T090000Z", "DTEND:20251226T000000Z"), {XMAS}),
    ("no-end-is-an-instant", ("DTSTART:20251225T090000Z",), {XMAS}),
    ("floating", ("DTSTART:20251225T233000", "DURATION:PT1H"), {XMAS, date(2025, 12, 26)}),
    (
        "end-in-another-zone-is-read-in-the-start-zone",
        ("DTSTART;TZID=Europe/Berlin:20251225T100000", "DTEND:20251225T233000Z"),
        {XMAS, date(2025, 12, 26)},
    ),
]


@pytest.mark.parametrize(
    ("lines", "expected"), [row[1:] for row in TIMED], ids=[row[0] for row in TIMED]
)
def test_a_timed_event_covers_the_dates_it_touches(
    lines: tuple[str, ...], expected: set[date]
) -> None:
    assert holidays_from_ics(_vevent(*lines)) == expected


def test_the_calendar_zone_of_x_wr_timezone_is_the_events_zone() -> None:
    # 23:00 UTC on 24 December is midnight on the 25th in Berlin.
    text = (
        "BEGIN:VCALENDAR\nX-WR-TIMEZONE:Europe/Berlin\nBEGIN:VEVENT\n"
        "DTSTART:20251224T230000Z\nDTEND:20251225T000000Z\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    assert holidays_from_ics(text) == {XMAS}


# ------------------------------------------------------------------ forms read


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
    office = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]}, holidays=days)
    assert office.is_open(datetime(2026, 2, 18, 10, tzinfo=BERLIN))
    assert not office.is_open(datetime(2026, 2, 17, 10, tzinfo=BERLIN))
    assert holidays_from_ics(ICS, years=2025) == {XMAS}


ICS_READINGS = [
    # (id, text, the holidays read): an event covers DTSTART up to, not including, DTEND
    ("one-day-without-end", _vevent("DTSTART;VALUE=DATE:20251225"), {XMAS}),
    (
        "dtend-is-excluded",
        _vevent("DTSTART;VALUE=DATE:20251225", "DTEND;VALUE=DATE:20251228"),
        _days(XMAS, 3),
    ),
    (
        "dtend-on-the-start-is-one-day",
        _vevent("DTSTART;VALUE=DATE:20251225", "DTEND;VALUE=DATE:20251225"),
        {XMAS},
    ),
    ("duration-in-days", _vevent("DTSTART;VALUE=DATE:20251225", "DURATION:P2D"), _days(XMAS, 2)),
    ("duration-in-weeks", _vevent("DTSTART;VALUE=DATE:20251225", "DURATION:P2W"), _days(XMAS, 14)),
    (
        "duration-weeks-and-days",
        _vevent("DTSTART;VALUE=DATE:20251225", "DURATION:P1W2D"),
        _days(XMAS, 9),
    ),
    ("duration-zero-is-one-day", _vevent("DTSTART;VALUE=DATE:20251225", "DURATION:P0D"), {XMAS}),
    (
        "dtend-wins-over-duration",
        _vevent("DTSTART;VALUE=DATE:20251225", "DURATION:P5D", "DTEND;VALUE=DATE:20251227"),
        _days(XMAS, 2),
    ),
    ("a-date-without-value-param", _vevent("DTSTART:20251225"), {XMAS}),
    ("lower-case-names", "begin:vevent\ndtstart;value=date:20251225\nend:vevent\n", {XMAS}),
    ("folded-with-a-tab", "BEGIN:VEVENT\nDTSTART;VALUE=DATE:2025\n\t1225\nEND:VEVENT\n", {XMAS}),
    ("folded-crlf", "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:202\r\n 51225\r\nEND:VEVENT\r\n", {XMAS}),
    (
        "other-components-add-no-day",
        "BEGIN:VCALENDAR\nBEGIN:VTODO\nDTSTART;VALUE=DATE:20250101\nEND:VTODO\n"
        "BEGIN:VJOURNAL\nDTSTART;VALUE=DATE:20250102\nEND:VJOURNAL\nEND:VCALENDAR\n"
        + _vevent("DTSTART;VALUE=DATE:20251225"),
        {XMAS},
    ),
    (
        "two-events-each-with-its-own-dates",
        _vevent("DTSTART;VALUE=DATE:20251225", "DTEND;VALUE=DATE:20251227")
        + _vevent("DTSTART;VALUE=DATE:20260101"),
        {XMAS, date(2025, 12, 26), date(2026, 1, 1)},
    ),
    (
        "a-broken-property-that-does-not-matter",
        _vevent("DTSTART;VALUE=DATE:20251225", "LAST-MODIFIED:yesterday"),
        {XMAS},
    ),
    ("nothing", "", set()),
    ("an-empty-calendar", "BEGIN:VCALENDAR\nEND:VCALENDAR\n", set()),
]


@pytest.mark.parametrize(
    ("text", "expected"), [row[1:] for row in ICS_READINGS], ids=[row[0] for row in ICS_READINGS]
)
def test_holidays_from_ics_reads_each_form(text: str, expected: set[date]) -> None:
    got = holidays_from_ics(text)
    assert type(got) is frozenset and got == expected


# ------------------------------------------------------------------ refusals


ICS_REFUSALS = [
    # (id, text, message, value): `where` names the line of the event's BEGIN, or the line
    (
        "a-dashed-date",
        _vevent("DTSTART;VALUE=DATE:2025-12-25"),
        "VEVENT at line 2: DTSTART '2025-12-25' cannot be read: Expected datetime, date, or "
        "time. Got: '2025-12-25'",
        "2025-12-25",
    ),
    (
        "month-13",
        _vevent("DTSTART;VALUE=DATE:20251345"),
        "VEVENT at line 2: DTSTART '20251345' cannot be read: Wrong date format 20251345",
        "20251345",
    ),
    (
        "end-month-13",
        _vevent("DTSTART;VALUE=DATE:20251225", "DTEND;VALUE=DATE:20251301"),
        "VEVENT at line 2: DTEND '20251301' cannot be read: Wrong date format 20251301",
        "20251301",
    ),
    (
        "a-timed-end-of-a-date",
        _vevent("DTSTART;VALUE=DATE:20251225", "DTEND:20251226T000000"),
        "VEVENT at line 2: DTEND '20251226T000000' is not a date like DTSTART",
        "20251226T000000",
    ),
    (
        "a-date-end-of-a-time",
        _vevent("DTSTART:20251225T100000", "DTEND;VALUE=DATE:20251226"),
        "VEVENT at line 2: DTEND '20251226' is not a date-time like DTSTART",
        "20251226",
    ),
    (
        "an-end-before-the-start",
        _vevent("DTSTART;VALUE=DATE:20251225", "DTEND;VALUE=DATE:20251220"),
        "VEVENT at line 2: DTEND '20251220' is before DTSTART '20251225'",
        "20251220",
    ),
    (
        "floating-and-zoned",
        _vevent("DTSTART;TZID=Europe/Berlin:20251225T100000", "DTEND:20251225T120000"),
        "VEVENT at line 2: DTSTART and DTEND mix a floating time and a zoned one",
        None,
    ),
    ("undated", _vevent("SUMMARY:no date"), "VEVENT at line 2: an event has no DTSTART", None),
    (
        "undated-later",
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20251225\nEND:VEVENT\n"
        "BEGIN:VEVENT\nEND:VEVENT\nEND:VCALENDAR\n",
        "VEVENT at line 6: an event has no DTSTART",
        None,
    ),
    (
        "two-starts",
        _vevent("DTSTART;VALUE=DATE:20251225", "DTSTART;VALUE=DATE:20251226"),
        "VEVENT at line 2: the event gives DTSTART 2 times",
        None,
    ),
    (
        "hours-in-a-duration",
        _vevent("DTSTART;VALUE=DATE:20251225", "DURATION:PT8H"),
        "VEVENT at line 2: DURATION 'PT8H' is not a whole number of days",
        "PT8H",
    ),
    (
        "a-negative-duration",
        _vevent("DTSTART;VALUE=DATE:20251225", "DURATION:-P1D"),
        "VEVENT at line 2: DURATION '-P1D' is not a length of time",
        "-P1D",
    ),
    (
        "an-unreadable-rdate",
        _vevent("DTSTART;VALUE=DATE:20251225", "RDATE:soon"),
        "VEVENT at line 2: RDATE 'soon' cannot be read: Expected datetime, date, or time. "
        "Got: 'soon'",
        "soon",
    ),
    (
        "an-unreadable-line-in-an-event",
        _vevent("DTSTART;VALUE=DATE:20251225", 'DTEND;X="open:20251227'),
        "VEVENT at line 2: a line cannot be read: Content line could not be parsed into parts: "
        "'DTEND;X=\"open:20251227': 'X=\"open:20251227' is not a valid parameter string: "
        '"open:20251227',
        None,
    ),
    (
        "exrule",
        _vevent("DTSTART;VALUE=DATE:20251225", "EXRULE:FREQ=YEARLY"),
        "VEVENT at line 2: EXRULE is not supported (RFC 5545 removed it)",
        None,
    ),
    (
        "a-line-outside-any-component",
        "DTSTART;VALUE=DATE:20250101\n" + _vevent("DTSTART;VALUE=DATE:20251225"),
        "line 1: 'DTSTART;VALUE=DATE:20250101' lies outside any BEGIN/END component",
        "DTSTART;VALUE=DATE:20250101",
    ),
    (
        "an-event-never-ended",
        "BEGIN:VEVENT\nDTSTART;VALUE=DATE:20251225\n",
        "line 1: BEGIN:VEVENT is never closed by END:VEVENT",
        "VEVENT",
    ),
    (
        "a-stray-end",
        "END:VEVENT\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20251225\nEND:VEVENT\n",
        "line 1: END:VEVENT has no matching BEGIN",
        "END:VEVENT",
    ),
    (
        "an-end-that-closes-the-wrong-component",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nBEGIN:VALARM\nEND:VEVENT\nEND:VCALENDAR\n",
        "line 4: END:VEVENT has no matching BEGIN; BEGIN:VALARM of line 3 is open",
        "END:VEVENT",
    ),
    (
        "spaces-around-values",
        "BEGIN:VEVENT\nDTSTART ; VALUE=DATE : 20251225 \nEND:VEVENT\n",
        "VEVENT at line 1: DTSTART ' 20251225 ' cannot be read: Expected datetime, date, or "
        "time. Got: ' 20251225 '",
        " 20251225 ",
    ),
    (
        "not-a-content-line",
        "BEGIN:VCALENDAR\nVERSION:2.0\nfoo bar\nEND:VCALENDAR\n",
        "line 3: the text cannot be read: Content line could not be parsed into parts: 'foo bar': "
        "Invalid content line",
        None,
    ),
    (
        "nested-too-deep",
        "BEGIN:X\n" * 9,
        "line 9: components nest more than 8 deep",
        None,
    ),
]

RULE_REFUSALS = [
    # (id, RRULE, the problem named)
    ("no-freq", "GARBAGE", "RRULE '' has no FREQ"),
    (
        "hourly",
        "FREQ=HOURLY",
        "RRULE 'FREQ=HOURLY' repeats within a day; holidays repeat DAILY, WEEKLY, MONTHLY or "
        "YEARLY",
    ),
    (
        "by-hour",
        "FREQ=DAILY;BYHOUR=9,10",
        "RRULE 'FREQ=DAILY;BYHOUR=9,10' picks times of day (BYHOUR, BYMINUTE, BYSECOND); "
        "holidays are whole days",
    ),
    (
        "count-and-until",
        "FREQ=YEARLY;COUNT=2;UNTIL=20300101",
        "RRULE 'FREQ=YEARLY;UNTIL=20300101;COUNT=2' gives both COUNT and UNTIL; RFC 5545 allows "
        "one",
    ),
    ("count-zero", "FREQ=YEARLY;COUNT=0", "RRULE 'FREQ=YEARLY;COUNT=0' has a COUNT below 1"),
    (
        "huge-interval",
        "FREQ=DAILY;INTERVAL=5000",
        "RRULE 'FREQ=DAILY;INTERVAL=5000' has an INTERVAL outside 1 to 1,000",
    ),
    (
        "unreadable-interval",
        "FREQ=YEARLY;INTERVAL=x",
        "RRULE 'FREQ=YEARLY;INTERVAL=x' cannot be read: Expected int, got: x",
    ),
    (
        "unknown-part",
        "FREQ=YEARLY;BYFOO=2",
        "RRULE 'FREQ=YEARLY;BYFOO=2' cannot be read: unknown parameter 'BYFOO'",
    ),
]


@pytest.mark.parametrize(
    ("text", "message", "value"),
    [row[1:] for row in ICS_REFUSALS],
    ids=[row[0] for row in ICS_REFUSALS],
)
def test_holidays_from_ics_refusals_are_exact(text: str, message: str, value: object) -> None:
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(text)
    err = info.value
    assert str(err) == message
    assert (err.where, err.value, err.suggestion) == (message.split(": ")[0], value, None)


@pytest.mark.parametrize(
    ("rule", "message"), [row[1:] for row in RULE_REFUSALS], ids=[row[0] for row in RULE_REFUSALS]
)
def test_repeat_rules_that_are_refused(rule: str, message: str) -> None:
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(_vevent("DTSTART;VALUE=DATE:20251225", f"RRULE:{rule}"), years=2026)
    assert str(info.value) == f"VEVENT at line 2: {message}"
    assert info.value.where == "VEVENT at line 2"


ARGUMENT_REFUSALS = [
    # (id, keyword arguments, where, message)
    ("year-zero", {"years": 0}, "years", "years holds 0; a year is a whole number from 1 to 9999"),
    (
        "a-string-year",
        {"years": ["2025"]},
        "years",
        "years holds '2025'; a year is a whole number from 1 to 9999",
    ),
    (
        "a-bool-year",
        {"years": True},
        "years",
        "years holds True; a year is a whole number from 1 to 9999",
    ),
    ("no-years", {"years": []}, "years", "years is empty; give at least one year"),
    (
        "years-as-text",
        {"years": "2025"},
        "years",
        "years must be a year or an iterable of years, not '2025'",
    ),
    (
        "max-dates-zero",
        {"max_dates": 0},
        "max_dates",
        "max_dates must be a whole number of at least 1, not 0",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "where", "message"),
    [row[1:] for row in ARGUMENT_REFUSALS],
    ids=[row[0] for row in ARGUMENT_REFUSALS],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], where: str, message: str) -> None:
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(_vevent("DTSTART;VALUE=DATE:20251225"), **kwargs)  # type: ignore[arg-type]
    assert (info.value.where, info.value.message) == (where, message)


def test_text_that_is_not_a_str_or_too_long_is_refused() -> None:
    with pytest.raises(CalendarError, match="must be a str, not bytes; decode it first"):
        holidays_from_ics(b"BEGIN:VCALENDAR")  # type: ignore[arg-type]
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(" " * (MAX_ICS_CHARS + 1))
    assert info.value.message == (
        f"the iCalendar text is {MAX_ICS_CHARS + 1:,} characters long, over the limit of "
        f"{MAX_ICS_CHARS:,}"
    )


def test_missing_packages_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "recurring_ical_events", None)
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(_vevent("DTSTART;VALUE=DATE:20251225"))
    assert str(info.value) == (
        "holidays_from_ics needs icalendar and recurring-ical-events, which are not installed; "
        "install it with: pip install 'escalation-rules[holidays]'"
    )
    assert info.value.value == "recurring_ical_events"


def test_the_packages_load_on_first_call_only() -> None:
    code = (
        "import sys, escalation_rules\n"
        "from escalation_rules import holidays_from_ics\n"
        "assert 'icalendar' not in sys.modules and 'recurring_ical_events' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_text_is_not_changed_and_the_result_is_the_same_twice() -> None:
    text = ICS
    assert holidays_from_ics(text) == holidays_from_ics(text)
    assert text == ICS


# ------------------------------------------------------------------ fuzz


_LINES = st.sampled_from(
    [
        "BEGIN:VCALENDAR",
        "END:VCALENDAR",
        "BEGIN:VEVENT",
        "END:VEVENT",
        "BEGIN:VALARM",
        "END:VALARM",
        "DTSTART;VALUE=DATE:20251225",
        "DTSTART:20251225T100000Z",
        "DTSTART;TZID=Europe/Berlin:20251225T100000",
        "DTSTART;VALUE=DATE:00010101",
        "DTEND;VALUE=DATE:99991231",
        "DTEND;VALUE=DATE:20251227",
        "DTEND:20251225T090000Z",
        "DURATION:P3D",
        "DURATION:PT1H",
        "RRULE:FREQ=YEARLY",
        "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "RRULE:FREQ=MONTHLY;UNTIL=20260101",
        "RDATE;VALUE=DATE:20260101,99991231",
        "RDATE;VALUE=PERIOD:20260101T000000Z/P400D",
        "EXDATE;VALUE=DATE:20261225",
        "RECURRENCE-ID;VALUE=DATE:20261225",
        "STATUS:CANCELLED",
        "UID:a",
        "X-WR-TIMEZONE:Europe/Berlin",
        " folded",
        "",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES, max_size=14), st.sampled_from([None, 2025, range(2024, 2027)]))
def test_calendar_like_text_gives_dates_or_a_calendar_error(
    lines: list[str], years: int | range | None
) -> None:
    text = "\r\n".join(lines)
    try:
        got = holidays_from_ics(text, years=years)
    except EscalationRulesError:
        return
    assert all(isinstance(day, date) for day in got)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_any_text_gives_dates_or_a_calendar_error(text: str) -> None:
    for candidate in (text, f"BEGIN:VCALENDAR\nBEGIN:VEVENT\n{text}\nEND:VEVENT\nEND:VCALENDAR"):
        with contextlib.suppress(EscalationRulesError):
            holidays_from_ics(candidate, years=2025)


def test_lines_are_named_in_the_order_of_the_text() -> None:
    # A bare event before a calendar, and a broken line outside any event.
    text = (
        "BEGIN:VEVENT\nDTSTART;VALUE=DATE:20251225\nEND:VEVENT\n"
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    with pytest.raises(CalendarError, match=r"^VEVENT at line 5: an event has no DTSTART$"):
        holidays_from_ics(text)
    broken = 'BEGIN:VCALENDAR\nVERSION:2.0\nX-A;B="open:1\nEND:VCALENDAR\n'
    with pytest.raises(CalendarError) as info:
        holidays_from_ics(broken)
    assert info.value.where == "line 3"
