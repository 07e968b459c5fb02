"""`settle`: one step of a host's loop: evaluate, carry out, record, until nothing is due."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

import attrs

from .._exceptions import EscalationRulesError, IssueError
from .._instants import require_aware

if TYPE_CHECKING:
    from .._model.actions import Action
    from .._model.issue import Issue
    from .policy import Policy
    from .versions import PolicySet

MAX_ROUNDS: Final = 100
"""The evaluations `settle` makes at one instant by default before it gives up."""


class SettleError(EscalationRulesError):
    """`settle` gave up: the policy kept deciding new actions at the same instant.

    ``value`` is the issue's id; the message names the instant and the last actions.
    """


@attrs.frozen
class Settled:
    """What `settle` did at one instant.

    Attributes:
        issue: the issue with every action carried out recorded (`Issue.record`).
        actions: the actions carried out, in the order they were decided and recorded.
        next_evaluation_at: when to settle the issue again (``None``: only when something
            happens to it).
        at: the instant the issue was settled at.
    """

    issue: Issue
    actions: tuple[Action, ...]
    next_evaluation_at: datetime | None
    at: datetime


def settle(
    policy: Policy | PolicySet, issue: Issue, now: datetime, *, max_rounds: int = MAX_ROUNDS
) -> Settled:
    """Evaluate *issue* at *now*, record every action decided, and evaluate again until
    nothing new is due at *now* (a recorded escalation can arm the next level's rules).

    The host carries out ``settled.actions`` (in order), stores ``settled.issue`` and wakes
    at ``settled.next_evaluation_at``. Settling the result again at *now* carries out
    nothing: each action is recorded once.

    Raises:
        NaiveDatetimeError: *now* has no time zone.
        IssueError: *now* is before the issue's latest event (`Issue.latest_at`): actions
            cannot be recorded in the past of the history; settle at ``max(now,
            issue.latest_at)`` when the clocks of the host's machines disagree.
        SettleError: still acting after *max_rounds* evaluations (a policy that never
            settles).
    """
    now = require_aware(now, "now")
    if now < issue.latest_at:
        raise IssueError(
            f"issue {issue.id!r} cannot be settled at {now.isoformat()}: its history goes "
            f"on to {issue.latest_at.isoformat()}, and actions cannot be recorded before "
            "it; settle at max(now, issue.latest_at) when clocks disagree",
            value=now,
        )
    done: list[Action] = []
    for _ in range(max_rounds):
        decision = policy.evaluate(issue, now)
        if not decision.actions:
            return Settled(issue, tuple(done), decision.next_evaluation_at, now)
        for action in decision.actions:
            issue = issue.record(action, now)
            done.append(action)
    shown = [f"{a.kind} {a.target!r} ({a.rule})" for a in done[-3:]]
    raise SettleError(
        f"issue {issue.id!r} did not settle at {now.isoformat()}: the policy still decided "
        f"new actions after {max_rounds} evaluations (the last: {', '.join(shown)}); a "
        "rule keeps acting on its own actions",
        value=issue.id,
    )
