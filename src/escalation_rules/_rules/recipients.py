"""Who a level or a notification reaches at an instant: names, on-call schedules, round robin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from .._conditions.paths import MISSING, field_getter
from .._exceptions import EvaluationError, PolicyError
from .._model.actions import Notify
from .._model.levels import OnCall, Recipient
from .._suggest import did_you_mean
from .._time.oncall import first_on_call, on_call
from .base import OWNER, Owner

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._model.issue import Issue
    from .._model.schedules import Schedule

MEMO_SIZE: Final = 4096
"""Answers a `Reach` keeps by instant (a host asks the same step instants again and again);
the memo is emptied when full. It only saves the work: an answer never depends on it."""

WAIT_LIMIT: Final = timedelta(days=366)
"""How far ahead a notification to nobody on call looks for the first instant someone is:
a schedule empty for longer than a year notifies nobody."""


def check_schedules(targets: tuple[Recipient, ...], policy: Policy, where: str) -> None:
    """Raise `PolicyError` if *targets* name a schedule the policy does not have."""
    names = sorted(policy.schedules)
    for target in targets:
        if isinstance(target, OnCall) and target.schedule not in policy.schedules:
            raise PolicyError(
                f"notifies whoever is on call in the schedule {target.schedule!r}, which the "
                f"policy does not have; schedules are {names}",
                where=where,
                value=target.schedule,
                suggestion=did_you_mean(target.schedule, names),
            )


class Reach:
    """The recipients of a level or a notification, compiled for a policy.

    `at` says who is notified at an instant: the names as given and whoever is on call in
    each schedule then, in the order given, without repeats; with *round_robin* (a dotted
    issue field holding an integer) only the one at that number modulo their count.
    """

    __slots__ = (
        "_memo",
        "_names",
        "_number",
        "fixed",
        "names",
        "round_robin",
        "schedules",
        "where",
    )

    def __init__(
        self,
        targets: tuple[Recipient, ...],
        policy: Policy,
        where: str,
        round_robin: str | None = None,
    ) -> None:
        check_schedules(targets, policy, where)
        self.names = targets
        self.schedules: tuple[Schedule | None, ...] = tuple(
            policy.schedules[t.schedule] if isinstance(t, OnCall) else None for t in targets
        )
        #: no schedule among the targets: the same answer at every instant
        self.fixed = all(s is None for s in self.schedules)
        self._names = tuple(t for t in targets if isinstance(t, str))
        self._memo: dict[datetime, tuple[str, ...]] = {}
        self.round_robin = round_robin
        self.where = where
        self._number: Callable[[Issue], Any] | None = (
            None if round_robin is None else field_getter(round_robin)
        )

    def everyone(self, at: datetime) -> tuple[str, ...]:
        """Every recipient reached at *at*, before any round robin."""
        if self.fixed:
            return self._names
        memo = self._memo
        known = memo.get(at)
        if known is not None:
            return known
        out: list[str] = []
        for target, schedule in zip(self.names, self.schedules, strict=True):
            found = on_call(schedule, at) if schedule is not None else (str(target),)
            out.extend(name for name in found if name not in out)
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        answer = memo[at] = tuple(out)
        return answer

    def at(self, issue: Issue, at: datetime) -> tuple[str, ...]:
        """Who is notified at *at* for *issue* (empty: nobody is on call)."""
        everyone = self.everyone(at)
        if self._number is None or len(everyone) < 2:
            return everyone
        return (everyone[self.pick(issue) % len(everyone)],)

    def pick(self, issue: Issue) -> int:
        """The integer the round robin reads from *issue*."""
        assert self._number is not None and self.round_robin is not None
        value = self._number(issue)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if value is MISSING or not isinstance(value, int) or isinstance(value, bool):
            shown = "nothing" if value is MISSING else repr(value)
            raise EvaluationError(
                f"{self.where}: round robin reads the integer {self.round_robin!r}, but issue "
                f"{issue.id!r} has {shown} there",
                field=self.round_robin,
                value=None if value is MISSING else value,
            )
        return value

    def first_reached(self, at: datetime) -> datetime | None:
        """The first instant at or after *at* at which someone is reached (a year ahead
        at most; `WAIT_LIMIT`), ``None`` if nobody is within that.

        Asked when nobody is reached at *at*: so every recipient is a schedule (a name is
        always reached).
        """
        found = [
            first_on_call(schedule, at, at + WAIT_LIMIT)
            for schedule in self.schedules
            if schedule is not None
        ]
        instants = [t for t in found if t is not None]
        return min(instants) if instants else None


def notifications(
    rule: str, why: str, key: str, reach: Reach, issue: Issue, due: datetime, now: datetime
) -> tuple[tuple[Notify, ...], datetime | None]:
    """The notifications a rule sends for a step due at *due*, evaluated at *now* (>= due):
    one `Notify` per recipient reached at *due*, all with the fire-once *key*.

    With nobody on call at *due*, the step waits for the first instant someone is: sent
    then if that is no later than *now*, else ``((), that instant)`` (the next evaluation);
    ``((), None)`` if nobody is within `WAIT_LIMIT`.
    """
    who = reach.at(issue, due)
    if not who:
        first = reach.first_reached(due)
        if first is None or first > now:
            return (), first
        who = reach.at(issue, first)
    return tuple(Notify(name, rule, f"{why}: notify {name}", key=key) for name in who), None


def recipient(
    to: str | Owner | tuple[Recipient, ...], policy: Policy, position: int, rule: str
) -> tuple[str, Reach | None]:
    """Who *to* names at level *position* (`OWNER`: that level's owners): the name an action
    stands for them with, and their `Reach` (``None`` when that one name is all, at every
    instant). The one place a notification rule resolves *to*."""
    level = policy.levels[position]
    if to is OWNER:
        if isinstance(level.owner, str):
            return level.owner, None
        reach = Reach(level.owners, policy, f"level {level.id!r}", level.round_robin)
        return level.owner_text, reach
    if isinstance(to, str):
        return to, None
    assert isinstance(to, tuple)
    return ", ".join(str(r) for r in to), Reach(to, policy, f"rule {rule!r}")
