"""The running counts of a backtest, frozen into `GroupMetrics` when it is done."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from .distribution import Quantiles
from .metrics import GroupMetrics, LevelMetrics, sla_counts

if TYPE_CHECKING:
    from .replay import LevelComparison, Replay


class _LevelTally:
    __slots__ = ("delta", "earlier", "eligible", "later", "only", "real")

    def __init__(self) -> None:
        self.eligible = self.real = self.only = 0
        self.delta, self.earlier, self.later = Quantiles(), Quantiles(), Quantiles()

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
            level,
            self.eligible,
            self.real,
            self.only,
            self.delta.freeze(),
            self.earlier.freeze(),
            self.later.freeze(),
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
        self.satisfaction = Fraction(0)
        self.resolution = Quantiles()
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
            self.satisfaction += Fraction(score)  # exact: a sum that merges in any order
        for clock, breached in result.sla_breached.items():
            counts = self.sla.setdefault(clock, [0, 0])
            counts[0] += breached
            counts[1] += 1

    def freeze(self, ids: tuple[str, ...]) -> GroupMetrics:
        return GroupMetrics(
            self.issues,
            self.events,
            self.actions,
            tuple((self.levels.get(level) or _LevelTally()).freeze(level) for level in ids[1:]),
            resolution=self.resolution.freeze(),
            resolved_at_first_level=self.first_level,
            recurring=self.recurring,
            sla=sla_counts({clock: (b, n) for clock, (b, n) in sorted(self.sla.items())}),
            rated=self.rated,
            satisfaction_total=self.satisfaction,
        )
