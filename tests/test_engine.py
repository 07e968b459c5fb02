"""Each rule type and each documented ordering rule of Policy.evaluate."""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest

from escalation_rules import (
    ALWAYS,
    NEXT,
    Customer,
    Escalate,
    Event,
    EventKind,
    F,
    IssueError,
    Level,
    NaiveDatetimeError,
    Notify,
    Policy,
    Route,
    Status,
    after,
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

from .conftest import T0, at, make_issue, three_levels


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
    assert kinds(breach) == [("notify", "frontline"), ("escalate", "L2")]
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
    policy = Policy(levels, [chain("page", repeat=3)])
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
