"""Conditions on the instant: since(), happened(), clock(...).elapsed/.breached/.state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalation_rules import (
    Event,
    EventKind,
    F,
    Level,
    Policy,
    PolicyError,
    after,
    clock,
    escalate,
    happened,
    hours,
    minutes,
    notify,
    parse_condition,
    route,
    since,
)

from .conftest import at, make_issue, three_levels

US = timedelta(microseconds=1)
AT_ONCE = after(timedelta(0), since="created")


def test_since_an_event_escalates_when_the_time_has_passed() -> None:
    policy = Policy(
        three_levels(),
        [
            escalate(
                "quiet", when=(F.priority == "P1") & (since("last_customer_message") >= hours(4))
            )
        ],
    )
    issue = make_issue("T-1", Event(EventKind.CUSTOMER_MESSAGE, at(1)), priority="P1")
    early = policy.evaluate(issue, at(2))
    assert early.actions == () and early.next_evaluation_at == at(5)
    assert policy.evaluate(issue, at(5) - US).actions == ()
    assert [a.rule for a in policy.evaluate(issue, at(5)).actions] == ["quiet"]
    # Not P1: never, and no wake-up for it.
    p2 = make_issue("T-1", Event(EventKind.CUSTOMER_MESSAGE, at(1)), priority="P2")
    assert policy.evaluate(p2, at(2)).next_evaluation_at is None


def test_each_operator_flips_at_its_own_instant() -> None:
    issue = make_issue()
    cases = {
        ">=": (at(1), True),
        ">": (at(1) + US, True),
        "<": (at(1), False),
        "<=": (at(1) + US, False),
    }
    for op, (flip, holds_after) in cases.items():
        cond = parse_condition(f'since("created") {op} 1h')
        policy = Policy(three_levels(), [notify("n", when=cond, to="x", at=AT_ONCE)])  # type: ignore[arg-type]
        before = policy.evaluate(issue, flip - US)
        assert bool(before.actions) is (not holds_after), op
        assert before.next_evaluation_at == flip, op
        assert bool(policy.evaluate(issue, flip).actions) is holds_after, op


def test_a_condition_that_stops_holding_wakes_the_host_when_it_does() -> None:
    policy = Policy(
        three_levels(), [route("fresh", when=since("created") < minutes(30), to="fast")]
    )
    issue = make_issue()
    decision = policy.evaluate(issue, at(0, 10))
    assert [a.rule for a in decision.actions] == ["fresh"]
    assert decision.next_evaluation_at == at(0, 30)
    assert policy.evaluate(issue, at(0, 30)).actions == ()


def test_since_an_event_that_has_not_happened_is_false() -> None:
    policy = Policy(
        three_levels(),
        [
            escalate("late-ack", when=since("acknowledged") >= hours(1)),
            notify("unacked", when=~happened("acknowledged"), to="lead", at=AT_ONCE),  # type: ignore[arg-type]
        ],
    )
    decision = policy.evaluate(make_issue(), at(5))
    assert [a.rule for a in decision.actions] == ["unacked"]
    acked = make_issue("T-1", Event(EventKind.ACKNOWLEDGED, at(1)))
    assert [a.rule for a in policy.evaluate(acked, at(2)).actions] == ["late-ack"]


def test_clock_conditions_read_the_sla_clocks() -> None:
    levels = [
        Level("L1", "One", rank=1, owner="a", targets={"first_response": hours(1)}),
        Level("L2", "Two", rank=2, owner="b"),
    ]
    policy = Policy(
        levels,
        [
            route("breached", when=clock("first_response").breached, to="rescue"),
            escalate("long", when=clock("resolution").elapsed > hours(3)),
            notify("paused", when=clock("resolution").state == "paused", to="lead", at=AT_ONCE),  # type: ignore[arg-type]
        ],
    )
    issue = make_issue()
    first = policy.evaluate(issue, at(0.5))
    assert first.actions == () and first.next_evaluation_at == at(1)
    assert [a.rule for a in policy.evaluate(issue, at(1)).actions] == ["breached"]
    assert policy.evaluate(issue, at(2)).next_evaluation_at == at(3) + US
    assert "long" in [a.rule for a in policy.evaluate(issue, at(3) + US).actions]
    pending = issue.with_event(Event(EventKind.STATUS_CHANGED, at(0.25), status="pending"))
    decision = policy.evaluate(pending, at(0.5))
    assert [a.rule for a in decision.actions] == ["paused"] and decision.next_evaluation_at is None


def test_unknown_clocks_and_bad_operators_are_refused_when_built() -> None:
    with pytest.raises(
        PolicyError, match=r"rule 'r'.*SLA clock 'resolutoin'.*did you mean 'resolution'"
    ):
        Policy(three_levels(), [escalate("r", when=clock("resolutoin").breached)])
    with pytest.raises(
        PolicyError, match=r"unknown reference point 'acknowledge'.*did you mean 'acknowledged'"
    ):
        since("acknowledge")
    with pytest.raises(PolicyError, match="state is one of"):
        _ = clock("resolution").state == "pausd"


def test_a_timed_condition_cannot_be_decided_on_an_issue_alone() -> None:
    with pytest.raises(TypeError, match="depends on the instant"):
        (since("created") > hours(1))(make_issue())


def test_explain_names_the_timed_part_that_failed() -> None:
    policy = Policy(
        three_levels(),
        [escalate("quiet", when=(F.priority == "P1") & clock("resolution").breached)],
    )
    issue = make_issue(priority="P2")
    rule = policy.explain(issue, at(1)).rules[0]
    assert rule.status == "not matched" and "priority is 'P2'" in str(rule.failures[0])
