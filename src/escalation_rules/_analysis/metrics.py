"""Escalation metrics over many replays: rates, times, breaches, with bounded quantiles,
as values that merge (the metrics of parts of a log merged are those of the whole)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._exceptions import EscalationRulesError
from .._frozendict import FrozenDict
from .distribution import Distribution
from .groups import capped
from .report import metrics_table, warnings_text

if TYPE_CHECKING:
    from .._io.logmapping import UnmappedValue


def _seconds(value: float | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def sla_counts(counts: Mapping[str, tuple[int, int]]) -> FrozenDict[tuple[int, int]]:
    return FrozenDict(counts)


def _same(what: str, a: object, b: object) -> None:
    if a != b:
        raise EscalationRulesError(
            f"cannot merge the metrics of {what} {a!r} with those of {b!r}", value=b
        )


@attrs.frozen
class LevelMetrics:
    """Real and policy escalations to one level (or above), over a group of issues.

    Attributes:
        level: the level.
        eligible: issues that started below it (the others cannot be escalated to it).
        real: of those, how many the real history escalated to it or above.
        policy_only: issues the policy escalated to it or above, the real history never.
        delta: ``policy - real``, in seconds, over the real escalations the policy made
            too, earlier or (what-if, see `replay`) later; negative: the policy was earlier.
        earlier: how much earlier, in seconds, where the policy made the real escalation
            itself, at or before the real one (``also_earlier`` is its count).
        later: how much later, in seconds, where the policy would have made it later in the
            what-if run from just before the real one (``also_later`` is its count).

    The medians (``median_delta``, ``median_earlier``, ``median_later``) are read off these
    distributions, which merge (`merge`): see `Distribution` for their precision.
    """

    level: str
    eligible: int
    real: int
    policy_only: int
    delta: Distribution = attrs.field(factory=Distribution)
    earlier: Distribution = attrs.field(factory=Distribution)
    later: Distribution = attrs.field(factory=Distribution)

    @property
    def also_earlier(self) -> int:
        """Real escalations the policy made itself, at or before the real one."""
        return self.earlier.count

    @property
    def also_later(self) -> int:
        """Real escalations the policy would have made later (what-if)."""
        return self.later.count

    @property
    def median_delta(self) -> timedelta | None:
        """Median of ``policy - real`` over ``also_earlier`` and ``also_later``."""
        return _seconds(self.delta.quantile(0.5))

    @property
    def median_earlier(self) -> timedelta | None:
        """Median of how much earlier, over ``also_earlier``."""
        return _seconds(self.earlier.quantile(0.5))

    @property
    def median_later(self) -> timedelta | None:
        """Median of how much later, over ``also_later``."""
        return _seconds(self.later.quantile(0.5))

    def merge(self, other: LevelMetrics) -> LevelMetrics:
        """The figures of both groups of issues together."""
        _same("level", self.level, other.level)
        return LevelMetrics(
            self.level,
            self.eligible + other.eligible,
            self.real + other.real,
            self.policy_only + other.policy_only,
            self.delta.merge(other.delta),
            self.earlier.merge(other.earlier),
            self.later.merge(other.later),
        )

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
        resolution: the time from creation to the final resolution, in seconds, over the
            resolved issues (``resolved`` is its count; ``median_resolution`` and
            ``p90_resolution`` are nearest-rank, exact up to 10,000 issues per group, then
            within 1 %: see `Distribution`).
        resolved_at_first_level: resolved issues that started at the policy's first level
            and never left it.
        recurring: issues the real history moved up into the same level more than once.
        sla: by SLA clock, ``(breached, measured)``: of the issues it had a target for, how
            many breached it (see `Replay.sla_breached`); ``sla_breach_rate`` their share.
        rated: issues with a satisfaction score (the log mapping's ``satisfaction``).
        satisfaction_total: the sum of their scores, exact (``satisfaction`` is the mean).

    Every figure merges (`merge`): counts add, distributions merge, so the metrics of two
    groups merged are those of one pass over both.
    """

    issues: int
    events: int
    policy_actions: int
    levels: tuple[LevelMetrics, ...]
    resolution: Distribution = attrs.field(factory=Distribution, kw_only=True)
    resolved_at_first_level: int = attrs.field(default=0, kw_only=True)
    recurring: int = attrs.field(default=0, kw_only=True)
    sla: Mapping[str, tuple[int, int]] = attrs.field(
        factory=dict, converter=sla_counts, kw_only=True
    )
    rated: int = attrs.field(default=0, kw_only=True)
    satisfaction_total: Fraction = attrs.field(default=Fraction(0), kw_only=True)

    @property
    def resolved(self) -> int:
        """Issues finally resolved or closed."""
        return self.resolution.count

    @property
    def median_resolution(self) -> timedelta | None:
        """The median time from creation to the final resolution."""
        return _seconds(self.resolution.quantile(0.5))

    @property
    def p90_resolution(self) -> timedelta | None:
        """The 90th percentile of the time from creation to the final resolution."""
        return _seconds(self.resolution.quantile(0.9))

    @property
    def sla_breach_rate(self) -> Mapping[str, float]:
        """By SLA clock, the share of the issues it had a target for that breached it."""
        return FrozenDict({clock: b / n for clock, (b, n) in self.sla.items()})

    @property
    def satisfaction(self) -> float | None:
        """The mean satisfaction score (CSAT) of the rated issues, or ``None``."""
        return float(self.satisfaction_total / self.rated) if self.rated else None

    def merge(self, other: GroupMetrics) -> GroupMetrics:
        """The figures of both groups of issues together: what one pass over both gives."""
        if len(self.levels) != len(other.levels):
            raise EscalationRulesError(
                "cannot merge the metrics of policies with different levels", value=None
            )
        sla = dict(self.sla)
        for clock, (breached, measured) in other.sla.items():
            old = sla.get(clock, (0, 0))
            sla[clock] = (old[0] + breached, old[1] + measured)
        return GroupMetrics(
            self.issues + other.issues,
            self.events + other.events,
            self.policy_actions + other.policy_actions,
            tuple(a.merge(b) for a, b in zip(self.levels, other.levels, strict=True)),
            resolution=self.resolution.merge(other.resolution),
            resolved_at_first_level=self.resolved_at_first_level + other.resolved_at_first_level,
            recurring=self.recurring + other.recurring,
            sla=sla_counts({clock: sla[clock] for clock in sorted(sla)}),
            rated=self.rated + other.rated,
            satisfaction_total=self.satisfaction_total + other.satisfaction_total,
        )

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


def merge_metrics(parts: Iterable[Metrics]) -> Metrics:
    """The metrics of all *parts* together (see `Metrics.merge`), merged left to right.

    Raises:
        EscalationRulesError: there is no part, or the parts are of different policies.
    """
    result: Metrics | None = None
    for part in parts:
        result = part if result is None else result.merge(part)
    if result is None:
        raise EscalationRulesError("there are no metrics to merge", value=None)
    return result


def _merged(
    a: Mapping[str, GroupMetrics], b: Mapping[str, GroupMetrics]
) -> FrozenDict[GroupMetrics]:
    """Both groupings' groups merged, capped as one pass caps them (`groups.capped`)."""
    out = dict(a)
    for key, group in b.items():
        out[key] = out[key].merge(group) if key in out else group
    return capped(out)


def _merged_warnings(
    a: tuple[UnmappedValue, ...], b: tuple[UnmappedValue, ...]
) -> tuple[UnmappedValue, ...]:
    """Both parts' warnings: a value both saw counts the rows of both, at its first place
    (the earlier line of the two, for parts of one log), in the order of those places."""
    out: dict[tuple[str, str, str], UnmappedValue] = {}
    for warning in (*a, *b):
        key = (warning.field, warning.column, warning.value)
        seen = out.get(key)
        if seen is None:
            out[key] = warning
            continue
        first = seen if (seen.source, seen.line) <= (warning.source, warning.line) else warning
        out[key] = attrs.evolve(first, rows=seen.rows + warning.rows)
    return tuple(sorted(out.values(), key=lambda w: (w.source, w.line)))


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
            (``"-"`` for none). A grouping keeps at most 10,000 groups
            (``groups.MAX_GROUPS``), those whose names rank lowest by a stable hash; the
            issues of other values are under ``"(other)"``.
        warnings: what the log's reader had to guess (`EventLog.warnings`): each value
            the log mapping does not know. Empty when the issues did not come from
            `read_log`, or the mapping knew every value.

    Metrics merge (`merge`, `merge_metrics`): a backtest over parts of a log (any split
    that keeps each issue whole) merged gives the figures of one backtest over the whole,
    exactly (the quantiles within the bounds `Distribution` documents, as one pass; the
    groups kept past 10,000 values are chosen by a hash of their names, not by order, so
    the parts keep the groups of one pass).
    """

    policy: str
    level_ids: tuple[str, ...]
    overall: GroupMetrics
    by_priority: Mapping[str, GroupMetrics]
    by_category: Mapping[str, GroupMetrics]
    by_sla: Mapping[str, GroupMetrics] = attrs.field(factory=dict, kw_only=True)
    by: Mapping[str, Mapping[str, GroupMetrics]] = attrs.field(factory=dict, kw_only=True)
    warnings: tuple[UnmappedValue, ...] = attrs.field(default=(), converter=_warnings, kw_only=True)

    def merge(self, other: Metrics) -> Metrics:
        """The metrics of both backtests together (of the same policy, over other issues).

        Raises:
            EscalationRulesError: the two are of different policies or levels.
        """
        _same("the policy", self.policy, other.policy)
        _same("the levels", self.level_ids, other.level_ids)
        keys = list(dict.fromkeys([*self.by, *other.by]))
        return Metrics(
            policy=self.policy,
            level_ids=self.level_ids,
            overall=self.overall.merge(other.overall),
            by_priority=_merged(self.by_priority, other.by_priority),
            by_category=_merged(self.by_category, other.by_category),
            by_sla=_merged(self.by_sla, other.by_sla),
            by=FrozenDict({k: _merged(self.by.get(k, {}), other.by.get(k, {})) for k in keys}),
            warnings=_merged_warnings(self.warnings, other.warnings),
        )

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
