"""One rendering of durations and instants for people: `words` and `local` (issue 17)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation_rules._durations import words
from escalation_rules._instants import local

_UNIT = {"d": 86_400, "h": 3_600, "min": 60, "s": 1}


@pytest.mark.parametrize(
    ("duration", "business", "text"),
    [
        (timedelta(minutes=90), False, "1 h 30 min"),
        (timedelta(minutes=45), False, "45 min"),
        (timedelta(days=2, hours=3, minutes=5), False, "2 d 3 h"),
        (timedelta(days=1, minutes=5), False, "1 d"),
        (timedelta(hours=1, seconds=5), False, "1 h"),
        (timedelta(0), False, "0 min"),
        (timedelta(seconds=30), False, "30 s"),
        (timedelta(milliseconds=500), False, "0.5 s"),
        (timedelta(minutes=-125), False, "-2 h 5 min"),
        (timedelta(days=3), True, "3 business days"),
        (timedelta(days=1), True, "1 business day"),
        (timedelta(hours=9, minutes=30), True, "9 h 30 min business"),
        (timedelta(days=-3), True, "-3 business days"),
    ],
)
def test_words(duration: timedelta, business: bool, text: str) -> None:
    assert words(duration, business=business) == text


def _parse(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    pairs = re.findall(r"([0-9.]+) (d|h|min|s)\b", text)
    return sign * sum(round(float(n) * _UNIT[unit]) for n, unit in pairs)


@given(st.timedeltas(min_value=timedelta(days=-3650), max_value=timedelta(days=3650)))
def test_words_keeps_the_largest_two_units(duration: timedelta) -> None:
    text = words(duration)
    assert "0:00" not in text and "day" not in text and not re.search(r"(^| )0 (d|h|s)", text)
    size = abs(duration)
    shown = abs(_parse(text))
    seconds = int(size.total_seconds())
    if size >= timedelta(minutes=1):
        # cut, not rounded: what is lost is less than the second unit shown
        step = 3_600 if size >= timedelta(days=1) else 60
        assert shown <= seconds < shown + step
        assert len(text.lstrip("-").split()) <= 4
    else:
        assert text == "0 min" or text.endswith(" s")


@given(
    st.sampled_from([("d", "h"), ("h", "min")]),
    st.integers(min_value=1, max_value=36_500),
    st.integers(min_value=0, max_value=23),
)
def test_the_largest_two_units_read_back(units: tuple[str, str], big: int, small: int) -> None:
    if units[0] == "h":
        big, small = big % 24 or 1, small * 2  # under a day, so hours stay the largest unit
    duration = timedelta(seconds=big * _UNIT[units[0]] + small * _UNIT[units[1]])
    assert _parse(words(duration)) == duration.total_seconds()
    assert _parse(words(-duration)) == -duration.total_seconds()


@given(st.integers(min_value=1, max_value=36_500))
def test_business_days(n: int) -> None:
    assert words(timedelta(days=n), business=True) == f"{n} business day" + "s" * (n > 1)


def test_local() -> None:
    t = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert local(t) == "Mon 2 Mar 2026 08:00 UTC"
    assert local(t, ZoneInfo("Europe/Berlin")) == "Mon 2 Mar 2026 09:00 CET (Europe/Berlin)"
    assert local(t, timezone(timedelta(hours=-4))) == "Mon 2 Mar 2026 04:00 UTC-04:00"
    ny = pendulum.instance(t).in_tz("America/New_York")
    assert local(ny) == "Mon 2 Mar 2026 03:00 EST (America/New_York)"
    assert local(t.replace(second=5, microsecond=250_000)) == "Mon 2 Mar 2026 08:00:05.25 UTC"
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert local(summer, ZoneInfo("America/New_York")) == (
        "Wed 1 Jul 2026 08:00 EDT (America/New_York)"
    )


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(2200, 1, 1),
        timezones=st.just(ZoneInfo("Europe/Berlin")),
    )
)
def test_local_is_the_same_instant_in_any_zone(t: datetime) -> None:
    text = local(t, UTC)
    assert text.endswith(" UTC")
    back = datetime.strptime(
        text[4:-4].split(".")[0], "%d %b %Y %H:%M" + (":%S" * (text.count(":") - 1))
    )
    assert back.replace(tzinfo=UTC) == t.astimezone(UTC).replace(microsecond=0)
