"""Clocks you configure: the six conditions, the presets, cycles, retroactive start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    BusinessCalendar,
    Event,
    EventKind,
    Issue,
    Level,
    Policy,
    PolicyError,
    PolicySyntaxError,
    SlaClock,
    Trigger,
    business_days,
    by_priority,
    from_dict,
    hours,
    loads,
    notify,
    sla,
    to_dict,
    wall,
)

from ..conftest import T0

SETTINGS = settings(max_examples=120, deadline=None)


def at(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def policy_with(
    *clocks: SlaClock, targets: dict[str, object] | None = None, **kw: object
) -> Policy:
    names = [c.name for c in clocks]
    table = targets if targets is not None else {n: wall(hours(4)) for n in names}
    return Policy(
        [Level("L1", "One", rank=1, owner="one", targets=table)],  # type: ignore[arg-type]
        [],
        clocks=clocks,
        **kw,  # type: ignore[arg-type]
    )


def issue(*events: Event, **fields: object) -> Issue:
    return Issue("C-1", T0, **fields).with_events(events)  # type: ignore[arg-type]


def ev(kind: str, h: float, **fields: str) -> Event:
    return Event(kind, at(h), **fields)


# -- triggers and definitions -------------------------------------------------------------


def test_triggers_read_from_text() -> None:
    assert Trigger.parse("agent_reply") == Trigger("agent_reply")
    assert Trigger.parse("status:hold,pending") == Trigger("status_changed", {"hold", "pending"})
    assert Trigger.parse("custom:callback") == Trigger("custom", name="callback")
    assert str(Trigger.parse("status:hold")) == "status:hold"


@pytest.mark.parametrize(
    ("build", "message", "suggestion"),
    [
        (lambda: Trigger.parse("agent_replied"), "unknown clock trigger 'agent_replied'",
         "agent_reply"),
        (lambda: Trigger.parse("stat:hold"), "unknown clock trigger 'stat:hold'", "status"),
        (lambda: Trigger("agent_reply", statuses=["hold"]),
         "only a status_changed trigger names statuses", None),
        (lambda: SlaClock("x", "custom"), "clock 'x': the clock never runs: it has no start", None),
        (lambda: SlaClock("x", "resolution", resume=["customer_message"]),
         "resume names events, but pause names none", None),
        (lambda: SlaClock("x", "resolution", retroactive="no"),  # type: ignore[arg-type]
         "retroactive must be true or false", None),
    ],
)  # fmt: skip
def test_bad_clock_definitions_say_what(build: object, message: str, suggestion: object) -> None:
    with pytest.raises(PolicyError) as caught:
        build()  # type: ignore[operator]
    assert message in str(caught.value)
    assert caught.value.suggestion == suggestion


def test_the_five_default_clocks_are_presets_of_the_conditions() -> None:
    clock = SlaClock("first_response")
    assert [str(t) for t in clock.start] == ["created"]
    assert [str(t) for t in clock.stop] == ["agent_reply"]
    nxt = SlaClock("next_response")
    assert [str(t) for t in nxt.armed_by] == ["agent_reply"]
    assert [str(t) for t in SlaClock("resolution", on_reopen="restart").reset] == ["reopened"]


# -- presets from the products ----------------------------------------------------------


def test_requester_wait_and_agent_work_from_one_history_with_on_hold() -> None:
    policy = policy_with(
        SlaClock("requester_wait"),
        SlaClock("agent_work", pause_on=["pending", "hold"]),
        status_map={"hold": "open"},
    )
    history = issue(
        ev("status_changed", 1, status="pending"),
        ev("status_changed", 2, status="open"),
        ev("status_changed", 3, status="hold"),
        ev("status_changed", 5, status="open"),
        ev("status_changed", 6, status="resolved"),
    )
    wait = policy.sla_clock(history, at(7), "requester_wait")
    work = policy.sla_clock(history, at(7), "agent_work")
    assert (wait.state, wait.elapsed) == ("stopped", hours(5))  # all but the hour pending
    assert (work.state, work.elapsed) == ("stopped", hours(3))  # and not the two on hold
    assert work.paused == ((at(1), at(2)), (at(3), at(5)))


def test_time_to_own_stops_at_the_first_acknowledgement_or_assignment() -> None:
    policy = policy_with(SlaClock("time_to_own"))
    owned = policy.sla_clock(issue(ev("reassigned", 2, assignee="ann")), at(9), "time_to_own")
    assert (owned.state, owned.elapsed, owned.breached) == ("stopped", hours(2), False)
    acked = policy.sla_clock(issue(ev("acknowledged", 5)), at(9), "time_to_own")
    assert (acked.state, acked.elapsed, acked.breached) == ("stopped", hours(5), True)
    # time to own does not pause while pending
    waiting = issue(ev("status_changed", 1, status="pending"))
    assert policy.sla_clock(waiting, at(3), "time_to_own").elapsed == hours(3)


def test_group_ownership_starts_a_cycle_for_each_new_team() -> None:
    policy = policy_with(SlaClock("group_ownership"))
    history = issue(
        ev("reassigned", 1, team="billing"),
        ev("reassigned", 2, team="billing", assignee="bob"),  # same team: same cycle
        ev("reassigned", 4, team="refunds"),
    )
    state = policy.sla_clock(history, at(10), "group_ownership")
    assert (state.started_at, state.elapsed, state.breached) == (at(4), hours(6), True)
    assert [(c.started_at, c.stopped_at, c.elapsed, c.ended) for c in state.cycles] == [
        (at(1), at(4), hours(3), "reset")
    ]
    assert state.cycles[0].met
    assert policy.sla_clock(issue(), at(1), "group_ownership").state == "idle"


def test_pausable_update_starts_at_the_first_agent_reply_and_pauses_while_pending() -> None:
    policy = policy_with(SlaClock("pausable_update"))
    assert policy.sla_clock(issue(), at(5), "pausable_update").state == "idle"
    history = issue(
        ev("agent_reply", 1),
        ev("status_changed", 2, status="pending"),
        ev("status_changed", 3, status="open"),
    )
    state = policy.sla_clock(history, at(5), "pausable_update")
    assert (state.started_at, state.elapsed) == (at(1), hours(3))


# -- the options the products need ------------------------------------------------------


def test_first_response_stopped_by_another_event_than_next_response() -> None:
    policy = policy_with(
        SlaClock("first_response", stop=["acknowledged"]), SlaClock("next_response")
    )
    history = issue(ev("acknowledged", 1), ev("customer_message", 2))
    first = policy.sla_clock(history, at(3), "first_response")
    assert (first.state, first.elapsed) == ("stopped", hours(1))
    # no agent reply yet: next response has not started
    assert policy.sla_clock(history, at(3), "next_response").state == "idle"


def test_zammad_update_time_runs_before_the_first_reply() -> None:
    zammad = SlaClock(
        "update_time", "next_response", start=["created", "customer_message"], armed_by=[]
    )
    policy = policy_with(zammad)
    before_reply = policy.sla_clock(issue(), at(3), "update_time")
    assert (before_reply.state, before_reply.started_at, before_reply.elapsed) == (
        "running", T0, hours(3),
    )  # fmt: skip
    answered = issue(ev("agent_reply", 1), ev("customer_message", 2), ev("customer_message", 3))
    state = policy.sla_clock(answered, at(4), "update_time")
    assert (state.started_at, state.elapsed) == (at(2), hours(2))  # the oldest unanswered
    assert [(c.started_at, c.elapsed, c.ended) for c in state.cycles] == [(T0, hours(1), "stopped")]


def test_cancel_removes_the_target() -> None:
    policy = policy_with(SlaClock("resolution", cancel=["status:closed"]))
    state = policy.sla_clock(issue(ev("status_changed", 5, status="closed")), at(6), "resolution")
    assert (state.state, state.target, state.breached, state.deadline) == (
        "cancelled", None, False, None,
    )  # fmt: skip
    assert [(c.ended, c.breached, c.met) for c in state.cycles] == [("cancelled", False, False)]
    assert policy.evaluate(issue(ev("status_changed", 5, status="closed")), at(6)).actions == ()


def test_pause_and_resume_on_events() -> None:
    clock = SlaClock(
        "waiting_on_vendor", "resolution", pause=["custom:vendor_called"],
        resume=["custom:vendor_answered"],
    )  # fmt: skip
    policy = policy_with(clock)
    history = issue(
        Event("custom", at(1), name="vendor_called"),
        Event("custom", at(4), name="vendor_answered"),
    )
    state = policy.sla_clock(history, at(6), "waiting_on_vendor")
    assert (state.elapsed, state.paused) == (hours(3), ((at(1), at(4)),))
    assert policy.sla_clock(history, at(2), "waiting_on_vendor").state == "paused"


def test_completed_cycles_report_met_and_breached() -> None:
    policy = policy_with(SlaClock("next_response"), targets={"next_response": wall(hours(2))})
    history = issue(
        ev("agent_reply", 0.5),
        ev("customer_message", 1), ev("agent_reply", 2),  # 1 h: met
        ev("customer_message", 3), ev("agent_reply", 6),  # 3 h: breached
    )  # fmt: skip
    state = policy.sla_clock(history, at(7), "next_response")
    assert state.state == "idle"
    assert [(c.elapsed, c.met, c.breached) for c in state.cycles] == [
        (hours(1), True, False), (hours(3), False, True),
    ]  # fmt: skip
    assert max(c.elapsed for c in state.cycles) == hours(3)  # the longest answered exchange


def test_retroactive_start_counts_from_creation_or_from_the_priority_change() -> None:
    targets = {"resolution": by_priority(P1=wall(hours(4)))}
    raised = issue(ev("priority_changed", 6, priority="P1"), priority="P3")
    assert raised.priority == "P1"
    retro = policy_with(SlaClock("resolution"), targets=targets)
    state = retro.sla_clock(raised, at(7), "resolution")
    assert (state.started_at, state.elapsed, state.breached) == (T0, hours(7), True)
    late = policy_with(SlaClock("resolution", retroactive=False), targets=targets)
    state = late.sla_clock(raised, at(7), "resolution")
    assert (state.started_at, state.elapsed, state.breached) == (at(6), hours(1), False)
    assert state.deadline == at(10)
    # a change between two priorities that both have a target keeps the original start
    both = {"resolution": by_priority(P1=wall(hours(4)), default=wall(hours(24)))}
    keep = policy_with(SlaClock("resolution", retroactive=False), targets=both)
    assert keep.sla_clock(raised, at(7), "resolution").started_at == T0


def test_status_changes_at_one_instant_count_as_the_last() -> None:
    policy = policy_with(SlaClock("resolution", on_reopen="restart"))
    flicker = issue(
        ev("status_changed", 1, status="resolved"),
        ev("status_changed", 2, status="open"),  # reopened and resolved at one instant
        ev("status_changed", 2, status="resolved"),
    )
    state = policy.sla_clock(flicker, at(3), "resolution")
    assert (state.state, state.started_at, state.cycles) == ("stopped", T0, ())


# -- laws ---------------------------------------------------------------------------------

KINDS = ["agent_reply", "customer_message", "acknowledged", "reassigned", "priority_changed"]
PRESETS = [
    SlaClock("first_response"),
    SlaClock("next_response"),
    SlaClock("periodic_update"),
    SlaClock("resolution", on_reopen="restart"),
    SlaClock("pausable_update"),
    SlaClock("requester_wait"),
    SlaClock("agent_work", pause_on=["pending", "hold"]),
    SlaClock("group_ownership"),
    SlaClock("time_to_own"),
    SlaClock("vendor", "resolution", pause=["custom:away"], resume=["custom:back"],
             cancel=["status:closed"], retroactive=False),
]  # fmt: skip


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    events: list[Event] = []
    t = T0
    for _ in range(draw(st.integers(0, 12))):
        t += timedelta(minutes=draw(st.sampled_from([0, 0, 7, 30, 90, 240])))
        roll = draw(st.integers(0, 9))
        if roll <= 3:
            status = draw(st.sampled_from(["open", "pending", "hold", "resolved", "closed"]))
            events.append(Event("status_changed", t, status=status))
        elif roll == 4:
            events.append(Event("custom", t, name=draw(st.sampled_from(["away", "back"]))))
        else:
            kind = draw(st.sampled_from(KINDS))
            extra = {"team": draw(st.sampled_from(["a", "b"]))} if kind == "reassigned" else {}
            if kind == "priority_changed":
                extra = {"priority": draw(st.sampled_from(["P1", "P3"]))}
            events.append(Event(kind, t, **extra))
    return events


LAW_POLICY = policy_with(
    *PRESETS,
    targets={c.name: by_priority(P1=wall(hours(2))) for c in PRESETS},
    status_map={"hold": "open"},
)


@SETTINGS
@given(histories(), st.integers(0, 48 * 60))
def test_a_history_folded_event_by_event_says_what_it_says_at_once(
    events: list[Event], minutes: int
) -> None:
    """The incremental fold (an event appended, evaluated, the next appended...) agrees with
    folding the whole history at once, for every clock, at every instant."""
    whole = Issue("L-1", T0, priority="P1").with_events(events)
    grown = Issue("L-1", T0, priority="P1")
    for event in events:
        grown = grown.with_event(event)
        for clock in PRESETS:
            LAW_POLICY.sla_clock(grown, event.at, clock.name)  # memoised on the way
    now = max([T0, *(e.at for e in events)]) + timedelta(minutes=minutes)
    for clock in PRESETS:
        assert LAW_POLICY.sla_clock(grown, now, clock.name) == LAW_POLICY.sla_clock(
            whole, now, clock.name
        ), clock.name


@SETTINGS
@given(histories(), st.integers(0, 24 * 60), st.integers(1, 24 * 60))
def test_a_stopped_or_cancelled_clock_never_runs(
    events: list[Event], minutes: int, later: int
) -> None:
    issue_ = Issue("L-2", T0, priority="P1").with_events(events)
    now = max([T0, *(e.at for e in events)]) + timedelta(minutes=minutes)
    for clock in PRESETS:
        state = LAW_POLICY.sla_clock(issue_, now, clock.name)
        if state.state in ("stopped", "cancelled", "idle", "paused"):
            after = LAW_POLICY.sla_clock(issue_, now + timedelta(minutes=later), clock.name)
            assert after.elapsed == state.elapsed, clock.name
        if state.state == "cancelled":
            assert state.target is None and not state.breached and state.deadline is None


@SETTINGS
@given(histories(), st.integers(0, 12 * 60))
def test_a_reset_starts_a_new_cycle_from_zero(events: list[Event], minutes: int) -> None:
    clock = SlaClock("update", "periodic_update", pause_on=())
    policy = policy_with(clock, status_map={"hold": "open"})
    base = Issue("L-3", T0).with_events(events)
    t = max([T0, *(e.at for e in events)]) + timedelta(minutes=minutes)
    before = policy.sla_clock(base, t, "update")
    after = policy.sla_clock(base.with_event(Event("agent_reply", t)), t, "update")
    assert (after.started_at, after.elapsed) == (t, timedelta(0))
    if before.state in ("running", "paused") and t > (before.started_at or t):
        assert len(after.cycles) == len(before.cycles) + 1
        assert after.cycles[-1].elapsed == before.elapsed


@SETTINGS
@given(histories(), st.integers(0, 12 * 60), st.integers(1, 12 * 60))
def test_pausing_by_event_never_shortens_the_remaining_time(
    events: list[Event], start: int, length: int
) -> None:
    plain = [e for e in events if e.kind is not EventKind.CUSTOM]
    spell = [
        Event("custom", T0 + timedelta(minutes=start), name="away"),
        Event("custom", T0 + timedelta(minutes=start + length), name="back"),
    ]
    paused = sorted(plain + spell, key=lambda e: e.at)
    a = Issue("L-4", T0, priority="P1").with_events(plain)
    b = Issue("L-4", T0, priority="P1").with_events(paused)
    now = max([T0, *(e.at for e in paused)]) + timedelta(hours=1)
    x, y = LAW_POLICY.sla_clock(a, now, "vendor"), LAW_POLICY.sla_clock(b, now, "vendor")
    assert y.elapsed <= x.elapsed


# -- business days and policy files -----------------------------------------------------


def test_a_target_of_business_days_falls_due_at_the_same_local_time() -> None:
    office = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})
    monday = datetime(2026, 3, 2, 8, tzinfo=UTC)  # 09:00 in Berlin
    policy = Policy(
        [Level("L1", "One", rank=1, owner="one", targets={"resolution": business_days(2)})],
        [],
        calendars={"office": office},
        calendar="office",
    )
    state = policy.sla_clock(Issue("B-1", monday), monday + hours(1), "resolution")
    assert state.deadline == datetime(2026, 3, 4, 8, tzinfo=UTC)  # Wednesday 09:00
    assert state.target is not None and str(state.target) == "2 business days"
    assert state.target.duration == hours(16)
    paused = Issue("B-1", monday).with_events([
        Event("status_changed", monday + hours(1), status="pending"),
        Event("status_changed", monday + hours(2), status="open"),
    ])  # fmt: skip
    assert policy.sla_clock(paused, monday + hours(3), "resolution").deadline == datetime(
        2026, 3, 4, 9, tzinfo=UTC
    )  # an hour later: the pause does not count
    with pytest.raises(PolicyError, match="ambiguous"):
        loads(_TOML.replace('"2 business days"', '"2d business"'))
    assert loads(_TOML).levels[0].targets["resolution"]["*"] == business_days(2)


_TOML = """
[policy]
calendar = "office"

[calendars.office]
tz = "Europe/Berlin"
hours = { mon-fri = ["09:00-17:00"] }

[[levels]]
id = "L1"
name = "One"
rank = 1
owner = "one"
targets = { resolution = "2 business days", vendor = "4h", time_to_own = "1h" }

[clocks.vendor]
metric = "resolution"
pause = ["custom:away"]
resume = ["custom:back"]
cancel = ["status:closed"]
retroactive = false

[clocks.time_to_own]

[clocks.first_response]
stop = ["acknowledged"]
"""


def test_clock_conditions_in_policy_files_round_trip() -> None:
    policy = loads(_TOML)
    vendor = policy.clocks["vendor"]
    assert [str(t) for t in vendor.pause] == ["custom:away"]
    assert [str(t) for t in vendor.cancel] == ["status:closed"] and not vendor.retroactive
    assert [str(t) for t in policy.clocks["first_response"].stop] == ["acknowledged"]
    assert policy.clocks["time_to_own"].metric == "time_to_own"
    assert from_dict(to_dict(policy)) == policy


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ('stop = ["acknowledged"]', 'stop = ["acknowleged"]', "did you mean 'acknowledged'"),
        ("retroactive = false", "retroactive = 1", "expected true or false"),
        ('pause = ["custom:away"]\n', "", "resume names"),
    ],
)
def test_bad_clock_conditions_in_policy_files_are_located(
    change: str, where: str, message: str
) -> None:
    with pytest.raises(PolicySyntaxError) as caught:
        loads(_TOML.replace(change, where))
    assert message in str(caught.value) and caught.value.line is not None


def test_explain_shows_the_sla_policy_and_the_finished_cycles() -> None:
    from escalation_rules import F, SlaPolicy

    policy = Policy(
        [Level("L1", "One", rank=1, owner="one")],
        [],
        slas=[
            SlaPolicy("urgent", when=F.priority == "P1", targets={"next_response": hours(1)}),
            SlaPolicy("standard", targets={"next_response": hours(8)}),
        ],
    )
    raised = issue(
        ev("agent_reply", 0.5),
        ev("customer_message", 1),
        ev("agent_reply", 3),
        ev("priority_changed", 4, priority="P1"),
        ev("customer_message", 5),
    )
    explanation = policy.explain(raised, at(6))
    line = next(line for line in str(explanation).splitlines() if "next_response" in line)
    assert "(SLA urgent since Mon 2 Mar 2026 13:00 UTC)" in line
    assert "1 finished cycle (1 breached)" in line  # 2 h, judged against the 1 h target now
    data = explanation.to_dict()["clocks"][0]
    assert (data["sla"], data["sla_since"]) == ("urgent", at(4).isoformat())
    assert [c["ended"] for c in data["cycles"]] == ["stopped"]


def test_a_cycle_started_among_events_of_one_instant_is_scoped_by_its_own_event() -> None:
    policy = policy_with(SlaClock("periodic_update"))
    history = issue(
        ev("customer_message", 1),
        ev("agent_reply", 1),  # index 1: this reply starts the cycle
        ev("status_changed", 1, status="open"),
    )
    state = policy.sla_clock(history, at(2), "periodic_update")
    assert (state.started_at, state.cycle_index) == (at(1), 1)


def test_two_policies_with_the_same_clocks_read_one_issue_by_their_own_status_maps() -> None:
    """The default clocks are shared objects; what a clock folded for one policy's status
    map is not reused for another's."""
    level = Level("L1", "One", rank=1, owner="one", targets={"resolution": wall(hours(8))})
    paused = Policy([level], [], status_map={"hold": "pending"})
    counting = Policy(paused.levels, [], status_map={"hold": "open"})
    held = issue(ev("status_changed", 1, status="hold"), ev("status_changed", 3, status="open"))
    assert paused.sla_clock(held, at(4), "resolution").elapsed == hours(2)
    assert counting.sla_clock(held, at(4), "resolution").elapsed == hours(4)
    assert paused.sla_clock(held, at(4), "resolution").elapsed == hours(2)


# -- found in review ----------------------------------------------------------------------


def test_a_business_day_target_is_not_breached_before_its_due_opening() -> None:
    cal = BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})
    monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
    policy = Policy(
        [Level("L1", "A", rank=1, owner="a", targets={"resolution": business_days(2)})],
        [notify("breach", at=sla("resolution"), to="lead")],
        calendars={"biz": cal},
        calendar="biz",
    )
    ticket = Issue("B", monday)
    tuesday_evening = datetime(2026, 3, 3, 18, tzinfo=UTC)  # all 16 h counted, still closed
    state = policy.sla_clock(ticket, tuesday_evening, "resolution")
    assert (state.elapsed, state.breached) == (hours(16), False)
    decision = policy.evaluate(ticket, tuesday_evening)
    assert decision.actions == ()
    assert decision.next_evaluation_at == datetime(2026, 3, 4, 9, tzinfo=UTC)
    assert policy.sla_clock(ticket, decision.next_evaluation_at, "resolution").breached


def test_a_created_event_does_not_start_a_clock_again() -> None:
    policy = policy_with(SlaClock("first_response"), SlaClock("time_to_own"))
    logged = Issue("C", T0).with_events(
        [ev("agent_reply", 0), ev("acknowledged", 0), Event("created", T0 + timedelta(minutes=1))]
    )
    assert policy.sla_clock(logged, at(3), "first_response").state == "stopped"
    assert policy.sla_clock(logged, at(3), "time_to_own").state == "stopped"


def test_events_dated_before_the_creation_count_from_the_creation() -> None:
    policy = policy_with(SlaClock("resolution"))
    early = Issue("E", T0, history=[
        Event("status_changed", T0 - hours(2), status="pending"),
        Event("status_changed", T0 - hours(1), status="open"),
    ])  # fmt: skip
    state = policy.sla_clock(early, at(1), "resolution")
    assert (state.elapsed, state.paused) == (hours(1), ())


def test_a_pause_event_only_pauses_a_running_cycle() -> None:
    clock = SlaClock(
        "vendor", "next_response", pause=["custom:vendor_hold"], resume=["custom:vendor_back"]
    )
    policy = policy_with(clock)
    history = issue(
        ev("agent_reply", 0.5),
        Event("custom", at(1), name="vendor_hold"),  # nothing awaits a reply: no cycle to pause
        ev("customer_message", 2),
    )
    state = policy.sla_clock(history, at(3), "vendor")
    assert (state.state, state.elapsed) == ("running", hours(1))


def test_the_team_a_creation_records_starts_group_ownership() -> None:
    policy = policy_with(SlaClock("group_ownership"))
    created = Issue("G", T0, history=[Event("created", T0, team="network")]).with_event(
        ev("reassigned", 1, team="network", assignee="bob")  # the same team: the same cycle
    )
    state = policy.sla_clock(created, at(2), "group_ownership")
    assert (state.started_at, state.elapsed, state.cycles) == (T0, hours(2), ())


def test_an_issue_built_at_once_takes_its_priority_from_its_history() -> None:
    built = Issue("P", T0, history=[ev("priority_changed", 1, priority="P1")])
    assert built.priority == "P1"
    assert built.as_of(at(0.5)).priority is None  # unknown before the first change
    created = Issue("P", T0, history=[Event("created", T0, priority="P3")])
    assert (created.priority, created.as_of(T0).priority) == ("P3", "P3")


def test_retroactive_false_still_holds_once_the_cycle_has_stopped() -> None:
    clock = SlaClock("p1", start=["created"], stop=["resolved"], retroactive=False)
    policy = policy_with(clock, targets={"p1": by_priority(P1=wall(hours(4)))})
    raised = issue(ev("priority_changed", 5, priority="P1"), ev("status_changed", 7,
                   status="resolved"), priority="P3")  # fmt: skip
    state = policy.sla_clock(raised, at(8), "p1")
    assert (state.state, state.started_at, state.elapsed, state.breached) == (
        "stopped", at(5), hours(2), False,
    )  # fmt: skip
    assert [(c.elapsed, c.met) for c in state.cycles] == [(hours(2), True)]


def test_each_finished_cycle_is_judged_on_its_own_business_days() -> None:
    short_friday = BusinessCalendar(
        "UTC", {"mon-thu": [("09:00", "17:00")], "fri": [("09:00", "12:00")]}
    )
    policy = Policy(
        [Level("L1", "A", rank=1, owner="a", targets={"next_response": business_days(1)})],
        [],
        calendars={"c": short_friday},
        calendar="c",
    )
    thursday = datetime(2026, 3, 5, 9, tzinfo=UTC)
    ticket = Issue("D", thursday).with_events([
        Event("agent_reply", thursday),
        Event("customer_message", thursday + hours(1)),        # Thu 10:00, due Fri 10:00 (8 h)
        Event("agent_reply", thursday + hours(24.5)),          # Fri 09:30: 7.5 h, in time
        Event("customer_message", thursday + hours(25)),       # Fri 10:00, due Mon 10:00 (4 h)
    ])  # fmt: skip
    state = policy.sla_clock(ticket, thursday + hours(26), "next_response")
    assert [(c.elapsed, c.met) for c in state.cycles] == [(hours(7.5), True)]


ONE_LEVEL = [Level("L1", "a", rank=1, owner="o")]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SlaClock("x", "resolution", pause_on=1), "pause_on takes a list of statuses"),
        (lambda: Policy(ONE_LEVEL, [], clocks=SlaClock("x", "resolution")),
         "clocks takes a list of SlaClock"),
        (lambda: Trigger(["a"]), "a clock trigger is named by text"),  # type: ignore[arg-type]
        (lambda: Trigger.parse("custom:"), "names no event"),
        (lambda: Trigger("status_changed", statuses=["on hold, vendor"]), "separates statuses"),
        (lambda: Policy(ONE_LEVEL, [], clocks=[SlaClock("x", start=["status:hodl"])],
                        status_map={"hold": "open"}),
         "a status trigger names 'hodl'"),
    ],
)  # fmt: skip
def test_bad_clock_inputs_are_policy_errors(build: object, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        build()  # type: ignore[operator]


def test_business_days_need_a_calendar() -> None:
    with pytest.raises(PolicyError, match="no calendar to count business days on"):
        Policy([Level("L1", "a", rank=1, owner="o", targets={"resolution": business_days(2)})], [])


def test_triggers_given_as_a_set_are_kept_in_an_order_hashing_cannot_move() -> None:
    # A set has no order of its own; its iteration order depends on PYTHONHASHSEED, which
    # would make the clock (and the policy's derived version) differ between processes.
    from escalation_rules import SlaClock

    given = {"reopened", "created", "customer_message"}
    clock = SlaClock("x", "custom", start=given, stop=["resolved"])
    assert [str(t) for t in clock.start] == ["created", "customer_message", "reopened"]
