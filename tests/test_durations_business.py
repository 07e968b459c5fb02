"""Business durations in days or weeks are refused, and business days are read on their own.

``"2d business"`` would be 48 business hours (six days of an 8-hour calendar), which nobody
means by it: `parse_duration` refuses it with the two forms that say what is meant, and
`parse_business_days` reads the first of them.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules._durations import (
    MAX_BUSINESS_DAYS,
    MAX_DURATION,
    check_business_units,
    format_duration,
    parse_business_days,
    parse_duration,
)
from escalation_rules._exceptions import PolicyError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2d business",
            "'2d business' is ambiguous: it would be 48 business hours (6 days of 8 business "
            "hours), not 2 business days; write '2 business days' or '48h business'",
        ),
        (
            "1d business",
            "'1d business' is ambiguous: it would be 24 business hours (3 days of 8 business "
            "hours), not 1 business day; write '1 business day' or '24h business'",
        ),
        (
            "1w business",
            "'1w business' is ambiguous: it would be 168 business hours (21 days of 8 business "
            "hours), not 1 business week; write '5 business days' or '168h business'",
        ),
        (
            "2w business",
            "not 2 business weeks; write '10 business days' or '336h business'",
        ),
        (
            "1d4h30m business",
            "'1d4h30m business' is ambiguous: it would be 28.5 business hours (3.5625 days of 8 "
            "business hours), not a number of business days and hours; write '28h30m business'",
        ),
        ("  3d   business ", "'3d   business' is ambiguous: it would be 72 business hours"),
    ],
)
def test_a_business_duration_in_days_or_weeks_is_ambiguous(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_duration(text)
    assert message in str(info.value)
    assert info.value.value == text


@pytest.mark.parametrize(
    "text", ["2d", "1w", "1w2d3h", "8h business", "90m business", "0s business"]
)
def test_wall_clock_days_and_business_hours_are_still_durations(text: str) -> None:
    parse_duration(text)


def test_check_business_units_serves_any_reader_of_a_literal() -> None:
    check_business_units("8h", timedelta(hours=8))
    with pytest.raises(PolicyError, match=re.escape("'2d business' is ambiguous")) as info:
        check_business_units("2d", timedelta(days=2))
    assert info.value.value == "2d business"


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("2 business days", 2),
        ("1 business day", 1),
        ("0 business days", 0),
        ("1 business days", 1),
        ("  15   Business   Days ", 15),
        ("10000 business days", MAX_BUSINESS_DAYS),
    ],
)
def test_parse_business_days(text: str, count: int) -> None:
    assert parse_business_days(text) == count


@pytest.mark.parametrize("text", ["8h business", "2d business", "2d", "", "business", "days"])
def test_other_text_is_not_business_days(text: str) -> None:
    assert parse_business_days(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2.5 business days",
            "'2.5 business days' is not a whole number of business days (a part of a day is "
            "business hours, such as '4h business', counted on its own); write a whole number "
            "of days, such as '2 business days'",
        ),
        ("-1 business days", "'-1 business days' is negative"),
        ("two business days", "'two business days' does not start with a number in digits"),
        ("2d business days", "'2d business days' does not start with a number in digits"),
        ("business days", "'business days' has no number of days"),
        ("10001 business days", "is more business days than a calendar counts (at most 10,000"),
        ("9" * 80 + " business days", "does not start with a number in digits"),
    ],
)
def test_malformed_business_days_are_refused(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_business_days(text)
    assert message in str(info.value)
    assert info.value.value == text


def test_business_days_are_not_a_duration() -> None:
    with pytest.raises(PolicyError, match="counts business days, not business time"):
        parse_duration("2 business days")
    with pytest.raises(PolicyError, match="a string like '2 business days', got 2"):
        parse_business_days(2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(days=2), "48h business"),
        (timedelta(days=1, seconds=1), "24h1s business"),
        (timedelta(weeks=3, minutes=1), "504h1m business"),
        (timedelta(0), "0s business"),
        (MAX_DURATION, "876600h business"),
    ],
)
def test_a_business_duration_is_written_in_hours(duration: timedelta, text: str) -> None:
    assert format_duration(duration, business=True) == text
    assert parse_duration(text) == (duration, True)


@settings(deadline=None, max_examples=200)
@given(st.integers(0, MAX_DURATION.days * 86_400), st.booleans())
def test_every_duration_written_reads_back(seconds: int, business: bool) -> None:
    duration = timedelta(seconds=seconds)
    assert parse_duration(format_duration(duration, business=business)) == (duration, business)


@settings(deadline=None, max_examples=200)
@given(st.integers(0, MAX_BUSINESS_DAYS), st.sampled_from(["day", "days", "Days", "DAY"]))
def test_every_count_of_business_days_reads_back(count: int, word: str) -> None:
    assert parse_business_days(f"{count} business {word}") == count
