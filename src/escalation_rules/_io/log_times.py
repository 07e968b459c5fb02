"""How a log column writes instants: ISO 8601, epoch seconds or milliseconds, or a pattern
in pendulum's tokens (``"DD-MM-YYYY HH:mm"``), read without an offset in an IANA zone.

A pattern is read with pendulum's formatter (`pendulum.Formatter.parse`), given a fixed
``now``: a pattern must name the year, month and day, so ``now`` never fills a part and the
same text reads the same instant on any day. The patterns made only of the common numeric
tokens (``YYYY MM M DD D HH H hh h mm m ss s S.. A Z ZZ``) and literal text (``[...]``,
which pendulum's own parser mistakes when it holds a token letter) are read by a regular
expression compiled once instead, about five times faster (3.5 against 19 microseconds,
`benchmarks/bench_log_formats.py`); a property test checks that both read the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo

from .._exceptions import PolicyError

ISO: Final = "iso"
EPOCH_S: Final = "epoch_s"
EPOCH_MS: Final = "epoch_ms"
NAMED_FORMATS: Final = (ISO, EPOCH_S, EPOCH_MS)

#: The longest pattern a mapping may give.
MAX_FORMAT: Final = 100

OUT_OF_RANGE: Final = (
    "it lies outside the years 1000 to 8999 (in UTC) that a log's timestamps may have; "
    "a date near year 1 or 9999 is usually a placeholder for 'no date'"
)

_UNIX: Final = datetime(1970, 1, 1, tzinfo=UTC)
_FIXED_NOW: Final = datetime(2000, 1, 1, tzinfo=UTC)  # never used: the pattern names the date

# pendulum's tokens (its Formatter._TOKENS), longest first.
_TOKEN: Final = re.compile(
    r"\[([^\[]*)\]|\\(.)|(Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|eo?|E{1,4}|w[o|w]?|W[o|W]?"
    r"|Qo?|YYYY|YY|Y|gg(?:ggg?)?|GG(?:GGG?)?|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?"
    r"|LTS|LT|LL?L?L?)"
)

# The tokens the fast path reads: the regular expression of each (as pendulum's) and the part.
_FAST: Final = {
    "YYYY": (r"\d{4}", "year"),
    "MM": (r"\d\d", "month"),
    "M": (r"\d\d?", "month"),
    "DD": (r"\d\d", "day"),
    "D": (r"\d\d?", "day"),
    "HH": (r"\d\d", "hour"),
    "H": (r"\d\d?", "hour"),
    "hh": (r"\d\d", "hour12"),
    "h": (r"\d\d?", "hour12"),
    "mm": (r"\d\d", "minute"),
    "m": (r"\d\d?", "minute"),
    "ss": (r"\d\d", "second"),
    "s": (r"\d\d?", "second"),
    "A": (r"AM|PM", "meridiem"),
    "Z": (r"[Zz]|[+-]\d\d:?\d\d", "offset"),
    "ZZ": (r"[Zz]|[+-]\d\d(?::?\d\d)?", "offset"),
}

_DATE_PARTS: Final = ({"YYYY", "YY", "Y"}, {"MM", "M", "MMM", "MMMM"}, {"DD", "D", "Do"})


class TimeFormat:
    """How one column writes instants (see the module docstring); `parse` reads one."""

    __slots__ = ("format", "parse", "second_pass", "zone")

    def __init__(self, fmt: str | None, zone: ZoneInfo | None, where: str) -> None:
        self.format = fmt or ISO
        self.zone = zone
        naive: Callable[[str], datetime]
        if self.format == ISO:
            naive = datetime.fromisoformat
        elif self.format == EPOCH_S:
            naive = _epoch(1)
        elif self.format == EPOCH_MS:
            naive = _epoch(1000)
        else:
            naive = _pattern(self.format, where)
        self.parse = _reader(naive, zone, 0, self.format)
        self.second_pass = _reader(naive, zone, 1, self.format)


def _reader(
    naive: Callable[[str], datetime], zone: ZoneInfo | None, fold: int, fmt: str
) -> Callable[[str], datetime]:
    """Read text into an aware instant in UTC: a local time in *zone*, with *fold*."""
    wrong = _FORMAT_NAMES.get(fmt, f"it is not in the format {fmt!r}")

    def parse(text: str) -> datetime:
        try:
            parsed = naive(text)
        except ValueError:
            raise ValueError(wrong) from None
        if parsed.tzinfo is None:
            if zone is None:
                raise ValueError("it has no UTC offset and the mapping sets no timezone")
            parsed = parsed.replace(tzinfo=zone, fold=fold)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValueError(OUT_OF_RANGE) from None

    return parse


_NOT_READ: Final = "it does not match the timestamp format"

_FORMAT_NAMES: Final = {
    ISO: "it is not an ISO 8601 timestamp",
    EPOCH_S: "it is not a number of seconds since 1970 (epoch_s)",
    EPOCH_MS: "it is not a number of milliseconds since 1970 (epoch_ms)",
}


def _epoch(per_second: int) -> Callable[[str], datetime]:
    def parse(text: str) -> datetime:
        number = text.strip()
        try:
            if number.lstrip("+-").isdigit():
                micro = int(number) * (1_000_000 // per_second)
            else:
                micro = round(float(number) * 1_000_000 / per_second)
            return _UNIX + timedelta(microseconds=micro)
        except (ValueError, OverflowError):
            raise ValueError(_NOT_READ) from None

    return parse


def check_pattern(fmt: str, where: str) -> list[str]:
    """The tokens of the pattern *fmt*; refused unless it names a year, month and day."""
    if not isinstance(fmt, str) or not fmt or len(fmt) > MAX_FORMAT:
        raise PolicyError(
            f"a timestamp format is 'iso', 'epoch_s', 'epoch_ms' or a pattern such as "
            f"'DD-MM-YYYY HH:mm' of 1 to {MAX_FORMAT} characters, got {str(fmt)[:80]!r}",
            where=where,
            value=fmt,
        )
    tokens = [m.group(3) for m in _TOKEN.finditer(fmt) if m.group(3)]
    if {"X", "x"} & set(tokens):
        raise PolicyError(
            f"the timestamp format {fmt!r} reads a Unix timestamp; write format = 'epoch_s' "
            "or 'epoch_ms' instead",
            where=where,
            value=fmt,
        )
    if not all(part & set(tokens) for part in _DATE_PARTS):
        raise PolicyError(
            f"the timestamp format {fmt!r} must name the year, the month and the day "
            "(e.g. YYYY, MM, DD), or be 'epoch_s' or 'epoch_ms'",
            where=where,
            value=fmt,
        )
    return tokens


def _pattern(fmt: str, where: str) -> Callable[[str], datetime]:
    tokens = check_pattern(fmt, where)
    if all(t in _FAST or t.startswith("S") for t in tokens):
        return _fast(fmt)
    return _general(fmt)


def _fast(fmt: str) -> Callable[[str], datetime]:
    """The reader of a pattern of the fast path's tokens: one compiled expression."""
    parts: list[str] = []
    names: list[tuple[str, str]] = []  # (group, part)
    end = 0
    for m in _TOKEN.finditer(fmt):
        parts.append(re.escape(fmt[end : m.start()]))
        end = m.end()
        literal = m.group(1) if m.group(1) is not None else m.group(2)
        if literal is not None:
            parts.append(re.escape(literal))
            continue
        token = m.group(3)
        group = f"g{len(names)}"
        if token.startswith("S"):
            expression, part = rf"\d{{{len(token)}}}", "fraction"
        else:
            expression, part = _FAST[token]
        names.append((group, part))
        parts.append(f"(?P<{group}>{expression})")
    parts.append(re.escape(fmt[end:]))
    compiled = re.compile("".join(parts))

    def parse(text: str) -> datetime:
        found = compiled.fullmatch(text)
        if found is None:
            raise ValueError(_NOT_READ)
        values: dict[str, str] = {part: found.group(group) for group, part in names}
        return _build(values)

    return parse


def _build(values: dict[str, str]) -> datetime:
    hour = int(values.get("hour", 0))
    if "hour12" in values:
        hour = int(values["hour12"])
        if hour > 12:
            raise ValueError(_NOT_READ)  # a 12-hour clock (h, hh)
    meridiem = values.get("meridiem")
    if meridiem is not None:
        if hour > 12:
            raise ValueError(_NOT_READ)
        hour = hour % 12 + (12 if meridiem.lower() == "pm" else 0)
    fraction = values.get("fraction", "")
    micro = int(fraction.ljust(6, "0")[:6]) if fraction else 0
    offset = values.get("offset")
    zone: tzinfo | None = None
    if offset is not None:
        zone = UTC if offset in ("Z", "z") else _offset(offset)
    return datetime(
        int(values["year"]),
        int(values["month"]),
        int(values["day"]),
        hour,
        int(values.get("minute", 0)),
        int(values.get("second", 0)),
        micro,
        tzinfo=zone,
    )


def _offset(text: str) -> tzinfo:
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:]) if len(digits) > 2 else 0)
    return timezone((-1 if text[0] == "-" else 1) * timedelta(minutes=minutes))


def _general(fmt: str) -> Callable[[str], datetime]:
    """The reader of any other pattern: pendulum's formatter, with a fixed ``now``."""
    from pendulum.formatting.formatter import Formatter

    formatter = Formatter()
    now: Any = _pendulum_now()

    def parse(text: str) -> datetime:
        try:
            parts = formatter.parse(text, fmt, now, locale="en")
        except (ValueError, TypeError, KeyError, AttributeError, re.error):
            raise ValueError(_NOT_READ) from None
        zone = parts.pop("tz")
        return datetime(
            parts["year"],
            parts["month"],
            parts["day"],
            parts["hour"] or 0,
            parts["minute"] or 0,
            parts["second"] or 0,
            parts["microsecond"] or 0,
            tzinfo=zone,
        )

    return parse


def _pendulum_now() -> object:
    import pendulum

    return pendulum.instance(_FIXED_NOW)
