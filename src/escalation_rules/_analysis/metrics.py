"""Escalation metrics over many replays: rates, times, breaches, with bounded quantiles."""

from __future__ import annotations

import csv
import io
import math
from array import array
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._frozendict import FrozenDict
from .report import metrics_table, warnings_text

if TYPE_CHECKING:
    from .._io.logmapping import UnmappedValue
    from .replay import LevelComparison, Replay

#: Each quantile accumulator keeps exact values up to this many, then folds them into
#: logarithmic buckets (see `_Quantiles`).
_EXACT_LIMIT: Final = 100_000


class _Quantiles:
    """Quantiles of a stream of numbers, in bounded memory.

    The first `_EXACT_LIMIT` values are kept exactly (8 bytes each), so quantiles of up to
    that many values are exact. Beyond that, all values are folded into logarithmic buckets
    1 % wide, and a quantile is the middle of its bucket: within 1 % of the exact value,
    in memory that grows with the logarithm of the range (about 2,100 buckets from one
    second to ten years), not with the number of values.

    Quantiles are nearest-rank: the q-quantile is the smallest value with at least
    ``q * n`` values at or below it (so the median of an even count is the lower middle).
    """

    __slots__ = ("_buckets", "_exact", "count")
    _BASE: Final = math.log(1.01)

    def __init__(self) -> None:
        self._exact: array[float] | None = array("d")
        self._buckets: dict[int, int] = {}
        self.count = 0

    def add(self, value: float) -> None:
        self.count += 1
        exact = self._exact
        if exact is not None:
            exact.append(value)
            if len(exact) > _EXACT_LIMIT:
                for v in exact:
                    self._bucket(v)
                self._exact = None
        else:
            self._bucket(value)

    def _bucket(self, value: float) -> None:
        if value == 0:
            key = 0
        else:
            key = int(math.log(abs(value)) / self._BASE) + 10_000
            key = key if value > 0 else -key
        self._buckets[key] = self._buckets.get(key, 0) + 1

    @classmethod
    def _middle(cls, key: int) -> float:
        if key == 0:
            return 0.0
        magnitude = math.exp((abs(key) - 10_000 + 0.5) * cls._BASE)
        return magnitude if key > 0 else -magnitude

    def quantile(self, q: float) -> float | None:
        """The nearest-rank *q*-quantile (0 < q <= 1), or ``None`` when there is no value."""
        if not self.count:
            return None
        rank = max(1, math.ceil(q * self.count))
        if self._exact is not None:
            return sorted(self._exact)[rank - 1]
        seen = 0
        for key in sorted(self._buckets, key=self._middle):
            seen += self._buckets[key]
            if seen >= rank:
                return self._middle(key)
        raise AssertionError("unreachable: the ranks add up to the count")  # pragma: no cover


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


class _LevelTally:
    __slots__ = ("delta", "earlier", "eligible", "later", "only", "real")

    def __init__(self) -> None:
        self.eligible = self.real = self.only = 0
        self.delta, self.earlier, self.later = _Quantiles(), _Quantiles(), _Quantiles()

    def add(self, comparison: LevelComparison) -> None:
        self.eligible += 1
        if comparison.real_at is None:
            self.only += comparison.policy_at is not None
            return
        self.real += 1
        delta = comparison.delta
        if delta is not None:
            seconds = delta.total_seconds()
            self.delta.add(seconds)
            if comparison.what_if:
                self.later.add(seconds)
            else:
                self.earlier.add(-seconds)

    def freeze(self, level: str) -> LevelMetrics:
        return LevelMetrics(
            level=level,
            eligible=self.eligible,
            real=self.real,
            also_earlier=self.earlier.count,
            also_later=self.later.count,
            policy_only=self.only,
            median_delta=_seconds(self.delta.quantile(0.5)),
            median_earlier=_seconds(self.earlier.quantile(0.5)),
            median_later=_seconds(self.later.quantile(0.5)),
        )


class Tally:
    """The running counts of one group of issues (all, one priority, one category)."""

    __slots__ = (
        "actions",
        "events",
        "first_level",
        "issues",
        "levels",
        "rated",
        "recurring",
        "resolution",
        "satisfaction",
        "sla",
    )

    def __init__(self) -> None:
        self.issues = self.events = self.actions = 0
        self.first_level = self.recurring = self.rated = 0
        self.satisfaction = 0.0
        self.resolution = _Quantiles()
        self.levels: dict[str, _LevelTally] = {}
        self.sla: dict[str, list[int]] = {}  # clock name -> [breached, measured]

    def add(self, result: Replay, first_level: str) -> None:
        self.issues += 1
        self.events += len(result.logged.events)
        self.actions += len(result.actions)
        for comparison in result.levels:
            tally = self.levels.get(comparison.level)
            if tally is None:
                tally = self.levels[comparison.level] = _LevelTally()
            tally.add(comparison)
        resolution = result.resolution_time
        if resolution is not None:
            self.resolution.add(resolution.total_seconds())
            if result.start_level == first_level and not result.entries:
                self.first_level += 1
        self.recurring += result.recurring
        score = result.logged.satisfaction
        if score is not None:
            self.rated += 1
            self.satisfaction += score
        for clock, breached in result.sla_breached.items():
            counts = self.sla.setdefault(clock, [0, 0])
            counts[0] += breached
            counts[1] += 1

    def freeze(self, ids: tuple[str, ...]) -> GroupMetrics:
        return GroupMetrics(
            issues=self.issues,
            events=self.events,
            policy_actions=self.actions,
            levels=tuple(
                (self.levels.get(level) or _LevelTally()).freeze(level) for level in ids[1:]
            ),
            resolved=self.resolution.count,
            median_resolution=_seconds(self.resolution.quantile(0.5)),
            p90_resolution=_seconds(self.resolution.quantile(0.9)),
            resolved_at_first_level=self.first_level,
            recurring=self.recurring,
            sla_breach_rate=FrozenDict(
                {clock: breached / measured for clock, (breached, measured) in self.sla.items()}
            ),
            rated=self.rated,
            satisfaction=self.satisfaction / self.rated if self.rated else None,
        )


@attrs.frozen
class LevelMetrics:
    """Real and policy escalations to one level (or above), over a group of issues.

    Attributes:
        level: the level.
        eligible: issues that started below it (the others cannot be escalated to it).
        real: of those, how many the real history escalated to it or above.
        also_earlier: real escalations the policy made itself, at or before the real one.
        also_later: real escalations the policy would have made later, in the what-if run
            from just before the real one (see `replay`).
        policy_only: issues the policy escalated to it or above, the real history never.
        median_delta: median of ``policy - real`` over ``also_earlier`` and ``also_later``
            (negative: the policy was earlier).
        median_earlier: median of how much earlier, over ``also_earlier``.
        median_later: median of how much later, over ``also_later``.
    """

    level: str
    eligible: int
    real: int
    also_earlier: int
    also_later: int
    policy_only: int
    median_delta: timedelta | None
    median_earlier: timedelta | None
    median_later: timedelta | None

    @property
    def policy(self) -> int:
        """Issues the policy itself escalated to this level or above in the replay:
        ``also_earlier + policy_only``."""
        return self.also_earlier + self.policy_only

    @property
    def never(self) -> int:
        """Real escalations the policy would not have made even later (what-if)."""
        return self.real - self.also_earlier - self.also_later

    @property
    def real_rate(self) -> float | None:
        """``real / eligible``."""
        return self.real / self.eligible if self.eligible else None

    @property
    def policy_rate(self) -> float | None:
        """``policy / eligible``."""
        return self.policy / self.eligible if self.eligible else None


@attrs.frozen
class GroupMetrics:
    """The backtest's figures for one group of issues (all of them, a priority, a category).

    Attributes:
        issues, events: how many issues and real events were replayed.
        policy_actions: how many actions the policy decided.
        levels: one `LevelMetrics` per level above the policy's first.
        resolved: issues finally resolved or closed.
        median_resolution, p90_resolution: time from creation to the final resolution,
            over the resolved issues (nearest-rank; exact up to 100,000 issues per group,
            then within 1 %).
        resolved_at_first_level: resolved issues that started at the policy's first level
            and never left it.
        recurring: issues the real history moved up into the same level more than once.
        sla_breach_rate: by SLA clock, the share of the issues it had a target for that
            breached it (see `Replay.sla_breached`).
        rated: issues with a satisfaction score (the log mapping's ``satisfaction``).
        satisfaction: their mean score (CSAT), or ``None`` when none was rated.
    """

    issues: int
    events: int
    policy_actions: int
    levels: tuple[LevelMetrics, ...]
    resolved: int
    median_resolution: timedelta | None
    p90_resolution: timedelta | None
    resolved_at_first_level: int
    recurring: int
    sla_breach_rate: Mapping[str, float]
    rated: int = attrs.field(default=0, kw_only=True)
    satisfaction: float | None = attrs.field(default=None, kw_only=True)

    def level(self, level_id: str) -> LevelMetrics:
        """The `LevelMetrics` of *level_id*."""
        for metrics in self.levels:
            if metrics.level == level_id:
                return metrics
        raise KeyError(level_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; durations in seconds."""
        return {
            "issues": self.issues,
            "events": self.events,
            "policy_actions": self.policy_actions,
            "levels": {
                m.level: {
                    "eligible": m.eligible,
                    "real": m.real,
                    "policy": m.policy,
                    "real_rate": m.real_rate,
                    "policy_rate": m.policy_rate,
                    "also_earlier": m.also_earlier,
                    "also_later": m.also_later,
                    "never": m.never,
                    "policy_only": m.policy_only,
                    "median_delta_s": _s(m.median_delta),
                    "median_earlier_s": _s(m.median_earlier),
                    "median_later_s": _s(m.median_later),
                }
                for m in self.levels
            },
            "resolved": self.resolved,
            "median_resolution_s": _s(self.median_resolution),
            "p90_resolution_s": _s(self.p90_resolution),
            "resolved_at_first_level": self.resolved_at_first_level,
            "recurring": self.recurring,
            "sla_breach_rate": dict(self.sla_breach_rate),
            "rated": self.rated,
            "satisfaction": self.satisfaction,
        }


_GROUP_COLUMNS: Final = (
    "issues", "events", "policy_actions", "resolved", "median_resolution", "p90_resolution",
    "resolved_at_first_level", "recurring", "rated", "satisfaction",
)  # fmt: skip

_LEVEL_COLUMNS: Final = (
    "eligible", "real", "policy", "also_earlier", "also_later", "never", "policy_only",
    "median_delta", "median_earlier", "median_later",
)  # fmt: skip

_DURATIONS: Final = frozenset(
    {"median_resolution", "p90_resolution", "median_delta", "median_earlier", "median_later"}
)


def _csv_name(name: str) -> str:
    """The CSV column of an attribute: a duration's name ends in ``_s`` (seconds)."""
    return f"{name}_s" if name in _DURATIONS else name


def _csv_value(obj: object, name: str) -> object:
    value = getattr(obj, name)
    return _s(value) if name in _DURATIONS else value


def _s(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _warnings(value: Iterable[UnmappedValue]) -> tuple[UnmappedValue, ...]:
    return tuple(value)


@attrs.frozen
class Metrics:
    """The result of `backtest`: figures overall, per priority and per category.

    Attributes:
        policy: the policy's name.
        level_ids: the policy's levels, lowest first.
        overall: all issues.
        by_priority, by_category: per value (issues without one are under ``"-"``).
        by_sla: per SLA policy that applied at the end of each issue's replay (empty when
            the policy has no SLA policies; ``"-"`` for issues none applied to).
        by: per key `backtest` was asked to group by (``"tier"``, ``"customer"``,
            ``"attributes.region"``, ...), per value: the issue's last value of that key
            (``"-"`` for none; past `MAX_GROUPS` values, the rest are under ``"(other)"``).
        warnings: what the log's reader had to guess (`EventLog.warnings`): each status
            the log mapping lists nowhere, counted as open. Empty when the issues did not
            come from `read_log`, or the mapping knew every value.
    """

    policy: str
    level_ids: tuple[str, ...]
    overall: GroupMetrics
    by_priority: Mapping[str, GroupMetrics]
    by_category: Mapping[str, GroupMetrics]
    by_sla: Mapping[str, GroupMetrics] = attrs.field(factory=dict, kw_only=True)
    by: Mapping[str, Mapping[str, GroupMetrics]] = attrs.field(factory=dict, kw_only=True)
    warnings: tuple[UnmappedValue, ...] = attrs.field(default=(), converter=_warnings, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (``json.dumps(metrics.to_dict())``); durations in seconds."""
        return {
            "policy": self.policy,
            "levels": list(self.level_ids),
            "overall": self.overall.to_dict(),
            "by_priority": {k: v.to_dict() for k, v in self.by_priority.items()},
            "by_category": {k: v.to_dict() for k, v in self.by_category.items()},
            "by_sla": {k: v.to_dict() for k, v in self.by_sla.items()},
            "by": {key: {k: v.to_dict() for k, v in g.items()} for key, g in self.by.items()},
            "warnings": [w.to_dict() for w in self.warnings],
        }

    def csv_rows(self) -> list[list[str]]:
        """Rows for `csv.writer`: a header, then one row per group (all, priorities,
        categories, SLA policies, the keys of `by`); durations in seconds, empty where
        there is no value."""
        clocks = sorted({c for _, _, g in self._groups() for c in g.sla_breach_rate})
        header = ["scope", "group", *(_csv_name(name) for name in _GROUP_COLUMNS)]
        for level in self.level_ids[1:]:
            header += [f"{level}_{_csv_name(name)}" for name in _LEVEL_COLUMNS]
        header += [f"sla_{clock}_breach_rate" for clock in clocks]
        rows = [header]
        for scope, name, group in self._groups():
            row: list[object] = [scope, name, *(_csv_value(group, n) for n in _GROUP_COLUMNS)]
            for m in group.levels:
                row += [_csv_value(m, n) for n in _LEVEL_COLUMNS]
            row += [group.sla_breach_rate.get(clock) for clock in clocks]
            rows.append(["" if v is None else str(v) for v in row])
        return rows

    def to_csv(self) -> str:
        """`csv_rows` as CSV text."""
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(self.csv_rows())
        return out.getvalue()

    def _groups(self) -> list[tuple[str, str, GroupMetrics]]:
        return [
            ("all", "all", self.overall),
            *(("priority", k, v) for k, v in self.by_priority.items()),
            *(("category", k, v) for k, v in self.by_category.items()),
            *(("sla", k, v) for k, v in self.by_sla.items()),
            *((key, k, v) for key, groups in self.by.items() for k, v in groups.items()),
        ]

    def to_table(self, *, categories: int = 10) -> str:
        """A readable text table: the figures overall and per priority, then per category
        and per each key of `by` (the *categories* largest groups by number of issues; all
        of them are in `to_dict`)."""
        intro = (
            f"Backtest of policy {self.policy!r} on {self.overall.issues:,} issues "
            f"({self.overall.events:,} real events); the policy decided "
            f"{self.overall.policy_actions:,} actions."
        )
        groups = [("all", self.overall), *self.by_priority.items()]
        parts = [intro, *warnings_text(self.warnings), "", metrics_table(groups, self.level_ids)]
        if self.by_sla:
            parts += ["", "By SLA policy (the one that applied last):"]
            parts.append(metrics_table(list(self.by_sla.items()), self.level_ids))
        for key, table in (("category", self.by_category), *self.by.items()):
            if table:
                largest = sorted(table.items(), key=lambda kv: (-kv[1].issues, kv[0]))
                shown = largest[:categories]
                parts += [
                    "",
                    f"By {key} ({len(shown)} largest of {len(largest)}):",
                    metrics_table(shown, self.level_ids),
                ]
        notes = [
            "",
            "Escalated to a level: the issue reached it or a level above; the share is of the",
            "issues that started below it. The policy 'made it first' when it escalated at or",
            "before the real escalation; otherwise 'later (what-if)' says when it would have,",
            "running alone from just before the real escalation with no new event. 'Policy",
            "only': escalations the real history never made. Policy minus real: negative",
            "means the policy was earlier.",
        ]
        if any(g.sla_breach_rate for _, _, g in self._groups()):
            notes += [
                "SLA breached: the share of the issues a clock had a target for that breached",
                "it (time_at_level: in any level stay).",
            ]
        return "\n".join(parts + notes)
