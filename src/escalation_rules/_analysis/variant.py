"""One policy (or policy set) being backtested: its replayers and its running tallies,
overall and per group, frozen into `Metrics` at the end."""

from __future__ import annotations

import heapq
from datetime import datetime
from typing import TYPE_CHECKING, Final

from .._engine.versions import PolicySet
from .._frozendict import FrozenDict
from . import groups as grouping
from .groups import OTHER, Rank
from .metrics import GroupMetrics, Metrics
from .replay import Replay, Replayer
from .tally import Tally

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._io.logged_issue import LoggedIssue
    from .._io.logmapping import UnmappedValue


class Variant:
    """One policy (or policy set) being backtested: its replayers and running tallies."""

    def __init__(self, policy: Policy | PolicySet, keys: tuple[str, ...]) -> None:
        self.policy = policy
        self.versions = policy if isinstance(policy, PolicySet) else None
        self.policies = policy.policies if isinstance(policy, PolicySet) else (policy,)
        self.replayers = {id(p): Replayer(p) for p in self.policies}
        self.ids = level_order(self.policies)
        self.tallies = _Tallies(keys, any(p.slas for p in self.policies), self.ids)
        self.finished = False

    def add(self, logged: LoggedIssue) -> Replay:
        """Replay *logged* and count it (before `metrics`, which ends the count)."""
        if self.finished:
            raise RuntimeError(_ENDED)
        versions = self.versions
        chosen = versions.in_force(logged.created_at) if versions else self.policy
        replayer = self.replayers[id(chosen)]
        result = replayer.run(logged, None)
        self.tallies.add(logged, result, replayer.ids[0])
        return result

    def metrics(self) -> Metrics:
        """The `Metrics` of the issues counted (without the log's warnings), once, at the
        end: the tallies are frozen into it group by group and let go as they are, so the
        counts are never held twice."""
        if self.finished:
            raise RuntimeError(_ENDED)
        self.finished = True
        name = ", ".join(dict.fromkeys(p.name for p in self.policies))
        return self.tallies.metrics(name, ())


_ENDED: Final = "Variant.metrics ended the count: ask it once, after the last issue"


def level_order(policies: tuple[Policy, ...]) -> tuple[str, ...]:
    """The levels of a backtest of *policies* (the versions of a policy set, oldest first),
    lowest first: the newest version's, and each level only an older version has placed
    where that version puts it (before the next level of that version already placed, or
    last). So a level above some version's first level is never first: the figures per
    level (those above the first) leave none out."""
    order = [level.id for level in policies[-1].levels]
    for policy in reversed(policies[:-1]):
        ids = [level.id for level in policy.levels]
        for k, level in enumerate(ids):
            if level in order:
                continue
            after = next((other for other in ids[k + 1 :] if other in order), None)
            order.insert(len(order) if after is None else order.index(after), level)
    return tuple(order)


class _Tallies:
    """The running tallies of a backtest: overall, and per group of each grouping."""

    def __init__(self, keys: tuple[str, ...], slas: bool, ids: tuple[str, ...]) -> None:
        self.ids = ids
        self.overall = Tally()
        fixed = ("priority", "category", "sla") if slas else ("priority", "category")
        self.fixed = {key: _Groups(ids) for key in fixed}
        self.by = {key: _Groups(ids) for key in keys}

    def add(self, logged: LoggedIssue, result: Replay, first: str) -> None:
        self.overall.add(result, first)
        names = (logged.priority, logged.category, result.sla)
        for name, groups in zip(names, self.fixed.values(), strict=False):
            groups.tally(name if name is not None else "-").add(result, first)
        for key, groups in self.by.items():
            groups.tally(_group_name(logged.value(key))).add(result, first)

    def metrics(self, policy: str, warnings: tuple[UnmappedValue, ...]) -> Metrics:
        ids = self.ids
        overall, self.overall = self.overall.freeze(ids), Tally()
        empty = _Groups(ids)
        return Metrics(
            policy=policy,
            level_ids=ids,
            overall=overall,
            by_priority=self.fixed["priority"].freeze(),
            by_category=self.fixed["category"].freeze(),
            by_sla=self.fixed.get("sla", empty).freeze(),
            by=FrozenDict({key: groups.freeze() for key, groups in self.by.items()}),
            warnings=warnings,
        )


class _Groups:
    """The running tallies of one grouping: at most ``MAX_GROUPS`` groups, those whose names
    rank lowest (`Rank`) among the names met; the issues of the others count under `OTHER`.
    A name that ranks lower than the highest kept takes its place, and the group it
    displaces is frozen and merged into `OTHER` (see `groups`: so any split of a log,
    merged, keeps the groups of one pass)."""

    def __init__(self, ids: tuple[str, ...]) -> None:
        self.ids = ids
        self.limit = grouping.MAX_GROUPS
        self.tallies: dict[str, Tally] = {}
        self.ranks: list[Rank] = []  # a heap: the highest rank kept on top
        self.other = Tally()
        self.displaced: GroupMetrics | None = None  # the displaced groups, merged

    def tally(self, name: str) -> Tally:
        """The tally *name*'s issues count in."""
        tally = self.tallies.get(name)
        if tally is not None:
            return tally
        if name == OTHER:
            return self.other
        rank = Rank(name)
        if len(self.tallies) >= self.limit:
            if rank.key > self.ranks[0].key:  # above every group kept
                return self.other
            highest = heapq.heapreplace(self.ranks, rank)
            frozen = self.tallies.pop(highest.name).freeze(self.ids)
            self.displaced = frozen if self.displaced is None else self.displaced.merge(frozen)
        else:
            heapq.heappush(self.ranks, rank)
        tally = self.tallies[name] = Tally()
        return tally

    def freeze(self) -> FrozenDict[GroupMetrics]:
        """The frozen groups, sorted by name; each tally let go as it is frozen (its exact
        quantile values, the bulk of a backtest's memory, are then held once)."""
        ids, tallies = self.ids, self.tallies
        out = {name: tallies.pop(name).freeze(ids) for name in sorted(tallies)}
        other = self.displaced
        if self.other.issues:
            frozen = self.other.freeze(ids)
            other = frozen if other is None else other.merge(frozen)
        if other is not None:
            out[OTHER] = other
        return FrozenDict({name: out[name] for name in sorted(out)})


def _group_name(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
