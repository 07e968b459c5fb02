"""Durations at the API edge: checks, constructors, and the literal text the condition
language shares between the conditions and its formatter: durations, percentages, strings."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Final

from ._exceptions import PolicyError
from ._suggest import did_you_mean


def require_duration(value: object, what: str) -> timedelta:
    """Return *value* if it is a non-negative timedelta, else raise a clear error."""
    if not isinstance(value, timedelta):
        raise PolicyError(f"{what} must be a timedelta, got {value!r}", value=value)
    if value < timedelta(0):
        raise PolicyError(f"{what} must not be negative, got {value!r}", value=value)
    return value


def minutes(n: float) -> timedelta:
    """A wall-clock duration of *n* minutes."""
    return timedelta(minutes=n)


def hours(n: float) -> timedelta:
    """A wall-clock duration of *n* hours."""
    return timedelta(hours=n)


def days(n: float) -> timedelta:
    """A wall-clock duration of *n* days (24-hour days)."""
    return timedelta(days=n)


MAX_NUMBER_LENGTH: Final = 64  # characters of one number literal; keeps int() cheap and bounded

MAX_DURATION: Final = timedelta(days=36_525)
"""The longest duration accepted (100 years of 365.25 days)."""

MAX_BUSINESS_DAYS: Final = 10_000
"""The most business days counted at once (about 40 years of five-day weeks)."""

_UNITS: Final = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}

_UNIT_ORDER: Final = "wdhms"

_DURATION_PART = re.compile(r"([0-9]+)([a-zA-Z]+)")

DURATION_HINT: Final = "durations are written like 90s, 30m, 8h, 2d, 1w or 1h30m"


# Unit words people write, and the unit they mean ("ms" and "mo" have no unit here).
_UNIT_WORDS: Final = {
    **dict.fromkeys(("sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "m"),
    **dict.fromkeys(("hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("day", "days"), "d"),
    **dict.fromkeys(("wk", "wks", "week", "weeks"), "w"),
    **{u: u.lower() for u in "WDHMS"},
}


def duration_value(text: str) -> timedelta:
    """A wall-clock duration literal (``1h30m``) as a timedelta; PolicyError if malformed."""
    seconds, pos, last = 0, 0, -1
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if m is None:
            raise PolicyError(f"invalid duration {text!r}; {DURATION_HINT}", value=text)
        digits, unit = m.groups()
        if unit not in _UNITS:
            raise PolicyError(
                f"unknown unit {unit!r} in the duration {text!r}; the units are w, d, h, m and s",
                value=text,
                suggestion=_UNIT_WORDS.get(unit),
            )
        order = _UNIT_ORDER.index(unit)
        if order <= last:
            raise PolicyError(
                f"the units of the duration {text!r} must go from largest to smallest, "
                "each at most once, like 1h30m",
                value=text,
            )
        if len(digits) > 15:
            raise PolicyError(f"the duration {text!r} is longer than 100 years", value=text)
        seconds += int(digits) * _UNITS[unit]
        pos, last = m.end(), order
    if seconds > MAX_DURATION.days * 86_400:
        raise PolicyError(f"the duration {text!r} is longer than 100 years", value=text)
    return timedelta(seconds=seconds)


def parse_duration(text: str) -> tuple[timedelta, bool]:
    """Parse ``"30m"``, ``"1h30m"`` or ``"8h business"`` into ``(duration, is_business)``.

    Units are ``w`` (7 days), ``d`` (24 hours), ``h``, ``m`` and ``s``, in that order, each at
    most once, in whole numbers; zero is allowed; at most `MAX_DURATION`. A business
    duration counts hours, minutes and seconds only: ``"2d business"`` would be 48 business
    hours, six days of an 8-hour calendar, which nobody means by it, so it is refused with
    the two forms that say what is meant (``"2 business days"``, read by
    `parse_business_days`, or ``"48h business"``).

    Raises:
        PolicyError: for anything else, quoting *text* (an empty string, a sign, a decimal,
            an unknown unit, spaces inside the duration, a duration over 100 years, a
            business duration in days or weeks, a number of business days).
    """
    if not isinstance(text, str):
        raise PolicyError(f"a duration must be a string like '8h', got {text!r}", value=text)
    parts = text.split()
    business = len(parts) == 2 and parts[1] == "business"
    if len(parts) == 1 or business:
        stripped = parts[0]
        if stripped.startswith("-"):
            raise PolicyError(f"a duration cannot be negative, got {text!r}", value=text)
        if re.fullmatch(r"[0-9]+\.[0-9]+[a-zA-Z]+", stripped):
            raise PolicyError(
                f"invalid duration {text!r}: durations are whole numbers of units; "
                "write 1h30m rather than 1.5h",
                value=text,
            )
        duration = duration_value(stripped)
        if business:
            check_business_units(stripped, duration, text)
        return duration, business
    if not parts:
        raise PolicyError(f"empty duration; {DURATION_HINT}", value=text)
    if len(parts) >= 3 and _is_business_days(parts):
        raise PolicyError(
            f"{text!r} counts business days, not business time: read it with "
            "parse_business_days and count it with BusinessCalendar.add_business_days, or "
            "write business hours, such as '16h business'",
            value=text,
        )
    if len(parts) == 2:  # the second part is not "business": that returned above
        raise PolicyError(
            f"invalid duration {text!r}; write the units together (1h30m) and only the word "
            "'business' after them",
            value=text,
            suggestion=did_you_mean(parts[1], ["business"]),
        )
    raise PolicyError(f"invalid duration {text!r}; {DURATION_HINT}", value=text)


def check_business_units(literal: str, duration: timedelta, text: str | None = None) -> None:
    """Refuse a business duration *literal* (``"2d"``) written in days or weeks.

    A day of business time is 24 business hours, three days of an 8-hour calendar, and a
    week 168; what people mean by "2 business days" is `parse_business_days`. The message
    says what the literal would be and offers both forms. *text* is the whole text, as
    quoted (``"2d business"``); by default the literal and the word ``business``.

    Raises:
        PolicyError: *literal* has a ``d`` or ``w`` unit.
    """
    units = "".join(unit for _, unit in _DURATION_PART.findall(literal))
    if "d" not in units and "w" not in units:
        return
    shown = text.strip() if text is not None else f"{literal} business"
    seconds = int(duration.total_seconds())
    hours_form = f"{_hours_text(seconds)} business"
    business_hours = seconds / 3600
    meaning = f"{business_hours:g} business hours ({business_hours / 8:g} days of 8 business hours)"
    if units == "d":
        count = seconds // 86_400
        days_form = f"{count} business day{'s' * (count != 1)}"
        meant = days_form
    elif units == "w":
        count = seconds // 604_800
        days_form = f"{5 * count} business days"
        meant = f"{count} business week{'s' * (count != 1)}"
    else:
        days_form = ""
        meant = "a number of business days and hours"
    offer = f"write {days_form!r} or {hours_form!r}" if days_form else f"write {hours_form!r}"
    raise PolicyError(
        f"{shown!r} is ambiguous: it would be {meaning}, not {meant}; {offer}",
        value=text if text is not None else shown,
    )


def _hours_text(seconds: int) -> str:
    """*seconds* in hours, minutes and seconds, no larger unit: ``48h``, ``24h30m``, ``0s``."""
    parts = []
    for unit in "hms":
        count, seconds = divmod(seconds, _UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


_DAY_WORDS: Final = frozenset({"day", "days"})


def _is_business_days(parts: list[str]) -> bool:
    return parts[-2].casefold() == "business" and parts[-1].casefold() in _DAY_WORDS


def parse_business_days(text: str) -> int | None:
    """The number of business days in ``"2 business days"`` (or ``"1 business day"``).

    Returns None for text of another form (``"8h business"``, ``"2d"``), which
    `parse_duration` reads or refuses. The words are read in any case, ``day`` or ``days``
    whatever the number; the number is a whole number from 0 to `MAX_BUSINESS_DAYS`, in
    digits. Count the days on a calendar with `BusinessCalendar.add_business_days`.

    Raises:
        PolicyError: for text of that form with a number that is not one (``"2.5 business
            days"``, ``"-1 business days"``, ``"two business days"``, none at all).
    """
    if not isinstance(text, str):
        raise PolicyError(
            f"a number of business days must be a string like '2 business days', got {text!r}",
            value=text,
        )
    parts = text.split()
    if len(parts) < 2 or not _is_business_days(parts):
        return None
    number = " ".join(parts[:-2])
    if number.isdigit() and number.isascii() and len(number) <= MAX_NUMBER_LENGTH:
        count = int(number)
        if count > MAX_BUSINESS_DAYS:
            raise PolicyError(
                f"{text.strip()!r} is more business days than a calendar counts (at most "
                f"{MAX_BUSINESS_DAYS:,}, about 40 years)",
                value=text,
            )
        return count
    if not number:
        problem = "has no number of days"
    elif re.fullmatch(r"-\s*[0-9]+(?:\.[0-9]+)?", number):
        problem = "is negative, and a number of business days cannot be"
    elif re.fullmatch(r"[0-9]*\.[0-9]+", number):
        problem = (
            "is not a whole number of business days (a part of a day is business hours, "
            "such as '4h business', counted on its own)"
        )
    else:
        problem = "does not start with a number in digits"
    raise PolicyError(
        f"{text.strip()!r} {problem}; write a whole number of days, such as '2 business days'",
        value=text,
    )


def format_duration(duration: timedelta, *, business: bool = False) -> str:
    """Write *duration* as `parse_duration` reads it: ``timedelta(minutes=90)`` -> ``"1h30m"``.

    A business duration is written in hours, minutes and seconds only (``"48h business"``),
    since `parse_duration` refuses a business duration in days or weeks.

    Raises:
        PolicyError: for a negative duration, one with a fraction of a second, or one over
            `MAX_DURATION`.
    """
    if not isinstance(duration, timedelta):
        raise PolicyError(f"expected a timedelta, got {duration!r}", value=duration)
    if duration < timedelta(0) or duration > MAX_DURATION or duration.microseconds:
        raise PolicyError(
            f"the duration {duration} has no text form: durations are whole seconds "
            "from 0 to 100 years",
            value=duration,
        )
    left = duration.days * 86_400 + duration.seconds
    if business:
        return f"{_hours_text(left)} business"
    parts = []
    for unit in _UNIT_ORDER:
        count, left = divmod(left, _UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


_PERCENT = re.compile(r"([0-9]+(?:\.[0-9]+)?)%")


def parse_percent(text: str) -> float:
    """Parse ``"75%"`` into ``0.75`` (``"12.5%"`` into ``0.125``); from 0% to 10000%.

    Raises:
        PolicyError: for a string that is not a non-negative number followed by ``%``.
    """
    if not isinstance(text, str):
        raise PolicyError(f"a percentage must be a string like '75%', got {text!r}", value=text)
    stripped = text.strip()
    m = _PERCENT.fullmatch(stripped)
    if m is None or len(stripped) > MAX_NUMBER_LENGTH:
        if stripped.startswith("-"):
            raise PolicyError(f"a percentage cannot be negative, got {text!r}", value=text)
        raise PolicyError(
            f"invalid percentage {text!r}; write a number followed by %, like 75% or 12.5%",
            value=text,
        )
    from decimal import Decimal  # on first use: exact percent text is rare

    share = Decimal(m.group(1)) / 100
    if share > 100:
        raise PolicyError(f"the percentage {text!r} is over 10000%", value=text)
    return float(share)


def format_percent(share: float) -> str:
    """Write *share* as `parse_percent` reads it, exactly: ``0.75`` -> ``"75%"``.

    Raises:
        PolicyError: for a share that is not a number from 0 to 100.
    """
    if (
        isinstance(share, bool)
        or not isinstance(share, (int, float))
        or not math.isfinite(share)
        or not 0 <= share <= 100
    ):
        raise PolicyError(f"a share must be a number from 0 to 100, got {share!r}", value=share)
    # repr is the shortest text that reads back as the same float; scaling it by 100 in
    # decimal is exact, and parse_percent divides back in decimal.
    # (abs: -0.0 is a share of 0 and is written "0%", which reads back.)
    from decimal import Decimal

    text = format((Decimal(repr(abs(float(share)))) * 100).normalize(), "f") + "%"
    if len(text) > MAX_NUMBER_LENGTH:
        raise PolicyError(
            f"the share {share!r} has no exact text form as a percentage", value=share
        )
    return text


_STRING_ESCAPES: Final = {
    mark: str.maketrans({"\\": "\\\\", mark: "\\" + mark, "\n": "\\n", "\t": "\\t"})
    for mark in "\"'"
}


def quote(text: str, mark: str = '"') -> str:
    """*text* as a string literal of the condition language in quotes *mark* (``"`` or
    ``'``), which the lexer reads back exactly.

    The lexer's escapes are ``\\"``, ``\\'``, ``\\\\``, ``\\n`` and ``\\t``; every other
    character stands for itself (a control character, U+2028, a surrogate). Python's
    ``repr`` is no substitute: it writes escapes such as ``\\x01`` that the lexer refuses.
    """
    return mark + text.translate(_STRING_ESCAPES[mark]) + mark


_WORD_UNITS: Final = ((86_400, "d"), (3_600, "h"), (60, "min"))


def words(duration: timedelta, *, business: bool = False) -> str:
    """*duration* for people to read, the same in every report: ``"1 h 30 min"``.

    The largest two units of days (``d``), hours (``h``) and minutes (``min``), with no
    zero part and the rest cut off, not rounded: ``"2 d 3 h"``, ``"45 min"``, ``"1 d"``;
    seconds only under a minute (``"30 s"``, ``"0.5 s"``); zero is ``"0 min"``; a negative
    duration has a leading minus (``"-2 h 5 min"``). English whatever the locale.

    With *business*, a duration counted in business days (a `business_days` target, whose
    ``days`` its duration counts in 24 hours): whole days are ``"3 business days"``,
    anything else is in hours (``"1 h 30 min business"``), since a business day is no 24
    hours. A target of business *hours* is written without it (``"48 h"``). For the
    policy file's syntax, see `format_duration`.
    """
    # a plain timedelta: pendulum's Duration breaks ``//`` with a timedelta
    duration = timedelta.__add__(timedelta(0), duration)
    if duration < timedelta(0):
        return "-" + words(-duration, business=business)
    micro = duration // timedelta(microseconds=1)
    if business and micro and micro % 86_400_000_000 == 0:
        days = micro // 86_400_000_000
        return f"{days} business day" + ("" if days == 1 else "s")
    seconds, fraction = divmod(micro, 1_000_000)
    if seconds < 60:
        if not micro:
            text = "0 min"
        else:
            text = f"{seconds}" + (f".{fraction:06d}".rstrip("0") if fraction else "") + " s"
    else:
        units = _WORD_UNITS[1:] if business else _WORD_UNITS
        parts: list[str] = []
        for size, unit in units:
            count, seconds = divmod(seconds, size)
            if count or parts:
                parts.append(f"{count} {unit}")
            if len(parts) == 2:
                break
        text = " ".join(part for part in parts if not part.startswith("0 "))
    return f"{text} business" if business else text
