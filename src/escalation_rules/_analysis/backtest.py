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

`backtest` streams many issues through `replay` and aggregates `Metrics`, overall and per
priority and per category, without keeping any issue once it is counted.

Given a `PolicySet` instead of a policy, both replay each issue with the version in force at
its creation: what a host that pins each issue to that version (``move="never"``) did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .._engine.versions import PolicySet
from .._frozendict import FrozenDict
from .._io.eventlog import EventLog
from .metrics import Metrics, Tally
from .replay import Replay, Replayer

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._io.eventlog import LoggedIssue


def backtest(
    policy: Policy | PolicySet,
    issues: Iterable[LoggedIssue],
    *,
    on_replay: Callable[[Replay], None] | None = None,
) -> Metrics:
    """Replay every issue under *policy* and aggregate the `Metrics`, streaming.

    Each issue is replayed, counted into the overall, priority and category tallies, and
    dropped: memory holds one issue at a time plus the tallies (whose quantiles are bounded,
    see `GroupMetrics`), however many issues there are.

    Args:
        policy: the policy to try, or a `PolicySet`: each issue is then replayed with the
            version in force at its creation; the levels counted are the newest version's,
            then those of older versions it lacks.
        issues: the issues, e.g. ``read_log(path, mapping)``.
        on_replay: called with each issue's `Replay` as it is done (for a progress bar, or
            to keep the timelines of some issues).

    Returns:
        The `Metrics`; when *issues* is an `EventLog` (what `read_log` returns), its
        ``warnings`` are the log's (statuses the mapping lists nowhere, counted as open).

    Raises:
        IssueError: as `replay`, and as the reader for a bad log (and, with
            ``read_log(..., strict=True)``, for a status the mapping lists nowhere).
    """
    versions = policy if isinstance(policy, PolicySet) else None
    policies = policy.policies if isinstance(policy, PolicySet) else (policy,)
    replayers = {id(p): Replayer(p) for p in policies}
    overall = Tally()
    by_priority: dict[str, Tally] = {}
    by_category: dict[str, Tally] = {}
    by_sla: dict[str, Tally] = {}
    groupings = [by_priority, by_category] + ([by_sla] if any(p.slas for p in policies) else [])
    for logged in issues:
        replayer = replayers[id(versions.in_force(logged.created_at) if versions else policy)]
        result = replayer.run(logged, None)
        first = replayer.ids[0]
        overall.add(result, first)
        keys = (logged.priority, logged.category, result.sla)
        for key, groups in zip(keys, groupings, strict=False):
            name = key if key is not None else "-"
            tally = groups.get(name)
            if tally is None:
                tally = groups[name] = Tally()
            tally.add(result, first)
        if on_replay is not None:
            on_replay(result)
    ids = tuple(dict.fromkeys(level.id for p in reversed(policies) for level in p.levels))
    return Metrics(
        policy=", ".join(dict.fromkeys(p.name for p in policies)),
        level_ids=ids,
        overall=overall.freeze(ids),
        by_priority=FrozenDict({k: by_priority[k].freeze(ids) for k in sorted(by_priority)}),
        by_category=FrozenDict({k: by_category[k].freeze(ids) for k in sorted(by_category)}),
        by_sla=FrozenDict({k: by_sla[k].freeze(ids) for k in sorted(by_sla)}),
        warnings=issues.warnings if isinstance(issues, EventLog) else (),
    )
