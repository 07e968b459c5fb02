"""Unit tests of each rule type of ``_rules``: what it decides, when, and what it refuses.

One section per rule type (functional ``route``, hierarchical ``escalate(when=/on=)``,
time-based ``after``/``sla`` triggers, the on-call ``chain``, ``first_match`` groups,
``notify`` and the ``Outcome`` a rule returns), each stating the documented behaviour of
docs/guide.md, docs/custom-rules.md and docs/sla.md: the exact actions and keys, the exact
instants (``next_evaluation_at``), the fire-once scopes, and the errors (message, ``where``,
``value``, ``suggestion``) a rule is refused with.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    ALWAYS,
    NEVER,
    NEXT,
    OWNER,
    After,
    Anchor,
    Context,
    Escalate,
    EscalationChain,
    Event,
    EventKind,
    F,
    FirstMatch,
    FunctionalRule,
    HierarchicalRule,
    Issue,
    Level,
    Notify,
    Outcome,
    Policy,
    PolicyError,
    Route,
    Rule,
    SlaClock,
    SlaShare,
    TimeRule,
    after,
    by_priority,
    chain,
    clock,
    escalate,
    first_match,
    hours,
    minutes,
    notify,
    route,
    since,
    sla,
)

from ..conftest import T0, at, make_issue, three_levels

# ------------------------------------------------------------------ helpers


def context(policy: Policy, issue: Issue, now: datetime) -> Context:
    """The `Context` a rule's ``check`` receives for *issue* at *now* (as the engine builds it)."""
    position = 0 if issue.level is None else [lvl.id for lvl in policy.levels].index(issue.level)
    return Context(policy, issue, now, policy.levels[position], position, policy.status_of(issue))


def drive(
    policy: Policy, issue: Issue, start: datetime, until: datetime
) -> tuple[Issue, list[tuple[datetime, str]]]:
    """Run the host loop: carry out and record every action, wake at ``next_evaluation_at``.

    Returns the final issue and the ``(instant, key)`` of every action carried out.
    """
    done: list[tuple[datetime, str]] = []
    now: datetime | None = start
    for _ in range(200):
        if now is None or now > until:
            break
        decision = policy.evaluate(issue, now)
        for _ in range(20):
            if not decision.actions:
                break
            for action in decision.actions:
                done.append((now, action.key))
                issue = issue.record(action, now)
            decision = policy.evaluate(issue, now)
        else:  # pragma: no cover - a policy that never settles
            raise AssertionError("the decision never settles")
        now = decision.next_evaluation_at
    else:  # pragma: no cover - a policy that keeps waking up
        raise AssertionError("the host loop never ends")
    return issue, done


# ------------------------------------------------------------ refused rules


LEVEL_IDS = "['L1', 'L2', 'L3']"
CLOCK_IDS = "['first_response', 'next_response', 'periodic_update', 'resolution', 'time_at_level']"

#: (id, build, exact message, where, value, suggestion)
REFUSED: list[tuple[str, Callable[[], object], str, str | None, object, str | None]] = [
    (
        "name not a string",
        lambda: route(5, when=ALWAYS, to="t"),  # type: ignore[arg-type]
        "a rule needs a non-empty string name, got 5",
        None,
        5,
        None,
    ),
    (
        "empty name",
        lambda: chain(""),
        "a rule needs a non-empty string name, got ''",
        None,
        "",
        None,
    ),
    (
        "when not a condition",
        lambda: route("x", when="F.a", to="t"),  # type: ignore[arg-type]
        "'when' must be a condition built from F, got 'F.a'",
        None,
        "F.a",
        None,
    ),
    (
        "when a Python bool",
        lambda: escalate("x", when=False),  # type: ignore[arg-type]
        "'when' must be a condition built from F, got False "
        "(a Python bool: did you write 'and'/'or' instead of &/|?)",
        None,
        False,
        None,
    ),
    (
        "route to an empty team",
        lambda: route("x", when=ALWAYS, to=""),
        "rule 'x': routes to an invalid team ''",
        "rule 'x'",
        "",
        None,
    ),
    (
        "route to a non-string team",
        lambda: route("x", when=ALWAYS, to=7),  # type: ignore[arg-type]
        "rule 'x': routes to an invalid team 7",
        "rule 'x'",
        7,
        None,
    ),
    (
        "escalate to an empty level",
        lambda: escalate("x", to=""),
        "an escalation target must be NEXT or a level id, got ''",
        None,
        "",
        None,
    ),
    (
        "escalate to OWNER",
        lambda: escalate("x", to=OWNER),  # type: ignore[arg-type]
        "an escalation target must be NEXT or a level id, got OWNER",
        None,
        OWNER,
        None,
    ),
    (
        "on an unsupported event",
        lambda: escalate("x", on=EventKind.STATUS_CHANGED),
        "rule 'x': 'on' must be one of ['manager_requested', 'customer_message', "
        "'agent_reply', 'acknowledged'], got <EventKind.STATUS_CHANGED: 'status_changed'>",
        "rule 'x'",
        EventKind.STATUS_CHANGED,
        None,
    ),
    (
        "on a misspelt event",
        lambda: escalate("x", on="customer_mesage"),
        "unknown event kind 'customer_mesage' (did you mean 'customer_message'?)",
        None,
        "customer_mesage",
        "customer_message",
    ),
    (
        "at and on together",
        lambda: escalate("x", at=after(hours(1)), on="manager_requested"),
        "rule 'x': a rule takes 'at' or 'on', not both",
        "rule 'x'",
        None,
        None,
    ),
    (
        "at not a trigger",
        lambda: notify("x", at=hours(1)),  # type: ignore[arg-type]
        "'at' must be after(...) or sla(...), got datetime.timedelta(seconds=3600)",
        None,
        hours(1),
        None,
    ),
    (
        "time rule escalates to an empty level",
        lambda: escalate("x", at=after(hours(1)), to=""),
        "rule 'x': escalates to ''; use NEXT or a level id",
        "rule 'x'",
        "",
        None,
    ),
    (
        "time rule escalates to OWNER",
        lambda: escalate("x", at=after(hours(1)), to=OWNER),  # type: ignore[arg-type]
        "rule 'x': escalates to OWNER; use NEXT or a level id",
        "rule 'x'",
        OWNER,
        None,
    ),
    (
        "notify NEXT",
        lambda: notify("x", at=after(hours(1)), to=NEXT),  # type: ignore[arg-type]
        "rule 'x': notifies NEXT; use OWNER or a target name",
        "rule 'x'",
        NEXT,
        None,
    ),
    (
        "notify an empty target",
        lambda: notify("x", at=after(hours(1)), to=""),
        "rule 'x': notifies ''; use OWNER or a target name",
        "rule 'x'",
        "",
        None,
    ),
    (
        "unknown time action",
        lambda: TimeRule("x", after(hours(1)), "escalte", NEXT),
        "rule 'x': unknown action 'escalte'; use 'escalate' or 'notify' (did you mean 'escalate'?)",
        "rule 'x'",
        "escalte",
        "escalate",
    ),
    (
        "after a negative duration",
        lambda: after(-minutes(1)),
        "after(duration) must not be negative, got datetime.timedelta(days=-1, seconds=86340)",
        None,
        -minutes(1),
        None,
    ),
    (
        "After built with a number",
        lambda: After(5),  # type: ignore[arg-type]
        "after(duration) must be a timedelta, got 5",
        None,
        5,
        None,
    ),
    (
        "sla share a bool",
        lambda: sla("resolution", True),
        "an SLA share must be a number in (0, 100] (0 only with a positive offset), got True",
        None,
        True,
        None,
    ),
    (
        "sla share a string",
        lambda: sla("resolution", "0.5"),  # type: ignore[arg-type]
        "an SLA share must be a number in (0, 100] (0 only with a positive offset), got '0.5'",
        None,
        "0.5",
        None,
    ),
    (
        "sla share negative",
        lambda: sla("resolution", -0.25),
        "an SLA share must be a number in (0, 100] (0 only with a positive offset), got -0.25",
        None,
        -0.25,
        None,
    ),
    (
        "sla share above 100",
        lambda: sla("resolution", 100.5),
        "an SLA share must be a number in (0, 100] (0 only with a positive offset), got 100.5",
        None,
        100.5,
        None,
    ),
    (
        "sla share zero without offset",
        lambda: sla("resolution", 0),
        "an SLA share must be a number in (0, 100] (0 only with a positive offset), got 0",
        None,
        0,
        None,
    ),
    (
        "sla share zero before the breach",
        lambda: sla("resolution", 0, before=minutes(5)),
        "an SLA share must be a number in (0, 100] (0 only with a positive offset), got 0",
        None,
        0,
        None,
    ),
    (
        "sla offset not a duration",
        lambda: SlaShare("resolution", 0.5, offset=30),  # type: ignore[arg-type]
        "an SLA offset must be a timedelta, got 30",
        None,
        30,
        None,
    ),
    (
        "sla before and after",
        lambda: sla("resolution", before=minutes(5), after=minutes(5)),
        "sla() takes before= or after=, not both",
        None,
        None,
        None,
    ),
    (
        "sla before negative",
        lambda: sla("resolution", before=-hours(1)),
        "sla(before=) must not be negative, got datetime.timedelta(days=-1, seconds=82800)",
        None,
        -hours(1),
        None,
    ),
    (
        "sla after not a duration",
        lambda: sla("resolution", after=60),  # type: ignore[arg-type]
        "sla(after=) must be a timedelta, got 60",
        None,
        60,
        None,
    ),
    (
        "chain repeat negative",
        lambda: chain("page", repeat=-1),
        "rule 'page': repeat must be an integer from 0 to 20, got -1",
        "rule 'page'",
        -1,
        None,
    ),
    (
        "chain repeat too large",
        lambda: chain("page", repeat=21),
        "rule 'page': repeat must be an integer from 0 to 20, got 21",
        "rule 'page'",
        21,
        None,
    ),
    (
        "chain repeat a float",
        lambda: chain("page", repeat=2.0),  # type: ignore[arg-type]
        "rule 'page': repeat must be an integer from 0 to 20, got 2.0",
        "rule 'page'",
        2.0,
        None,
    ),
    (
        "first_match member not a rule",
        lambda: first_match("g", [route("a", when=ALWAYS, to="t"), "b"]),  # type: ignore[list-item]
        "group 'g': rules[1] is not a rule: 'b'",
        "group 'g'",
        "b",
        None,
    ),
    # -- refused when the policy is built (each rule's validate)
    (
        "escalate to an unknown level",
        lambda: Policy(three_levels(), [escalate("x", when=ALWAYS, to="L4")]),
        f"rule 'x': escalates to unknown level 'L4'; levels are {LEVEL_IDS}",
        "rule 'x'",
        "L4",
        None,
    ),
    (
        "time rule escalates to a misspelt level",
        lambda: Policy(three_levels(), [escalate("x", at=after(hours(1)), to="l3")]),
        f"rule 'x': escalates to unknown level 'l3'; levels are {LEVEL_IDS} (did you mean 'L3'?)",
        "rule 'x'",
        "l3",
        "L3",
    ),
    (
        "sla on an unknown clock",
        lambda: Policy(three_levels(), [notify("warn", at=sla("resolve", 0.5))]),
        f"rule 'warn': uses the SLA clock 'resolve', which the policy does not have; "
        f"clocks are {CLOCK_IDS} (did you mean 'resolution'?)",
        "rule 'warn'",
        "resolve",
        "resolution",
    ),
    (
        "sla on a clock no level has a target for",
        lambda: Policy(
            [Level("L1", "One", rank=1, owner="a", targets={"next_response": hours(1)})],
            [escalate("fr", at=sla("first_response"))],
        ),
        "rule 'fr': uses the SLA clock 'first_response', but no level, SLA policy or "
        "policy-wide target has one for it; targets are set for ['next_response'] "
        "(did you mean 'next_response'?)",
        "rule 'fr'",
        "first_response",
        "next_response",
    ),
    (
        "route reads an unknown clock",
        lambda: Policy(three_levels(), [route("r", when=clock("resolve").breached, to="t")]),
        f"rule 'r': reads the SLA clock 'resolve', which the policy does not have; "
        f"clocks are {CLOCK_IDS} (did you mean 'resolution'?)",
        "rule 'r'",
        "resolve",
        "resolution",
    ),
    (
        "escalate reads an unknown clock",
        lambda: Policy(three_levels(), [escalate("e", when=clock("resolutoin").breached)]),
        f"rule 'e': reads the SLA clock 'resolutoin', which the policy does not have; "
        f"clocks are {CLOCK_IDS} (did you mean 'resolution'?)",
        "rule 'e'",
        "resolutoin",
        "resolution",
    ),
    (
        "time rule reads an unknown clock",
        lambda: Policy(
            three_levels(), [notify("n", at=after(hours(1)), when=clock("time_at_levl").breached)]
        ),
        f"rule 'n': reads the SLA clock 'time_at_levl', which the policy does not have; "
        f"clocks are {CLOCK_IDS} (did you mean 'time_at_level'?)",
        "rule 'n'",
        "time_at_levl",
        "time_at_level",
    ),
    (
        "a group member refers to an unknown level",
        lambda: Policy(
            three_levels(), [first_match("g", [escalate("in-group", when=ALWAYS, to="l2")])]
        ),
        f"rule 'in-group': escalates to unknown level 'l2'; levels are {LEVEL_IDS} "
        "(did you mean 'L2'?)",
        "rule 'in-group'",
        "l2",
        "L2",
    ),
]


@pytest.mark.parametrize(
    ("case", "build", "message", "where", "value", "suggestion"),
    REFUSED,
    ids=[row[0] for row in REFUSED],
)
def test_a_bad_rule_is_refused_with_its_data(
    case: str,
    build: Callable[[], object],
    message: str,
    where: str | None,
    value: object,
    suggestion: str | None,
) -> None:
    with pytest.raises(PolicyError) as info:
        build()
    assert str(info.value) == message
    assert (info.value.where, info.value.value, info.value.suggestion) == (
        where,
        value,
        suggestion,
    )
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "build",
    [
        lambda: sla("resolution", 100),
        lambda: sla("resolution", 0, after=minutes(1)),
        lambda: sla("resolution", 1),
        lambda: sla("resolution", 0.01),
    ],
    ids=["100", "0-after-a-minute", "1", "0.01"],
)
def test_the_edges_of_the_sla_share_are_accepted(build: Callable[[], SlaShare]) -> None:
    trigger = build()
    assert isinstance(trigger, SlaShare) and trigger.metric == "resolution"


def test_a_valid_rule_of_each_type_builds_with_its_arguments() -> None:
    r = route("billing", when=F.category == "billing", to="billing")
    assert isinstance(r, FunctionalRule)
    assert (r.name, r.when, r.team) == ("billing", F.category == "billing", "billing")
    h = escalate("mgr", on="manager_requested", to="L3")
    assert isinstance(h, HierarchicalRule)
    assert (h.name, h.when, h.to, h.on) == ("mgr", ALWAYS, "L3", EventKind.MANAGER_REQUESTED)
    assert escalate("up").to is NEXT and escalate("up").on is None
    t = escalate("late", at=after(hours(1), since="created"))
    assert isinstance(t, TimeRule)
    assert (t.at, t.action, t.to, t.when) == (
        After(hours(1), Anchor.CREATED),
        "escalate",
        NEXT,
        ALWAYS,
    )
    n = notify("warn", at=sla("resolution", 0.5, before=minutes(10)), when=F.priority == "P1")
    assert (n.at, n.action, n.to, n.when) == (
        SlaShare("resolution", 0.5, offset=-minutes(10)),
        "notify",
        OWNER,
        F.priority == "P1",
    )
    assert sla("resolution", after=minutes(10)).offset == minutes(10)
    assert sla("resolution").offset == timedelta(0) and sla("resolution").share == 1.0
    c = chain("page", repeat=9)
    assert isinstance(c, EscalationChain) and (c.name, c.repeat) == ("page", 9)
    assert chain("page").repeat == 0
    g = first_match("g", [r, h])
    assert isinstance(g, FirstMatch) and g.rules == (r, h)
    assert after(minutes(5)) == After(minutes(5), Anchor.LEVEL_ENTERED)
    for rule in (r, h, t, n, c, g):
        assert isinstance(rule, Rule)


# ------------------------------------------------------------ Outcome, NEXT, OWNER


def test_outcome_defaults_mean_nothing_to_do_once_per_issue() -> None:
    outcome = Outcome(True)
    assert outcome == (True, (), Anchor.CREATED, ())
    assert (outcome.matched, outcome.actions, outcome.once_per, outcome.upcoming) == (
        True,
        (),
        Anchor.CREATED,
        (),
    )


def test_next_and_owner_are_named_singletons_that_survive_pickling() -> None:
    assert (repr(NEXT), repr(OWNER)) == ("NEXT", "OWNER")
    assert pickle.loads(pickle.dumps(NEXT)) is NEXT
    assert pickle.loads(pickle.dumps(OWNER)) is OWNER
    rule = notify("n", at=after(hours(1)), to=OWNER)
    assert pickle.loads(pickle.dumps(rule)).to is OWNER


# ------------------------------------------------------------ functional: route


def test_route_decides_one_routing_with_its_key_and_reason() -> None:
    rule = route("billing", when=F.category == "billing", to="billing")
    policy = Policy(three_levels(), [rule])
    routing = Route(
        "billing", "billing", "F.category == 'billing' holds: route to billing", key="billing:route"
    )
    billing = make_issue(category="billing")
    decision = policy.evaluate(billing, at(0))
    assert decision.actions == (routing,) and decision.next_evaluation_at is None
    assert rule.check(context(policy, billing, at(0))) == Outcome(True, (routing,))
    other = make_issue(category="sales")
    assert policy.evaluate(other, at(0)).actions == ()
    assert rule.check(context(policy, other, at(0))) is None


def test_route_and_escalate_on_the_level_see_the_first_level_when_the_issue_never_moved() -> None:
    on_l1 = F.level == "L1"
    late = since("created") >= hours(1)
    policy = Policy(
        three_levels(),
        [
            route("l1", when=on_l1, to="triage"),
            route("l1-late", when=on_l1 & late, to="late"),
            escalate("up", when=on_l1, to="L2"),
            escalate("up-late", when=on_l1 & late, to="L3"),
        ],
    )
    issue = make_issue()
    early = policy.evaluate(issue, at(0))
    assert [a.key for a in early.actions] == ["l1:route", "up:escalate"]
    assert early.next_evaluation_at == at(1)
    assert [a.key for a in policy.evaluate(issue, at(1)).actions] == [
        "l1:route",
        "l1-late:route",
        "up-late:escalate",
    ]
    moved = make_issue(level="L2")
    assert policy.evaluate(moved, at(1)) == policy.evaluate(moved, at(0))
    assert policy.evaluate(moved, at(1)).actions == ()


# ------------------------------------------------------------ hierarchical: escalate(when=/on=)


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (
            lambda: escalate("p1", when=F.priority == "P1"),
            "F.priority == 'P1' holds: escalate to the next level, L2",
        ),
        (lambda: escalate("l3", when=ALWAYS, to="L3"), "ALWAYS holds: escalate to L3"),
        (
            lambda: escalate("mgr", on="manager_requested"),
            "manager requested: escalate to the next level, L2",
        ),
        (
            lambda: escalate(
                "msg", on=EventKind.CUSTOMER_MESSAGE, when=F.priority == "P1", to="L3"
            ),
            "customer message and F.priority == 'P1' holds: escalate to L3",
        ),
    ],
    ids=["when", "when-to-L3", "on", "on-and-when-to-L3"],
)
def test_hierarchical_escalation_says_why(
    build: Callable[[], HierarchicalRule], reason: str
) -> None:
    rule = build()
    policy = Policy(three_levels(), [rule])
    issue = make_issue("T", Event(EventKind.CUSTOMER_MESSAGE, at(1)), priority="P1")
    issue = issue.with_event(Event(EventKind.MANAGER_REQUESTED, at(1)))
    target = "L2" if rule.to is NEXT else rule.to
    assert policy.evaluate(issue, at(2)).actions == (
        Escalate(target, rule.name, reason, key=f"{rule.name}:escalate"),  # type: ignore[arg-type]
    )


def test_escalate_next_asks_for_the_level_above_and_nothing_but_a_match_at_the_top() -> None:
    rule = escalate("up", when=ALWAYS)
    policy = Policy(three_levels(), [rule])
    why = "ALWAYS holds: escalate to the next level, "
    for level, expected in [
        (None, (Escalate("L2", "up", why + "L2", key="up:escalate"),)),
        ("L2", (Escalate("L3", "up", why + "L3", key="up:escalate"),)),
        ("L3", ()),
    ]:
        issue = make_issue(level=level)
        assert rule.check(context(policy, issue, at(0))) == Outcome(True, expected)
        assert policy.evaluate(issue, at(0)).actions == expected
    # the match at the top still wins under match="first": the later routing never runs
    first = Policy(
        three_levels(), [rule, route("general", when=ALWAYS, to="general")], match="first"
    )
    assert first.evaluate(make_issue(level="L3"), at(0)).actions == ()
    assert [a.key for a in first.evaluate(make_issue(level="L2"), at(0)).actions] == ["up:escalate"]


ON_KINDS = [
    EventKind.MANAGER_REQUESTED,
    EventKind.CUSTOMER_MESSAGE,
    EventKind.AGENT_REPLY,
    EventKind.ACKNOWLEDGED,
]


@pytest.mark.parametrize("kind", ON_KINDS, ids=str)
def test_escalate_on_an_event_fires_once_per_occurrence_of_that_event(kind: EventKind) -> None:
    rule = escalate("on-event", on=kind.value)
    policy = Policy(three_levels(), [rule])
    # every other kind of event leaves it unarmed
    issue = make_issue()
    for i, other in enumerate(k for k in ON_KINDS if k is not kind):
        issue = issue.with_event(Event(other, at(0, 10 * (i + 1))))
    assert rule.check(context(policy, issue, at(1))) is None
    assert policy.evaluate(issue, at(1)).actions == ()
    # the event arms it: once
    issue = issue.with_event(Event(kind, at(1)))
    first = policy.evaluate(issue, at(1))
    assert [(a.to, a.key) for a in first.actions] == [("L2", "on-event:escalate")]  # type: ignore[union-attr]
    issue = issue.record(first.actions[0], at(1))
    assert policy.evaluate(issue, at(2)).actions == ()
    # a later event of another kind does not re-arm it, a new one of its kind does
    other = next(k for k in ON_KINDS if k is not kind)
    assert policy.evaluate(issue.with_event(Event(other, at(2))), at(2)).actions == ()
    issue = issue.with_event(Event(kind, at(3)))
    assert [a.to for a in policy.evaluate(issue, at(3)).actions] == ["L3"]  # type: ignore[union-attr]
    assert policy.evaluate(issue, at(3)).next_evaluation_at is None


def test_escalate_when_with_a_time_condition_waits_for_it() -> None:
    rule = escalate("stale", when=since("last_customer_message") >= hours(4))
    policy = Policy(three_levels(), [rule])
    quiet = make_issue()
    assert policy.evaluate(quiet, at(9)).actions == ()
    assert policy.evaluate(quiet, at(9)).next_evaluation_at is None
    waiting = make_issue("T", Event(EventKind.CUSTOMER_MESSAGE, at(1)))
    early = policy.evaluate(waiting, at(2))
    assert early.actions == () and early.next_evaluation_at == at(5)
    late = policy.evaluate(waiting, at(5))
    assert [a.key for a in late.actions] == ["stale:escalate"]
    assert late.next_evaluation_at is None


# ------------------------------------------------------------ time-based: after(...)


@pytest.mark.parametrize(
    ("build", "level", "expected"),
    [
        (
            lambda: notify("nudge", at=after(hours(3)), to="team-lead"),
            None,
            Notify(
                "team-lead",
                "nudge",
                "3 h since level_entered passed: notify team-lead",
                key="nudge:notify",
            ),
        ),
        (
            lambda: notify("own", at=after(hours(3), since="created")),
            "L2",
            Notify(
                "supervisors",
                "own",
                "3 h since created passed: notify supervisors",
                key="own:notify",
            ),
        ),
        (
            lambda: escalate("late", at=after(minutes(90), since=Anchor.CREATED)),
            None,
            Escalate(
                "L2",
                "late",
                "1 h 30 min since created passed: escalate to the next level, L2",
                key="late:escalate",
            ),
        ),
        (
            lambda: escalate("late-l3", at=after(hours(1), since="created"), to="L3"),
            "L2",
            Escalate(
                "L3",
                "late-l3",
                "1 h since created passed: escalate to L3",
                key="late-l3:escalate",
            ),
        ),
    ],
    ids=["notify-a-target", "notify-the-owner", "escalate-next", "escalate-to-L3"],
)
def test_after_acts_from_the_instant_it_is_due(
    build: Callable[[], TimeRule], level: str | None, expected: Escalate | Notify
) -> None:
    rule = build()
    policy = Policy(three_levels(), [rule])
    issue = make_issue(level=level)
    due = T0 + rule.at.duration  # type: ignore[union-attr]
    just_before = due - timedelta(microseconds=1)
    assert rule.check(context(policy, issue, just_before)) == Outcome(
        False, (), rule.at.once_per, ((due, expected),)
    )
    waiting = policy.evaluate(issue, just_before)
    assert waiting.actions == () and waiting.next_evaluation_at == due
    assert rule.check(context(policy, issue, due)) == Outcome(True, (expected,), rule.at.once_per)
    now = policy.evaluate(issue, due)
    assert now.actions == (expected,) and now.next_evaluation_at is None


def test_after_level_entered_fires_once_per_level_stay() -> None:
    policy = Policy(three_levels(), [escalate("slow", at=after(hours(1)))])
    issue, done = drive(policy, make_issue(), T0, at(10))
    assert done == [(at(1), "slow:escalate"), (at(2), "slow:escalate")]
    assert issue.level == "L3"
    top = context(policy, issue, at(10))
    assert policy.rules[0].check(top) is None  # NEXT at the top: nothing, not even later


def test_after_since_created_fires_once_per_issue() -> None:
    policy = Policy(three_levels(), [notify("day-one", at=after(hours(24), since="created"))])
    issue = make_issue("T", Event(EventKind.LEVEL_CHANGED, at(2), level="L2"))
    _, done = drive(policy, issue, T0, at(100))
    assert done == [(at(24), "day-one:notify")]


class _Scaled:
    """A clock on which every duration takes *factor* times as long (None: never)."""

    def __init__(self, factor: int | None) -> None:
        self.factor = factor

    def deadline(self, context: Context, start: datetime, amount: timedelta) -> datetime | None:
        return None if self.factor is None else start + amount * self.factor


@pytest.mark.parametrize(("factor", "due"), [(1, at(1)), (3, at(3)), (None, None)])
def test_after_measures_on_the_policy_clock(factor: int | None, due: datetime | None) -> None:
    rule = notify("n", at=after(hours(1)), to="x")
    policy = Policy(three_levels(), [rule], clock=_Scaled(factor))
    assert policy.evaluate(make_issue(), at(0, 30)).next_evaluation_at == due
    fired = [] if due is None else ["n:notify"]
    assert [a.key for a in policy.evaluate(make_issue(), at(5)).actions] == fired
    if due is None:
        assert rule.check(context(policy, make_issue(), at(5))) is None


def test_after_with_a_condition_only_acts_while_it_holds() -> None:
    policy = Policy(
        three_levels(),
        [
            notify("p1", at=after(hours(1)), to="x", when=F.priority == "P1"),
            escalate("p1-up", at=after(hours(1)), when=F.priority == "P1"),
        ],
    )
    assert policy.evaluate(make_issue(priority="P2"), at(0)).next_evaluation_at is None
    assert policy.evaluate(make_issue(priority="P2"), at(2)).actions == ()
    assert policy.evaluate(make_issue(priority="P1"), at(0)).next_evaluation_at == at(1)
    assert [a.key for a in policy.evaluate(make_issue(priority="P1"), at(2)).actions] == [
        "p1:notify",
        "p1-up:escalate",
    ]


def test_after_is_not_armed_until_its_anchor_event_happens() -> None:
    rule = notify("nudge", at=after(hours(4), since="last_customer_message"), to="lead")
    policy = Policy(three_levels(), [rule])
    assert rule.check(context(policy, make_issue(), at(9))) is None
    messaged = make_issue("T", Event(EventKind.CUSTOMER_MESSAGE, at(1)))
    assert rule.check(context(policy, messaged, at(2)))[3][0][0] == at(5)  # type: ignore[index]


def test_time_rules_see_the_first_level_when_the_issue_never_moved() -> None:
    on_l1 = F.level == "L1"
    late = since("created") >= hours(2)
    policy = Policy(
        three_levels(),
        [
            notify("a", at=after(hours(1)), to="x", when=on_l1),
            notify("s", at=sla("time_at_level", 0.5), to="y", when=on_l1),
            notify("at", at=after(hours(1)), to="z", when=on_l1 & late),
            # At 0.5 like "s" (crossed at the same instant): at 0.25, "s" crossed after it
            # would supersede it (storm control, docs/sla.md "Thresholds").
            notify("st", at=sla("time_at_level", 0.5), to="w", when=on_l1 & late),
        ],
    )
    assert policy.evaluate(make_issue(), at(0)).next_evaluation_at == at(1)
    assert policy.evaluate(make_issue(), at(1, 30)).next_evaluation_at == at(2)
    decision = policy.evaluate(make_issue(), at(2))
    assert [a.key for a in decision.actions] == ["a:notify", "s:notify", "at:notify", "st:notify"]
    moved = policy.evaluate(make_issue(level="L2"), at(2))
    assert moved.actions == () and moved.next_evaluation_at is None


# ------------------------------------------------------------ rules with a time condition


TIMED = [
    # (rule, [(now, keys decided, next_evaluation_at)])
    (
        lambda: route("r", when=since("created") >= hours(2), to="t"),
        [(at(1), [], at(2)), (at(2), ["r:route"], None)],
    ),
    (
        lambda: route("r", when=since("created") < hours(2), to="t"),
        [(at(1), ["r:route"], at(2)), (at(2), [], None)],
    ),
    (
        lambda: route("r", when=since("last_customer_message") >= hours(1), to="t"),
        [(at(0), [], None), (at(9), [], None)],
    ),
    (
        lambda: notify("n", at=after(hours(1)), to="x", when=since("created") >= hours(3)),
        [(at(0), [], at(3)), (at(2), [], at(3)), (at(3), ["n:notify"], None)],
    ),
    (
        lambda: notify("n", at=after(hours(4)), to="x", when=since("created") >= hours(3)),
        [(at(0), [], at(4)), (at(3, 30), [], at(4)), (at(4), ["n:notify"], None)],
    ),
    (
        lambda: notify("n", at=after(hours(1)), to="x", when=since("created") < hours(3)),
        [(at(0), [], at(1)), (at(2), ["n:notify"], at(3)), (at(3), [], None)],
    ),
    (
        lambda: notify("n", at=after(hours(4)), to="x", when=since("created") < hours(3)),
        [(at(3), [], None), (at(5), [], None)],
    ),
]


TIMED_IDS = [
    "route-once-it-holds",
    "route-until-it-stops",
    "route-on-an-event-that-never-came",
    "after-before-the-condition",
    "after-once-both",
    "after-while-it-holds",
    "after-too-late",
]


@pytest.mark.parametrize(("build", "steps"), TIMED, ids=TIMED_IDS)
def test_a_time_condition_gates_the_rule_and_its_flip_is_the_next_evaluation(
    build: Callable[[], Rule], steps: list[tuple[datetime, list[str], datetime | None]]
) -> None:
    rule = build()
    policy = Policy(three_levels(), [rule])
    for now, keys, next_at in steps:
        decision = policy.evaluate(make_issue(), now)
        assert ([a.key for a in decision.actions], decision.next_evaluation_at) == (keys, next_at)


@pytest.mark.parametrize(
    "build",
    [
        lambda: notify("n", at=after(hours(1)), to="x", when=since("created") >= hours(3)),
        lambda: escalate("n", when=since("created") >= hours(3)),
        lambda: route("n", when=since("created") >= hours(3), to="x"),
    ],
    ids=["notify-after", "escalate-when", "route-when"],
)
def test_a_rule_waiting_for_its_time_condition_does_not_win_under_first(
    build: Callable[[], Rule],
) -> None:
    waiting = build()
    policy = Policy(
        three_levels(), [waiting, route("general", when=ALWAYS, to="general")], match="first"
    )
    before = policy.evaluate(make_issue(), at(2))
    assert [a.key for a in before.actions] == ["general:route"]
    assert before.next_evaluation_at == at(3)
    assert [a.rule for a in policy.evaluate(make_issue(), at(3)).actions] == ["n"]


def test_a_rule_whose_time_condition_still_holds_wins_under_first() -> None:
    policy = Policy(
        three_levels(),
        [
            route("early", when=since("created") < hours(2), to="early-desk"),
            route("general", when=ALWAYS, to="general"),
        ],
        match="first",
    )
    now = policy.evaluate(make_issue(), at(1))
    assert [a.key for a in now.actions] == ["early:route"] and now.next_evaluation_at == at(2)
    assert [a.key for a in policy.evaluate(make_issue(), at(2)).actions] == ["general:route"]


def test_check_reports_a_time_condition_as_matched_only_while_it_holds() -> None:
    waiting = notify("n", at=after(hours(1)), to="x", when=since("created") >= hours(3))
    holding = route("r", when=since("created") < hours(2), to="desk")
    policy = Policy(three_levels(), [waiting, holding])
    note = Notify("x", "n", "1 h since level_entered passed: notify x", key="n:notify")
    desk = Route(
        "desk",
        "r",
        "since('created') < datetime.timedelta(seconds=7200) holds: route to desk",
        key="r:route",
    )
    assert waiting.check(context(policy, make_issue(), at(2))) == Outcome(
        False, (), Anchor.LEVEL_ENTERED, ((at(3), note),)
    )
    assert holding.check(context(policy, make_issue(), at(1))) == Outcome(
        True, (desk,), Anchor.CREATED, ((at(2), desk),)
    )
    assert holding.check(context(policy, make_issue(), at(2))) is None


# ------------------------------------------------------------ time-based: sla(...)


def test_the_triggers_say_what_restarts_them_and_how_much_time_they_need() -> None:
    level = three_levels()[1]
    assert after(hours(2), since="last_agent_reply").once_per is Anchor.LAST_AGENT_REPLY
    assert after(hours(2)).once_per is Anchor.LEVEL_ENTERED
    assert after(hours(2)).amount(level) == hours(2)
    share = sla("time_at_level", 0.75, before=minutes(30))
    assert share.once_per is Anchor.LEVEL_ENTERED  # issue 11: SlaShare.amount (dead) went
    assert share.threshold(hours(8)) == hours(
        5,
    ) + minutes(30)
    assert sla("resolution", 1.5, after=hours(1)).threshold(hours(2)) == hours(4)
    assert sla("resolution", 0, after=minutes(5)).threshold(hours(2)) == minutes(5)


@pytest.mark.parametrize(
    ("build", "level", "due", "expected"),
    [
        (
            lambda: notify("warn", at=sla("time_at_level", 0.75)),
            None,
            at(1, 30),
            Notify(
                "frontline",
                "warn",
                "75% of the time_at_level SLA passed: notify frontline",
                key="warn:notify",
            ),
        ),
        (
            lambda: escalate("pre", at=sla("time_at_level", before=minutes(30))),
            None,
            at(1, 30),
            Escalate(
                "L2",
                "pre",
                "100% of the time_at_level SLA - 30 min passed: escalate to the next level, L2",
                key="pre:escalate",
            ),
        ),
        (
            lambda: escalate("post", at=sla("time_at_level", 1.5, after=hours(1)), to="L3"),
            None,
            at(4),
            Escalate(
                "L3",
                "post",
                "150% of the time_at_level SLA + 1 h passed: escalate to L3",
                key="post:escalate",
            ),
        ),
        (
            lambda: notify("top", at=sla("time_at_level", 0.5), to="duty-manager"),
            "L3",
            at(12),
            Notify(
                "duty-manager",
                "top",
                "50% of the time_at_level SLA passed: notify duty-manager",
                key="top:notify",
            ),
        ),
    ],
    ids=["warn-at-75%", "before-the-breach", "well-past-the-breach", "notify-at-the-top"],
)
def test_sla_threshold_acts_from_the_instant_it_is_crossed(
    build: Callable[[], TimeRule], level: str | None, due: datetime, expected: Escalate | Notify
) -> None:
    rule = build()
    policy = Policy(three_levels(), [rule])
    issue = make_issue(level=level)
    just_before = due - timedelta(microseconds=1)
    assert rule.check(context(policy, issue, just_before)) == Outcome(
        False, (), -1, ((due, expected),)
    )
    waiting = policy.evaluate(issue, just_before)
    assert waiting.actions == () and waiting.next_evaluation_at == due
    assert rule.check(context(policy, issue, due)) == Outcome(True, (expected,), -1)
    now = policy.evaluate(issue, due)
    assert now.actions == (expected,) and now.next_evaluation_at is None


@settings(max_examples=40, deadline=None)
@given(
    target=st.integers(min_value=1, max_value=48).map(hours),
    share=st.sampled_from([0, 0.1, 0.25, 0.5, 0.75, 0.9, 1, 1.25, 1.5, 2, 3]),
    offset=st.integers(min_value=-30, max_value=30).map(minutes),
)
def test_an_sla_threshold_is_due_at_share_of_the_target_plus_the_offset(
    target: timedelta, share: float, offset: timedelta
) -> None:
    if share == 0 and offset <= timedelta(0):
        offset = minutes(1)
    kw = {"before": -offset} if offset < timedelta(0) else {"after": offset}
    levels = [Level("L1", "One", rank=1, owner="one", targets={"resolution": target})]
    policy = Policy(levels, [notify("n", at=sla("resolution", share, **kw))])
    due = T0 + target * share + offset
    issue = make_issue()
    assert policy.evaluate(issue, T0).next_evaluation_at == (due if due > T0 else None)
    before = due - timedelta(microseconds=1)
    if before >= T0:
        assert policy.evaluate(issue, before).actions == ()
    assert [a.key for a in policy.evaluate(issue, max(due, T0)).actions] == ["n:notify"]


def test_sla_rule_at_the_top_with_next_is_never_armed() -> None:
    rule = escalate("breach", at=sla("time_at_level"))
    policy = Policy(three_levels(), [rule])
    top = make_issue(level="L3")
    assert rule.check(context(policy, top, at(100))) is None
    assert rule.check(context(policy, top, at(1))) is None


def test_sla_rule_with_a_condition_only_acts_while_it_holds() -> None:
    rule = notify("p1-warn", at=sla("time_at_level", 0.5), when=F.priority == "P1")
    policy = Policy(three_levels(), [rule])
    assert rule.check(context(policy, make_issue(priority="P2"), at(5))) is None
    assert policy.evaluate(make_issue(priority="P2"), at(0)).next_evaluation_at is None
    assert policy.evaluate(make_issue(priority="P1"), at(0)).next_evaluation_at == at(1)
    assert [a.key for a in policy.evaluate(make_issue(priority="P1"), at(1)).actions] == [
        "p1-warn:notify"
    ]


def test_sla_rule_is_not_armed_without_a_target_for_the_priority_or_while_paused() -> None:
    levels = [
        Level("L1", "One", rank=1, owner="one", targets={"resolution": by_priority(P1=hours(2))}),
        Level("L2", "Two", rank=2, owner="two"),
    ]
    rule = escalate("breach", at=sla("resolution"))
    policy = Policy(levels, [rule])
    assert rule.check(context(policy, make_issue(priority="P3"), at(9))) is None
    assert policy.evaluate(make_issue(priority="P1"), at(0)).next_evaluation_at == at(2)
    pending = make_issue(
        "T",
        Event(EventKind.STATUS_CHANGED, at(0, 30), status="pending"),
        priority="P1",
    )
    assert rule.check(context(policy, pending, at(9))) is None  # paused: no instant to wait for
    assert policy.evaluate(pending, at(9)).next_evaluation_at is None
    resumed = pending.with_event(Event(EventKind.STATUS_CHANGED, at(1), status="open"))
    assert policy.evaluate(resumed, at(1)).next_evaluation_at == at(2, 30)


@pytest.mark.parametrize(
    ("l2_target", "escalations"),
    [
        # L2's own target is crossed after the issue got there: it fires again
        (hours(8), [at(4), at(8)]),
        # L2's target was already passed when the issue got there: the same crossing
        # never fires twice, so the breach does not cascade
        (hours(3), [at(4)]),
        (hours(4), [at(4)]),
    ],
    ids=["crossed-later", "already-passed", "crossed-at-the-same-instant"],
)
def test_an_sla_breach_fires_once_per_crossing(
    l2_target: timedelta, escalations: list[datetime]
) -> None:
    levels = [
        Level("L1", "One", rank=1, owner="one", targets={"resolution": hours(4)}),
        Level("L2", "Two", rank=2, owner="two", targets={"resolution": l2_target}),
        Level("L3", "Three", rank=3, owner="three", targets={"resolution": hours(100)}),
    ]
    policy = Policy(levels, [escalate("breach", at=sla("resolution"))])
    _, done = drive(policy, make_issue(), T0, at(50))
    assert done == [(t, "breach:escalate") for t in escalations]


def test_a_late_record_still_answers_the_crossing_it_was_decided_for() -> None:
    policy = Policy(
        [Level("L1", "One", rank=1, owner="one", targets={"resolution": hours(4)})],
        [notify("breach", at=sla("resolution"), to="lead")],
    )
    issue = make_issue("T", Event(EventKind.CUSTOMER_MESSAGE, at(5)))
    issue = issue.record(policy.evaluate(issue, at(6)).actions[0], at(6))
    assert policy.evaluate(issue, at(6)).actions == ()
    assert policy.evaluate(issue, at(20)).actions == ()
    # an unrecorded crossing is decided again, whatever came since
    fresh = make_issue("T", Event(EventKind.CUSTOMER_MESSAGE, at(5)))
    assert [a.key for a in policy.evaluate(fresh, at(20)).actions] == ["breach:notify"]


def test_a_time_at_level_warning_fires_again_at_each_new_level() -> None:
    policy = Policy(three_levels(), [notify("warn", at=sla("time_at_level", 0.5))])
    issue = make_issue()
    issue = issue.record(policy.evaluate(issue, at(1)).actions[0], at(1))
    assert policy.evaluate(issue, at(1, 30)).actions == ()
    issue = issue.with_event(Event(EventKind.LEVEL_CHANGED, at(1, 30), level="L2"))
    d = policy.evaluate(issue, at(2))
    assert d.actions == () and d.next_evaluation_at == at(5, 30)
    d = policy.evaluate(issue, at(5, 30))
    assert [(a.target, a.key) for a in d.actions] == [("supervisors", "warn:notify")]  # type: ignore[union-attr]


def test_a_next_response_breach_fires_again_for_each_unanswered_message() -> None:
    levels = [Level("L1", "One", rank=1, owner="one", targets={"next_response": hours(1)})]
    policy = Policy(levels, [notify("slow", at=sla("next_response"), to="lead")])
    issue = make_issue(
        "T",
        Event(EventKind.AGENT_REPLY, at(0, 10)),
        Event(EventKind.CUSTOMER_MESSAGE, at(1)),
    )
    assert policy.evaluate(issue, at(1)).next_evaluation_at == at(2)
    issue = issue.record(policy.evaluate(issue, at(2)).actions[0], at(2, 30))
    assert policy.evaluate(issue, at(2, 30)).actions == ()
    issue = issue.with_event(Event(EventKind.AGENT_REPLY, at(3)))
    issue = issue.with_event(Event(EventKind.CUSTOMER_MESSAGE, at(4)))
    assert policy.evaluate(issue, at(4, 59)).next_evaluation_at == at(5)
    assert [a.key for a in policy.evaluate(issue, at(5)).actions] == ["slow:notify"]


def test_sla_rules_read_the_named_clock_of_the_policy() -> None:
    raw = SlaClock("raw_resolution", "resolution", pause_on=())
    levels = [
        Level(
            "L1",
            "One",
            rank=1,
            owner="one",
            targets={"resolution": hours(2), "raw_resolution": hours(2)},
        )
    ]
    policy = Policy(
        levels,
        [
            notify("paused", at=sla("resolution"), to="a"),
            notify("raw", at=sla("raw_resolution"), to="b"),
        ],
        clocks=[raw],
    )
    issue = make_issue(
        "T",
        Event(EventKind.STATUS_CHANGED, at(1), status="pending"),
        Event(EventKind.STATUS_CHANGED, at(2), status="open"),
    )
    assert [a.key for a in policy.evaluate(issue, at(2)).actions] == ["raw:notify"]
    assert policy.evaluate(issue, at(2)).next_evaluation_at == at(3)


# ------------------------------------------------------------ the on-call chain


def _chain_policy(repeat: int, clock: object = None) -> Policy:
    extra = {} if clock is None else {"clock": clock}
    return Policy(three_levels(), [chain("page", repeat=repeat)], **extra)  # type: ignore[arg-type]


def test_chain_steps_say_who_is_paged_and_why() -> None:
    # The steps due now, and the soonest later one (the next evaluation): a check stops
    # laying out the steps at the first one after now.
    policy = _chain_policy(repeat=2)
    rule = policy.rules[0]
    issue = make_issue()
    page_l1 = Notify(
        "frontline", "page", "L1 entered: page its owner frontline", key="page:notify:L1"
    )
    up = Escalate(
        "L2", "page", "not acknowledged within 0:15:00 at L1: escalate to L2", key="page:escalate"
    )
    assert rule.check(context(policy, issue, at(0))) == Outcome(
        True, (page_l1,), Anchor.LEVEL_ENTERED, ((at(0, 15), up),)
    )
    assert rule.check(context(policy, issue, at(0, 15))) == Outcome(
        True, (page_l1, up), Anchor.LEVEL_ENTERED, ()
    )
    top = make_issue(level="L3")
    assert rule.check(context(policy, top, at(1))) == Outcome(
        True,
        (
            Notify(
                "management", "page", "L3 entered: page its owner management", key="page:notify:L3"
            ),
            Notify(
                "frontline",
                "page",
                "still not acknowledged: repeat 1 of 2, page frontline (L1)",
                key="page:notify:L1:1",
            ),
        ),
        Anchor.LEVEL_ENTERED,
        (
            (
                at(1, 15),
                Notify(
                    "supervisors",
                    "page",
                    "still not acknowledged: repeat 1 of 2, page supervisors (L2)",
                    key="page:notify:L2:1",
                ),
            ),
        ),
    )


def test_chain_with_nobody_answering_climbs_then_repeats_at_the_top() -> None:
    issue, done = drive(_chain_policy(repeat=2), make_issue(), T0, at(100))
    assert done == [
        (at(0), "page:notify:L1"),
        (at(0, 15), "page:escalate"),
        (at(0, 15), "page:notify:L2"),
        (at(0, 45), "page:escalate"),
        (at(0, 45), "page:notify:L3"),
        (at(1, 45), "page:notify:L1:1"),
        (at(2), "page:notify:L2:1"),
        (at(2, 30), "page:notify:L3:1"),
        (at(3, 30), "page:notify:L1:2"),
        (at(3, 45), "page:notify:L2:2"),
        (at(4, 15), "page:notify:L3:2"),
    ]
    assert issue.level == "L3"


def test_chain_without_repeat_stops_after_paging_the_top() -> None:
    _, done = drive(_chain_policy(repeat=0), make_issue(), T0, at(100))
    assert [key for _, key in done][-1] == "page:notify:L3" and len(done) == 5


class _ClosesAt:
    """A clock that adds durations until *end*, and never reaches an instant after it."""

    def __init__(self, end: datetime) -> None:
        self.end = end

    def deadline(self, context: Context, start: datetime, amount: timedelta) -> datetime | None:
        due = start + amount
        return due if due <= self.end else None


@pytest.mark.parametrize(
    ("end", "keys"),
    [
        (at(0), ["page:notify:L1"]),
        (at(0, 30), ["page:notify:L1", "page:escalate", "page:notify:L2"]),
        (
            at(2),
            [
                "page:notify:L1",
                "page:escalate",
                "page:notify:L2",
                "page:escalate",
                "page:notify:L3",
                "page:notify:L1:1",
                "page:notify:L2:1",
            ],
        ),
    ],
    ids=["never", "until-L2-times-out", "into-the-repeats"],
)
def test_chain_stops_where_the_clock_never_reaches_the_next_deadline(
    end: datetime, keys: list[str]
) -> None:
    policy = _chain_policy(repeat=3, clock=_ClosesAt(end))
    _, done = drive(policy, make_issue(), T0, at(100))
    assert [key for _, key in done] == keys
    assert policy.evaluate(make_issue(), at(0)).next_evaluation_at == (
        None if end == at(0) else at(0, 15)
    )


def test_chain_repeat_needs_every_level_to_time_out() -> None:
    levels = [
        Level("P", "Primary", rank=1, owner="alice"),
        Level("S", "Secondary", rank=2, owner="bob", ack_timeout=minutes(5)),
    ]
    with pytest.raises(PolicyError, match=r"repeat needs every level to have an ack_timeout"):
        Policy(levels, [chain("page", repeat=3)])
    # without repeat, a level with no timeout ends the chain there
    policy = Policy(levels, [chain("page")])
    issue = make_issue("T", Event(EventKind.LEVEL_CHANGED, at(0), level="S"))
    _, done = drive(policy, issue, at(0), at(10))
    assert done == [(at(0), "page:notify:S")]


def test_chain_stops_on_an_acknowledgement_at_the_current_level_only() -> None:
    policy = _chain_policy(repeat=1)
    rule = policy.rules[0]
    acked = make_issue("T", Event(EventKind.ACKNOWLEDGED, at(0, 5)))
    assert rule.check(context(policy, acked, at(5))) is None
    assert policy.evaluate(acked, at(5)).next_evaluation_at is None
    # an acknowledgement before the issue entered its level does not stop it there
    moved = acked.with_event(Event(EventKind.LEVEL_CHANGED, at(1), level="L2"))
    d = policy.evaluate(moved, at(1))
    assert [a.key for a in d.actions] == ["page:notify:L2"] and d.next_evaluation_at == at(1, 30)


@settings(max_examples=30, deadline=None)
@given(
    timeouts=st.lists(st.integers(min_value=1, max_value=90), min_size=1, max_size=3),
    repeat=st.integers(min_value=0, max_value=2),
)
def test_an_unanswered_chain_pages_up_the_levels_then_repeats_in_order(
    timeouts: list[int], repeat: int
) -> None:
    levels = [
        Level(f"L{i}", f"Level {i}", rank=i, owner=f"owner{i}", ack_timeout=minutes(m))
        for i, m in enumerate(timeouts, start=1)
    ]
    policy = Policy(levels, [chain("page", repeat=repeat)])
    expected: list[tuple[datetime, str]] = []
    now = T0
    for i, level in enumerate(levels):
        if i:
            expected.append((now, "page:escalate"))
        expected.append((now, f"page:notify:{level.id}"))
        now += level.ack_timeout  # type: ignore[operator]
    for loop in range(1, repeat + 1):
        for level in levels:
            expected.append((now, f"page:notify:{level.id}:{loop}"))
            now += level.ack_timeout  # type: ignore[operator]
    issue, done = drive(policy, make_issue(), T0, at(100))
    assert done == expected
    assert (issue.level or "L1") == levels[-1].id  # never past the top


class _SlowUnlessP1:
    """A clock that reads the issue it measures for: P1 time counts fully, other time half."""

    def deadline(self, context: Context, start: datetime, amount: timedelta) -> datetime | None:
        return start + (amount if context.issue.priority == "P1" else 2 * amount)


@pytest.mark.parametrize(("priority", "factor"), [("P1", 1), ("P3", 2)])
def test_time_rules_and_the_chain_measure_on_a_clock_that_reads_the_issue(
    priority: str, factor: int
) -> None:
    def later(m: int) -> datetime:
        return T0 + factor * minutes(m)

    policy = Policy(
        three_levels(),
        [chain("page", repeat=1), notify("nudge", at=after(minutes(20)), to="lead")],
        clock=_SlowUnlessP1(),
    )
    _, done = drive(policy, make_issue(priority=priority), T0, at(100))
    assert done == [
        (later(0), "page:notify:L1"),
        (later(15), "page:escalate"),
        (later(15), "page:notify:L2"),
        (later(35), "nudge:notify"),
        (later(45), "page:escalate"),
        (later(45), "page:notify:L3"),
        (later(65), "nudge:notify"),
        (later(105), "page:notify:L1:1"),
        (later(120), "page:notify:L2:1"),
        (later(150), "page:notify:L3:1"),
    ]


# ------------------------------------------------------------ first_match groups


def test_first_match_check_picks_what_the_engine_picks() -> None:
    # Issue 11: the group's check was uncallable (NotImplementedError); it now makes the
    # engine's decision for a caller that holds the group on its own.
    group = first_match(
        "g",
        [
            route("never", when=NEVER, to="x"),
            route("a", when=ALWAYS, to="a"),
            route("b", when=ALWAYS, to="b"),
        ],
    )
    policy = Policy(three_levels(), [group])
    outcome = group.check(context(policy, make_issue(), at(0)))
    assert outcome is not None and outcome.matched
    assert [a.key for a in outcome.actions] == ["a:route"]
    assert [a.key for a in policy.evaluate(make_issue(), at(0)).actions] == ["a:route"]
    assert (
        first_match("none", [route("n", when=NEVER, to="x")]).check(
            context(policy, make_issue(), at(0))
        )
        is None
    )


def test_first_match_group_keeps_the_first_matching_rule_like_a_routing_table() -> None:
    table = first_match(
        "routing",
        [
            route("billing", when=F.category == "billing", to="billing"),
            route("de", when=F.language == "de", to="dach"),
            route("general", when=ALWAYS, to="general"),
        ],
    )
    policy = Policy(three_levels(), [table, escalate("p1", when=F.priority == "P1")])
    for fields, keys in [
        ({"category": "billing", "language": "de"}, ["billing:route"]),
        ({"language": "de", "priority": "P1"}, ["de:route", "p1:escalate"]),
        ({}, ["general:route"]),
    ]:
        decision = policy.evaluate(make_issue(**fields), at(0))
        assert [a.key for a in decision.actions] == keys
