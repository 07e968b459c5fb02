"""The on-call chain complete: several recipients, schedules, skipped levels, round robin,
re-trigger after an acknowledgement, repeats with back-off and a terminal action, delay
references and stop conditions; and raising urgency with ``set_priority``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    BusinessCalendar,
    Escalate,
    EvaluationError,
    Event,
    F,
    Issue,
    Layer,
    Level,
    Notify,
    OnCall,
    Override,
    Policy,
    PolicyError,
    Schedule,
    SetPriority,
    SetStatus,
    chain,
    forecast,
    is_open,
    minutes,
    notify,
    on_call,
    set_priority,
    sla,
)
from escalation_rules.testing import settle

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def at(h: float = 0, m: float = 0) -> datetime:
    return T0 + timedelta(hours=h, minutes=m)


def issue(**fields: object) -> Issue:
    return Issue("T-1", T0, history=[Event("created", T0)], **fields)  # type: ignore[arg-type]


def levels(*owners: object, timeouts: tuple[timedelta | None, ...] | None = None) -> list[Level]:
    timeouts = timeouts or tuple(minutes(15) for _ in owners)
    return [
        Level(f"L{i + 1}", f"Level {i + 1}", rank=i + 1, owner=owner, ack_timeout=wait)  # type: ignore[arg-type]
        for i, (owner, wait) in enumerate(zip(owners, timeouts, strict=True))
    ]


def host(
    policy: Policy, start: Issue, until: datetime
) -> tuple[Issue, list[tuple[datetime, object]]]:
    """The host loop: settle at each ``next_evaluation_at`` until *until*."""
    done: list[tuple[datetime, object]] = []
    now: datetime | None = start.created_at
    current = start
    while now is not None and now <= until:
        current, taken = settle(policy, current, now)
        done.extend((now, a) for a in taken)
        now = policy.evaluate(current, now).next_evaluation_at
    return current, done


# -- several recipients -------------------------------------------------------------------------


def test_a_level_with_several_owners_notifies_them_together_under_one_key() -> None:
    policy = Policy(levels(["db-team", "alice"], "bob"), [chain("page")])
    decision = policy.evaluate(issue(), T0)
    assert [(a.target, a.key) for a in decision.actions] == [
        ("db-team", "page:notify:L1"),
        ("alice", "page:notify:L1"),
    ]
    recorded = issue().record(decision.actions[0], T0)
    assert not policy.evaluate(recorded, T0).actions  # one key: recorded once, done


def test_a_notify_rule_reaches_a_list_and_a_schedule() -> None:
    rota = Schedule(
        "rota", "UTC", [Layer("day", ["ann", "ben"], shift=timedelta(days=1), handoff=T0)]
    )
    policy = Policy(
        levels("frontline"),
        [notify("tell", at=sla("time_at_level", 0.5), to=["lead", OnCall("rota")])],
        schedules={"rota": rota},
        targets={"time_at_level": timedelta(days=2)},
    )
    # due at T0 + 1 day: ben's turn by then (decided at the due instant, not at now)
    decision = policy.evaluate(issue(), at(30))
    assert [a.target for a in decision.actions] == ["lead", "ben"]
    assert {a.key for a in decision.actions} == {"tell:notify"}


# -- schedules and skipping -----------------------------------------------------------------


def _weekdays_only() -> Schedule:
    from escalation_rules import active_hours

    return Schedule(
        "office",
        "UTC",
        [
            Layer(
                "office",
                ["olga"],
                shift=timedelta(days=7),
                handoff=T0,
                restrictions=active_hours("mon-fri", start="09:00", end="17:00"),
            )
        ],
    )


def test_a_level_with_nobody_on_call_is_skipped_and_the_decision_says_so() -> None:
    policy = Policy(
        levels(OnCall("office"), "night-desk"),
        [chain("page")],
        schedules={"office": _weekdays_only()},
    )
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    ticket = Issue("T-2", saturday, history=[Event("created", saturday)])
    decision = policy.evaluate(ticket, saturday)
    assert decision.escalation is not None and decision.escalation.to == "L2"
    assert "nobody is on call at L1" in decision.reason and "skip to L2" in decision.reason
    _, taken = settle(policy, ticket, saturday)
    assert [a.target for a in taken] == ["L2", "night-desk"]
    # on a weekday the schedule's member is paged
    assert [a.target for a in policy.evaluate(issue(), T0).actions] == ["olga"]


def test_at_the_top_nobody_on_call_waits_for_the_first_instant_someone_is() -> None:
    policy = Policy(
        levels(OnCall("office")), [chain("page")], schedules={"office": _weekdays_only()}
    )
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    ticket = Issue("T-3", saturday, history=[Event("created", saturday)])
    decision = policy.evaluate(ticket, saturday)
    monday = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert decision.actions == () and decision.next_evaluation_at == monday
    assert [a.target for a in policy.evaluate(ticket, monday).actions] == ["olga"]


def test_forecast_shows_who_will_be_paged_from_the_schedule() -> None:
    rota = Schedule(
        "rota",
        "UTC",
        [Layer("weekly", ["ann", "ben"], shift=timedelta(hours=1), handoff=T0)],
        overrides=[Override("cid", at(0, 20), at(0, 40))],
    )
    policy = Policy(
        [
            Level("P", "Primary", rank=1, owner=OnCall("rota"), ack_timeout=minutes(30)),
            Level("S", "Secondary", rank=2, owner=OnCall("rota"), ack_timeout=minutes(45)),
        ],
        [chain("page")],
        schedules={"rota": rota},
    )
    steps = forecast(policy, issue(), T0, at(3))
    assert [(s.at, s.action.target) for s in steps] == [
        (T0, "ann"),
        (at(0, 30), "S"),
        (at(0, 30), "cid"),  # the override is on at 09:30
    ]


@settings(max_examples=60, deadline=None)
@given(
    start_hour=st.integers(0, 24 * 7 - 1),
    timeouts=st.lists(st.integers(5, 600), min_size=2, max_size=4),
    repeat=st.integers(0, 3),
)
def test_the_chain_never_pages_a_level_with_nobody_on_call(
    start_hour: int, timeouts: list[int], repeat: int
) -> None:
    office = _weekdays_only()
    owners = [OnCall("office") if i % 2 == 0 else f"desk-{i}" for i in range(len(timeouts))]
    policy = Policy(
        levels(*owners, timeouts=tuple(minutes(m) for m in timeouts)),
        [chain("page", repeat=repeat)],
        schedules={"office": office},
    )
    opened = T0 + timedelta(hours=start_hour)
    ticket = Issue("T-4", opened, history=[Event("created", opened)])
    _, done = host(policy, ticket, opened + timedelta(days=10))
    for when, action in done:
        if isinstance(action, Notify) and not action.target.startswith("desk-"):
            assert on_call(office, when) == (action.target,)


# -- round robin ----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(members=st.integers(1, 6), issues=st.integers(1, 60), first=st.integers(0, 1000))
def test_round_robin_is_fair_over_consecutive_issue_numbers(
    members: int, issues: int, first: int
) -> None:
    names = [f"agent-{i}" for i in range(members)]
    policy = Policy(
        [Level("L1", "Desk", rank=1, owner=names, round_robin="attributes.seq")], [chain("page")]
    )
    counts: Counter[str] = Counter()
    for n in range(first, first + issues):
        decision = policy.evaluate(issue(attributes={"seq": n}), T0)
        assert len(decision.actions) == 1
        counts[decision.actions[0].target] += 1
    assert max(counts.values()) - min(counts.get(name, 0) for name in names) <= 1


def test_round_robin_without_its_number_is_an_error_naming_the_field() -> None:
    policy = Policy(
        [Level("L1", "Desk", rank=1, owner=["a", "b"], round_robin="attributes.seq")],
        [chain("page")],
    )
    with pytest.raises(EvaluationError, match=r"round robin reads the integer 'attributes\.seq'"):
        policy.evaluate(issue(), T0)


# -- re-trigger, repeats, terminal action ---------------------------------------------------


def test_an_acknowledged_issue_still_open_after_the_timeout_is_triggered_again() -> None:
    policy = Policy(levels("alice", "bob"), [chain("page", retrigger_after=minutes(30))])
    acked = issue().record(policy.evaluate(issue(), T0).actions[0], T0)
    acked = acked.with_event(Event("acknowledged", at(0, 5)))
    decision = policy.evaluate(acked, at(0, 10))
    assert decision.actions == () and decision.next_evaluation_at == at(0, 35)
    again = policy.evaluate(acked, at(0, 35))
    assert [(a.target, a.key) for a in again.actions] == [("alice", "page:notify:L1:retrigger:2")]
    done = acked.record(again.actions[0], at(0, 35))
    later = policy.evaluate(done, at(0, 36))
    assert later.next_evaluation_at == at(0, 50)  # the level's timeout runs again from 09:35
    assert policy.evaluate(done, at(0, 50)).escalation is not None


def test_without_retrigger_an_acknowledgement_ends_the_chain() -> None:
    policy = Policy(levels("alice", "bob"), [chain("page")])
    acked = issue().with_event(Event("acknowledged", at(0, 5)))
    assert policy.evaluate(acked, at(10)).next_evaluation_at is None


def test_repeats_wait_with_back_off_then_close() -> None:
    policy = Policy(
        levels("alice", "bob"),
        [chain("page", repeat=2, wait=minutes(10), backoff=2, then={"set_status": "closed"})],
    )
    final, done = host(policy, issue(), at(10))
    notified = [(t, a.target, a.key) for t, a in done if isinstance(a, Notify)]
    assert notified == [
        (T0, "alice", "page:notify:L1"),
        (at(0, 15), "bob", "page:notify:L2"),
        (at(0, 40), "alice", "page:notify:L1:1"),  # top timeout 09:30 + wait 10 min
        (at(0, 55), "bob", "page:notify:L2:1"),
        (at(1, 30), "alice", "page:notify:L1:2"),  # 10:10 + wait 20 min (back-off 2)
        (at(1, 45), "bob", "page:notify:L2:2"),
    ]
    closing = [(t, a) for t, a in done if isinstance(a, SetStatus)]
    assert closing == [(at(2), closing[0][1])] and closing[0][1].status == "closed"
    assert final.status == "closed"


def test_twenty_repeats_are_allowed_and_twenty_one_are_not() -> None:
    chain("page", repeat=20)
    with pytest.raises(PolicyError, match="from 0 to 20"):
        chain("page", repeat=21)


def test_the_terminal_action_may_raise_priority_or_notify_a_manager() -> None:
    raise_it = Policy(levels("alice"), [chain("page", then={"set_priority": "P1"})])
    final, done = host(raise_it, issue(priority="P3"), at(2))
    assert next(a for _, a in done if isinstance(a, SetPriority)).priority == "P1"
    assert final.priority == "P1"
    tell = Policy(levels("alice"), [chain("page", then={"notify": ["manager", "director"]})])
    _, done = host(tell, issue(), at(2))
    assert [(t, a.target) for t, a in done][-2:] == [
        (at(0, 15), "manager"),
        (at(0, 15), "director"),
    ]


def test_a_terminal_status_the_policy_does_not_know_is_refused() -> None:
    with pytest.raises(PolicyError, match=r"then sets the status 'closd'.*did you mean 'closed'"):
        Policy(levels("alice"), [chain("page", then={"set_status": "closd"})])


def test_timeouts_from_the_start_follow_opsgenie() -> None:
    pd = Policy(levels("a", "b", "c", timeouts=(minutes(5), minutes(15), None)), [chain("page")])
    og = Policy(
        levels("a", "b", "c", timeouts=(minutes(5), minutes(15), None)),
        [chain("page", timeout_from="start")],
    )
    _, pd_done = host(pd, issue(), at(2))
    _, og_done = host(og, issue(), at(2))
    assert [t for t, a in pd_done if isinstance(a, Notify)] == [T0, at(0, 5), at(0, 20)]
    assert [t for t, a in og_done if isinstance(a, Notify)] == [T0, at(0, 5), at(0, 15)]


def test_a_level_may_set_its_own_delay_reference() -> None:
    own = [
        Level("L1", "One", rank=1, owner="a", ack_timeout=minutes(5)),
        Level("L2", "Two", rank=2, owner="b", ack_timeout=minutes(15), timeout_from="start"),
        Level("L3", "Three", rank=3, owner="c"),
    ]
    _, done = host(Policy(own, [chain("page")]), issue(), at(2))
    assert [t for t, a in done if isinstance(a, Notify)] == [T0, at(0, 5), at(0, 15)]


def test_if_not_closed_an_acknowledgement_does_not_stop_the_chain() -> None:
    policy = Policy(levels("a", "b"), [chain("page", escalate_if="not_closed")])
    acked = issue().with_event(Event("acknowledged", at(0, 1)))
    decision = policy.evaluate(acked, at(0, 15))
    assert decision.escalation is not None and "not closed within" in decision.reason
    stop = Policy(levels("a", "b"), [chain("page")])
    assert stop.evaluate(acked, at(0, 15)).escalation is None


# -- raising urgency ------------------------------------------------------------------------


def test_raise_urgency_when_support_hours_begin() -> None:
    office = BusinessCalendar("UTC", [[(time(9), time(17))]] * 5 + [[], []])
    policy = Policy(
        levels("desk"),
        [set_priority("wake-up", to="P1", when=is_open("office") & (F.priority == "P2"))],
        calendars={"office": office},
    )
    night = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
    ticket = Issue("T-5", night, priority="P2", history=[Event("created", night)])
    decision = policy.evaluate(ticket, night)
    assert decision.actions == ()
    assert decision.next_evaluation_at == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    morning = policy.evaluate(ticket, decision.next_evaluation_at)
    assert [(a.kind, a.target) for a in morning.actions] == [("set_priority", "P1")]
    raised = ticket.record(morning.actions[0], decision.next_evaluation_at)
    assert raised.priority == "P1" and raised.history[-1].kind.value == "priority_changed"
    assert policy.evaluate(raised, datetime(2026, 3, 3, 10, tzinfo=UTC)).actions == ()


def test_setting_the_priority_it_already_has_does_nothing() -> None:
    policy = Policy(levels("desk"), [set_priority("p1", to="P1", when=F.category == "outage")])
    ticket = issue(priority="P1", category="outage")
    assert policy.evaluate(ticket, T0).actions == ()
    explained = policy.explain(ticket, T0).to_dict()
    assert "already P1" in str(explained)


# -- the review's cases -------------------------------------------------------------------------


def test_loops_keep_the_offsets_from_the_start() -> None:
    # Opsgenie: each rule's delay counts from the start; a repeat runs them again from the
    # loop's start with the same offsets (0, 5, 10 min; the top times out at 15 min).
    policy = Policy(
        levels("alice", "bob", "carol", timeouts=(minutes(5), minutes(10), minutes(15))),
        [chain("page", repeat=1, timeout_from="start")],
    )
    _, done = host(policy, issue(), at(2))
    assert [(t, a.target) for t, a in done if isinstance(a, Notify)] == [
        (T0, "alice"),
        (at(0, 5), "bob"),
        (at(0, 10), "carol"),
        (at(0, 15), "alice"),
        (at(0, 20), "bob"),
        (at(0, 25), "carol"),
    ]


@pytest.mark.parametrize(
    ("first", "second", "bob_paged"),
    [("not_acknowledged", "not_closed", True), ("not_closed", "not_acknowledged", False)],
)
def test_each_level_says_whether_an_acknowledgement_stops_its_own_step(
    first: str, second: str, bob_paged: bool
) -> None:
    # Opsgenie's rule condition belongs to the rule that notifies: R2 "if not closed" still
    # pages bob after an acknowledgement; R2 "if not acknowledged" does not.
    rungs = [
        Level("R1", "one", rank=1, owner="alice", ack_timeout=minutes(10), escalate_if=first),  # type: ignore[arg-type]
        Level("R2", "two", rank=2, owner="bob", ack_timeout=minutes(10), escalate_if=second),  # type: ignore[arg-type]
    ]
    policy = Policy(rungs, [chain("og", timeout_from="start")])
    ticket, _ = settle(policy, issue(), T0)
    ticket = ticket.with_event(Event("acknowledged", at(0, 5)))
    ticket, taken = settle(policy, ticket, at(0, 10))
    assert ("bob" in [a.target for a in taken]) is bob_paged
    assert (ticket.level == "R2") is bob_paged


def test_a_loop_far_beyond_the_year_9999_ends_the_chain_instead_of_failing() -> None:
    policy = Policy(levels("alice", "bob"), [chain("page", repeat=20, wait=minutes(60), backoff=3)])
    final, done = host(policy, issue(), at(24 * 365))
    assert final.level == "L2" and len([a for _, a in done if isinstance(a, Notify)]) > 10


def test_the_acknowledgement_timeout_pages_whoever_acknowledged_too() -> None:
    rota = Schedule(
        "rota", "UTC", [Layer("half", ["alice", "bob"], shift=timedelta(hours=12), handoff=at(-9))]
    )
    policy = Policy(
        [Level("L1", "One", rank=1, owner=OnCall("rota"), ack_timeout=minutes(15))],
        [chain("page", retrigger_after=timedelta(hours=4))],
        schedules={"rota": rota},
    )
    ticket, taken = settle(policy, issue(), T0)
    assert [a.target for a in taken] == ["alice"]
    ticket = ticket.with_event(Event("acknowledged", at(1), actor="alice"))
    assert policy.evaluate(ticket, at(1)).next_evaluation_at == at(5)
    _, taken = settle(policy, ticket, at(5))  # bob's turn since 15:00
    assert [a.target for a in taken] == ["bob", "alice"]


def test_a_retrigger_with_nobody_on_call_wakes_the_host_when_someone_is() -> None:
    office = _weekdays_only()
    policy = Policy(
        [Level("L1", "One", rank=1, owner=OnCall("office"), ack_timeout=minutes(30))],
        [chain("page", retrigger_after=timedelta(hours=1))],
        schedules={"office": office},
    )
    opened = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    ticket = Issue("T-9", opened, history=[Event("created", opened)])
    ticket, _ = settle(policy, ticket, opened)
    ticket = ticket.with_event(Event("acknowledged", opened + timedelta(minutes=10)))
    decision = policy.evaluate(ticket, opened + timedelta(minutes=10))
    assert decision.next_evaluation_at == datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def test_a_terminal_notification_to_nobody_on_call_waits_for_someone() -> None:
    policy = Policy(
        levels("alice"),
        [chain("page", then={"notify": OnCall("office")})],
        schedules={"office": _weekdays_only()},
    )
    friday = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)
    ticket = Issue("T-10", friday, history=[Event("created", friday)])
    _, done = host(policy, ticket, friday + timedelta(days=4))
    why = "the chain's loops are exhausted and nobody responded"
    assert done[-1] == (
        datetime(2026, 3, 9, 9, 0, tzinfo=UTC),
        Notify("olga", "page", f"{why}: notify olga", key="page:then"),
    )
    # a schedule with nobody on call for more than a year: the terminal notification is dropped
    gone = Schedule(
        "gone", "UTC", [Layer("old", ["zed"], shift=timedelta(days=7), handoff=T0, end=at(0, 10))]
    )
    nobody = Policy(
        levels("alice"), [chain("page", then={"notify": OnCall("gone")})], schedules={"gone": gone}
    )
    _, done = host(nobody, issue(), at(24 * 30))
    assert [a.target for _, a in done] == ["alice"]


def test_chain_settings_that_could_not_work_are_refused() -> None:
    with pytest.raises(PolicyError, match="level id 'ops:1' has a ':'"):
        Policy([*levels("a", "b"), Level("ops:1", "x", rank=9, owner="c")], [chain("page")])
    with pytest.raises(PolicyError, match="repeat must be an integer"):
        chain("page", repeat=True)
    with pytest.raises(PolicyError, match=r"then needs every level to have an ack_timeout"):
        Policy(levels("a", "b", timeouts=(minutes(5), None)), [chain("p", then={"notify": "m"})])


# -- what each step is, exactly (the mutation run's survivors) ----------------------------------


def test_the_terminal_actions_say_which_rule_and_key_and_why() -> None:
    why = "the chain's loops are exhausted and nobody responded"
    closing = Policy(levels("alice"), [chain("page", then={"set_status": "closed"})])
    _, done = host(closing, issue(), at(2))
    assert done[-1] == (
        at(0, 15),
        SetStatus("closed", "page", f"{why}: set the status to closed", key="page:then"),
    )
    raising = Policy(levels("alice"), [chain("page", then={"set_priority": "P1"})])
    _, done = host(raising, issue(priority="P3"), at(2))
    assert done[-1] == (
        at(0, 15),
        SetPriority("P1", "page", f"{why}: set the priority to P1", key="page:then"),
    )
    telling = Policy(
        levels("alice"),
        [chain("page", then={"notify": OnCall("office")})],
        schedules={"office": _weekdays_only()},
    )
    _, done = host(telling, issue(), at(2))  # someone is on call: notified at once
    assert done[-1] == (at(0, 15), Notify("olga", "page", f"{why}: notify olga", key="page:then"))


@pytest.mark.parametrize(
    "then", [{"set_status": "closed"}, {"set_priority": "P1"}, {"notify": "manager"}]
)
@pytest.mark.parametrize(
    ("condition", "goes_on"), [("not_acknowledged", False), ("not_closed", True)]
)
def test_an_acknowledgement_at_the_top_stops_the_loops_and_then_only_if_not_acknowledged(
    condition: str, goes_on: bool, then: dict[str, str]
) -> None:
    policy = Policy(
        levels("alice", "bob"),
        [chain("page", repeat=1, escalate_if=condition, then=then)],  # type: ignore[arg-type]
    )
    ticket, _ = settle(policy, issue(), T0)
    ticket, _ = settle(policy, ticket, at(0, 15))  # at the top now
    ticket = ticket.with_event(Event("acknowledged", at(0, 20)))
    final, done = host_from(policy, ticket, at(0, 20), at(3))
    kinds = [(t, a.kind, a.target, a.reason) for t, a in done]
    ((kind, target),) = then.items()
    if goes_on:
        assert kinds == [
            (at(0, 30), "notify", "alice", "still not closed: repeat 1 of 1, page alice (L1)"),
            (at(0, 45), "notify", "bob", "still not closed: repeat 1 of 1, page bob (L2)"),
            (at(1), kind, target, kinds[-1][3]),
        ]
    else:
        assert kinds == [] and final.status == "open" and final.priority is None


def host_from(
    policy: Policy, start: Issue, now: datetime, until: datetime
) -> tuple[Issue, list[tuple[datetime, object]]]:
    """The host loop from *now* (not from the creation)."""
    done: list[tuple[datetime, object]] = []
    current: Issue = start
    when: datetime | None = now
    while when is not None and when <= until:
        current, taken = settle(policy, current, when)
        done.extend((when, a) for a in taken)
        when = policy.evaluate(current, when).next_evaluation_at
    return current, done


def test_a_loop_skips_a_level_with_nobody_on_call_without_waiting_and_round_robins() -> None:
    office = _weekdays_only()
    policy = Policy(
        [
            Level(
                "L1",
                "One",
                rank=1,
                owner=["ann", "ben"],
                ack_timeout=minutes(10),
                round_robin="attributes.seq",
            ),
            Level("L2", "Two", rank=2, owner=OnCall("office"), ack_timeout=minutes(10)),
            Level("L3", "Three", rank=3, owner="cid", ack_timeout=minutes(10)),
        ],
        [chain("page", repeat=1)],
        schedules={"office": office},
    )
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    ticket = Issue("T-11", saturday, attributes={"seq": 1}, history=[Event("created", saturday)])
    _, done = host(policy, ticket, saturday + timedelta(hours=2))
    minute = timedelta(minutes=1)
    assert [(t - saturday, a.kind, a.target) for t, a in done] == [
        (0 * minute, "notify", "ben"),  # round robin: 1 % 2
        (10 * minute, "escalate", "L2"),
        (10 * minute, "escalate", "L3"),  # nobody in the office on a Saturday: skipped
        (10 * minute, "notify", "cid"),
        (20 * minute, "notify", "ben"),  # loop 1
        (30 * minute, "notify", "cid"),  # L2 skipped without waiting
    ]
    skip = next(a for _, a in done if a.kind == "escalate" and a.target == "L3")
    assert skip == Escalate(
        "L3",
        "page",
        "nobody is on call at L2 at Sat 7 Mar 2026 10:10 UTC: skip to L3",
        key="page:escalate",
    )


def test_a_loop_that_would_end_after_the_year_9999_ends_the_chain() -> None:
    late = datetime(9999, 12, 31, 20, 0, tzinfo=UTC)
    policy = Policy(
        levels("alice", "bob", timeouts=(minutes(60), minutes(120))),
        [chain("page", repeat=2, timeout_from="start")],
    )
    ticket = Issue("T-14", late, history=[Event("created", late)])
    _, done = host(policy, ticket, datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    assert [(t.hour, a.target) for t, a in done if isinstance(a, Notify)] == [
        (20, "alice"),
        (21, "bob"),
        (22, "alice"),  # loop 1 begins at 22:00; its end, 00:00 in the year 10000, is never
        (23, "bob"),
    ]


@pytest.mark.parametrize(
    ("condition", "skips"), [("not_acknowledged", False), ("not_closed", True)]
)
def test_a_skip_to_a_level_is_its_step_and_follows_its_condition(
    condition: str, skips: bool
) -> None:
    policy = Policy(
        [
            Level("L1", "One", rank=1, owner=OnCall("office"), ack_timeout=minutes(10)),
            Level(
                "L2", "Two", rank=2, owner="desk", ack_timeout=minutes(10), escalate_if=condition
            ),  # type: ignore[arg-type]
        ],
        [chain("page")],
        schedules={"office": _weekdays_only()},
    )
    saturday = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    ticket = Issue(
        "T-12",
        saturday,
        history=[
            Event("created", saturday),
            Event("acknowledged", saturday + timedelta(minutes=1)),
        ],
    )
    decision = policy.evaluate(ticket, saturday + timedelta(minutes=2))
    assert (decision.escalation is not None) is skips


def test_a_retrigger_names_its_round_and_reaches_whoever_acknowledged() -> None:
    office = _weekdays_only()
    policy = Policy(
        [Level("L1", "One", rank=1, owner=OnCall("office"), ack_timeout=minutes(30))],
        [chain("page", retrigger_after=timedelta(hours=1))],
        schedules={"office": office},
    )
    opened = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    ticket = Issue("T-13", opened, history=[Event("created", opened)])
    ticket, _ = settle(policy, ticket, opened)
    ticket = ticket.with_event(Event("acknowledged", opened + timedelta(minutes=10)))
    ticket = ticket.with_event(Event("customer_message", opened + timedelta(minutes=20)))
    morning = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    decision = policy.evaluate(ticket, morning)
    assert [(a.target, a.key) for a in decision.actions] == [("olga", "page:notify:L1:retrigger:2")]
    assert decision.actions[0].reason == (
        "acknowledged at L1 and still open 1:00:00 later: triggered again, page olga"
    )
    by_ann = ticket.with_event(Event("acknowledged", morning, actor="ann"))
    by_ann = by_ann.with_event(Event("customer_message", morning + timedelta(minutes=5)))
    late = morning + timedelta(hours=2)
    assert [a.target for a in policy.evaluate(by_ann, late).actions] == ["olga", "ann"]
