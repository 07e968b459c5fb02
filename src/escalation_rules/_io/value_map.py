"""A log mapping's value map: from a log's values to the policy's, by exact value, by
numeric range, by pattern, or for any other value.

The keys of a map in TOML::

    [levels]
    "0" = "L1"             # exactly this value
    "1" = "L2"
    "2.." = "L3"           # a number from 2 up (both ends are inclusive: "1..3", "..0";
                           # a key with anything but numbers around ".." is an exact value)
    "re:^L2/" = "L2"       # a regular expression found in the value (^ and $ anchor it)
    "*" = "L1"             # any other value

A value is looked up exactly first, then in the ranges (in the order written, when the value
is a number), then in the patterns (in order), then under ``"*"``; a value none of them
takes is unmapped (`ValueMap.get` returns ``None``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Final

from .._exceptions import PolicyError

ANY: Final = "*"
PATTERN_PREFIX: Final = "re:"

#: The longest pattern a value map takes (a pattern is written by the mapping's author,
#: but is run on every distinct value of a log).
MAX_PATTERN: Final = 200

#: The longest log value a pattern is tried on; a longer value is matched on its start.
MAX_MATCHED: Final = 1_000

#: A group that repeats and holds a repeat, such as ``(a+)+``: its matching can take time
#: exponential in the length of the value, so a pattern with one is refused.
_NESTED_REPEAT: Final = re.compile(r"\((?:[^()\\]|\\.)*[*+}](?:[^()\\]|\\.)*\)[*+{]")

_NUMBER: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _is_range(key: str) -> bool:
    """Whether *key* is a range: ``LOW..HIGH`` with a number or nothing at each end (not
    both nothing); any other key is an exact value."""
    low, dots, high = key.partition("..")
    if not dots or not (low.strip() or high.strip()):
        return False
    return all(not end.strip() or _NUMBER.fullmatch(end.strip()) for end in (low, high))


class ValueMap:
    """One value map of a log mapping (see the module docstring)."""

    __slots__ = ("any", "exact", "patterns", "ranges", "table")

    def __init__(self, table: Mapping[str, str], where: str) -> None:
        self.table = dict(table)
        self.exact: dict[str, str] = {}
        self.ranges: list[tuple[float, float, str]] = []
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        self.any: str | None = None
        for key, value in table.items():
            if key == ANY:
                self.any = value
            elif key.startswith(PATTERN_PREFIX):
                self.patterns.append((_pattern(key, where), value))
            elif _is_range(key):
                low, _, high = key.partition("..")
                self.ranges.append((*_range(key, low, high, where), value))
            else:
                self.exact[key] = value

    def __bool__(self) -> bool:
        return bool(self.table)

    def get(self, value: str) -> str | None:
        """The mapped value of the log's *value*, or ``None`` when the map does not take it.
        (The reader remembers each answer per distinct value: `log_decoder.Values`.)"""
        found = self.exact.get(value)
        if found is not None:
            return found
        if self.ranges and _NUMBER.fullmatch(value.strip()):
            number = float(value)
            for low, high, mapped in self.ranges:
                if low <= number <= high:
                    return mapped
        head = value[:MAX_MATCHED]
        for pattern, mapped in self.patterns:
            if pattern.search(head):
                return mapped
        return self.any

    def keys(self) -> list[str]:
        """The map's keys, sorted (for "did you mean")."""
        return sorted(self.table)


def _range(key: str, low: str, high: str, where: str) -> tuple[float, float]:
    lo = float(low) if low.strip() else -math.inf
    hi = float(high) if high.strip() else math.inf
    if lo > hi:
        raise PolicyError(
            f"the range {key!r} is empty: its low end is above its high end",
            where=where,
            value=key,
        )
    return lo, hi


def _pattern(key: str, where: str) -> re.Pattern[str]:
    text = key[len(PATTERN_PREFIX) :]
    if not text or len(text) > MAX_PATTERN:
        raise PolicyError(
            f"the pattern {key[:80]!r} must have 1 to {MAX_PATTERN} characters after 're:'",
            where=where,
            value=key,
        )
    if _NESTED_REPEAT.search(text):
        raise PolicyError(
            f"the pattern {key!r} repeats a group that itself repeats (such as '(a+)+'), "
            "which can take exponential time on a log value; write it without the nesting",
            where=where,
            value=key,
        )
    try:
        return re.compile(text)
    except re.error as exc:
        raise PolicyError(
            f"the pattern {key!r} is not a valid regular expression: {exc}",
            where=where,
            value=key,
        ) from None
