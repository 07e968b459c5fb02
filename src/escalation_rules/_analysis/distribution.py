"""Quantiles of a stream of numbers, in bounded memory, as a value that merges.

A `Distribution` keeps the first `EXACT_LIMIT` (10,000) values exactly, packed 8 bytes
each, so the quantiles of up to that many values are exact. Beyond that, every value is
folded into logarithmic buckets 1 % wide, and a quantile is the middle of its bucket: within
1 % of the exact value, in memory that grows with the logarithm of the range (at most about
2,100 buckets from one second to ten years), not with the number of values. So a backtest's
memory stays flat however long the log, even with a distribution per category.

Two distributions merge into the one a single pass over both streams would have built, in
any order and any grouping: the exact values are a sorted multiset, and a value's bucket
depends on the value alone, so merged counts are the one pass's counts. A merge is exact
wherever the single pass is (up to `EXACT_LIMIT` values), and within 1 % beyond.

Quantiles are nearest-rank: the q-quantile is the smallest value with at least ``q * n``
values at or below it (so the median of an even count is the lower middle).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping
from heapq import merge as merge_sorted
from typing import Final

import attrs

#: A distribution keeps exact values up to this many, then folds them into buckets.
EXACT_LIMIT: Final = 10_000

_BASE: Final = math.log(1.01)


def bucket_of(value: float) -> int:
    """The logarithmic bucket (1 % wide) of *value*; 0 for zero, negative for below zero.

    Bucket ``k`` (from 1) holds the magnitudes from ``1.01 ** (k - 10_000)`` up to the next
    bucket's, so its middle is within 0.5 % of each; magnitudes below ``1.01 ** -9_999``
    (about 5e-44) all go to bucket 1.
    """
    if value == 0:
        return 0
    key = max(math.floor(math.log(abs(value)) / _BASE) + 10_000, 1)
    return key if value > 0 else -key


def middle_of(key: int) -> float:
    """The middle of bucket *key*: a quantile that falls in it."""
    if key == 0:
        return 0.0
    magnitude = math.exp((abs(key) - 10_000 + 0.5) * _BASE)
    return magnitude if key > 0 else -magnitude


def _packed(value: bytes | Iterable[float] | None) -> bytes | None:
    """Values as packed doubles (8 bytes each, immutable), sorted by the caller."""
    if value is None or isinstance(value, bytes):
        return value
    return array("d", value).tobytes()


def _counts(value: Mapping[int, int] | Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted(items))


@attrs.frozen
class Distribution:
    """A summary of numbers (see the module docstring): its `count`, and either the values
    (`exact`: sorted, packed as doubles; `values` reads them) or, past `EXACT_LIMIT`, their
    `buckets` (``(bucket, count)`` pairs, sorted)."""

    count: int = 0
    exact: bytes | None = attrs.field(default=b"", converter=_packed)
    buckets: tuple[tuple[int, int], ...] = attrs.field(default=(), converter=_counts)

    @property
    def values(self) -> tuple[float, ...] | None:
        """The exact values, sorted; ``None`` past `EXACT_LIMIT`."""
        return None if self.exact is None else tuple(memoryview(self.exact).cast("d"))

    def quantile(self, q: float) -> float | None:
        """The nearest-rank *q*-quantile (0 < q <= 1), or ``None`` when there is no value."""
        if not self.count:
            return None
        rank = max(1, math.ceil(q * self.count))
        if self.exact is not None:
            value: float = memoryview(self.exact).cast("d")[rank - 1]
            return value
        seen = 0
        for key, n in sorted(self.buckets, key=lambda item: middle_of(item[0])):
            seen += n
            if seen >= rank:
                return middle_of(key)
        raise AssertionError("unreachable: the ranks add up to the count")  # pragma: no cover

    def merge(self, other: Distribution) -> Distribution:
        """The distribution of both streams: what one pass over both would have built."""
        if not other.count:
            return self
        if not self.count:
            return other
        count = self.count + other.count
        if self.exact is not None and other.exact is not None and count <= EXACT_LIMIT:
            mine, theirs = memoryview(self.exact).cast("d"), memoryview(other.exact).cast("d")
            return Distribution(count, array("d", merge_sorted(mine, theirs)).tobytes())
        buckets = dict(_buckets(self))
        for key, n in _buckets(other).items():
            buckets[key] = buckets.get(key, 0) + n
        return Distribution(count, None, buckets)


def _buckets(distribution: Distribution) -> Mapping[int, int]:
    if distribution.exact is None:
        return dict(distribution.buckets)
    counts: dict[int, int] = {}
    for value in memoryview(distribution.exact).cast("d"):
        key = bucket_of(value)
        counts[key] = counts.get(key, 0) + 1
    return counts


class Quantiles:
    """The running accumulator a backtest adds values to; `freeze` makes its `Distribution`."""

    __slots__ = ("_buckets", "_exact", "count")

    def __init__(self) -> None:
        self._exact: array[float] | None = array("d")
        self._buckets: dict[int, int] = {}
        self.count = 0

    def add(self, value: float) -> None:
        value += 0.0  # -0.0 is 0.0 (so the packed values of any merge are one pass's)
        self.count += 1
        exact = self._exact
        if exact is not None:
            exact.append(value)
            if len(exact) > EXACT_LIMIT:
                for v in exact:
                    self._bucket(v)
                self._exact = None
        else:
            self._bucket(value)

    def _bucket(self, value: float) -> None:
        key = bucket_of(value)
        self._buckets[key] = self._buckets.get(key, 0) + 1

    def quantile(self, q: float) -> float | None:
        """The nearest-rank *q*-quantile of the values so far (see `Distribution`)."""
        return self.freeze().quantile(q)

    def freeze(self) -> Distribution:
        """The `Distribution` of the values added so far."""
        if self._exact is not None:
            return Distribution(self.count, array("d", sorted(self._exact)).tobytes())
        return Distribution(self.count, None, self._buckets)
