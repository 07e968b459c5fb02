"""One policy (or policy set) being backtested: its replayers and its running tallies,
overall and per group, frozen into `Metrics` at the end."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

from .._engine.versions import PolicySet
from .._frozendict import FrozenDict
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
        self.tallies = _Tallies(keys, any(p.slas for p in self.policies))
        self.finished = False

    def add(self, logged: LoggedIssue) -> Replay:
        """Replay *logged* and count it (before `metrics`)."""
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
            raise RuntimeError("Variant.metrics ends the count: ask it once")
        self.finished = True
        policies = self.policies
        ids = tuple(dict.fromkeys(level.id for p in reversed(policies) for level in p.levels))
        name = ", ".join(dict.fromkeys(p.name for p in policies))
        return self.tallies.metrics(name, ids, ())


class _Tallies:
    """The running tallies of a backtest: overall, and per group of each grouping."""

    def __init__(self, keys: tuple[str, ...], slas: bool) -> None:
        self.overall = Tally()
        self.fixed: dict[str, dict[str, Tally]] = {"priority": {}, "category": {}}
        if slas:
            self.fixed["sla"] = {}
        self.by: dict[str, dict[str, Tally]] = {key: {} for key in keys}

    def add(self, logged: LoggedIssue, result: Replay, first: str) -> None:
        self.overall.add(result, first)
        names = (logged.priority, logged.category, result.sla)
        for name, groups in zip(names, self.fixed.values(), strict=False):
            _tally(groups, name if name is not None else "-").add(result, first)
        for key, groups in self.by.items():
            _tally(groups, _group_name(logged.value(key), groups)).add(result, first)

    def metrics(
        self, policy: str, ids: tuple[str, ...], warnings: tuple[UnmappedValue, ...]
    ) -> Metrics:
        overall, self.overall = self.overall.freeze(ids), Tally()
        return Metrics(
            policy=policy,
            level_ids=ids,
            overall=overall,
            by_priority=_frozen(self.fixed["priority"], ids),
            by_category=_frozen(self.fixed["category"], ids),
            by_sla=_frozen(self.fixed.get("sla", {}), ids),
            by=FrozenDict({key: _frozen(groups, ids) for key, groups in self.by.items()}),
            warnings=warnings,
        )


#: The most groups `backtest` keeps per key of ``by``; issues with other values count
#: under ``"(other)"``, which keeps memory bounded (a key such as the customer can have
#: as many values as there are issues).
MAX_GROUPS: Final = 10_000

OTHER: Final = "(other)"


def _tally(groups: dict[str, Tally], name: str) -> Tally:
    tally = groups.get(name)
    if tally is None:
        tally = groups[name] = Tally()
    return tally


def _group_name(value: object, groups: dict[str, Tally]) -> str:
    if value is None:
        name = "-"
    elif isinstance(value, datetime):
        name = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        name = str(int(value))
    else:
        name = str(value)
    if name in groups or len(groups) < MAX_GROUPS:
        return name
    return OTHER


def _frozen(groups: dict[str, Tally], ids: tuple[str, ...]) -> FrozenDict[GroupMetrics]:
    """The frozen *groups*, each tally taken out of *groups* as it is frozen (its exact
    quantile values, the bulk of a backtest's memory, are then held once)."""
    return FrozenDict({k: groups.pop(k).freeze(ids) for k in sorted(groups)})
