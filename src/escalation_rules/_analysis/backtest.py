"""Replay and backtest: what a policy would have done to real issues, and how that compares.

`replay` feeds one issue's real events to a policy in time order. It evaluates after each
event and at each ``next_evaluation_at`` in between (jumping from one to the next, never
stepping through time), and collects the actions the policy decides as a timeline, side by
side with the real events. Events at the same instant (one row of a log) are applied
together and evaluated once; a ``next_evaluation_at`` that falls exactly on an event's
instant is evaluated before the event is applied.

The real history drives the issue: its level, status and team change as they really did. The
policy's actions are recorded in the issue's history as ``ACTION_TAKEN`` events *without* a
level or team, so the policy does not decide them again, but they do not move the issue
either. So the policy can only escalate an issue from the level where it really was.

To say how much *later* than the real escalation the policy would have escalated (it cannot
in the replay itself, as the real escalation comes first and the engine never escalates to
the level the issue is already at), `replay` asks a what-if question at each real escalation
the policy had not made yet: starting from the issue just before that event, with the
policy's own earlier escalations applied and no new event arriving, when would the policy
have escalated it that far? The answer is ``None`` when it never would have (for example
because the issue was waiting on the customer and the policy's clock was paused).

`backtest` streams many issues through `replay` and aggregates `Metrics`, overall, per
priority and per category (and per any mapped key it is asked to group by), without keeping
any issue once it is counted.

Given a `PolicySet` instead of a policy, both replay each issue with the version in force at
its creation: what a host that pins each issue to that version (``move="never"``) did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Final

from .._engine.versions import PolicySet
from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .._io.eventlog import EventLog
from .._io.logged_issue import VALUE_KEYS
from .._io.logmapping import ATTRIBUTES
from .._suggest import did_you_mean
from .metrics import GroupMetrics, Metrics
from .replay import Replay, Replayer
from .tally import Tally

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._io.eventlog import LoggedIssue
    from .._io.logmapping import UnmappedValue


def backtest(
    policy: Policy | PolicySet,
    issues: Iterable[LoggedIssue],
    *,
    on_replay: Callable[[Replay], None] | None = None,
    by: Sequence[str] = (),
) -> Metrics:
    """Replay every issue under *policy* and aggregate the `Metrics`, streaming.

    Each issue is replayed, counted into the overall, priority and category tallies (and
    those of *by*), and dropped: memory holds one issue at a time plus the tallies (whose
    quantiles are bounded, see `GroupMetrics`), however many issues there are.

    Args:
        policy: the policy to try, or a `PolicySet`: each issue is then replayed with the
            version in force at its creation; the levels counted are the newest version's,
            then those of older versions it lacks.
        issues: the issues, e.g. ``read_log(path, mapping)``.
        on_replay: called with each issue's `Replay` as it is done (for a progress bar, or
            to keep the timelines of some issues).
        by: more keys to group by (`Metrics.by`): ``"customer"``, ``"tier"``, ``"team"``,
            ``"level"``, ``"satisfaction"``, ``"priority"``, ``"category"`` or
            ``"attributes.NAME"``; an issue counts under its last value of the key
            (`LoggedIssue.value`).

    Returns:
        The `Metrics`; when *issues* is an `EventLog` (what `read_log` returns), its
        ``warnings`` are the log's (values the mapping does not know).

    Raises:
        PolicyError: a key of *by* is not one of those, or (for an `EventLog`) the log
            mapping does not map it.
        IssueError: as `replay`, and as the reader for a bad log (and, with
            ``read_log(..., strict=True)``, for a value the mapping does not know).
    """
    versions = policy if isinstance(policy, PolicySet) else None
    policies = policy.policies if isinstance(policy, PolicySet) else (policy,)
    replayers = {id(p): Replayer(p) for p in policies}
    tallies = _Tallies(_check_keys(by, issues), any(p.slas for p in policies))
    for logged in issues:
        replayer = replayers[id(versions.in_force(logged.created_at) if versions else policy)]
        result = replayer.run(logged, None)
        tallies.add(logged, result, replayer.ids[0])
        if on_replay is not None:
            on_replay(result)
    ids = tuple(dict.fromkeys(level.id for p in reversed(policies) for level in p.levels))
    return tallies.metrics(
        ", ".join(dict.fromkeys(p.name for p in policies)),
        ids,
        issues.warnings if isinstance(issues, EventLog) else (),
    )


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
        return Metrics(
            policy=policy,
            level_ids=ids,
            overall=self.overall.freeze(ids),
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
    return FrozenDict({k: groups[k].freeze(ids) for k in sorted(groups)})


def _check_keys(by: Sequence[str], issues: Iterable[LoggedIssue]) -> tuple[str, ...]:
    if isinstance(by, str):
        raise PolicyError(f"by must be a list of keys, got the string {by!r}; write [{by!r}]")
    mapped = issues.mapping.columns() if isinstance(issues, EventLog) else None
    known = [*VALUE_KEYS, *(k for k in mapped or () if k.startswith(ATTRIBUTES))]
    for key in by:
        if not isinstance(key, str) or not (
            key in VALUE_KEYS or (key.startswith(ATTRIBUTES) and len(key) > len(ATTRIBUTES))
        ):
            raise PolicyError(
                f"cannot group a backtest by {key!r}; group by one of {list(VALUE_KEYS)} or "
                "'attributes.NAME'",
                value=key,
                suggestion=did_you_mean(str(key), known),
            )
        if mapped is not None and key not in mapped:
            raise PolicyError(
                f"cannot group by {key!r}: the log mapping maps no column to it (its keys "
                f"are {list(mapped)})",
                value=key,
                suggestion=did_you_mean(key, list(mapped)),
            )
    return tuple(dict.fromkeys(by))
