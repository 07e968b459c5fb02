"""escalation_rules.testing: issue builders, the fixed clock, settle() and the assertions."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pendulum
import pytest

from escalation_rules import (
    CalendarError,
    Escalate,
    EscalationRulesError,
    Event,
    EventKind,
    Issue,
    IssueError,
    Level,
    NaiveDatetimeError,
    Notify,
    Policy,
    Route,
    chain,
    hours,
    minutes,
)
from escalation_rules._io.examples import example_policy
from escalation_rules.testing import (
    EPOCH,
    FixedClock,
    IssueBuilder,
    UnexpectedDecision,
    Week,
    an_issue,
    assert_escalates,
    assert_next_evaluation,
    assert_no_action,
    assert_notifies,
    assert_routes,
    settle,
    week_of,
)

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = week_of("2026-03-02", tz="Europe/Berlin")


# -- week_of -------------------------------------------------------------------------------


def test_week_of_gives_wall_times_on_each_weekday() -> None:
    week = week_of("2026-03-06", tz="Europe/Berlin")  # a Friday: the week starts on Monday
    assert week == Week(date(2026, 3, 2), "Europe/Berlin")
    assert week.monday(9) == datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)
    assert week.friday(16, 30) == datetime(2026, 3, 6, 16, 30, tzinfo=BERLIN)
    assert week.sunday(23) == datetime(2026, 3, 8, 23, 0, tzinfo=BERLIN)
    assert [week.tuesday(1).day, week.wednesday(1).day, week.thursday(1).day] == [3, 4, 5]
    assert week.saturday(0).weekday() == 5
    assert week.next().monday(9) == datetime(2026, 3, 9, 9, 0, tzinfo=BERLIN)


def test_week_of_a_dst_week_keeps_wall_time() -> None:
    week = week_of(date(2026, 3, 25), tz="Europe/Berlin")  # clocks go forward on Sunday 29th
    assert week.friday(9).utcoffset() == timedelta(hours=1)
    assert week.next().monday(9).utcoffset() == timedelta(hours=2)


def test_week_of_refuses_a_datetime_and_an_unknown_zone() -> None:
    with pytest.raises(TypeError, match="takes a date"):
        week_of(datetime(2026, 3, 2, tzinfo=UTC))
    with pytest.raises(CalendarError, match=r"'Europe/Berlni'.*did you mean 'Europe/Berlin'\?"):
        week_of("2026-03-02", tz="Europe/Berlni")


# -- the issue builder ---------------------------------------------------------------------


def test_the_builder_tells_the_story_in_events() -> None:
    issue = (
        an_issue("T-1", opened=WEEK.friday(16), priority="P1", tags=["vip"])
        .customer_replied(at=WEEK.friday(16, 10))
        .agent_replied(at=WEEK.friday(16, 20))
        .acknowledged(at=WEEK.friday(16, 25), by="alice")
        .pending(at=WEEK.friday(17))
        .reopened(at=WEEK.next().monday(9))
        .escalated_to("L2", at=WEEK.next().monday(10))
        .manager_requested(at=WEEK.next().monday(11))
        .reassigned(at=WEEK.next().monday(11), team="billing", assignee="bob")
        .status_changed("waiting_on_customer", at=WEEK.next().monday(12))
        .event("custom", at=WEEK.next().monday(12), name="survey-sent")
        .resolved(at=WEEK.next().tuesday(9))
        .closed(at=WEEK.next().tuesday(10))
        .build()
    )
    assert isinstance(issue, Issue)
    assert issue.created_at == WEEK.friday(16) and issue.priority == "P1"
    assert issue.tags == frozenset({"vip"})
    assert [
        (e.kind.value, e.at, e.status or e.level or e.team or e.actor or e.name)
        for e in issue.history
    ] == [
        ("created", WEEK.friday(16), None),
        ("customer_message", WEEK.friday(16, 10), None),
        ("agent_reply", WEEK.friday(16, 20), None),
        ("acknowledged", WEEK.friday(16, 25), "alice"),
        ("status_changed", WEEK.friday(17), "pending"),
        ("status_changed", WEEK.next().monday(9), "open"),
        ("level_changed", WEEK.next().monday(10), "L2"),
        ("manager_requested", WEEK.next().monday(11), None),
        ("reassigned", WEEK.next().monday(11), "billing"),
        ("status_changed", WEEK.next().monday(12), "waiting_on_customer"),
        ("custom", WEEK.next().monday(12), "survey-sent"),
        ("status_changed", WEEK.next().tuesday(9), "resolved"),
        ("status_changed", WEEK.next().tuesday(10), "closed"),
    ]
    # fields follow the history
    assert (issue.status, issue.level, issue.team, issue.assignee) == (
        "closed",
        "L2",
        "billing",
        "bob",
    )


def test_a_builder_is_immutable() -> None:
    start = an_issue("T-1", opened=EPOCH)
    later = start.customer_replied(at=hours(1))
    assert start.build().history == (Event(EventKind.CREATED, EPOCH),)
    assert len(later.build().history) == 2
    with pytest.raises(AttributeError):
        start.issue = later.issue  # type: ignore[misc]


def test_at_may_be_a_duration_from_the_opening() -> None:
    issue = an_issue("T-1", opened=WEEK.monday(9)).agent_replied(at=minutes(90)).build()
    assert issue.history[-1].at == WEEK.monday(10, 30)


def test_pendulum_instants_are_accepted_and_keep_their_instant() -> None:
    opened = pendulum.datetime(2026, 3, 2, 9, 0, tz="Europe/Berlin")
    issue = an_issue("T-1", opened=opened).customer_replied(at=opened.add(hours=1)).build()
    assert issue.created_at == WEEK.monday(9)
    assert type(issue.created_at) is datetime
    assert issue.history[-1].at == WEEK.monday(10)


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda: an_issue("T-1", opened=datetime(2026, 3, 2, 9, 0)),
            NaiveDatetimeError,
            r"an_issue\(opened=...\) must be timezone-aware, got the naive datetime "
            r"'2026-03-02T09:00:00'",
        ),
        (
            lambda: an_issue("T-1", opened=EPOCH).pending(at=datetime(2026, 3, 2, 10, 0)),
            NaiveDatetimeError,
            r"pending\(at=...\) must be timezone-aware",
        ),
        (
            lambda: (
                an_issue("T-1", opened=EPOCH)
                .agent_replied(at=EPOCH + hours(2))
                .customer_replied(at=EPOCH + hours(1))
            ),
            IssueError,
            r"issue 'T-1': customer_replied at Mon 2 Mar 2026 10:00 UTC comes before the last "
            r"event \(agent_reply at Mon 2 Mar 2026 11:00 UTC\); add events in time order",
        ),
        (
            lambda: an_issue("T-1", opened=EPOCH).pending(at=hours(2)).reopened(at=hours(1)),
            IssueError,
            r"issue 'T-1': reopened at Mon 2 Mar 2026 10:00 UTC comes before the last event",
        ),
        (lambda: an_issue("T-1", opened=EPOCH, tags="vip"), IssueError, "write \\['vip'\\]"),
        (lambda: an_issue("T-1", opened=EPOCH, history=[]), TypeError, "builds the history"),
        (lambda: an_issue("T-1", opened=EPOCH).with_fields(id="T-2"), TypeError, "cannot change"),
    ],
    ids=[
        "naive-opened",
        "naive-at",
        "out-of-order",
        "out-of-order-offset",
        "bare-string-tags",
        "history",
        "id",
    ],
)
def test_bad_builder_input_is_refused(build: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as info:
        build()  # type: ignore[operator]
    if isinstance(info.value, IssueError):
        assert isinstance(info.value, EscalationRulesError) and isinstance(info.value, ValueError)


def test_with_fields_and_took() -> None:
    policy = example_policy()
    builder = an_issue("T-1", opened=EPOCH).with_fields(category="billing", priority="P2")
    issue = builder.build()
    route = assert_routes(policy, issue, at=EPOCH, team="billing")
    done = builder.took(route, at=EPOCH).build()
    assert done.team == "billing" and done.history[-1].action == "support:billing:L1:route"
    assert_no_action(policy, done, at=EPOCH)
    assert isinstance(builder, IssueBuilder)


# -- the fixed clock -----------------------------------------------------------------------


def test_fixed_clock_moves_only_when_moved() -> None:
    clock = FixedClock(EPOCH)
    assert clock.now == EPOCH and clock() == EPOCH
    later = clock.advance(hours(2))
    assert later.now == EPOCH + hours(2)
    assert clock.now == EPOCH  # the old clock did not move
    assert clock.later(minutes(5)) == EPOCH + minutes(5) and clock.now == EPOCH
    assert later.advance(-hours(2)) == clock


def test_fixed_clock_takes_pendulum_and_refuses_naive() -> None:
    clock = FixedClock(pendulum.datetime(2026, 3, 2, 10, 0, tz="Europe/Berlin"))
    assert clock.now == EPOCH
    with pytest.raises(NaiveDatetimeError, match=r"FixedClock\(now\) must be timezone-aware"):
        FixedClock(datetime(2026, 3, 2, 9, 0))


# -- settle --------------------------------------------------------------------------------


def oncall() -> Policy:
    return Policy(
        [
            Level("primary", "Primary", rank=1, owner="alice", ack_timeout=minutes(10)),
            Level("secondary", "Secondary", rank=2, owner="bob", ack_timeout=minutes(20)),
        ],
        [chain("page")],
        name="pager",
    )


def test_settle_carries_out_every_action_at_one_instant() -> None:
    issue = an_issue("P-1", opened=EPOCH).build()
    issue, done = settle(oncall(), issue, EPOCH)
    assert [(a.kind, a.rule) for a in done] == [("notify", "page")]
    issue, done = settle(oncall(), issue, EPOCH + minutes(10))
    assert [
        (type(a).__name__, getattr(a, "to", None) or getattr(a, "target", None)) for a in done
    ] == [
        ("Escalate", "secondary"),
        ("Notify", "bob"),
    ]
    assert issue.level == "secondary"
    assert settle(oncall(), issue, EPOCH + minutes(10)) == (issue, ())


# -- assertions ----------------------------------------------------------------------------


def _indented(lines: list[str]) -> str:
    return "\n".join("    " + line for line in lines)


def test_assertions_pass_and_return_the_action() -> None:
    policy = example_policy()
    issue = an_issue("T-1", opened=EPOCH, priority="P2", category="billing").build()
    assert assert_routes(policy, issue, at=EPOCH, team="billing") == Route(
        "billing",
        "support",
        "matrix support, billing × L1: route to billing",  # noqa: RUF001
        key="support:billing:L1:route",
    )
    assert isinstance(assert_routes(policy, issue, at=EPOCH), Route)
    notify = assert_notifies(policy, issue, at=EPOCH + hours(1.5), target="frontline")
    assert isinstance(notify, Notify) and notify.rule == "resolution-sla-warning"
    escalation = assert_escalates(policy, issue, at=EPOCH + hours(2), to="L2")
    assert isinstance(escalation, Escalate) and escalation.rule == "support"
    assert escalation.key == "support:billing:L1:escalate"
    assert_escalates(policy, issue, at=EPOCH + hours(2), rule="support")
    assert_notifies(policy, issue, at=EPOCH + hours(1.75), rule="resolution-sla-warning")
    decision = assert_next_evaluation(policy, issue, at=EPOCH, expected=EPOCH + hours(1.5))
    assert decision.actions[0].kind == "route"
    assert_next_evaluation(
        policy, issue, at=EPOCH, expected=(EPOCH + hours(1.5)).astimezone(BERLIN)
    )  # an instant, whatever its zone
    resolved = an_issue("T-2", opened=EPOCH).resolved(at=hours(1)).build()
    assert assert_no_action(policy, resolved, at=EPOCH + hours(5)).reason.startswith("issue is")
    assert_next_evaluation(policy, resolved, at=EPOCH + hours(5), expected=None)


def test_a_failed_assert_escalates_says_expected_got_and_why() -> None:
    policy = example_policy()
    issue = (
        an_issue("T-1", opened=WEEK.monday(9), priority="P2", category="billing")
        .customer_replied(at=hours(1))
        .build()
    )
    with pytest.raises(UnexpectedDecision) as info:
        assert_escalates(policy, issue, at=WEEK.monday(10), to="L2")
    exc = info.value
    assert isinstance(exc, AssertionError) and isinstance(exc, EscalationRulesError)
    explanation = policy.explain(issue, WEEK.monday(10))
    assert str(exc) == (
        "expected: issue 'T-1' escalates to L2 at Mon 2 Mar 2026 10:00 CET (Europe/Berlin)\n"
        "     got: route to billing (rule 'support')\n"
        f"why:\n{_indented(explanation.render().splitlines())}\n"
        "history of issue 'T-1' (priority P2, category billing):\n"
        "    Mon 2 Mar 2026 09:00 CET (Europe/Berlin)  +0 min       opened\n"
        "    Mon 2 Mar 2026 10:00 CET (Europe/Berlin)  +1 h         customer wrote"
    )
    assert exc.expected == "issue 'T-1' escalates to L2 at Mon 2 Mar 2026 10:00 CET (Europe/Berlin)"
    assert exc.decision == policy.evaluate(issue, WEEK.monday(10))
    assert exc.explanation == explanation


@pytest.mark.parametrize(
    ("check", "expected", "got"),
    [
        (
            lambda p, i: assert_escalates(p, i, at=EPOCH + hours(2), to="L3"),
            "issue 'T-1' escalates to L3 at Mon 2 Mar 2026 11:00 UTC",
            "notify frontline (rule 'resolution-sla-warning'); escalate to L2 (rule 'support')",
        ),
        (
            lambda p, i: assert_escalates(p, i, at=EPOCH + hours(1), rule="manager-requested"),
            "issue 'T-1' escalates by rule 'manager-requested' at Mon 2 Mar 2026 10:00 UTC",
            "no action (next evaluation at Mon 2 Mar 2026 10:30 UTC)",
        ),
        (
            lambda p, i: assert_notifies(p, i, at=EPOCH, target="supervisors"),
            "issue 'T-1' notifies supervisors at Mon 2 Mar 2026 09:00 UTC",
            "no action (next evaluation at Mon 2 Mar 2026 10:30 UTC)",
        ),
        (
            lambda p, i: assert_notifies(p, i, at=EPOCH),
            "issue 'T-1' notifies someone at Mon 2 Mar 2026 09:00 UTC",
            "no action (next evaluation at Mon 2 Mar 2026 10:30 UTC)",
        ),
        (
            lambda p, i: assert_routes(p, i, at=EPOCH, team="billing"),
            "issue 'T-1' is routed to billing at Mon 2 Mar 2026 09:00 UTC",
            "no action (next evaluation at Mon 2 Mar 2026 10:30 UTC)",
        ),
        (
            lambda p, i: assert_routes(p, i, at=EPOCH),
            "issue 'T-1' is routed somewhere at Mon 2 Mar 2026 09:00 UTC",
            "no action (next evaluation at Mon 2 Mar 2026 10:30 UTC)",
        ),
        (
            lambda p, i: assert_no_action(p, i, at=EPOCH + hours(1.5)),
            "no action for issue 'T-1' at Mon 2 Mar 2026 10:30 UTC",
            "notify frontline (rule 'resolution-sla-warning')",
        ),
        (
            lambda p, i: assert_next_evaluation(p, i, at=EPOCH, expected=EPOCH + hours(2)),
            "next evaluation at Mon 2 Mar 2026 11:00 UTC "
            "(issue 'T-1' evaluated at Mon 2 Mar 2026 09:00 UTC)",
            "next evaluation at Mon 2 Mar 2026 10:30 UTC",
        ),
        (
            lambda p, i: assert_next_evaluation(p, i, at=EPOCH, expected=None),
            "nothing changes without a new event "
            "(issue 'T-1' evaluated at Mon 2 Mar 2026 09:00 UTC)",
            "next evaluation at Mon 2 Mar 2026 10:30 UTC",
        ),
        (
            lambda p, i: assert_next_evaluation(
                p, i, at=EPOCH + hours(100), expected=EPOCH + hours(101)
            ),
            "next evaluation at Fri 6 Mar 2026 14:00 UTC "
            "(issue 'T-1' evaluated at Fri 6 Mar 2026 13:00 UTC)",
            "nothing changes without a new event, and due now: notify frontline "
            "(rule 'resolution-sla-warning'); escalate to L2 (rule 'support')",
        ),
    ],
    ids=[
        "escalates-to",
        "escalates-rule",
        "notifies-target",
        "notifies-anyone",
        "routes-team",
        "routes-anywhere",
        "no-action",
        "next-evaluation",
        "next-evaluation-none",
        "next-evaluation-with-actions",
    ],
)
def test_failed_assertions_name_what_was_expected_and_what_came(
    check: object, expected: str, got: str
) -> None:
    policy = example_policy()
    # with frontline already, the team the matrix gives an L1 issue of its category
    issue = an_issue("T-1", opened=EPOCH, priority="P3", team="frontline").build()
    with pytest.raises(UnexpectedDecision) as info:
        check(policy, issue)  # type: ignore[operator]
    first, second = str(info.value).splitlines()[:2]
    assert first == f"expected: {expected}"
    assert second == f"     got: {got}"
    assert info.value.expected == expected


def test_an_unexpected_decision_pickles() -> None:
    issue = an_issue("T-1", opened=EPOCH).build()
    with pytest.raises(UnexpectedDecision) as info:
        assert_no_action(example_policy(), issue, at=EPOCH + hours(2))
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is UnexpectedDecision and str(copy) == str(info.value)
    assert copy.decision == info.value.decision and copy.expected == info.value.expected


def test_assertions_refuse_a_naive_instant() -> None:
    issue = an_issue("T-1", opened=EPOCH).build()
    with pytest.raises(NaiveDatetimeError, match=r"assert_escalates\(at=...\)"):
        assert_escalates(example_policy(), issue, at=datetime(2026, 3, 2, 9, 0))
    with pytest.raises(NaiveDatetimeError, match=r"assert_next_evaluation\(expected=...\)"):
        assert_next_evaluation(
            example_policy(), issue, at=EPOCH, expected=datetime(2026, 3, 2, 9, 0)
        )


def test_assertions_do_not_change_their_inputs() -> None:
    policy = example_policy()
    issue = an_issue("T-1", opened=EPOCH, category="billing").build()
    before = (issue, issue.history)
    assert_routes(policy, issue, at=EPOCH)
    with pytest.raises(UnexpectedDecision):
        assert_no_action(policy, issue, at=EPOCH)
    assert (issue, issue.history) == before
