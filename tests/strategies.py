"""Hypothesis strategies for generated policies, issues and instants (tests only).

Everything generated stays inside the engine's contract, so any exception is a bug:
conditions guard ordering tests with ``exists()`` and compare like with like.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st

from escalation_rules import (
    ALWAYS,
    NEXT,
    OWNER,
    Anchor,
    Condition,
    Customer,
    Event,
    EventKind,
    F,
    Issue,
    Level,
    Policy,
    Rule,
    after,
    chain,
    escalate,
    first_match,
    notify,
    route,
    sla,
)

from .conftest import T0

PRIORITIES = ["P1", "P2", "P3"]
CATEGORIES = ["billing", "outage", "how-to"]
TAGS = ["vip", "security", "web"]
TIERS = ["enterprise", "gold", "free"]


def durations(lo: int = 1, hi: int = 24 * 60) -> st.SearchStrategy[timedelta]:
    """Whole minutes from *lo* to *hi*; shrinks towards *lo*."""
    return st.integers(lo, hi).map(lambda m: timedelta(minutes=m))


def atoms() -> st.SearchStrategy[Condition]:
    """Single tests on issue fields, each defined for every generated issue."""
    return st.one_of(
        st.sampled_from(PRIORITIES).map(lambda p: F.priority == p),
        st.sampled_from(CATEGORIES).map(lambda c: F.category == c),
        st.sampled_from(CATEGORIES).map(lambda c: F.category != c),
        st.lists(st.sampled_from(PRIORITIES), min_size=1, max_size=2, unique=True).map(
            lambda ps: F.priority.isin(ps)
        ),
        st.sampled_from(TAGS).map(lambda t: F.tags.contains(t)),
        st.sampled_from(TIERS).map(lambda t: F.customer.tier == t),
        st.integers(0, 10_000).map(lambda v: F.customer.value.exists() & (F.customer.value > v)),
        st.just(F.language.exists()),
        st.just(ALWAYS),
    )


def conditions(max_leaves: int = 6) -> st.SearchStrategy[Condition]:
    """Trees of atoms under &, | and ~; shrinks towards a single atom."""
    return st.recursive(
        atoms(),
        lambda children: st.one_of(
            st.tuples(children, children).map(lambda ab: ab[0] & ab[1]),
            st.tuples(children, children).map(lambda ab: ab[0] | ab[1]),
            children.map(lambda c: ~c),
        ),
        max_leaves=max_leaves,
    )


@st.composite
def level_lists(draw: st.DrawFn) -> list[Level]:
    """1 to 4 levels L1..Ln; every level has a resolution target, most an ack timeout."""
    n = draw(st.integers(1, 4))
    return [
        Level(
            f"L{i}",
            f"Level {i}",
            rank=i * 10,
            owner=f"owner-{i}",
            targets={"time_at_level": draw(durations(10, 48 * 60))},
            ack_timeout=draw(st.none() | durations(1, 120)),
        )
        for i in range(1, n + 1)
    ]


@st.composite
def rule_for(draw: st.DrawFn, levels: list[Level], name: str) -> Rule:
    ids = [lvl.id for lvl in levels]
    target = draw(st.sampled_from([NEXT, *ids]))
    kind = draw(st.sampled_from(["route", "escalate", "on", "after", "sla", "notify-sla"]))
    if kind == "route":
        return route(name, when=draw(conditions()), to=draw(st.sampled_from(["t1", "t2"])))
    if kind == "escalate":
        return escalate(name, when=draw(conditions()), to=target)
    if kind == "on":
        return escalate(name, on=EventKind.MANAGER_REQUESTED, when=draw(conditions(2)), to=target)
    if kind == "after":
        since = draw(st.sampled_from(list(Anchor)))
        trigger = after(draw(durations(1, 36 * 60)), since=since)
        if draw(st.booleans()):
            return escalate(name, at=trigger, to=target, when=draw(conditions(2)))
        return notify(name, at=trigger, to=draw(st.sampled_from([OWNER, "pager"])))
    share = draw(st.sampled_from([0.5, 0.75, 1.0, 1.5]))
    if kind == "sla":
        return escalate(name, at=sla("time_at_level", share), to=target)
    return notify(name, at=sla("time_at_level", share), when=draw(conditions(2)))


@st.composite
def policies(draw: st.DrawFn, match: str | None = None) -> Policy:
    """A valid policy: levels, up to 6 rules (maybe a chain, maybe a first_match group)."""
    levels = draw(level_lists())
    count = draw(st.integers(0, 6))
    rules: list[Rule] = [draw(rule_for(levels, f"r{i}")) for i in range(count)]
    if draw(st.booleans()):
        rules.insert(
            draw(st.integers(0, len(rules))), chain("chain", repeat=draw(st.integers(0, 2)))
        )
    if len(rules) >= 2 and draw(st.booleans()):
        rules = [first_match("group", rules[:2]), *rules[2:]]
    mode = match or draw(st.sampled_from(["all", "first"]))
    return Policy(levels, rules, match=mode)  # type: ignore[arg-type]


EVENT_KINDS = [
    EventKind.AGENT_REPLY,
    EventKind.CUSTOMER_MESSAGE,
    EventKind.ACKNOWLEDGED,
    EventKind.MANAGER_REQUESTED,
    EventKind.CUSTOM,
]


@st.composite
def issues(draw: st.DrawFn, levels: list[Level] | None = None) -> Issue:
    """An open or pending issue created at T0 with up to 8 later events (some level changes)."""
    ids = [lvl.id for lvl in levels] if levels else ["L1"]
    events = [Event(EventKind.CREATED, T0)]
    t = T0
    level = None
    for _ in range(draw(st.integers(0, 8))):
        t = t + draw(durations(0, 6 * 60))
        if len(ids) > 1 and draw(st.integers(0, 5)) == 0:
            level = draw(st.sampled_from(ids))
            events.append(Event(EventKind.LEVEL_CHANGED, t, level=level))
        else:
            events.append(Event(draw(st.sampled_from(EVENT_KINDS)), t))
    return Issue(
        draw(st.sampled_from(["A-1", "B-2"])),
        T0,
        priority=draw(st.sampled_from(PRIORITIES)),
        category=draw(st.none() | st.sampled_from(CATEGORIES)),
        status=draw(st.sampled_from(["open", "open", "pending"])),
        level=level,
        team=draw(st.none() | st.sampled_from(["t1", "t2"])),
        language=draw(st.none() | st.just("de")),
        tags=draw(st.lists(st.sampled_from(TAGS), max_size=2)),
        customer=Customer(
            tier=draw(st.none() | st.sampled_from(TIERS)),
            value=draw(st.none() | st.floats(0, 20_000, allow_nan=False)),
        ),
        history=events,
    )


def instants(lo_hours: float = 0, hi_hours: float = 96) -> st.SearchStrategy[datetime]:
    """Instants from T0 + lo to T0 + hi, to the second; shrinks towards T0 + lo."""
    return st.integers(int(lo_hours * 3600), int(hi_hours * 3600)).map(
        lambda s: T0 + timedelta(seconds=s)
    )
