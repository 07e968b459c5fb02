"""What the policy will do next if nothing new happens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs

from .._exceptions import ForecastError
from .._instants import local, require_aware
from .policy import out_of_range

if TYPE_CHECKING:
    from .._model.actions import Action
    from .._model.issue import Issue
    from .policy import Policy


@attrs.frozen
class ForecastStep:
    """One action the policy will take if nothing else happens: when, what, at which level."""

    at: datetime
    action: Action
    level: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.action.kind,
            "target": self.action.target,
            "rule": self.action.rule,
            "reason": self.action.reason,
            "level": self.level,
        }


def _utc(issue: Issue, instant: datetime) -> datetime:
    try:
        return instant.astimezone(UTC)
    except OverflowError as error:
        raise out_of_range(issue, instant, error) from None


def forecast(
    policy: Policy, issue: Issue, now: datetime, until: datetime, *, max_steps: int = 10_000
) -> tuple[ForecastStep, ...]:
    """Every action *policy* will take from *now* to *until* if nothing else happens.

    No agent reply, no status change: the issue only changes by the policy's
    own actions, which are applied as they come (an escalation to L2 starts
    L2's clocks). It jumps from one ``next_evaluation_at`` to the next, and
    stops at *until* or when nothing more can happen. Each step's action is
    in ``evaluate`` of the issue as it then is, at the step's instant.

    Raises:
        NaiveDatetimeError: *now* or *until* has no time zone.
        ForecastError: more than *max_steps* actions (a rule that never settles).
    """
    t, end = _utc(issue, require_aware(now, "now")), _utc(issue, require_aware(until, "until"))
    issue = issue.as_of(t)  # what had happened by *now*; later events are not foreseen
    steps: list[ForecastStep] = []
    while t <= end:
        decision = policy.evaluate(issue, t)
        if decision.actions:
            for action in decision.actions:
                steps.append(ForecastStep(t, action, issue.level or policy.levels[0].id))
                issue = issue.record(action, t)
            if len(steps) > max_steps:
                raise ForecastError(
                    f"the forecast took more than {max_steps} actions before "
                    f"{local(end, now.tzinfo)}; "
                    "a rule keeps acting without settling"
                )
            continue  # the recorded actions may arm more at the same instant
        if decision.next_evaluation_at is None:
            break
        t = decision.next_evaluation_at
    return tuple(steps)
