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
    BusinessCalendar,
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
    by_priority,
    chain,
    clock,
    escalate,
    first_match,
    notify,
    route,
    since,
    sla,
    wall,
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


CLOCKS = ["time_at_level", "resolution", "first_response", "next_response", "periodic_update"]
CALENDARS = {
    "office": BusinessCalendar(
        "Europe/Berlin",
        {"mon-fri": [("09:00", "12:30"), ("13:30", "17:00")]},
        holidays=["2026-03-04"],
    ),
    "nights": BusinessCalendar("Australia/Sydney", {"mon-sat": [("20:00", "06:00")]}),
}


def targets() -> st.SearchStrategy[object]:
    """A target: a duration, a wall-clock one, or a table by priority."""
    return st.one_of(
        durations(10, 48 * 60),
        durations(10, 48 * 60).map(wall),
        st.builds(
            lambda a, b: by_priority(P1=a, default=b), durations(10, 600), durations(10, 48 * 60)
        ),
    )


def timed_atoms(levels: list[Level]) -> st.SearchStrategy[Condition]:
    """Conditions on the instant that only ever turn true as time passes (``>=``, ``>``,
    ``breached``), so the monotonicity law still applies; shrink towards since(created)."""
    clocks = sorted({m for lvl in levels for m in lvl.targets})
    return st.one_of(
        st.builds(
            lambda a, op, d: since(a) >= d if op == ">=" else since(a) > d,
            st.sampled_from(list(Anchor)),
            st.sampled_from([">=", ">"]),
            durations(0, 24 * 60),
        ),
        st.builds(lambda c, d: clock(c).elapsed >= d, st.sampled_from(clocks), durations(0, 600)),
        st.sampled_from(clocks).map(lambda c: clock(c).breached),
    )


@st.composite
def rule_conditions(draw: st.DrawFn, levels: list[Level], max_leaves: int = 6) -> Condition:
    """A rule's condition: a tree of atoms, sometimes and-ed with a condition on time."""
    base = draw(conditions(max_leaves))
    if draw(st.integers(0, 3)) == 0:
        return base & draw(timed_atoms(levels))
    return base


@st.composite
def level_lists(draw: st.DrawFn) -> list[Level]:
    """1 to 4 levels L1..Ln; each has a time-at-level target and maybe others, most an ack
    timeout, some a calendar of their own."""
    n = draw(st.integers(1, 4))
    return [
        Level(
            f"L{i}",
            f"Level {i}",
            rank=i * 10,
            owner=f"owner-{i}",
            targets={
                "time_at_level": draw(durations(10, 48 * 60)),
                **{c: draw(targets()) for c in draw(st.sets(st.sampled_from(CLOCKS[1:])))},
            },
            ack_timeout=draw(st.none() | durations(1, 120)),
            calendar=draw(st.none() | st.sampled_from(sorted(CALENDARS))),
        )
        for i in range(1, n + 1)
    ]


@st.composite
def rule_for(draw: st.DrawFn, levels: list[Level], name: str) -> Rule:
    ids = [lvl.id for lvl in levels]
    target = draw(st.sampled_from([NEXT, *ids]))
    kind = draw(st.sampled_from(["route", "escalate", "on", "after", "sla", "notify-sla"]))
    if kind == "route":
        return route(
            name, when=draw(rule_conditions(levels)), to=draw(st.sampled_from(["t1", "t2"]))
        )
    if kind == "escalate":
        return escalate(name, when=draw(rule_conditions(levels)), to=target)
    if kind == "on":
        return escalate(
            name, on=EventKind.MANAGER_REQUESTED, when=draw(rule_conditions(levels, 2)), to=target
        )
    if kind == "after":
        since = draw(st.sampled_from(list(Anchor)))
        trigger = after(draw(durations(1, 36 * 60)), since=since)
        if draw(st.booleans()):
            return escalate(name, at=trigger, to=target, when=draw(rule_conditions(levels, 2)))
        return notify(name, at=trigger, to=draw(st.sampled_from([OWNER, "pager"])))
    share = draw(st.sampled_from([0.5, 0.75, 1.0, 1.5]))
    clock = draw(st.sampled_from(sorted({m for lvl in levels for m in lvl.targets})))
    offset = draw(
        st.sampled_from([{}, {"before": timedelta(minutes=30)}, {"after": timedelta(hours=1)}])
    )
    trigger = sla(clock, share, **offset)
    if kind == "sla":
        return escalate(name, at=trigger, to=target)
    return notify(name, at=trigger, when=draw(rule_conditions(levels, 2)))


@st.composite
def policies(draw: st.DrawFn, match: str | None = None) -> Policy:
    """A valid policy: levels, up to 6 rules (maybe a chain, maybe a first_match group)."""
    levels = draw(level_lists())
    count = draw(st.integers(0, 6))
    rules: list[Rule] = [draw(rule_for(levels, f"r{i}")) for i in range(count)]
    if draw(st.booleans()):
        # repeat needs every level to time out (the chain goes round them all)
        loops = draw(st.integers(0, 2)) if all(lvl.ack_timeout for lvl in levels) else 0
        rules.insert(draw(st.integers(0, len(rules))), chain("chain", repeat=loops))
    if len(rules) >= 2 and draw(st.booleans()):
        rules = [first_match("group", rules[:2]), *rules[2:]]
    mode = match or draw(st.sampled_from(["all", "first"]))
    return Policy(
        levels,
        rules,
        match=mode,  # type: ignore[arg-type]
        calendars=CALENDARS,
        calendar=draw(st.none() | st.sampled_from(sorted(CALENDARS))),
        calendar_field=draw(st.none() | st.just("customer.attributes.region")),
    )


EVENT_KINDS = [
    EventKind.AGENT_REPLY,
    EventKind.CUSTOMER_MESSAGE,
    EventKind.ACKNOWLEDGED,
    EventKind.MANAGER_REQUESTED,
    EventKind.CUSTOM,
]


@st.composite
def issues(draw: st.DrawFn, levels: list[Level] | None = None) -> Issue:
    """An issue created at T0 with up to 8 later events: level and status changes among them
    (pending, resolved and reopened); its status is the history's last."""
    ids = [lvl.id for lvl in levels] if levels else ["L1"]
    events = [Event(EventKind.CREATED, T0)]
    t = T0
    level = None
    for _ in range(draw(st.integers(0, 8))):
        t = t + draw(durations(0, 6 * 60))
        roll = draw(st.integers(0, 9))
        if len(ids) > 1 and roll == 0:
            level = draw(st.sampled_from(ids))
            events.append(Event(EventKind.LEVEL_CHANGED, t, level=level))
        elif roll <= 2:
            new = draw(st.sampled_from(["open", "pending", "pending", "resolved"]))
            events.append(Event(EventKind.STATUS_CHANGED, t, status=new))
        else:
            events.append(Event(draw(st.sampled_from(EVENT_KINDS)), t))
    return Issue(
        draw(st.sampled_from(["A-1", "B-2"])),
        T0,
        priority=draw(st.sampled_from(PRIORITIES)),
        category=draw(st.none() | st.sampled_from(CATEGORIES)),
        level=level,
        team=draw(st.none() | st.sampled_from(["t1", "t2"])),
        language=draw(st.none() | st.just("de")),
        tags=draw(st.lists(st.sampled_from(TAGS), max_size=2)),
        customer=Customer(
            tier=draw(st.none() | st.sampled_from(TIERS)),
            value=draw(st.none() | st.floats(0, 20_000, allow_nan=False)),
            attributes={"region": draw(st.sampled_from(sorted(CALENDARS)))},
        ),
        history=events,
    )


def instants(lo_hours: float = 0, hi_hours: float = 96) -> st.SearchStrategy[datetime]:
    """Instants from T0 + lo to T0 + hi, to the second; shrinks towards T0 + lo."""
    return st.integers(int(lo_hours * 3600), int(hi_hours * 3600)).map(
        lambda s: T0 + timedelta(seconds=s)
    )
