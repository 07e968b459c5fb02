"""Conditions on the instant: since(), happened(), clock(...).elapsed/.breached/.state."""

from __future__ import annotations

import operator
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    BusinessCalendar,
    BusinessClock,
    Context,
    EscalationRulesError,
    Event,
    EventKind,
    F,
    Level,
    Policy,
    PolicyError,
    Status,
    WallClock,
    after,
    clock,
    escalate,
    format_condition,
    from_dict,
    happened,
    hours,
    minutes,
    notify,
    parse_condition,
    route,
    since,
    to_dict,
)

from ..conftest import T0, at, make_issue, three_levels

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


# -- operators: the four orderings, on both kinds of elapsed time ---------------------------

_PY_OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@settings(max_examples=50, deadline=None)
@given(
    op=st.sampled_from(sorted(_PY_OPS)),
    threshold=st.integers(min_value=1, max_value=600),
    offset=st.integers(min_value=0, max_value=700 * 60 * 1_000_000),
)
def test_since_compares_the_elapsed_time_and_wakes_the_host_when_it_flips(
    op: str, threshold: int, offset: int
) -> None:
    """``since(created) OP d`` at *now* is ``(now - created) OP d``; while the value can
    still change without a new event, the next evaluation is the instant it does."""
    d = minutes(threshold)
    now = T0 + timedelta(microseconds=offset)
    cond = parse_condition(f'since("created") {op} {threshold}m')
    policy = Policy(three_levels(), [notify("n", when=cond, to="x", at=AT_ONCE)])  # type: ignore[arg-type]
    decision = policy.evaluate(make_issue(), now)
    assert bool(decision.actions) is _PY_OPS[op](now - T0, d)
    flip = T0 + d if op in (">=", "<") else T0 + d + US
    assert decision.next_evaluation_at == (flip if now < flip else None)


def _elapsed_policy(cond: object) -> Policy:
    return Policy(three_levels(), [notify("n", when=cond, to="x", at=AT_ONCE)])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "flip", "holds_after"),
    [
        (lambda e: e >= hours(1), at(1), True),
        (lambda e: e > hours(1), at(1) + US, True),
        (lambda e: e < hours(1), at(1), False),
        (lambda e: e <= hours(1), at(1) + US, False),
    ],
    ids=[">=", ">", "<", "<="],
)
def test_clock_elapsed_flips_at_the_instant_the_clock_counts_the_duration(
    build: Any, flip: datetime, holds_after: bool
) -> None:
    """A running resolution clock reaches 1 h at T0 + 1 h; each operator flips on its side."""
    policy = _elapsed_policy(build(clock("resolution").elapsed))
    issue = make_issue()
    before = policy.evaluate(issue, flip - US)
    assert bool(before.actions) is not holds_after
    assert before.next_evaluation_at == flip
    after_flip = policy.evaluate(issue, flip)
    assert bool(after_flip.actions) is holds_after
    assert after_flip.next_evaluation_at is None


@pytest.mark.parametrize(
    ("op", "holds"),
    [("<", True), ("<=", True), (">", False), (">=", False)],
)
def test_a_paused_clock_below_the_duration_stays_below_without_a_wake_up(
    op: str, holds: bool
) -> None:
    """Paused after 30 min of counting, the clock will not reach 1 h without a new event:
    "less than" holds for good, "more than" never does, and the host is not woken."""
    cond = parse_condition(f"clock_elapsed('resolution') {op} 1h")
    pending = make_issue(
        "T-1", Event(EventKind.STATUS_CHANGED, at(0, 30), status="pending"), status="pending"
    )
    decision = _elapsed_policy(cond).evaluate(pending, at(5))
    assert bool(decision.actions) is holds
    assert decision.next_evaluation_at is None


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_clock_elapsed_of_a_clock_that_has_not_started_is_false(op: str) -> None:
    """No next-response cycle before the first agent reply: ``elapsed OP d`` is false
    whatever the operator, like ``since`` an event that has not happened."""
    cond = parse_condition(f"clock_elapsed('next_response') {op} 1h")
    decision = _elapsed_policy(cond).evaluate(make_issue(), at(5))
    assert decision.actions == () and decision.next_evaluation_at is None


@pytest.mark.parametrize(
    ("dsl", "text"),
    [
        (lambda: since("created") < hours(1), "since('created') < 1h"),
        (lambda: since("created") <= hours(1), "since('created') <= 1h"),
        (lambda: since("acknowledged") > minutes(30), "since('acknowledged') > 30m"),
        (lambda: since("last_agent_reply") >= hours(4), "since('last_agent_reply') >= 4h"),
        (lambda: clock("resolution").elapsed < hours(2), "clock_elapsed('resolution') < 2h"),
        (lambda: clock("resolution").elapsed <= minutes(2), "clock_elapsed('resolution') <= 2m"),
        (
            lambda: clock("periodic_update").elapsed > hours(1),
            "clock_elapsed('periodic_update') > 1h",
        ),
        (lambda: clock("resolution").elapsed >= hours(2), "clock_elapsed('resolution') >= 2h"),
        (lambda: clock("resolution").breached, "breached('resolution')"),
        (lambda: clock("resolution").state == "idle", "clock_state('resolution') == 'idle'"),
        (
            lambda: clock("resolution").state != "paused",
            "not clock_state('resolution') == 'paused'",
        ),
        (lambda: happened("acknowledged"), "happened('acknowledged')"),
    ],
)
def test_the_dsl_and_the_text_form_write_the_same_condition(dsl: Any, text: str) -> None:
    """Each Python operator builds the condition its text form names, and formats back to it."""
    cond = dsl()
    assert cond == parse_condition(text)
    assert format_condition(cond) == text


def test_a_timed_condition_refuses_to_be_compiled_for_an_issue_alone() -> None:
    cond = since("created") > hours(1)
    check = cond.compile()
    with pytest.raises(TypeError) as info:
        check(make_issue())
    assert str(info.value) == (
        "since('created') > datetime.timedelta(seconds=3600) depends on the instant; "
        "it can only be decided in a policy's rule"
    )


# -- happened() -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "event", "expected"),
    [
        ("created", None, True),
        ("level_entered", None, True),
        ("acknowledged", None, False),
        ("acknowledged", EventKind.ACKNOWLEDGED, True),
        ("last_agent_reply", EventKind.CUSTOMER_MESSAGE, False),
        ("last_agent_reply", EventKind.AGENT_REPLY, True),
        ("last_customer_message", EventKind.CUSTOMER_MESSAGE, True),
        ("manager_requested", EventKind.AGENT_REPLY, False),
        ("manager_requested", EventKind.MANAGER_REQUESTED, True),
    ],
)
def test_happened_is_true_once_the_anchor_event_is_in_the_history(
    anchor: str, event: EventKind | None, expected: bool
) -> None:
    """``created`` and ``level_entered`` always happened; the others need their event."""
    events = [] if event is None else [Event(event, at(1))]
    issue = make_issue("T-1", *events)
    assert happened(anchor)(issue) is expected
    policy = Policy(three_levels(), [notify("n", when=happened(anchor), to="x", at=AT_ONCE)])  # type: ignore[arg-type]
    assert [a.rule for a in policy.evaluate(issue, at(2)).actions] == (["n"] if expected else [])


# -- the policy's clock measures since() ----------------------------------------------------


class _FrozenWhilePending:
    """A custom `Clock`: wall time, except that nothing counts while the issue is pending."""

    def deadline(self, context: Context, start: datetime, amount: timedelta) -> datetime | None:
        if context.status is Status.PENDING:
            return None
        return start + amount


@pytest.mark.parametrize(
    ("op", "holds_when_frozen"),
    [("<", True), ("<=", True), (">", False), (">=", False)],
)
def test_since_asks_the_policys_clock_with_the_evaluations_context(
    op: str, holds_when_frozen: bool
) -> None:
    """The clock gets the context (here: the status); a deadline of None means "never"."""
    cond = parse_condition(f'since("created") {op} 1h')
    policy = Policy(
        three_levels(),
        [route("n", when=cond, to="x")],  # type: ignore[arg-type]
        clock=_FrozenWhilePending(),
    )
    open_issue = make_issue()
    assert bool(policy.evaluate(open_issue, at(5)).actions) is not holds_when_frozen
    pending = make_issue(
        "T-1", Event(EventKind.STATUS_CHANGED, at(0, 10), status="pending"), status="pending"
    )
    frozen = policy.evaluate(pending, at(5))
    assert bool(frozen.actions) is holds_when_frozen
    assert frozen.next_evaluation_at is None


# -- clock(...).breached --------------------------------------------------------------------


def test_breached_is_false_for_a_clock_without_a_target_at_this_level() -> None:
    """three_levels() sets only time_at_level targets: first_response is never breached,
    and reading it is no error."""
    policy = Policy(
        three_levels(),
        [
            route("fr", when=clock("first_response").breached, to="rescue"),
            route("tal", when=clock("time_at_level").breached, to="rescue"),
        ],
    )
    issue = make_issue()
    assert policy.evaluate(issue, at(1)).next_evaluation_at == at(2)
    assert [a.rule for a in policy.evaluate(issue, at(30)).actions] == ["tal"]


def test_clock_elapsed_and_state_read_clocks_without_a_target() -> None:
    """elapsed and state do not need a target: they read the clock as it runs."""
    policy = Policy(
        three_levels(),
        [
            route("long", when=clock("resolution").elapsed >= hours(1), to="slow"),
            notify("idle", when=clock("next_response").state == "idle", to="x", at=AT_ONCE),  # type: ignore[arg-type]
        ],
    )
    assert [a.rule for a in policy.evaluate(make_issue(), at(2)).actions] == ["long", "idle"]


# -- refused when built: the message and the attributes users match on ----------------------


def _evolved_op() -> object:
    return attrs.evolve(since("created") >= hours(1), op="==")


@pytest.mark.parametrize(
    ("build", "message", "value", "suggestion"),
    [
        (lambda: clock(""), "clock() takes an SLA clock name, got ''", "", None),
        (lambda: clock(3), "clock() takes an SLA clock name, got 3", 3, None),
        (lambda: clock(None), "clock() takes an SLA clock name, got None", None, None),
        (
            lambda: clock("resolution").state == "pausd",
            "a clock's state is one of ['running', 'paused', 'stopped', 'idle'], "
            "not 'pausd' (did you mean 'paused'?)",
            "pausd",
            "paused",
        ),
        (
            lambda: clock("resolution").state == "gone",
            "a clock's state is one of ['running', 'paused', 'stopped', 'idle'], not 'gone'",
            "gone",
            None,
        ),
        (_evolved_op, "a time is compared with <, <=, > or >=, not '=='", "==", None),
    ],
    ids=["empty-name", "int-name", "none-name", "misspelt-state", "unknown-state", "equals-op"],
)
def test_bad_timed_conditions_are_refused_when_written(
    build: Any, message: str, value: object, suggestion: str | None
) -> None:
    with pytest.raises(PolicyError) as info:
        build()
    err = info.value
    assert isinstance(err, EscalationRulesError) and isinstance(err, ValueError)
    assert str(err) == message
    assert err.value == value and err.suggestion == suggestion and err.where is None


_CLOCKS = (
    "clocks are ['first_response', 'next_response', 'periodic_update', 'resolution', "
    "'time_at_level'] (did you mean 'resolution'?)"
)


@pytest.mark.parametrize(
    "when",
    [
        lambda: clock("resolutoin").breached,
        lambda: (F.priority == "P1") & clock("resolutoin").breached,
        lambda: (F.priority == "P1") | (clock("resolutoin").elapsed > hours(1)),
        lambda: ~(clock("resolutoin").state == "paused"),
        lambda: (F.priority == "P1") & ~((F.priority == "P2") | clock("resolutoin").breached),
    ],
    ids=["leaf", "and", "or", "not", "nested"],
)
def test_an_unknown_clock_is_refused_wherever_it_sits_in_the_condition(when: Any) -> None:
    with pytest.raises(PolicyError) as info:
        Policy(three_levels(), [escalate("r", when=when())])
    err = info.value
    assert str(err) == (
        "rule 'r': reads the SLA clock 'resolutoin', which the policy does not have; " + _CLOCKS
    )
    assert (err.where, err.value, err.suggestion) == ("rule 'r'", "resolutoin", "resolution")


# -- the policy file writes since() durations on the policy's clock -------------------------


def test_a_policy_file_writes_since_durations_in_the_policys_clock() -> None:
    """On a business clock every since() duration, however deep, is written '... business';
    on the wall clock none is; both read back to the same condition."""
    when = (
        ((since("created") >= hours(4)) & ~(since("last_agent_reply") < minutes(30)))
        | (F.priority == "P1")
        | (since("acknowledged") <= hours(1))
    )
    text = (
        "(since('created') >= 4h{b} and not since('last_agent_reply') < 30m{b}) "
        "or priority == \"P1\" or since('acknowledged') <= 1h{b}"
    )
    calendar = BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})
    for policy_clock, suffix in [(BusinessClock(calendar), " business"), (WallClock(), "")]:
        policy = Policy(three_levels(), [escalate("q", when=when)], clock=policy_clock)
        written = to_dict(policy)
        assert written["rules"][0]["when"] == text.format(b=suffix)
        assert from_dict(written).rules[0].when == when
