"""Lint checks on SLA targets across the levels (ER104, ER110)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._model.clock_definitions import Metric
from .._model.targets import ANY_PRIORITY
from .findings import Finding

if TYPE_CHECKING:
    from .._engine.policy import Policy


def shrinking_targets(policy: Policy) -> list[Finding]:
    """ER104: a target shorter at a higher level than at the one below."""
    out = []
    for i in range(1, len(policy.levels)):
        low, high = policy.levels[i - 1], policy.levels[i]
        for clock, table in high.targets.items():
            below = low.targets.get(clock)
            if below is None:
                continue
            for priority, target in table.items():
                lower = below.get(priority) or below.get(ANY_PRIORITY)
                if lower is not None and target.duration < lower.duration:
                    who = "any priority" if priority == ANY_PRIORITY else f"priority {priority}"
                    out.append(
                        Finding(
                            "ER104",
                            "warning",
                            f"the {clock} target for {who} shrinks from {lower} at "
                            f"{low.id!r} to {target} at {high.id!r}",
                            f"levels[{i}].targets.{clock}",
                        )
                    )
    return out


def covered_everywhere(policy: Policy, clock: str, priority: str) -> bool:
    """Does an issue of *priority* (``"*"``: any) have a target on *clock* at every level,
    whatever its level says: a policy-wide target, or one in every SLA policy when one of
    them always applies (the last has no condition)?"""
    wide = policy.targets.get(clock, {})
    if priority in wide or ANY_PRIORITY in wide:
        return True
    slas = policy.slas
    if not slas or slas[-1].when is not None:
        return False
    for sla in slas:
        table = sla.targets.get(clock, {})
        if priority not in table and ANY_PRIORITY not in table:
            return False
    return True


def vanishing_targets(policy: Policy) -> list[Finding]:
    """ER110: a clock with a target at a level and none above it (for some priority).

    An issue that escalates, or starts higher (a "VIPs start at L2" rule), then has no
    target on that clock. ``time_at_level`` measures each level on its own, so it is left
    out: a top level without one is usual. A target the policy gives at every level
    (policy-wide, or in every SLA policy with a fallback) cannot disappear. One finding
    per clock and level.
    """
    out = []
    seen: dict[str, dict[str, str]] = {}  # clock -> priority -> the last level with a target
    for i, level in enumerate(policy.levels):
        for clock, priorities in list(seen.items()):
            table = level.targets.get(clock, {})
            if ANY_PRIORITY in table:
                continue
            gone = {
                p: below
                for p, below in priorities.items()
                if p not in table and not covered_everywhere(policy, clock, p)
            }
            if not gone:
                continue
            who = "any priority" if ANY_PRIORITY in gone else "priority " + ", ".join(sorted(gone))
            below = ", ".join(sorted({repr(b) for b in gone.values()}))
            out.append(
                Finding(
                    "ER110",
                    "warning",
                    f"the {clock} target for {who} at {below} disappears at {level.id!r}: an "
                    f"issue that escalates (or starts) there has no {clock} target; give the "
                    "level one, or make it policy-wide (the policy's targets)",
                    f"levels[{i}].targets",
                )
            )
            for priority in gone:  # reported once, at the first level without it
                del priorities[priority]
        for clock, table in level.targets.items():
            definition = policy.clocks.get(clock)
            if definition is not None and definition.metric is Metric.TIME_AT_LEVEL:
                continue
            seen.setdefault(clock, {}).update(dict.fromkeys(table, level.id))
    return out
