"""SLA clocks: each metric, pauses, reopen, targets per priority x level, calendars, thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalation_rules import (
    NEXT,
    BusinessCalendar,
    Customer,
    EvaluationError,
    Event,
    EventKind,
    Issue,
    IssueError,
    Level,
    Metric,
    Policy,
    PolicyError,
    SlaClock,
    Target,
    business_days,
    by_priority,
    dump,
    escalate,
    hours,
    loads,
    minutes,
    notify,
    sla,
    wall,
)

from ..conftest import T0, at, make_issue

BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")


def ev(kind: EventKind, h: float, **kw: object) -> Event:
    return Event(kind, at(h), **kw)  # type: ignore[arg-type]


def status(h: float, value: str) -> Event:
    return ev(EventKind.STATUS_CHANGED, h, status=value)


def reply(h: float) -> Event:
    return ev(EventKind.AGENT_REPLY, h)


def message(h: float) -> Event:
    return ev(EventKind.CUSTOMER_MESSAGE, h)


def one_level(**targets: object) -> list[Level]:
    return [
        Level("L1", "One", rank=1, owner="a", targets=targets),
        Level("L2", "Two", rank=2, owner="b", targets=targets),
    ]


def policy_for(clock: str, share: float = 1.0, **kw: object) -> Policy:
    targets = kw.pop("targets", {clock: hours(4)})
    return Policy(
        one_level(**targets),  # type: ignore[arg-type]
        [notify("breach", at=sla(clock, share), to="lead")],
        **kw,  # type: ignore[arg-type]
    )


# ------------------------------------------------------------------ first response


def test_first_response_runs_from_creation_and_stops_at_the_first_reply() -> None:
    policy = policy_for("first_response", targets={"first_response": hours(1)})
    issue = make_issue()
    state = policy.sla_clock(issue, at(0.5), "first_response")
    assert state.state == "running" and state.elapsed == minutes(30)
    assert state.remaining == minutes(30) and state.deadline == at(1) and not state.breached
    replied = make_issue("T-1", reply(0.75))
    state = policy.sla_clock(replied, at(3), "first_response")
    assert state.state == "stopped" and state.elapsed == minutes(45) and not state.breached
    assert state.deadline is None
    assert policy.evaluate(replied, at(3)).actions == ()
    assert policy.evaluate(issue, at(1)).actions[0].rule == "breach"


def test_a_breach_reports_the_instant_it_happened() -> None:
    policy = policy_for("first_response", targets={"first_response": hours(1)})
    state = policy.sla_clock(make_issue(), at(5), "first_response")
    assert state.breached and state.deadline == at(1) and state.remaining == -hours(4)


# ------------------------------------------------------------------ pauses


def test_pending_on_the_customer_pauses_the_clock() -> None:
    policy = policy_for("resolution")
    issue = make_issue("T-1", status(1, "pending"), status(3, "open"))
    state = policy.sla_clock(issue, at(4), "resolution")
    assert state.elapsed == hours(2)  # 0-1 and 3-4
    assert state.paused == ((at(1), at(3)),)
    assert state.deadline == at(6) and state.remaining == hours(2)
    assert policy.evaluate(issue, at(4)).next_evaluation_at == at(6)


def test_a_clock_paused_now_has_no_deadline_and_no_next_evaluation() -> None:
    policy = policy_for("resolution")
    issue = make_issue("T-1", status(1, "pending"))
    state = policy.sla_clock(issue, at(10), "resolution")
    assert state.state == "paused" and state.elapsed == hours(1) and state.deadline is None
    assert state.paused == ((at(1), None),)
    assert policy.evaluate(issue, at(10)).next_evaluation_at is None


def test_host_statuses_pause_through_the_status_map() -> None:
    policy = policy_for("resolution", status_map={"waiting_on_customer": "pending"})
    issue = make_issue("T-1", status(1, "waiting_on_customer"), status(2, "open"))
    assert policy.sla_clock(issue, at(3), "resolution").elapsed == hours(2)


def test_a_clock_that_never_pauses() -> None:
    policy = policy_for("resolution", clocks=[SlaClock("resolution", pause_on=())])
    issue = make_issue("T-1", status(1, "pending"), status(3, "open"))
    assert policy.sla_clock(issue, at(4), "resolution").elapsed == hours(4)


def test_pause_time_survives_a_change_of_priority() -> None:
    targets = {"resolution": by_priority(P1=hours(4), P2=hours(8))}
    policy = policy_for("resolution", targets=targets)
    history = [status(1, "pending"), status(3, "open")]
    p1 = make_issue("T-1", *history, priority="P1")
    p2 = make_issue("T-1", *history, priority="P2")
    s1 = policy.sla_clock(p1, at(4), "resolution")
    s2 = policy.sla_clock(p2, at(4), "resolution")
    assert s1.elapsed == s2.elapsed == hours(2) and s1.paused == s2.paused
    assert s1.deadline == at(6) and s2.deadline == at(10)


def test_a_priority_without_a_target_has_no_clock_to_fire() -> None:
    policy = policy_for("resolution", targets={"resolution": by_priority(P1=hours(1))})
    issue = make_issue(priority="P3")
    assert policy.sla_clocks(issue, at(5)) == ()
    assert policy.evaluate(issue, at(5)).actions == ()
    assert policy.sla_clock(issue, at(5), "resolution").target is None


# ------------------------------------------------------------------ resolution and reopen


def resolved_and_reopened() -> Issue:
    return make_issue("T-1", status(2, "resolved"), status(5, "open"))


def test_resolution_stops_at_resolution_and_resumes_on_reopen() -> None:
    policy = policy_for("resolution")
    stopped = make_issue("T-1", status(2, "resolved"))
    state = policy.sla_clock(stopped, at(3), "resolution")
    assert state.state == "stopped" and state.elapsed == hours(2) and state.deadline is None
    assert policy.evaluate(stopped, at(30)).actions == ()
    state = policy.sla_clock(resolved_and_reopened(), at(6), "resolution")
    assert state.state == "running" and state.elapsed == hours(3)  # 0-2 and 5-6
    assert state.deadline == at(7)


def test_resolution_can_restart_on_reopen() -> None:
    policy = policy_for("resolution", clocks=[SlaClock("resolution", on_reopen="restart")])
    state = policy.sla_clock(resolved_and_reopened(), at(6), "resolution")
    assert state.started_at == at(5) and state.elapsed == hours(1) and state.deadline == at(9)


# ------------------------------------------------------------------ next response and updates


def test_next_response_starts_at_the_first_unanswered_customer_message() -> None:
    policy = policy_for("next_response", targets={"next_response": hours(2)})
    idle = make_issue("T-1", message(0.5))  # before the first reply: first response's job
    assert policy.sla_clock(idle, at(1), "next_response").state == "idle"
    issue = make_issue("T-1", reply(1), message(2), message(2.5))
    state = policy.sla_clock(issue, at(3), "next_response")
    assert state.started_at == at(2) and state.elapsed == hours(1) and state.deadline == at(4)
    answered = issue.with_event(reply(3.5))
    assert policy.sla_clock(answered, at(5), "next_response").state == "idle"


def test_next_response_fires_once_per_cycle() -> None:
    policy = policy_for("next_response", targets={"next_response": hours(2)})
    issue = make_issue("T-1", reply(1), message(2))
    decision = policy.evaluate(issue, at(4))
    assert [a.rule for a in decision.actions] == ["breach"]
    issue = issue.record(decision.actions[0], at(4))
    assert policy.evaluate(issue, at(4.5)).actions == ()
    # Answered, then a new question: a new cycle, a new breach at 5 + 2 h.
    issue = issue.with_event(reply(4.5)).with_event(message(5))
    later = policy.evaluate(issue, at(6))
    assert later.actions == () and later.next_evaluation_at == at(7)
    assert [a.rule for a in policy.evaluate(issue, at(7)).actions] == ["breach"]


def test_periodic_update_restarts_at_each_agent_reply() -> None:
    policy = policy_for("periodic_update", targets={"periodic_update": hours(24)})
    issue = make_issue("T-1", reply(10))
    state = policy.sla_clock(issue, at(20), "periodic_update")
    assert state.started_at == at(10) and state.deadline == at(34)
    assert policy.sla_clock(make_issue(), at(1), "periodic_update").deadline == at(24)


def test_time_at_level_restarts_when_the_issue_moves_up() -> None:
    policy = Policy(
        one_level(time_at_level=hours(2)),
        [escalate("stuck", to=NEXT, at=sla("time_at_level"))],
    )
    issue = make_issue()
    decision = policy.evaluate(issue, at(2))
    assert [a.rule for a in decision.actions] == ["stuck"]
    issue = issue.record(decision.actions[0], at(2.5))
    state = policy.sla_clock(issue, at(3), "time_at_level")
    assert state.started_at == at(2.5) and state.deadline == at(4.5)


# ------------------------------------------------------------------ thresholds


def test_warning_share_and_offsets_before_and_after_the_breach() -> None:
    policy = Policy(
        one_level(resolution=hours(4)),
        [
            notify("half", at=sla("resolution", 0.5), to="lead"),
            notify("soon", at=sla("resolution", before=minutes(30)), to="lead"),
            notify("late", at=sla("resolution", after=hours(1)), to="lead"),
        ],
    )
    issue = make_issue()
    assert policy.evaluate(issue, at(0)).next_evaluation_at == at(2)
    assert [a.rule for a in policy.evaluate(issue, at(2)).actions] == ["half"]
    assert policy.evaluate(issue, at(2)).next_evaluation_at == at(3.5)
    assert [a.rule for a in policy.evaluate(issue, at(3.5)).actions] == ["soon"]
    assert [a.rule for a in policy.evaluate(issue, at(5)).actions] == ["late"]


def test_offsets_count_clock_time_not_wall_time() -> None:
    # 30 minutes before the breach on a paused clock: the pause pushes it back.
    policy = Policy(
        one_level(resolution=hours(4)),
        [notify("soon", at=sla("resolution", before=minutes(30)), to="lead")],
    )
    issue = make_issue("T-1", status(1, "pending"), status(2, "open"))
    assert policy.evaluate(issue, at(2)).next_evaluation_at == at(4.5)


def test_the_earliest_threshold_of_several_clocks_drives_next_evaluation_exactly() -> None:
    targets = {"first_response": minutes(45), "resolution": hours(4)}
    policy = Policy(
        one_level(**targets),
        [
            notify("fr", at=sla("first_response"), to="lead"),
            notify("res", at=sla("resolution", 0.75), to="lead"),
        ],
    )
    issue = make_issue()
    decision = policy.evaluate(issue, at(0.25))
    assert decision.next_evaluation_at == at(0.75)
    assert policy.evaluate(issue, at(0.75) - timedelta(microseconds=1)).actions == ()
    assert [a.rule for a in policy.evaluate(issue, at(0.75)).actions] == ["fr"]
    replied = issue.with_event(reply(0.5))
    assert policy.evaluate(replied, at(0.6)).next_evaluation_at == at(3)


def test_a_warning_due_before_the_cycle_begins_fires_as_the_cycle_begins() -> None:
    # 1 h before a 1 h target is the start of the cycle; 5 h before a 4 h one is "already".
    policy = Policy(
        one_level(resolution=hours(4), next_response=hours(1)),
        [
            notify("res", at=sla("resolution", before=hours(5)), to="lead"),
            notify("nr", at=sla("next_response", before=hours(1)), to="lead"),
        ],
    )
    assert [a.rule for a in policy.evaluate(make_issue(), T0).actions] == ["res"]
    waiting = make_issue("T-1", reply(1))  # nothing awaits a reply: no next-response cycle
    assert [a.rule for a in policy.evaluate(waiting, at(1.5)).actions] == ["res"]
    asked = waiting.with_event(message(2))
    assert [a.rule for a in policy.evaluate(asked, at(2)).actions] == ["res", "nr"]


# ------------------------------------------------------------------ calendars


def office(tz: str) -> BusinessCalendar:
    return BusinessCalendar(tz, {"mon-fri": [("09:00", "17:00")]})


def test_a_business_target_skips_the_weekend() -> None:
    # Created Friday 15:00 Berlin; 8 business hours: 2 on Friday, 6 on Monday.
    created = datetime(2026, 3, 6, 15, 0, tzinfo=BERLIN)
    policy = Policy(
        one_level(resolution=hours(8)),
        [escalate("breach", at=sla("resolution"))],
        calendars={"eu": office("Europe/Berlin")},
        calendar="eu",
    )
    issue = Issue("T-1", created)
    state = policy.sla_clock(issue, datetime(2026, 3, 7, 12, 0, tzinfo=BERLIN), "resolution")
    assert state.calendar == "eu" and state.elapsed == hours(2)
    assert state.deadline == datetime(2026, 3, 9, 15, 0, tzinfo=BERLIN)
    decision = policy.evaluate(issue, datetime(2026, 3, 6, 16, 0, tzinfo=BERLIN))
    assert decision.next_evaluation_at == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert decision.next_evaluation_at.tzinfo is UTC


def test_a_wall_target_ignores_the_calendar() -> None:
    created = datetime(2026, 3, 6, 15, 0, tzinfo=BERLIN)
    policy = Policy(
        one_level(resolution=wall(hours(8))),
        [escalate("breach", at=sla("resolution"))],
        calendars={"eu": office("Europe/Berlin")},
        calendar="eu",
    )
    state = policy.sla_clock(Issue("T-1", created), created, "resolution")
    assert state.calendar is None and state.deadline == created + hours(8)
    assert state.target == Target(hours(8), wall=True)


def test_the_issue_calendar_wins_over_the_level_and_the_policy() -> None:
    levels = [
        Level("L1", "One", rank=1, owner="a", targets={"resolution": hours(8)}, calendar="eu"),
    ]
    policy = Policy(
        levels,
        [],
        calendars={"eu": office("Europe/Berlin"), "au": office("Australia/Sydney")},
        calendar_field="customer.attributes.region",
    )
    # Monday 2026-03-02 08:00 UTC: 19:00 in Sydney (closed), 09:00 in Berlin (open).
    created = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    au = Issue("A", created, customer=Customer(attributes={"region": "au"}))
    eu = Issue("E", created)
    assert policy.sla_clock(au, created, "resolution").calendar == "au"
    assert policy.sla_clock(au, created, "resolution").deadline == datetime(
        2026, 3, 3, 17, 0, tzinfo=SYDNEY
    )
    assert policy.sla_clock(eu, created, "resolution").calendar == "eu"
    assert policy.sla_clock(eu, created, "resolution").deadline == datetime(
        2026, 3, 2, 17, 0, tzinfo=BERLIN
    )
    typo = Issue("X", created, customer=Customer(attributes={"region": "eu-west"}))
    with pytest.raises(EvaluationError, match=r"'eu-west'.*calendars are \['au', 'eu'\]"):
        policy.sla_clock(typo, created, "resolution")


def test_business_time_across_a_southern_hemisphere_dst_change() -> None:
    # Sydney leaves DST on Sunday 2026-04-05; 24/7 business time counts real hours.
    policy = Policy(
        one_level(resolution=hours(48)),
        [],
        calendars={"au": BusinessCalendar.always("Australia/Sydney")},
        calendar="au",
    )
    created = datetime(2026, 4, 4, 12, 0, tzinfo=SYDNEY)
    state = policy.sla_clock(Issue("T-1", created), created, "resolution")
    assert state.deadline == created.astimezone(UTC) + hours(48)
    assert state.deadline == datetime(2026, 4, 6, 11, 0, tzinfo=SYDNEY)


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Policy(one_level(resolution=hours(1)), [], calendar="eu"),
            r"calendar: names the calendar 'eu'",
        ),
        (
            lambda: Policy(
                [Level("L1", "One", rank=1, owner="a", calendar="eruope")],
                [],
                calendars={"europe": office("Europe/Berlin")},
            ),
            r"level 'L1'.*'eruope'.*did you mean 'europe'",
        ),
        (
            lambda: Policy(one_level(resolutoin=hours(1)), []),
            r"SLA clock 'resolutoin'.*did you mean 'resolution'",
        ),
        (lambda: SlaClock("resolution", pause_on=["pending", "closed"]), "cannot list 'closed'"),
        (
            # a host status is only known to the policy (its status_map)
            lambda: Policy(one_level(), [], clocks=[SlaClock("resolution", pause_on=["pendign"])]),
            "did you mean 'pending'",
        ),
        (lambda: SlaClock("fast"), r"clock 'fast': the clock never runs"),
        (lambda: SlaClock("x", "resolution", on_reopen="again"), "on_reopen must be"),
        (lambda: sla("resolution", before=hours(1), after=hours(1)), "not both"),
        (lambda: sla("resolution", before=-hours(1)), "must not be negative"),
        (lambda: Target(hours(0)), "must be a positive timedelta"),
        (lambda: Level("L", "L", rank=1, owner="a", targets={"x": by_priority()}), "empty"),
        (
            lambda: Policy(one_level(), [notify("n", at=sla("resolution"), to="x")]),
            r"no level, SLA policy or policy-wide target has one for it",
        ),
    ],
)
def test_bad_sla_setups_are_refused_when_built(build: object, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        build()  # type: ignore[operator]


def test_a_second_clock_on_a_metric() -> None:
    policy = Policy(
        one_level(resolution=hours(4), raw_resolution=hours(4)),
        [],
        clocks=[SlaClock("raw_resolution", "resolution", pause_on=())],
    )
    issue = make_issue("T-1", status(1, "pending"), status(3, "open"))
    names = [s.name for s in policy.sla_clocks(issue, at(4))]
    assert names == ["resolution", "raw_resolution"]
    assert [s.elapsed for s in policy.sla_clocks(issue, at(4))] == [hours(2), hours(4)]


def test_status_field_and_history_must_agree() -> None:
    pending = Event(EventKind.STATUS_CHANGED, T0, status="pending")
    with pytest.raises(IssueError, match="last changed it to 'pending'"):
        Issue("T-1", T0, status="open", history=[pending])


def test_a_threshold_fires_once_per_crossing_not_once_per_level() -> None:
    # The first-response clock runs from creation whatever the level. L2 has the same
    # target, so its threshold was crossed at the same instant as L1's: the escalation
    # recorded then answered it, and the issue does not cascade to the top at once.
    same = Policy(
        [
            Level("L1", "One", rank=1, owner="a", targets={"first_response": minutes(10)}),
            Level("L2", "Two", rank=2, owner="b", targets={"first_response": minutes(10)}),
            Level("L3", "Three", rank=3, owner="c"),
        ],
        [escalate("slow", at=sla("first_response", 0.5))],
    )
    issue = make_issue()
    decision = same.evaluate(issue, at(0, 5))
    assert [(a.rule, a.to) for a in decision.actions] == [("slow", "L2")]  # type: ignore[attr-defined]
    issue = issue.record(decision.actions[0], at(0, 5))
    again = same.evaluate(issue, at(0, 5))
    assert again.actions == () and again.next_evaluation_at is None
    # A larger target at L2 is crossed later, and fires then.
    wider = Policy(
        [
            same.levels[0],
            Level("L2", "Two", rank=2, owner="b", targets={"first_response": hours(1)}),
            same.levels[2],
        ],
        same.rules,
    )
    assert wider.evaluate(issue, at(0, 5)).next_evaluation_at == at(0, 30)
    assert [a.to for a in wider.evaluate(issue, at(0, 30)).actions] == ["L3"]  # type: ignore[attr-defined]


# ------------------------------------------------------------------ clocks at their start


def all_metrics(**kw: object) -> Policy:
    targets = {m: hours(4) for m in ("first_response", "next_response", "resolution")}
    targets |= {"periodic_update": hours(4), "time_at_level": hours(4)}
    return Policy(one_level(**targets), [], **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("issue", "name", "now", "state", "started", "paused"),
    [
        # No cycle yet: nothing awaits a reply before the first one.
        (make_issue(), "next_response", at(3), "idle", None, ()),
        # Asked about an instant before the issue exists: no cycle has started.
        (make_issue(), "resolution", at(-1), "idle", None, ()),
        (make_issue(), "time_at_level", at(-1), "idle", None, ()),
        # Imported already resolved or closed: stopped from the start, nothing counted.
        (Issue("T-1", T0, status="resolved"), "resolution", at(3), "stopped", T0, ()),
        (Issue("T-1", T0, status="closed"), "first_response", at(3), "stopped", T0, ()),
        # Imported already pending: paused from the start, the pause still going on.
        (Issue("T-1", T0, status="pending"), "resolution", at(3), "paused", T0, ((T0, None),)),
        (Issue("T-1", T0, status="pending"), "time_at_level", at(3), "paused", T0, ((T0, None),)),
        # The same through a status change at the creation instant.
        (make_issue("T-1", status(0, "pending")), "resolution", at(3), "paused", T0, ((T0, None),)),
        (make_issue("T-1", status(0, "resolved")), "resolution", at(3), "stopped", T0, ()),
        # Pending from creation until the reply: the reply stops a clock that never ran.
        (
            Issue("T-1", T0, status="pending", history=[Event(EventKind.CREATED, T0), reply(5)]),
            "first_response",
            at(6),
            "stopped",
            T0,
            ((T0, at(5)),),
        ),
    ],
    ids=[
        "idle-next-response",
        "before-creation",
        "before-creation-level",
        "resolved-from-start",
        "closed-from-start",
        "pending-from-start",
        "pending-from-start-level",
        "pending-at-creation",
        "resolved-at-creation",
        "pending-until-reply",
    ],
)
def test_a_clock_that_has_counted_nothing_yet_keeps_its_whole_target(
    issue: Issue, name: str, now: datetime, state: str, started: datetime | None, paused: tuple
) -> None:
    clock = all_metrics().sla_clock(issue, now, name)
    assert (clock.name, clock.metric, clock.state) == (name, name, state)
    assert clock.started_at == started and clock.paused == paused
    assert clock.target == Target(hours(4)) and clock.calendar is None
    assert clock.elapsed == timedelta(0) and clock.remaining == hours(4)
    assert clock.deadline is None and not clock.breached and not clock.running
    assert clock.reaches(hours(1)) == (False, None) and clock.cycle_index == -1
    assert clock.reaches(timedelta(0)) == (started is not None, started)


def test_the_instant_of_the_reply_or_resolution_already_counts_as_stopped() -> None:
    replied = make_issue("T-1", reply(0.75))
    policy = all_metrics()
    before = policy.sla_clock(replied, at(0.75) - timedelta(microseconds=1), "first_response")
    assert before.state == "running" and before.running
    assert before.elapsed == minutes(45) - timedelta(microseconds=1)
    now = policy.sla_clock(replied, at(0.75), "first_response")
    assert now.state == "stopped" and not now.running and now.elapsed == minutes(45)
    assert now.deadline is None and now.remaining == hours(4) - minutes(45)
    assert policy.sla_clock(replied, at(9), "first_response") == now
    resolved = make_issue("T-1", status(1, "pending"), status(2, "open"), status(3, "resolved"))
    state = policy.sla_clock(resolved, at(3), "resolution")
    assert state.state == "stopped" and state.elapsed == hours(2)
    assert state.paused == ((at(1), at(2)),)
    assert policy.sla_clock(resolved, at(10), "resolution") == state


def test_a_reply_while_pending_stops_the_clock_with_the_pause_closed() -> None:
    issue = make_issue("T-1", status(1, "pending"), reply(3))
    for now in (at(3), at(8)):
        state = all_metrics().sla_clock(issue, now, "first_response")
        assert state.state == "stopped" and state.elapsed == hours(1)
        assert state.paused == ((at(1), at(3)),) and state.started_at == T0
    running = all_metrics().sla_clock(issue, at(2), "first_response")
    assert running.state == "paused" and running.paused == ((at(1), None),)


# ------------------------------------------------------------------ status changes at one instant


PLAIN = [status(1, "pending"), status(3, "open")]


@pytest.mark.parametrize(
    ("history", "same_as"),
    [
        ([status(2, "pending"), status(2, "open")], []),
        ([status(2, "open"), status(2, "pending"), status(2, "open")], []),
        ([status(2, "resolved"), status(2, "open")], []),
        ([status(1, "pending"), status(1, "open"), status(1, "pending"), status(3, "open")], PLAIN),
        (
            [status(1, "open"), status(1, "pending"), status(3, "resolved"), status(3, "open")],
            PLAIN,
        ),
        ([status(0, "resolved"), status(0, "open")], []),
    ],
    ids=[
        "pending-and-back",
        "open-pending-open",
        "resolved-and-back",
        "flicker-into-pause",
        "flicker-out-of-pause",
        "at-creation",
    ],
)
@pytest.mark.parametrize("name", ["resolution", "first_response", "time_at_level"])
def test_status_changes_at_one_instant_count_only_as_the_last(
    history: list[Event], same_as: list[Event], name: str
) -> None:
    policy = all_metrics()
    for now in (at(0), at(1), at(2), at(3), at(5)):
        assert policy.sla_clock(make_issue("T-1", *history), now, name) == policy.sla_clock(
            make_issue("T-1", *same_as), now, name
        ), now


# ------------------------------------------------------------------ cycles


def restarting() -> Policy:
    return Policy(
        one_level(resolution=hours(4)),
        [notify("breach", at=sla("resolution"), to="lead")],
        clocks=[SlaClock("resolution", on_reopen="restart")],
    )


def test_each_reopen_starts_a_new_resolution_cycle_when_restarting() -> None:
    # History: 0 created, 1 resolved at 2, 2 reopened at 5, 3 resolved at 6, 4 reopened at 8.
    once = make_issue("T-1", status(2, "resolved"), status(5, "open"))
    twice = once.with_event(status(6, "resolved")).with_event(status(8, "open"))
    policy = restarting()
    first = policy.sla_clock(once, at(6), "resolution")
    assert (first.started_at, first.cycle_index, first.elapsed) == (at(5), 2, hours(1))
    second = policy.sla_clock(twice, at(9), "resolution")
    assert (second.started_at, second.cycle_index, second.elapsed) == (at(8), 4, hours(1))
    assert second.deadline == at(12) and second.paused == ()
    # Between the two: resolved again, the cycle of the first reopen is stopped.
    between = policy.sla_clock(once.with_event(status(6, "resolved")), at(7), "resolution")
    assert (between.state, between.started_at, between.cycle_index) == ("stopped", at(5), 2)
    # Resuming instead keeps the one cycle that began at creation.
    resumed = all_metrics().sla_clock(twice, at(9), "resolution")
    assert (resumed.started_at, resumed.cycle_index, resumed.elapsed) == (T0, -1, hours(4))


def test_a_status_change_at_creation_that_is_later_resolved_keeps_the_creation_cycle() -> None:
    issue = make_issue("T-1", status(0, "open"), status(2, "resolved"))
    state = restarting().sla_clock(issue, at(3), "resolution")
    assert (state.state, state.started_at, state.cycle_index) == ("stopped", T0, -1)
    assert state.elapsed == hours(2)


@pytest.mark.parametrize(
    ("history", "now", "started", "cycle", "elapsed", "paused"),
    [
        # A pause after the reopen is part of the new cycle, not a new one.
        (
            [status(2, "resolved"), status(5, "open"), status(6, "pending"), status(7, "open")],
            at(8),
            at(5),
            2,
            hours(2),
            ((at(6), at(7)),),
        ),
        # Closing a resolved issue is not a reopen.
        ([status(2, "resolved"), status(3, "closed")], at(4), T0, -1, hours(2), ()),
        (
            [status(2, "resolved"), status(5, "open"), status(6, "resolved"), status(7, "closed")],
            at(8),
            at(5),
            2,
            hours(1),
            (),
        ),
    ],
    ids=["pause-after-reopen", "closed-after-resolved", "closed-after-second-resolution"],
)
def test_only_a_reopen_restarts_the_resolution_clock(
    history: list[Event],
    now: datetime,
    started: datetime,
    cycle: int,
    elapsed: timedelta,
    paused: tuple,
) -> None:
    state = restarting().sla_clock(make_issue("T-1", *history), now, "resolution")
    assert (state.started_at, state.cycle_index, state.elapsed) == (started, cycle, elapsed)
    assert state.paused == paused


def test_a_restarted_cycle_breaches_again() -> None:
    policy = restarting()
    issue = make_issue()
    decision = policy.evaluate(issue, at(4))
    assert [a.rule for a in decision.actions] == ["breach"]
    issue = issue.record(decision.actions[0], at(4))
    issue = issue.with_event(status(5, "resolved")).with_event(status(6, "open"))
    assert policy.evaluate(issue, at(7)).actions == ()
    assert policy.evaluate(issue, at(7)).next_evaluation_at == at(10)
    assert [a.rule for a in policy.evaluate(issue, at(10)).actions] == ["breach"]


def test_each_clock_counts_from_the_event_that_started_its_cycle() -> None:
    # History: 0 created, 1 reply at 1, 2 message at 2, 3 reply at 3, 4 message at 4,
    # 5 moved to L2 at 4.5, 6 acknowledged at 4.75.
    issue = make_issue(
        "T-1",
        reply(1),
        message(2),
        reply(3),
        message(4),
        Event(EventKind.LEVEL_CHANGED, at(4.5), level="L2"),
        ev(EventKind.ACKNOWLEDGED, 4.75),
        level="L2",
    )
    policy = all_metrics()
    clocks = {
        name: (state.state, state.started_at, state.elapsed, state.cycle_index)
        for name in policy.clocks
        for state in [policy.sla_clock(issue, at(5), name)]
    }
    assert clocks == {
        "first_response": ("stopped", T0, hours(1), -1),  # the first reply, not the last
        "next_response": ("running", at(4), hours(1), 4),
        "periodic_update": ("running", at(3), hours(2), 3),
        "resolution": ("running", T0, hours(5), -1),
        "time_at_level": ("running", at(4.5), minutes(30), 5),
    }


def test_a_reopen_right_after_a_resolution_at_creation_restarts_the_clock() -> None:
    issue = make_issue("T-1", status(0, "resolved"), status(2, "open"))
    restarted = restarting().sla_clock(issue, at(3), "resolution")
    assert (restarted.started_at, restarted.cycle_index, restarted.elapsed) == (at(2), 2, hours(1))
    resumed = all_metrics().sla_clock(issue, at(3), "resolution")
    assert (resumed.started_at, resumed.cycle_index, resumed.elapsed) == (T0, -1, hours(1))


# ------------------------------------------------------------------ boundary instants


SPELL = [status(1, "pending"), status(3, "open"), status(5, "resolved")]


@pytest.mark.parametrize(
    ("h", "state", "elapsed", "paused"),
    [
        (0.5, "running", minutes(30), ()),
        (1, "paused", hours(1), ((at(1), None),)),
        (2, "paused", hours(1), ((at(1), None),)),
        (3, "running", hours(1), ((at(1), at(3)),)),
        (4, "running", hours(2), ((at(1), at(3)),)),
        (5, "stopped", hours(3), ((at(1), at(3)),)),
        (7, "stopped", hours(3), ((at(1), at(3)),)),
    ],
)
def test_a_status_change_takes_effect_at_its_own_instant(
    h: float, state: str, elapsed: timedelta, paused: tuple
) -> None:
    # Evaluated as the issue stood at each instant: the events up to then.
    issue = make_issue("T-1", *[e for e in SPELL if e.at <= at(h)])
    clock = all_metrics().sla_clock(issue, at(h), "resolution")
    assert (clock.state, clock.elapsed, clock.paused) == (state, elapsed, paused)
    assert clock.started_at == T0 and clock.cycle_index == -1


def test_a_pause_that_ended_as_the_cycle_began_is_not_part_of_it() -> None:
    issue = make_issue("T-1", reply(0.5), status(1, "pending"), message(2), status(2, "open"))
    state = all_metrics().sla_clock(issue, at(3), "next_response")
    assert (state.state, state.started_at, state.elapsed, state.paused) == (
        "running",
        at(2),
        hours(1),
        (),
    )
    moved = make_issue(
        "T-1",
        status(1, "pending"),
        Event(EventKind.LEVEL_CHANGED, at(2), level="L2"),
        status(2, "open"),
        level="L2",
    )
    state = all_metrics().sla_clock(moved, at(3), "time_at_level")
    assert (state.state, state.started_at, state.elapsed, state.paused) == (
        "running",
        at(2),
        hours(1),
        (),
    )


def test_a_change_to_the_status_an_issue_already_has_changes_no_clock() -> None:
    policy = all_metrics()
    for name in ("resolution", "first_response", "time_at_level"):
        plain = policy.sla_clock(make_issue("T-1", status(3, "pending")), at(5), name)
        again = make_issue("T-1", status(1, "open"), status(2, "open"), status(3, "pending"))
        assert policy.sla_clock(again, at(5), name) == plain, name


def test_clock_states_compare_by_what_the_clock_says() -> None:
    # Two policies whose calendars share a name but not their hours: an idle clock says the same.
    def with_office(tz: str) -> Policy:
        return Policy(
            one_level(next_response=hours(4)),
            [],
            calendars={"office": office(tz)},
            calendar="office",
        )

    berlin = with_office("Europe/Berlin").sla_clock(make_issue(), at(1), "next_response")
    sydney = with_office("Australia/Sydney").sla_clock(make_issue(), at(1), "next_response")
    assert berlin == sydney and berlin.state == "idle" and berlin.calendar == "office"
    assert repr(berlin) == (
        "ClockState(name='next_response', metric=<Metric.NEXT_RESPONSE: 'next_response'>, "
        "target=Target(duration=datetime.timedelta(seconds=14400), wall=False, days=None), "
        "calendar='office', state='idle', started_at=None, elapsed=datetime.timedelta(0), "
        "remaining=datetime.timedelta(seconds=14400), deadline=None, breached=False, paused=(), "
        "cycles=(), sla=None, sla_since=None)"
    )


def test_a_clock_without_a_target_still_counts_on_the_calendar() -> None:
    created = datetime(2026, 3, 6, 15, 0, tzinfo=BERLIN)  # a Friday
    policy = Policy(
        one_level(resolution=by_priority(P1=hours(1))),
        [],
        calendars={"eu": office("Europe/Berlin")},
        calendar="eu",
    )
    state = policy.sla_clock(
        Issue("T-1", created, priority="P3"),
        datetime(2026, 3, 9, 10, 0, tzinfo=BERLIN),
        "resolution",
    )
    assert (state.target, state.calendar, state.elapsed) == (None, "eu", hours(3))
    assert (state.remaining, state.deadline, state.breached) == (None, None, False)


def test_an_unknown_status_in_the_history_names_the_issue() -> None:
    issue = make_issue("T-7", status(1, "on_hold"), status(2, "open"))
    with pytest.raises(IssueError) as info:
        all_metrics().sla_clock(issue, at(3), "resolution")
    assert str(info.value).startswith("issue 'T-7' has status 'on_hold', which is neither")
    assert info.value.value == "on_hold"


# ------------------------------------------------------------------ reaches


def test_reaches_gives_the_instant_a_clock_counts_an_amount() -> None:
    # Counting 0-1 and 3-4 (pending 1-3), running on from 3.
    issue = make_issue("T-1", status(1, "pending"), status(3, "open"))
    state = all_metrics().sla_clock(issue, at(3.5), "resolution")
    assert state.elapsed == hours(1.5)
    table = [
        (timedelta(0), (True, T0)),
        (-hours(1), (True, T0)),
        (minutes(30), (True, at(0.5))),
        (hours(1), (True, at(1))),
        (hours(1) + minutes(1), (True, at(3, 1))),
        (hours(1.5), (True, at(3.5))),
        (hours(2), (False, at(4))),
        (hours(10), (False, at(12))),
    ]
    assert [state.reaches(amount) for amount, _ in table] == [want for _, want in table]
    paused = all_metrics().sla_clock(issue, at(2), "resolution")
    assert paused.reaches(minutes(30)) == (True, at(0.5))
    assert paused.reaches(hours(1)) == (True, at(1))
    assert paused.reaches(hours(1) + minutes(1)) == (False, None)


def test_reaches_counts_on_the_calendar() -> None:
    # Created Friday 15:00 Berlin on office hours: 2 h on Friday, then Monday from 09:00.
    created = datetime(2026, 3, 6, 15, 0, tzinfo=BERLIN)
    policy = Policy(
        one_level(resolution=hours(8)),
        [],
        calendars={"eu": office("Europe/Berlin")},
        calendar="eu",
    )
    state = policy.sla_clock(
        Issue("T-1", created), datetime(2026, 3, 6, 16, 0, tzinfo=BERLIN), "resolution"
    )
    assert state.reaches(hours(1)) == (True, datetime(2026, 3, 6, 16, 0, tzinfo=BERLIN))
    assert state.reaches(hours(3)) == (False, datetime(2026, 3, 9, 10, 0, tzinfo=BERLIN))


# ------------------------------------------------------------------ pause_on


@pytest.mark.parametrize(
    ("pause_on", "paused", "elapsed"),
    [
        ("pending", frozenset({"pending"}), hours(2)),
        (["pending"], frozenset({"pending"}), hours(2)),
        ("open", frozenset({"open"}), hours(3)),
        (("open", "pending"), frozenset({"open", "pending"}), timedelta(0)),
        ([], frozenset(), hours(5)),
    ],
)
def test_a_clock_pauses_on_exactly_the_statuses_it_lists(
    pause_on: object, paused: frozenset[str], elapsed: timedelta
) -> None:
    clock = SlaClock("resolution", pause_on=pause_on)  # type: ignore[arg-type]
    assert clock.pause_on == paused and clock.metric == "resolution"
    policy = Policy(one_level(resolution=hours(8)), [], clocks=[clock])
    # open 0-1, pending 1-3, open 3-4, pending 4-5
    issue = make_issue("T-1", status(1, "pending"), status(3, "open"), status(4, "pending"))
    assert policy.sla_clock(issue, at(5), "resolution").elapsed == elapsed


def test_the_default_clocks_pause_while_pending_and_resume_rather_than_restart() -> None:
    policy = all_metrics()
    for name in (
        "first_response",
        "next_response",
        "periodic_update",
        "resolution",
        "time_at_level",
    ):
        clock = policy.clocks[name]
        assert (clock.name, clock.metric, clock.pause_on) == (name, name, {"pending"})
        assert clock.on_reopen == "resume"
    assert list(policy.clocks) == [
        "first_response",
        "next_response",
        "periodic_update",
        "resolution",
        "time_at_level",
    ]


# ------------------------------------------------------------------ error messages and payloads

METRICS = (
    "['first_response', 'next_response', 'periodic_update', 'resolution', 'time_at_level', "
    "'pausable_update', 'requester_wait', 'agent_work', 'group_ownership', 'time_to_own'"
)


def target(value: object) -> Level:
    return Level("L", "L", rank=1, owner="a", targets={"resolution": value})


@pytest.mark.parametrize(
    ("build", "message", "payload"),
    [
        (
            lambda: Policy(one_level(), [], clocks=[SlaClock("resolution", pause_on=["pendign"])]),
            "clock 'resolution': pause_on lists 'pendign', which is neither a status nor a "
            "host status in the policy's status_map; known: ['open', 'pending'] "
            "(did you mean 'pending'?)",
            {"value": "pendign", "suggestion": "pending", "where": "clock 'resolution'"},
        ),
        (
            lambda: SlaClock("resolution", pause_on=[3]),
            "pause_on lists 3; list statuses by name (a `Status` value, or one of the host's "
            "statuses in the policy's status_map)",
            {"value": 3, "suggestion": None},
        ),
        (
            lambda: SlaClock("resolution", pause_on=["pending", "resolved"]),
            "pause_on cannot list 'resolved': a clock already stops there",
            {"value": "resolved", "suggestion": None},
        ),
        (
            lambda: SlaClock("resolution", pause_on="closed"),
            "pause_on cannot list 'closed': a clock already stops there",
            {"value": "closed"},
        ),
        (
            lambda: SlaClock("fast"),
            f"clock 'fast': the clock never runs: it has no start (or reset) condition; name a "
            f"preset metric (one of {METRICS}]) or give it start=[...], e.g. start=['created']",
            {"value": "fast", "suggestion": None},
        ),
        (
            lambda: SlaClock("x", "resolutoin"),
            f"unknown SLA metric 'resolutoin'; metrics are {METRICS}, 'custom'] "
            "(did you mean 'resolution'?)",
            {"value": "resolutoin", "suggestion": "resolution"},
        ),
        (lambda: SlaClock("", "resolution"), "a clock needs a name, got ''", {"value": ""}),
        (lambda: SlaClock(None, "resolution"), "a clock needs a name, got None", {"value": None}),  # type: ignore[arg-type]
        (
            lambda: SlaClock("x", "resolution", on_reopen="restrat"),  # type: ignore[arg-type]
            "clock 'x': on_reopen must be 'resume' or 'restart', got 'restrat'"
            " (did you mean 'restart'?)",
            {"where": "clock 'x'", "value": "restrat", "suggestion": "restart"},
        ),
        (
            lambda: SlaClock("x", "resolution", on_reopen="Resume"),  # type: ignore[arg-type]
            "clock 'x': on_reopen must be 'resume' or 'restart', got 'Resume'"
            " (did you mean 'resume'?)",
            {"where": "clock 'x'", "value": "Resume", "suggestion": "resume"},
        ),
        (
            lambda: SlaClock("x", "resolution", on_reopen="zzz"),  # type: ignore[arg-type]
            "clock 'x': on_reopen must be 'resume' or 'restart', got 'zzz'",
            {"where": "clock 'x'", "value": "zzz", "suggestion": None},
        ),
        (
            lambda: Policy(one_level(), [], clocks=[SlaClock("a", "resolution"), "resolution"]),
            "clocks[1] is not an SlaClock: 'resolution'",
            {"value": "resolution"},
        ),
        (
            lambda: Policy(
                one_level(), [], clocks=[SlaClock("a", "resolution"), SlaClock("a", "resolution")]
            ),
            "duplicate clock name 'a'",
            {"value": "a"},
        ),
        (
            lambda: Target(hours(0)),
            "an SLA target must be a positive timedelta, got datetime.timedelta(0)",
            {"value": hours(0)},
        ),
        (
            lambda: Target(3600),  # type: ignore[arg-type]
            "an SLA target must be a positive timedelta, got 3600",
            {"value": 3600},
        ),
        (
            lambda: target(-minutes(1)),
            "the SLA target 'resolution' must be positive, got "
            "datetime.timedelta(days=-1, seconds=86340)",
            {"value": -minutes(1)},
        ),
        (
            lambda: target(5),
            "the SLA target 'resolution' must be a timedelta or a Target, got 5",
            {"value": 5},
        ),
        (
            lambda: target({"P1": hours(1), "P2": hours(0)}),
            "the SLA target resolution['P2'] must be positive, got datetime.timedelta(0)",
            {"value": hours(0)},
        ),
        (
            lambda: target({"P1": "1h"}),
            "the SLA target resolution['P1'] must be a timedelta or a Target, got '1h'",
            {"value": "1h"},
        ),
        (lambda: target({}), "the SLA targets for 'resolution' are empty", {"value": {}}),
        (
            lambda: target({"P1": hours(1), "": hours(1)}),
            "the SLA targets for 'resolution' are keyed by priority, got ''",
            {"value": ""},
        ),
        (
            lambda: target({1: hours(1)}),
            "the SLA targets for 'resolution' are keyed by priority, got 1",
            {"value": 1},
        ),
    ],
    ids=[
        "pause-on-typo",
        "pause-on-not-a-string",
        "pause-on-resolved",
        "pause-on-closed-as-one-string",
        "unknown-metric",
        "misspelt-metric",
        "empty-name",
        "no-name",
        "on-reopen-typo",
        "on-reopen-capitalised",
        "on-reopen-unknown",
        "not-a-clock",
        "duplicate-clock",
        "zero-target",
        "target-not-a-timedelta",
        "negative-level-target",
        "level-target-not-a-duration",
        "zero-priority-target",
        "priority-target-not-a-duration",
        "empty-target-table",
        "empty-priority",
        "priority-not-a-string",
    ],
)
def test_bad_sla_definitions_say_what_and_carry_the_value(
    build: object, message: str, payload: dict[str, object]
) -> None:
    with pytest.raises(PolicyError) as info:
        build()  # type: ignore[operator]
    assert isinstance(info.value, ValueError)
    assert str(info.value) == message
    assert {key: getattr(info.value, key) for key in payload} == payload


def regional() -> Policy:
    levels = [
        Level("L1", "One", rank=1, owner="a", targets={"resolution": hours(8)}, calendar="eu"),
    ]
    return Policy(
        levels,
        [],
        calendars={"eu": office("Europe/Berlin"), "au": office("Australia/Sydney")},
        calendar_field="customer.attributes.region",
    )


@pytest.mark.parametrize(
    ("region", "message"),
    [
        (
            "EU",
            "the calendar 'EU', which the policy does not have; calendars are ['au', 'eu']; "
            "did you mean 'eu'?",
        ),
        ("mars", "the calendar 'mars', which the policy does not have; calendars are ['au', 'eu']"),
        ("", "the calendar '', which the policy does not have; calendars are ['au', 'eu']"),
        (5, "the calendar 5, which the policy does not have; calendars are ['au', 'eu']"),
    ],
)
def test_an_issue_naming_an_unknown_calendar_cannot_be_measured(
    region: object, message: str
) -> None:
    created = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    issue = Issue("X", created, customer=Customer(attributes={"region": region}))
    with pytest.raises(EvaluationError) as info:
        regional().sla_clock(issue, created, "resolution")
    assert str(info.value) == "the issue's customer.attributes.region names " + message
    assert (info.value.field, info.value.value) == ("customer.attributes.region", region)


@pytest.mark.parametrize(
    ("customer", "calendar"),
    [
        (Customer(attributes={"region": "au"}), "au"),
        (Customer(attributes={"region": None}), "eu"),
        (Customer(), "eu"),
    ],
    ids=["named", "none", "missing"],
)
def test_an_issue_without_a_calendar_counts_on_its_level_calendar(
    customer: Customer, calendar: str
) -> None:
    created = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    state = regional().sla_clock(Issue("X", created, customer=customer), created, "resolution")
    assert state.calendar == calendar


def test_the_policy_calendar_applies_when_the_level_has_none_and_wall_targets_ignore_it() -> None:
    created = datetime(2026, 3, 6, 15, 0, tzinfo=BERLIN)  # a Friday
    policy = Policy(
        [
            Level("L1", "One", rank=1, owner="a", targets={"resolution": hours(8)}),
            Level("L2", "Two", rank=2, owner="b", targets={"resolution": wall(hours(8))}),
        ],
        [],
        calendars={"eu": office("Europe/Berlin")},
        calendar="eu",
    )
    l1 = policy.sla_clock(Issue("T-1", created), created, "resolution")
    assert l1.calendar == "eu" and l1.deadline == datetime(2026, 3, 9, 15, 0, tzinfo=BERLIN)
    l2 = policy.sla_clock(Issue("T-1", created, level="L2"), created, "resolution")
    assert l2.calendar is None and l2.deadline == created + hours(8)
    no_calendar = Policy(
        one_level(resolution=hours(8)), [], calendars={"eu": office("Europe/Berlin")}
    )
    state = no_calendar.sla_clock(Issue("T-1", created), created, "resolution")
    assert state.calendar is None and state.deadline == created + hours(8)


# ------------------------------------------------------------------ targets


def test_a_target_per_priority_falls_back_to_the_default() -> None:
    table = by_priority(P1=hours(1), P2=wall(hours(4)), default=hours(8))
    assert table == {"P1": hours(1), "P2": Target(hours(4), wall=True), "*": hours(8)}
    assert by_priority(P1=hours(1)) == {"P1": hours(1)}
    policy = policy_for("resolution", targets={"resolution": table})
    expected = {
        "P1": Target(hours(1)),
        "P2": Target(hours(4), wall=True),
        "P3": Target(hours(8)),
        None: Target(hours(8)),
    }
    for priority, want in expected.items():
        issue = make_issue(priority=priority)
        assert policy.sla_clock(issue, at(1), "resolution").target == want, priority
    only_p1 = policy_for("resolution", targets={"resolution": by_priority(P1=hours(1))})
    assert only_p1.sla_clock(make_issue(), at(1), "resolution").target is None


def test_a_target_reads_as_its_duration() -> None:
    assert str(Target(hours(4))) == "4 h"
    assert str(wall(minutes(90))) == "1 h 30 min wall-clock"
    assert str(business_days(3)) == "3 business days" and str(business_days(1)) == "1 business day"
    assert wall(hours(1)) == Target(hours(1), wall=True) and not Target(hours(1)).wall


def test_a_metric_reads_and_hashes_as_its_name() -> None:
    assert str(Metric.NEXT_RESPONSE) == "next_response"
    assert {"resolution": 1}[Metric.RESOLUTION] == 1
    assert SlaClock("x", Metric.RESOLUTION).metric is Metric.RESOLUTION


def test_an_instant_in_another_zone_is_the_same_instant() -> None:
    issue = make_issue("T-1", status(1, "pending"), status(3, "open"))
    berlin = at(4).astimezone(BERLIN)
    for name in ("resolution", "first_response"):
        assert all_metrics().sla_clock(issue, berlin, name) == all_metrics().sla_clock(
            issue, at(4), name
        )


@pytest.mark.parametrize(
    "build",
    [
        lambda: SlaClock("x", "resolution", ("pending",)),
        lambda: SlaClock("x", "resolution", "restart"),
        lambda: Target(hours(1), True),
    ],
    ids=["pause_on", "on_reopen", "wall"],
)
def test_clock_and_target_options_are_keyword_only(build: object) -> None:
    with pytest.raises(TypeError):
        build()  # type: ignore[operator]


# --------------------------------------- pause_on with the host's own statuses (issue 13, part)


def test_one_history_gives_requester_wait_and_agent_work_time_both_right() -> None:
    # Zendesk: requester wait time counts new, open and on-hold; agent work time counts new
    # and open only. "hold" maps onto open (the agent's side is waiting on a third party),
    # so only a host status in pause_on can tell the two clocks apart.
    policy = Policy(
        [Level("L1", "One", rank=1, owner="a",
               targets={"requester_wait": wall(hours(8)), "agent_work": wall(hours(4))})],
        [],
        status_map={"hold": "open", "waiting": "pending"},
        clocks=[
            SlaClock("requester_wait", metric="resolution", pause_on=["pending"]),
            SlaClock("agent_work", metric="resolution", pause_on=["pending", "hold"]),
        ],
    )  # fmt: skip
    issue = make_issue(
        "Z",
        Event(EventKind.STATUS_CHANGED, at(1), status="hold"),
        Event(EventKind.STATUS_CHANGED, at(3), status="open"),
        Event(EventKind.STATUS_CHANGED, at(4), status="waiting"),
        Event(EventKind.STATUS_CHANGED, at(6), status="open"),
    )
    requester = policy.sla_clock(issue, at(7), "requester_wait")
    agent = policy.sla_clock(issue, at(7), "agent_work")
    assert requester.elapsed == hours(5)  # 0-4 and 6-7: on hold counts, waiting does not
    assert agent.elapsed == hours(3)  # 0-1, 3-4 and 6-7
    on_hold = policy.sla_clock(issue.as_of(at(2)), at(2), "agent_work")
    assert (
        on_hold.state == "paused"
        and policy.sla_clock(issue.as_of(at(2)), at(2), "requester_wait").state == "running"
    )
    assert loads(dump(policy)) == policy


def test_a_host_status_in_pause_on_must_be_mapped_and_not_closing() -> None:
    clock = SlaClock("resolution", pause_on=["hold"])
    with pytest.raises(PolicyError, match="pause_on lists 'hold', which is neither"):
        Policy(one_level(), [], clocks=[clock])
    with pytest.raises(PolicyError, match="cannot list 'hold': it maps onto 'resolved'"):
        Policy(one_level(), [], clocks=[clock], status_map={"hold": "resolved"})
