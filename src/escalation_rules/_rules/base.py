"""Rule types: functional routing, hierarchical escalation, time-based rules, and the on-call chain.

A rule looks at a `Context` and returns an `Outcome`: the actions it wants
now, the anchor that scopes "already done", and the actions it will want
later, each with its instant. The engine (see ``_policy``) removes actions
already recorded in the history, escalations that would not move the issue
up, and routings to the team that already holds the issue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol, runtime_checkable

from .._conditions.condition import Condition, Test
from .._exceptions import PolicyError
from .._model.actions import Action, Escalate
from .._model.anchors import Anchor
from .._model.events import EventKind
from .._model.names import to_enum
from .._suggest import did_you_mean

if TYPE_CHECKING:
    from .._engine.context import Context
    from .._engine.policy import Policy
    from .._model.issue import Issue


class Outcome(NamedTuple):
    """What one rule wants, returned by `Rule.check`.

    Attributes:
        matched: the rule applies now (under first-match, it wins even when
            all its actions turn out to be done already).
        actions: the actions it wants now.
        once_per: what scopes "already done": an `Anchor` (an action whose key
            was recorded after that anchor's event is not repeated) or, for a
            finer scope, the history index of the event that opened it.
        upcoming: ``(instant, action)`` pairs the rule will want later if no
            new event arrives; the engine turns the earliest into
            ``next_evaluation_at``.
    """

    matched: bool
    actions: tuple[Action, ...] = ()
    once_per: Anchor | int = Anchor.CREATED
    upcoming: tuple[tuple[datetime, Action], ...] = ()


CheckResult = tuple[bool, tuple[Action, ...], "Anchor | int", tuple[tuple[datetime, Action], ...]]
"""What a compiled check returns: `Outcome`'s four fields as a plain tuple (an `Outcome`
is one); hot checks build the tuple directly, which is cheaper than the named tuple."""

Checker = Callable[["Context"], "CheckResult | None"]
"""A compiled rule: the function a policy calls on every evaluation."""


@runtime_checkable
class Rule(Protocol):
    """What a rule type implements; subclass nothing, just provide these.

    ``check`` must be pure: read only the context (which carries ``now``),
    never the clock, and return the same outcome for the same context.
    ``validate`` is called once when the `Policy` is built and raises
    `PolicyError` for anything the rule refers to that the policy lacks.
    """

    @property
    def name(self) -> str:
        """The rule's unique name within its policy."""
        ...

    def check(self, context: Context) -> Outcome | None:
        """Return what the rule wants for this context, or ``None`` for nothing."""
        ...

    def validate(self, policy: Policy) -> None:
        """Raise `PolicyError` if the rule refers to something *policy* lacks."""
        ...


class Next:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NEXT"

    def __reduce__(self) -> str:
        return "NEXT"


class Owner:
    __slots__ = ()

    def __repr__(self) -> str:
        return "OWNER"

    def __reduce__(self) -> str:
        return "OWNER"


NEXT: Final = Next()
"""Escalation target: the level above the current one."""

OWNER: Final = Owner()
"""Notification target: the owner of the issue's current level."""


def as_outcome(result: CheckResult | None) -> Outcome | None:
    """A compiled check's result as the `Outcome` that `Rule.check` returns."""
    return None if result is None else Outcome(*result)


def condition_defaults(policy: Policy) -> dict[str, str]:
    """Field values a policy supplies when the issue leaves them unset.

    An issue whose ``level`` is ``None`` sits at the policy's first level, so a
    condition on ``level`` sees that level's id.
    """
    return {"level": policy.levels[0].id}


def check_level(policy: Policy, level: str, where: str) -> None:
    ids = [lvl.id for lvl in policy.levels]
    if level not in ids:
        raise PolicyError(
            f"escalates to unknown level {level!r}; levels are {ids}",
            where=where,
            value=level,
            suggestion=did_you_mean(level, ids),
        )


def to_event_kind(value: EventKind | str) -> EventKind:
    return to_enum(EventKind, value, "unknown event kind {value!r}")


def rule_name(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise PolicyError(f"a rule needs a non-empty string name, got {value!r}", value=value)
    return value


def to_condition(value: object) -> Condition:
    if not isinstance(value, Condition):
        raise PolicyError(
            f"'when' must be a condition built from F, got {value!r}"
            + (
                " (a Python bool: did you write 'and'/'or' instead of &/|?)"
                if isinstance(value, bool)
                else ""
            ),
            value=value,
        )
    return value


def _true(_issue: Issue) -> bool:
    return True


def issue_test(when: Condition, defaults: Mapping[str, Any]) -> Test:
    """The issue-only test of *when*; a timed condition is decided by `with_timing` instead."""
    return _true if when.timed else when.compile(defaults)


def with_timing(check: Checker, when: Condition, defaults: Mapping[str, Any]) -> Checker:
    """Wrap a rule's *check* (compiled as if *when* held) with a time-dependent *when*.

    The rule acts only while *when* holds, and the instant at which *when* flips
    joins the rule's upcoming instants, so ``next_evaluation_at`` stays sound.
    """
    if not when.timed:
        return check
    timed = when.compile_timed(defaults)

    def timed_check(context: Context) -> CheckResult | None:
        holds, change = timed(context)
        base = check(context)
        if base is None:
            return None
        matched, actions, once_per, upcoming = base
        if change is not None and change <= context.now:
            change = None
        if holds:
            if change is None:
                return base
            return Outcome(matched, actions, once_per, (*upcoming, *((change, a) for a in actions)))
        if change is None:
            return None
        later = (
            *((change, a) for a in actions),
            *((at if at > change else change, a) for at, a in upcoming),
        )
        return Outcome(False, (), once_per, later)

    return timed_check


def to_target(value: object) -> str | Next:
    if value is NEXT or (isinstance(value, str) and value):
        return value
    raise PolicyError(
        f"an escalation target must be NEXT or a level id, got {value!r}", value=value
    )


def escalation_to(
    rule: str, to: str | Next, policy: Policy, position: int, why: str
) -> Escalate | None:
    """The escalation *rule* asks for at level *position* (None: nowhere to go)."""
    if to is NEXT:
        if position + 1 >= len(policy.levels):
            return None
        nxt = policy.levels[position + 1].id
        return Escalate(
            nxt, rule, f"{why}: escalate to the next level, {nxt}", key=f"{rule}:escalate"
        )
    assert isinstance(to, str)
    return Escalate(to, rule, f"{why}: escalate to {to}", key=f"{rule}:escalate")
