"""Each rule type and each documented ordering rule of Policy.evaluate."""

from __future__ import annotations

from datetime import UTC, timedelta, tzinfo

import pendulum
import pytest

from escalation_rules import (
    ALWAYS,
    NEXT,
    Anchor,
    Customer,
    Escalate,
    Event,
    EventKind,
    F,
    IssueError,
    Level,
    NaiveDatetimeError,
    Notify,
    Outcome,
    Policy,
    PolicyError,
    Route,
    Status,
    after,
    by_priority,
    chain,
    escalate,
    evaluate,
    first_match,
    hours,
    minutes,
    notify,
    route,
    sla,
)

from ..conftest import T0, at, make_issue, three_levels


def kinds(decision) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    out = []
    for a in decision.actions:
        out.append((a.kind, getattr(a, "to", None) or getattr(a, "team", None) or a.target))
    return out


# ------------------------------------------------------------------ functional


def test_route_matches_the_category_and_keeps_the_level() -> None:
    policy = Policy(three_levels(), [route("billing", when=F.category == "billing", to="billing")])
    issue = make_issue(category="billing")
    decision = policy.evaluate(issue, at(0))
    assert decision.actions == (
        Route(
            "billing",
            "billing",
            "(F.category == 'billing') holds: route to billing"
            if False
            else decision.actions[0].reason,
            key="billing:route",
        ),
    )
    after_routing = issue.record(decision.actions[0], at(0))
    assert after_routing.team == "billing" and after_routing.level is None
    assert policy.evaluate(after_routing, at(0)).actions == ()


def test_route_does_nothing_when_the_team_already_holds_the_issue() -> None:
    policy = Policy(three_levels(), [route("de", when=F.language == "de", to="dach")])
    assert policy.evaluate(make_issue(language="de", team="dach"), at(1)).actions == ()
    assert kinds(policy.evaluate(make_issue(language="de", team="l1"), at(1))) == [
        ("route", "dach")
    ]


def test_route_fires_once_per_issue_even_if_reassigned_later() -> None:
    policy = Policy(three_levels(), [route("skills", when=F.skills.contains("sap"), to="sap")])
    issue = make_issue(skills=["sap"])
    issue = issue.record(policy.evaluate(issue, at(0)).actions[0], at(0))
    issue = issue.with_event(Event(EventKind.REASSIGNED, at(1), team="frontline"))
    assert issue.team == "frontline"
    assert policy.evaluate(issue, at(2)).actions == ()  # the human override stands


# ---------------------------------------------------------------- hierarchical


def test_enterprise_p1_starts_at_l2_and_does_not_repeat_at_l2() -> None:
    rule = escalate("vip", when=(F.customer.tier == "enterprise") & (F.priority == "P1"), to="L2")
    policy = Policy(three_levels(), [rule])
    issue = make_issue(priority="P1", customer=Customer(tier="enterprise"))
    decision = policy.evaluate(issue, at(0))
    assert decision.escalation == Escalate(
        "L2",
        "vip",
        decision.escalation.reason,  # type: ignore[union-attr]
        key="vip:escalate",
    )
    issue = issue.record(decision.escalation, at(0))  # type: ignore[arg-type]
    assert issue.level == "L2"
    assert policy.evaluate(issue, at(5)).actions == ()


def test_named_target_below_the_current_level_is_never_a_de_escalation() -> None:
    policy = Policy(three_levels(), [escalate("to-l2", when=ALWAYS, to="L2")])
    assert policy.evaluate(make_issue(level="L3"), at(1)).actions == ()
    assert policy.evaluate(make_issue(level="L2"), at(1)).actions == ()


def test_next_with_a_static_condition_does_not_cascade_to_the_top() -> None:
    policy = Policy(three_levels(), [escalate("refund", when=F.attributes.refund > 500)])
    issue = make_issue(attributes={"refund": 900})
    decision = policy.evaluate(issue, at(0))
    assert decision.escalation and decision.escalation.to == "L2"
    issue = issue.record(decision.escalation, at(0))
    assert policy.evaluate(issue, at(0)).actions == ()


def test_manager_request_escalates_once_per_request() -> None:
    policy = Policy(three_levels(), [escalate("manager", on=EventKind.MANAGER_REQUESTED)])
    issue = make_issue()
    assert policy.evaluate(issue, at(1)).actions == ()
    issue = issue.with_event(Event(EventKind.MANAGER_REQUESTED, at(1)))
    first = policy.evaluate(issue, at(1))
    assert first.escalation and first.escalation.to == "L2"
    issue = issue.record(first.escalation, at(1))
    assert policy.evaluate(issue, at(2)).actions == ()
    issue = issue.with_event(Event(EventKind.MANAGER_REQUESTED, at(3)))
    second = policy.evaluate(issue, at(3))
    assert second.escalation and second.escalation.to == "L3"
    issue = issue.record(second.escalation, at(3))
    issue = issue.with_event(Event(EventKind.MANAGER_REQUESTED, at(4)))
    assert policy.evaluate(issue, at(4)).actions == ()  # nothing above L3


# ------------------------------------------------------------------ time-based


def test_sla_share_thresholds_notify_then_escalate() -> None:
    policy = Policy(
        three_levels(),
        [
            notify("warn", at=sla("time_at_level", 0.75)),
            escalate("breach", at=sla("time_at_level")),
        ],
    )
    issue = make_issue()
    early = policy.evaluate(issue, at(0, 89))
    assert early.actions == () and early.next_evaluation_at == at(1, 30)
    warn = policy.evaluate(issue, at(1, 30))
    assert kinds(warn) == [("notify", "frontline")] and warn.next_evaluation_at == at(2)
    breach = policy.evaluate(issue, at(2))
    assert kinds(breach) == [("escalate", "L2")]  # the unrecorded warning is superseded
    assert breach.next_evaluation_at is None


def test_after_since_last_customer_message_restarts_on_each_message() -> None:
    policy = Policy(
        three_levels(),
        [
            notify("nudge", at=after(hours(4), since="last_customer_message"), to="team-lead"),
        ],
    )
    issue = make_issue()
    assert policy.evaluate(issue, at(10)).actions == ()  # no message yet: not armed
    assert policy.evaluate(issue, at(10)).next_evaluation_at is None
    issue = issue.with_event(Event(EventKind.CUSTOMER_MESSAGE, at(1)))
    assert policy.evaluate(issue, at(2)).next_evaluation_at == at(5)
    nudge = policy.evaluate(issue, at(5))
    assert kinds(nudge) == [("notify", "team-lead")]
    issue = issue.record(nudge.actions[0], at(5))
    assert policy.evaluate(issue, at(6)).actions == ()
    issue = issue.with_event(Event(EventKind.CUSTOMER_MESSAGE, at(7)))
    assert policy.evaluate(issue, at(8)).next_evaluation_at == at(11)
    assert kinds(policy.evaluate(issue, at(11))) == [("notify", "team-lead")]


@pytest.mark.parametrize(
    ("since", "events", "due"),
    [
        ("created", [], at(3)),
        ("level_entered", [Event(EventKind.LEVEL_CHANGED, at(1), level="L2")], at(4)),
        ("acknowledged", [Event(EventKind.ACKNOWLEDGED, at(0, 30))], at(3, 30)),
        ("last_agent_reply", [Event(EventKind.AGENT_REPLY, at(2))], at(5)),
        ("last_customer_message", [Event(EventKind.CUSTOMER_MESSAGE, at(1))], at(4)),
    ],
)
def test_each_reference_point(since: str, events: list[Event], due: object) -> None:
    policy = Policy(three_levels(), [notify("n", at=after(hours(3), since=since), to="x")])
    issue = make_issue("T", *events)
    assert (
        policy.evaluate(
            issue, at(2, 1) if since != "last_agent_reply" else at(2)
        ).next_evaluation_at
        == due
    )


def test_time_rule_condition_gates_it() -> None:
    policy = Policy(
        three_levels(),
        [
            escalate("p1-fast", at=after(minutes(30)), when=F.priority == "P1"),
        ],
    )
    assert policy.evaluate(make_issue(priority="P2"), at(5)).actions == ()
    assert policy.evaluate(make_issue(priority="P2"), at(0)).next_evaluation_at is None
    assert kinds(policy.evaluate(make_issue(priority="P1"), at(0, 30))) == [("escalate", "L2")]


def test_level_without_the_sla_metric_does_not_arm_it() -> None:
    levels = [
        Level("L1", "One", rank=1, owner="a", targets={"first_response": hours(1)}),
        Level("L2", "Two", rank=2, owner="b"),
    ]
    policy = Policy(levels, [escalate("resp", at=sla("first_response"))])
    issue = make_issue()
    assert kinds(policy.evaluate(issue, at(1))) == [("escalate", "L2")]
    issue = issue.record(policy.evaluate(issue, at(1)).actions[0], at(1))
    decision = policy.evaluate(issue, at(100))
    assert decision.actions == () and decision.next_evaluation_at is None


# ----------------------------------------------------------- on-call chain


def test_chain_notifies_escalates_and_repeats_until_acknowledged() -> None:
    levels = [
        Level("P", "Primary", rank=1, owner="alice", ack_timeout=minutes(10)),
        Level("S", "Secondary", rank=2, owner="bob", ack_timeout=minutes(20)),
    ]
    policy = Policy(levels, [chain("page", repeat=1)])
    issue = make_issue()
    d = policy.evaluate(issue, at(0))
    assert kinds(d) == [("notify", "alice")] and d.next_evaluation_at == at(0, 10)
    issue = issue.record(d.actions[0], at(0))
    d = policy.evaluate(issue, at(0, 10))
    assert kinds(d) == [("escalate", "S")]
    issue = issue.record(d.actions[0], at(0, 10))
    d = policy.evaluate(issue, at(0, 10))
    assert kinds(d) == [("notify", "bob")] and d.next_evaluation_at == at(0, 30)
    issue = issue.record(d.actions[0], at(0, 10))
    # top level timed out: the chain repeats, notifying each level's owner in turn
    d = policy.evaluate(issue, at(0, 30))
    assert kinds(d) == [("notify", "alice")] and d.next_evaluation_at == at(0, 40)
    issue = issue.record(d.actions[0], at(0, 30))
    d = policy.evaluate(issue, at(0, 40))
    assert kinds(d) == [("notify", "bob")] and d.next_evaluation_at is None
    assert issue.level == "S"


def test_chain_stops_on_acknowledgement() -> None:
    levels = [
        Level("P", "Primary", rank=1, owner="alice", ack_timeout=minutes(10)),
        Level("S", "Secondary", rank=2, owner="bob", ack_timeout=minutes(20)),
    ]
    policy = Policy(levels, [chain("page")])
    issue = make_issue()
    issue = issue.record(policy.evaluate(issue, at(0)).actions[0], at(0))
    issue = issue.with_event(Event(EventKind.ACKNOWLEDGED, at(0, 5)))
    d = policy.evaluate(issue, at(5))
    assert d.actions == () and d.next_evaluation_at is None


def test_chain_level_without_timeout_is_terminal() -> None:
    levels = [
        Level("P", "Primary", rank=1, owner="alice"),
        Level("S", "Secondary", rank=2, owner="bob", ack_timeout=minutes(5)),
    ]
    policy = Policy(levels, [chain("page")])  # repeat needs every level to time out
    issue = make_issue()
    issue = issue.record(policy.evaluate(issue, at(0)).actions[0], at(0))
    d = policy.evaluate(issue, at(10))
    assert d.actions == () and d.next_evaluation_at is None


# ------------------------------------------------------------ ordering rules


def test_all_mode_collects_every_match_in_rule_order() -> None:
    policy = Policy(
        three_levels(),
        [
            route("billing", when=F.category == "billing", to="billing"),
            route("vip", when=F.tags.contains("vip"), to="vip-desk"),
        ],
    )
    issue = make_issue(category="billing", tags=["vip"])
    assert kinds(policy.evaluate(issue, at(0))) == [("route", "billing"), ("route", "vip-desk")]


def test_first_mode_only_the_first_match_acts() -> None:
    policy = Policy(
        three_levels(),
        [
            route("billing", when=F.category == "billing", to="billing"),
            route("vip", when=F.tags.contains("vip"), to="vip-desk"),
            route("general", when=ALWAYS, to="general"),
        ],
        match="first",
    )
    assert kinds(policy.evaluate(make_issue(category="billing", tags=["vip"]), at(0))) == [
        ("route", "billing")
    ]
    assert kinds(policy.evaluate(make_issue(tags=["vip"]), at(0))) == [("route", "vip-desk")]
    assert kinds(policy.evaluate(make_issue(), at(0))) == [("route", "general")]


def test_first_match_winner_blocks_later_rules_even_when_its_action_is_done() -> None:
    policy = Policy(
        three_levels(),
        [
            first_match(
                "routing",
                [
                    route("billing", when=F.category == "billing", to="billing"),
                    route("general", when=ALWAYS, to="general"),
                ],
            ),
            notify("warn", at=sla("time_at_level", 0.5)),
        ],
    )
    issue = make_issue(category="billing")
    d = policy.evaluate(issue, at(0))
    assert kinds(d) == [("route", "billing")]
    issue = issue.record(d.actions[0], at(0))
    # billing still matches, so "general" never fires; the group does not stop later rules
    assert kinds(policy.evaluate(issue, at(1))) == [("notify", "frontline")]


def test_first_mode_earlier_time_rule_that_becomes_due_takes_over() -> None:
    policy = Policy(
        three_levels(),
        [
            notify("warn", at=sla("time_at_level", 0.5)),
            route("general", when=ALWAYS, to="general"),
        ],
        match="first",
    )
    before = policy.evaluate(make_issue(), at(0))
    assert kinds(before) == [("route", "general")] and before.next_evaluation_at == at(1)
    assert kinds(policy.evaluate(make_issue(), at(1))) == [("notify", "frontline")]


def test_at_most_one_escalation_the_highest_wins() -> None:
    policy = Policy(
        three_levels(),
        [
            escalate("next", when=ALWAYS, to=NEXT),
            escalate("straight-to-l3", when=F.priority == "P1", to="L3"),
            escalate("l2", when=ALWAYS, to="L2"),
        ],
    )
    d = policy.evaluate(make_issue(priority="P1"), at(0))
    assert [a.to for a in d.actions if isinstance(a, Escalate)] == ["L3"]
    d = policy.evaluate(make_issue(priority="P2"), at(0))
    assert [(a.rule, a.to) for a in d.actions if isinstance(a, Escalate)] == [("next", "L2")]


@pytest.mark.parametrize("status", ["resolved", "closed", "done"])
def test_resolved_or_closed_never_escalates(status: str) -> None:
    policy = Policy(
        three_levels(),
        [escalate("always", when=ALWAYS), chain("page")],
        status_map={"done": Status.CLOSED},
    )
    d = policy.evaluate(make_issue(status=status), at(100))
    assert d.actions == () and d.next_evaluation_at is None and not d


def test_pending_host_status_maps_and_unknown_status_is_an_error() -> None:
    policy = Policy(
        three_levels(),
        [escalate("always", when=ALWAYS)],
        status_map={"waiting_on_customer": Status.PENDING},
    )
    assert policy.evaluate(make_issue(status="waiting_on_customer"), at(0)).actions
    with pytest.raises(IssueError, match="did you mean 'waiting_on_customer'"):
        policy.evaluate(make_issue(status="waiting_on_custmer"), at(0))


def test_top_level_never_climbs_further() -> None:
    policy = Policy(three_levels(), [escalate("breach", at=sla("time_at_level"))])
    d = policy.evaluate(make_issue(level="L3"), at(1000))
    assert d.actions == () and d.next_evaluation_at is None


def test_unknown_issue_level_is_a_clear_error() -> None:
    policy = Policy(three_levels(), [])
    with pytest.raises(IssueError, match=r"unknown level 'l2'.*\(did you mean 'L2'\?\)"):
        policy.evaluate(make_issue(level="l2"), at(0))


# ---------------------------------------------------------------- instants


def test_naive_now_is_rejected() -> None:
    policy = Policy(three_levels(), [])
    with pytest.raises(NaiveDatetimeError, match="timezone-aware"):
        policy.evaluate(make_issue(), T0.replace(tzinfo=None))


def test_pendulum_and_stdlib_instants_give_the_same_decision() -> None:
    policy = Policy(three_levels(), [escalate("breach", at=sla("time_at_level"))])
    issue = make_issue()
    berlin = pendulum.instance(at(1)).in_timezone("Europe/Berlin")
    a, b = policy.evaluate(issue, berlin), policy.evaluate(issue, at(1))
    assert a == b and a.next_evaluation_at == at(2)
    assert type(a.next_evaluation_at) is type(T0)  # stdlib datetime, UTC
    created_in_pendulum = make_issue().__class__(
        "P",
        pendulum.instance(T0).in_timezone("America/New_York"),
        history=[Event(EventKind.CREATED, pendulum.instance(T0))],
    )
    assert policy.evaluate(created_in_pendulum, at(1)).next_evaluation_at == at(2)


def test_module_level_evaluate_is_the_method() -> None:
    policy = Policy(three_levels(), [escalate("breach", at=sla("time_at_level"))])
    issue = make_issue()
    assert evaluate(policy, issue, at(3)) == policy.evaluate(issue, at(3))


def test_decision_reason_explains() -> None:
    policy = Policy(three_levels(), [escalate("breach", at=sla("time_at_level"))])
    assert policy.evaluate(make_issue(), at(0)).reason == "no rule applies"
    reason = policy.evaluate(make_issue(), at(2)).reason
    assert "100% of the time_at_level SLA passed" in reason and "L2" in reason


def test_next_evaluation_is_in_utc_and_after_now() -> None:
    policy = Policy(three_levels(), [notify("n", at=after(timedelta(minutes=1)), to="x")])
    d = policy.evaluate(make_issue(), at(0))
    assert d.next_evaluation_at == at(0, 1) and d.next_evaluation_at.tzinfo is not None
    assert isinstance(d.actions, tuple) and not isinstance(d.actions, list)
    assert policy.evaluate(make_issue(), at(0, 1)).next_evaluation_at is None
    assert [type(a) for a in policy.evaluate(make_issue(), at(0, 1)).actions] == [Notify]


def test_wall_clock_deadlines_are_real_elapsed_time_across_dst() -> None:
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    policy = Policy(three_levels(), [escalate("breach", at=sla("time_at_level"))])
    for opened in (
        pendulum.datetime(2026, 3, 29, 1, 30, tz="Europe/Berlin"),  # spring forward at 02:00
        pendulum.datetime(2026, 10, 25, 1, 30, tz="Europe/Berlin"),  # fall back at 03:00
    ):
        local = opened.astimezone(berlin)
        issue = make_issue().__class__("D", local, history=[Event(EventKind.CREATED, local)])
        due = policy.evaluate(issue, local).next_evaluation_at
        assert due is not None
        assert (due - local).total_seconds() == 2 * 3600


def test_upcoming_instants_are_taken_at_their_minimum_whatever_their_order() -> None:
    from escalation_rules import Outcome

    class TwoReminders:
        name = "two"

        def validate(self, policy: Policy) -> None:
            pass

        def check(self, context):  # type: ignore[no-untyped-def]
            late = Notify("x", "two", "late", key="two:late")
            soon = Notify("x", "two", "soon", key="two:soon")
            return Outcome(False, (), upcoming=((at(5), late), (at(1), soon)))

    policy = Policy(three_levels(), [TwoReminders()])
    assert policy.evaluate(make_issue(), at(0)).next_evaluation_at == at(1)


def test_custom_rule_escalating_to_an_unknown_level_is_a_clear_error() -> None:
    from escalation_rules import Outcome, PolicyError

    class Bad:
        name = "bad"

        def validate(self, policy: Policy) -> None:
            pass

        def check(self, context):  # type: ignore[no-untyped-def]
            return Outcome(True, (Escalate("l9", "bad", "why", key="bad:e"),))

    with pytest.raises(PolicyError, match="rule 'bad': asked to escalate to unknown level 'l9'"):
        Policy(three_levels(), [Bad()]).evaluate(make_issue(), at(0))


def test_level_condition_sees_the_first_level_when_the_issue_never_moved() -> None:
    policy = Policy(three_levels(), [escalate("l1-only", when=F.level == "L1", to="L3")])
    assert kinds(policy.evaluate(make_issue(), at(0))) == [("escalate", "L3")]
    assert policy.evaluate(make_issue(level="L2"), at(0)).actions == ()


# ------------------------------------------------ targets by priority, levels


@pytest.mark.parametrize(
    ("priority", "due"),
    [("P1", at(1)), ("P2", at(4)), ("P3", at(8)), (None, at(8))],
)
def test_a_per_priority_target_escalates_each_priority_at_its_own_time(
    priority: str | None, due: object
) -> None:
    table = by_priority(P1=hours(1), P2=hours(4), default=hours(8))
    levels = [
        Level("L1", "One", rank=1, owner="a", targets={"time_at_level": table}),
        Level("L2", "Two", rank=2, owner="b"),
    ]
    policy = Policy(levels, [escalate("breach", at=sla("time_at_level"))])
    issue = make_issue(priority=priority)
    assert policy.evaluate(issue, at(0)).next_evaluation_at == due
    assert policy.evaluate(issue, due - timedelta(minutes=1)).actions == ()  # type: ignore[operator]
    assert kinds(policy.evaluate(issue, due)) == [("escalate", "L2")]
    assert policy.sla_clock(issue, at(0), "time_at_level").target.duration == due - T0  # type: ignore[operator, union-attr]


def test_a_priority_missing_from_a_table_without_default_has_no_target() -> None:
    levels = [
        Level("L1", "One", rank=1, owner="a", targets={"resolution": by_priority(P1=hours(1))}),
        Level("L2", "Two", rank=2, owner="b"),
    ]
    policy = Policy(levels, [escalate("breach", at=sla("resolution"))])
    for priority in ("P2", None):
        issue = make_issue(priority=priority)
        decision = policy.evaluate(issue, at(100))
        assert decision.actions == () and decision.next_evaluation_at is None
        assert policy.sla_clocks(issue, at(1)) == ()
        assert policy.sla_clock(issue, at(1), "resolution").target is None
    assert kinds(policy.evaluate(make_issue(priority="P1"), at(1))) == [("escalate", "L2")]


@pytest.mark.parametrize(
    ("level", "next_at"),
    [(None, at(3)), ("L1", at(3)), ("L2", at(6)), ("L3", None)],
)
def test_a_timed_escalation_to_the_current_level_or_below_is_never_upcoming(
    level: str | None, next_at: object
) -> None:
    policy = Policy(
        three_levels(),
        [
            escalate("to-l2", at=after(hours(3)), to="L2"),
            escalate("to-l3", at=after(hours(6)), to="L3"),
        ],
    )
    assert policy.evaluate(make_issue(level=level), at(1)).next_evaluation_at == next_at


def test_under_first_match_a_timed_rule_with_no_effect_still_takes_over_when_due() -> None:
    policy = Policy(
        three_levels(),
        [escalate("to-l2", at=after(hours(3)), to="L2"), route("general", when=ALWAYS, to="x")],
        match="first",
    )
    issue = make_issue(level="L2")
    before = policy.evaluate(issue, at(1))
    assert kinds(before) == [("route", "x")] and before.next_evaluation_at == at(3)
    assert policy.evaluate(issue, at(3)).actions == ()  # "to-l2" matches and wins, doing nothing


def test_an_issue_that_never_moved_is_seen_at_the_first_level_everywhere() -> None:
    policy = Policy(three_levels(), [escalate("up", when=ALWAYS, to="L2")])
    unmoved, at_l1 = make_issue(level=None), make_issue(level="L1")
    decision = policy.evaluate(unmoved, at(1))
    assert kinds(decision) == [("escalate", "L2")]
    explanation = policy.explain(unmoved, at(1))
    assert explanation.level == "L1"
    assert [(a.action.to, a.status) for a in explanation.rules[0].actions] == [("L2", "taken")]  # type: ignore[union-attr]
    assert policy.sla_clocks(unmoved, at(1)) == policy.sla_clocks(at_l1, at(1))
    state = policy.sla_clock(unmoved, at(1), "time_at_level")
    assert state.target is not None and state.target.duration == hours(2)


# -------------------------------------------------------------- SLA clocks


def test_sla_clocks_lists_the_clocks_with_a_target_in_the_policys_order() -> None:
    levels = [
        Level(
            "L1",
            "One",
            rank=1,
            owner="a",
            targets={"time_at_level": hours(2), "first_response": hours(4)},
        ),
        Level("L2", "Two", rank=2, owner="b", targets={"resolution": hours(10)}),
    ]
    policy = Policy(levels, [])
    issue = make_issue()
    states = policy.sla_clocks(issue, at(0, 30))
    assert [(s.name, s.target.duration, s.elapsed, s.deadline) for s in states] == [  # type: ignore[union-attr]
        ("first_response", hours(4), minutes(30), at(4)),
        ("time_at_level", hours(2), minutes(30), at(2)),
    ]
    assert states[1] == policy.sla_clock(issue, at(0, 30), "time_at_level")
    untargeted = policy.sla_clock(issue, at(0, 30), "resolution")
    assert (untargeted.name, untargeted.state, untargeted.elapsed) == (
        "resolution",
        "running",
        minutes(30),
    )
    assert untargeted.target is None and untargeted.remaining is None
    assert untargeted.deadline is None and not untargeted.breached
    at_l2 = policy.sla_clocks(make_issue(level="L2"), at(3))
    assert [(s.name, s.remaining, s.deadline) for s in at_l2] == [("resolution", hours(7), at(10))]


def test_a_pending_issue_counts_no_sla_time() -> None:
    policy = Policy(three_levels(), [escalate("breach", at=sla("time_at_level"))])
    pending = make_issue(status="pending")
    decision = policy.evaluate(pending, at(30))
    assert decision.actions == () and decision.next_evaluation_at is None
    state = policy.sla_clock(pending, at(30), "time_at_level")
    assert (state.state, state.elapsed, state.deadline) == ("paused", timedelta(0), None)
    assert policy.sla_clocks(pending, at(30))[0].state == "paused"


# ------------------------------------------------------------------ explain


def test_explain_carries_the_decision_of_evaluate() -> None:
    policy = Policy(
        three_levels(),
        [notify("warn", at=sla("time_at_level", 0.5)), escalate("breach", at=sla("time_at_level"))],
        status_map={"waiting": Status.PENDING},
    )
    for issue, now in [
        (make_issue("E-1"), at(1)),
        (make_issue("E-2"), at(2)),
        (make_issue("E-3", level="L2"), at(1)),
        (make_issue("E-4", status="waiting"), at(5)),
    ]:
        explanation = policy.explain(issue, now)
        assert explanation.decision == policy.evaluate(issue, now)
        assert explanation.issue_id == issue.id and explanation.now == now
        assert explanation.level == (issue.level or "L1")
        assert explanation.status == policy.status_of(issue).value
        assert [r.name for r in explanation.rules] == ["warn", "breach"]
        assert explanation.clocks == policy.sla_clocks(issue, now)


# ------------------------------------------------- bad input at evaluation


def _entry_points(policy: Policy) -> list[object]:
    return [
        policy.evaluate,
        policy.explain,
        policy.sla_clocks,
        lambda issue, now: policy.sla_clock(issue, now, "resolution"),
    ]


class _NoOffset(tzinfo):
    """A zone that knows no offset: Python counts its datetimes as naive."""

    def utcoffset(self, dt: object) -> None:
        return None


NO_OFFSET = _NoOffset()
NAIVE_NOW = (
    "now must be timezone-aware, got the naive datetime '2026-03-02T09:00:00'; attach a "
    "zone, e.g. pendulum.instance(dt, tz='UTC') or dt.replace(tzinfo=...)"
)

EVALUATION_ERRORS = [
    (
        "unknown status",
        make_issue("T-9", status="waiting_on_custmer"),
        at(0),
        IssueError,
        "issue 'T-9' has status 'waiting_on_custmer', which is neither a built-in status nor "
        "in the policy's status_map; known: ['open', 'pending', 'resolved', 'closed', "
        "'waiting_on_customer'] (did you mean 'waiting_on_customer'?)",
        ("waiting_on_custmer", "waiting_on_customer"),
    ),
    (
        "unknown level",
        make_issue("T-9", level="l2"),
        at(0),
        IssueError,
        "unknown level 'l2'; the policy's levels are ['L1', 'L2', 'L3'] (did you mean 'L2'?)",
        ("l2", "L2"),
    ),
    (
        "far-off level",
        make_issue("T-9", level="Z"),
        at(0),
        IssueError,
        "unknown level 'Z'; the policy's levels are ['L1', 'L2', 'L3']",
        ("Z", None),
    ),
    (
        "naive now",
        make_issue("T-9"),
        T0.replace(tzinfo=None),
        NaiveDatetimeError,
        NAIVE_NOW,
        (T0.replace(tzinfo=None), None),
    ),
    (
        "now in a zone without an offset",
        make_issue("T-9"),
        T0.replace(tzinfo=NO_OFFSET),
        NaiveDatetimeError,
        NAIVE_NOW,
        (T0.replace(tzinfo=NO_OFFSET), None),
    ),
    (
        "now not a datetime",
        make_issue("T-9"),
        "2026-03-02",
        IssueError,
        "now must be a timezone-aware datetime, got '2026-03-02' (str)",
        ("2026-03-02", None),
    ),
]


@pytest.mark.parametrize(
    ("case", "issue", "now", "error", "message", "data"),
    EVALUATION_ERRORS,
    ids=[row[0] for row in EVALUATION_ERRORS],
)
def test_every_entry_point_refuses_bad_input_with_the_same_error(
    case: str, issue: object, now: object, error: type, message: str, data: tuple[object, object]
) -> None:
    policy = Policy(
        three_levels(),
        [escalate("breach", at=sla("time_at_level"))],
        status_map={"waiting_on_customer": Status.PENDING},
    )
    for entry in _entry_points(policy):
        with pytest.raises(error) as info:
            entry(issue, now)  # type: ignore[operator]
        assert str(info.value) == message
        assert (info.value.value, info.value.suggestion) == data


def test_an_unknown_sla_clock_is_refused_with_a_suggestion() -> None:
    policy = Policy(three_levels(), [])
    with pytest.raises(PolicyError) as info:
        policy.sla_clock(make_issue(), at(0), "resolve")
    assert str(info.value) == (
        "the policy has no SLA clock 'resolve'; clocks are ['first_response', 'next_response', "
        "'periodic_update', 'resolution', 'time_at_level'] (did you mean 'resolution'?)"
    )
    assert (info.value.value, info.value.suggestion, info.value.where) == (
        "resolve",
        "resolution",
        None,
    )


# ------------------------------------------- what a custom rule's outcome becomes


class Scripted:
    """A custom rule that wants the same actions now and later, whatever the issue."""

    def __init__(
        self,
        actions: tuple[object, ...] = (),
        upcoming: tuple[tuple[object, object], ...] = (),
        *,
        matched: bool = True,
        name: str = "custom",
        once_per: Anchor | int = Anchor.CREATED,
    ) -> None:
        self.name = name
        self.actions = actions
        self.upcoming = upcoming
        self.matched = matched
        self.once_per = once_per

    def validate(self, policy: Policy) -> None:
        pass

    def check(self, context):  # type: ignore[no-untyped-def]
        return Outcome(self.matched, self.actions, self.once_per, self.upcoming)  # type: ignore[arg-type]


NUDGE = Notify("lead", "custom", "nudge", key="custom:nudge")
TO_X = Route("x", "custom", "to x", key="custom:route")
TO_L2 = Escalate("L2", "custom", "to L2", key="custom:l2")


@pytest.mark.parametrize(
    ("later", "issue", "match", "next_at"),
    [
        (NUDGE, make_issue(), "all", at(2)),
        (NUDGE, make_issue().record(NUDGE, at(0)), "all", None),
        (NUDGE, make_issue().record(NUDGE, at(0)), "first", at(2)),
        (TO_X, make_issue(team="y"), "all", at(2)),
        (TO_X, make_issue(team="x"), "all", None),
        (TO_X, make_issue(team="x"), "first", at(2)),
        (TO_L2, make_issue(), "all", at(2)),
        (TO_L2, make_issue(level="L2"), "all", None),
        (TO_L2, make_issue(level="L3"), "first", at(2)),
    ],
)
def test_an_upcoming_action_counts_only_if_it_would_change_something(
    later: object, issue: object, match: str, next_at: object
) -> None:
    # Under first-match every upcoming instant counts: the rule will win then, acting or not.
    policy = Policy(three_levels(), [Scripted(upcoming=((at(2), later),))], match=match)  # type: ignore[arg-type]
    assert policy.evaluate(issue, at(1)).next_evaluation_at == next_at  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "issue", "kept"),
    [
        (at(1), make_issue(), [NUDGE, TO_X, TO_L2]),
        (at(1), make_issue().record(NUDGE, at(0)), [TO_X, TO_L2]),
        (at(1), make_issue(team="x", level="L2"), [NUDGE]),
        (at(1), make_issue(level="L3"), [NUDGE, TO_X]),
        (at(1), make_issue(team="x"), [NUDGE, TO_L2]),
        (at(1), make_issue(team="x").record(NUDGE, at(0)), [TO_L2]),
    ],
)
def test_a_due_action_is_kept_only_if_it_would_change_something(
    now: object, issue: object, kept: list[object]
) -> None:
    policy = Policy(three_levels(), [Scripted((NUDGE, TO_X, TO_L2))])
    decision = policy.evaluate(issue, now)  # type: ignore[arg-type]
    assert list(decision.actions) == kept
    assert decision.reason == ("; ".join(a.reason for a in kept) or "no rule applies")  # type: ignore[attr-defined]


@pytest.mark.parametrize("when", ["now", "later"])
@pytest.mark.parametrize(("to", "hint"), [("l3", "L3"), ("L9", None)])
def test_a_custom_rule_escalating_to_an_unknown_level_names_itself(
    when: str, to: str, hint: str | None
) -> None:
    action = Escalate(to, "oops", "why", key="oops:e")
    rule = (
        Scripted((action,), name="oops")
        if when == "now"
        else Scripted(upcoming=((at(5), action),), name="oops")
    )
    policy = Policy(three_levels(), [rule])
    with pytest.raises(PolicyError) as info:
        policy.evaluate(make_issue(), at(1))
    suffix = f" (did you mean {hint!r}?)" if hint else ""
    assert str(info.value) == (
        f"rule 'oops': asked to escalate to unknown level {to!r}; levels are ['L1', 'L2', 'L3']"
        + suffix
    )
    assert (info.value.where, info.value.value, info.value.suggestion) == ("rule 'oops'", to, hint)


def test_next_evaluation_is_the_earliest_instant_strictly_after_now_in_utc() -> None:
    from zoneinfo import ZoneInfo

    berlin = at(3).astimezone(ZoneInfo("Europe/Berlin"))
    rule = Scripted(
        upcoming=((at(1), NUDGE), (at(0), NUDGE), (at(5), NUDGE), (berlin, NUDGE)), matched=False
    )
    policy = Policy(three_levels(), [rule])
    decision = policy.evaluate(make_issue(), at(1))
    assert decision.next_evaluation_at == at(3) and decision.next_evaluation_at.tzinfo is UTC  # type: ignore[union-attr]
    assert policy.evaluate(make_issue(), at(5)).next_evaluation_at is None
    late = Policy(three_levels(), [Scripted(upcoming=((berlin, NUDGE),))])
    assert late.evaluate(make_issue(), at(2)).next_evaluation_at.tzinfo is UTC  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("targets", "winner"),
    [
        (["L2", "L2"], 0),
        (["L2", "L3"], 1),
        (["L3", "L2"], 0),
        (["L2", "L3", "L3"], 1),
        (["L3", "L2", "L3"], 0),
    ],
)
def test_at_most_one_escalation_the_highest_wins_the_first_on_a_tie(
    targets: list[str], winner: int
) -> None:
    rules = []
    for i, to in enumerate(targets):
        rules.append(escalate(f"e{i}", when=ALWAYS, to=to))
        rules.append(notify(f"n{i}", at=after(timedelta(0)), to=f"team{i}"))
    decision = Policy(three_levels(), rules).evaluate(make_issue(), at(1))
    escalations = [a for a in decision.actions if isinstance(a, Escalate)]
    assert [(a.rule, a.to) for a in escalations] == [(f"e{winner}", targets[winner])]
    assert [a.target for a in decision.actions if isinstance(a, Notify)] == [
        f"team{i}" for i in range(len(targets))
    ]
    assert decision.reason == "; ".join(a.reason for a in decision.actions)


# Nudge recorded (index 1), then the issue moved to L2 (index 2); and the other way round.
NUDGED_THEN_MOVED = make_issue(
    "A", Event.taken(NUDGE, at(0)), Event(EventKind.LEVEL_CHANGED, at(0, 30), level="L2")
)
MOVED_THEN_NUDGED = make_issue(
    "B", Event(EventKind.LEVEL_CHANGED, at(0, 30), level="L2"), Event.taken(NUDGE, at(0, 40))
)


@pytest.mark.parametrize("when", ["now", "later"])
@pytest.mark.parametrize(
    ("issue", "once_per", "again"),
    [
        (make_issue(), Anchor.CREATED, True),
        (NUDGED_THEN_MOVED, Anchor.CREATED, False),
        (NUDGED_THEN_MOVED, Anchor.LEVEL_ENTERED, True),
        (MOVED_THEN_NUDGED, Anchor.LEVEL_ENTERED, False),
        (NUDGED_THEN_MOVED, Anchor.ACKNOWLEDGED, False),  # no acknowledgement: since creation
        (NUDGED_THEN_MOVED, 0, False),
        (NUDGED_THEN_MOVED, 1, True),  # recorded by the scope's own event, not after it
        (NUDGED_THEN_MOVED, 2, True),
    ],
)
def test_an_action_is_wanted_again_only_if_not_recorded_since_its_scope_opened(
    when: str, issue: object, once_per: Anchor | int, again: bool
) -> None:
    rule = (
        Scripted((NUDGE,), once_per=once_per)
        if when == "now"
        else Scripted(upcoming=((at(5), NUDGE),), once_per=once_per)
    )
    decision = Policy(three_levels(), [rule]).evaluate(issue, at(1))  # type: ignore[arg-type]
    if when == "now":
        assert decision.actions == ((NUDGE,) if again else ())
    else:
        assert decision.next_evaluation_at == (at(5) if again else None)


@pytest.mark.parametrize(
    ("rules", "culprit"),
    [
        ([route("big", when=F.attributes.refund > 5, to="x")], "big"),
        (
            [
                route("fine", when=F.category == "a", to="x"),
                first_match("g", [escalate("refunds", when=F.attributes.refund > 5)]),
            ],
            "refunds",
        ),
    ],
)
def test_a_condition_that_cannot_be_decided_names_its_rule(rules: list, culprit: str) -> None:  # type: ignore[type-arg]
    from escalation_rules import FieldTypeError, MissingFieldError

    policy = Policy(three_levels(), rules)
    with pytest.raises(MissingFieldError) as missing:
        policy.evaluate(make_issue(), at(0))
    assert (missing.value.rule, missing.value.field) == (culprit, "attributes.refund")
    assert str(missing.value).startswith(f"rule {culprit!r}: attributes.refund is missing")
    with pytest.raises(FieldTypeError) as mistyped:
        policy.evaluate(make_issue(attributes={"refund": "a"}), at(0))
    assert (mistyped.value.rule, mistyped.value.value) == (culprit, "a")


def test_a_first_match_group_that_matches_ends_a_first_match_policy() -> None:
    policy = Policy(
        three_levels(),
        [
            first_match("g", [route("billing", when=F.category == "billing", to="billing")]),
            route("general", when=ALWAYS, to="general"),
        ],
        match="first",
    )
    assert kinds(policy.evaluate(make_issue(category="billing"), at(0))) == [("route", "billing")]
    assert kinds(policy.evaluate(make_issue(category="other"), at(0))) == [("route", "general")]


@pytest.mark.parametrize("status", ["resolved", "closed", "done"])
def test_a_finished_issue_gets_a_reason_naming_its_status(status: str) -> None:
    policy = Policy(three_levels(), [chain("page")], status_map={"done": Status.CLOSED})
    expected = "resolved" if status == "resolved" else "closed"
    decision = policy.evaluate(make_issue(status=status), at(1))
    assert decision.reason == f"issue is {expected}: nothing escalates"
    explanation = policy.explain(make_issue(status=status), at(1))
    assert explanation.clocks == () and explanation.status == expected


def test_the_calendar_named_by_the_issue_wins_over_the_levels_and_the_policys() -> None:
    from escalation_rules import BusinessCalendar

    def calendar(tz: str) -> BusinessCalendar:
        return BusinessCalendar(tz, {"mon-fri": [("09:00", "17:00")]})

    levels = [
        Level("L1", "One", rank=1, owner="a", targets={"resolution": hours(8)}, calendar="berlin"),
        Level("L2", "Two", rank=2, owner="b", targets={"resolution": hours(8)}),
    ]
    policy = Policy(
        levels,
        [],
        calendars={"berlin": calendar("Europe/Berlin"), "tokyo": calendar("Asia/Tokyo")},
        calendar="tokyo",
        calendar_field="customer.attributes.region",
    )
    in_berlin = Customer(attributes={"region": "berlin"})
    in_tokyo = Customer(attributes={"region": "tokyo"})
    for issue, expected in [
        (make_issue(), "berlin"),
        (make_issue(level="L2"), "tokyo"),
        (make_issue(customer=in_tokyo), "tokyo"),
        (make_issue(level="L2", customer=in_berlin), "berlin"),
    ]:
        assert policy.sla_clock(issue, at(1), "resolution").calendar == expected
    # Without calendar_field the level's calendar, else the policy's, applies to every issue.
    plain = Policy(levels, [], calendars=dict(policy.calendars), calendar="tokyo")
    for issue, expected in [
        (make_issue(customer=in_tokyo), "berlin"),
        (make_issue(level="L2", customer=in_berlin), "tokyo"),
    ]:
        assert plain.sla_clock(issue, at(1), "resolution").calendar == expected


@pytest.mark.parametrize(
    ("issue", "match", "next_at"),
    [
        (make_issue(), "all", at(2)),
        (make_issue().record(NUDGE, at(0)), "all", at(2)),
        (make_issue(team="x"), "all", at(3)),
        (make_issue(team="x", level="L2").record(NUDGE, at(0)), "all", None),
        (make_issue(team="x", level="L3").record(NUDGE, at(0)), "first", at(2)),
    ],
)
def test_the_next_evaluation_is_the_earliest_upcoming_action_that_would_change_something(
    issue: object, match: str, next_at: object
) -> None:
    rule = Scripted(upcoming=((at(5), NUDGE), (at(2), TO_X), (at(3), TO_L2)))
    policy = Policy(three_levels(), [rule], match=match)  # type: ignore[arg-type]
    assert policy.evaluate(issue, at(1)).next_evaluation_at == next_at  # type: ignore[arg-type]


@pytest.mark.parametrize("match", ["all", "first"])
def test_upcoming_instants_inside_a_first_match_group_count(match: str) -> None:
    policy = Policy(
        three_levels(),
        [
            first_match(
                "g",
                [
                    escalate("vip", when=F.tags.contains("vip"), to="L3"),
                    notify("warn", at=sla("time_at_level", 0.5)),
                ],
            )
        ],
        match=match,  # type: ignore[arg-type]
    )
    decision = policy.evaluate(make_issue(), at(0, 30))
    assert decision.actions == () and decision.next_evaluation_at == at(1)
    assert kinds(policy.evaluate(make_issue(), at(1))) == [("notify", "frontline")]


def test_a_policy_survives_pickling_with_the_same_decisions() -> None:
    import pickle

    policy = Policy(
        three_levels(),
        [
            first_match("g", [route("billing", when=F.category == "billing", to="billing")]),
            notify("warn", at=sla("time_at_level", 0.5)),
            escalate("breach", at=sla("time_at_level")),
        ],
        status_map={"waiting": Status.PENDING},
        name="support",
    )
    copy = pickle.loads(pickle.dumps(policy))
    assert copy == policy and copy.name == "support" and copy.status_map == policy.status_map
    for issue, now in [
        (make_issue(category="billing"), at(0)),
        (make_issue(), at(1)),
        (make_issue(), at(2)),
        (make_issue(status="waiting"), at(3)),
    ]:
        assert copy.evaluate(issue, now) == policy.evaluate(issue, now)


def test_a_status_outside_any_issue_is_reported_without_an_issue_id() -> None:
    policy = Policy(three_levels(), [], status_map={"waiting": Status.PENDING})
    assert policy.map_status("waiting") is Status.PENDING
    assert policy.map_status("resolved") is Status.RESOLVED
    with pytest.raises(IssueError) as info:
        policy.map_status("waitng")
    assert str(info.value) == (
        "issue '?' has status 'waitng', which is neither a built-in status nor in the policy's "
        "status_map; known: ['open', 'pending', 'resolved', 'closed', 'waiting'] "
        "(did you mean 'waiting'?)"
    )


def test_a_static_rule_is_asked_once_per_issue_and_again_for_a_new_one() -> None:
    """Routes and escalations on untimed conditions depend on the issue, not the instant:
    evaluating the same issue again reuses their answers; a new event makes a new issue."""
    from escalation_rules import Event, Issue, Level, Policy, predicate, route

    calls: list[str] = []

    def billing(issue: Issue) -> bool:
        calls.append(issue.id)
        return issue.category == "billing"

    policy = Policy(
        [Level("L1", "One", rank=1, owner="one")],
        [route("billing", when=predicate("billing", billing), to="billing")],
    )
    issue = make_issue(category="billing")
    first, again = policy.evaluate(issue, at(1)), policy.evaluate(issue, at(2))
    assert first.actions == again.actions and [a.team for a in first.actions] == ["billing"]
    assert len(calls) == 1
    moved = issue.with_event(Event("reassigned", at(3), team="billing"))
    assert policy.evaluate(moved, at(3)).actions == ()  # already with billing: fate, not memo
    assert len(calls) == 2
    assert isinstance(moved, Issue)
