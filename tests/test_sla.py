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
    Policy,
    PolicyError,
    SlaClock,
    Target,
    by_priority,
    escalate,
    hours,
    minutes,
    notify,
    sla,
    wall,
)

from .conftest import T0, at, make_issue

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
    assert [a.rule for a in policy.evaluate(issue, at(3.5)).actions] == ["half", "soon"]
    assert [a.rule for a in policy.evaluate(issue, at(5)).actions] == ["half", "soon", "late"]


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
        (lambda: SlaClock("resolution", pause_on=["pendign"]), "did you mean 'pending'"),
        (lambda: SlaClock("fast"), r"unknown SLA metric 'fast'"),
        (lambda: SlaClock("x", "resolution", on_reopen="again"), "on_reopen must be"),
        (lambda: sla("resolution", before=hours(1), after=hours(1)), "not both"),
        (lambda: sla("resolution", before=-hours(1)), "must not be negative"),
        (lambda: Target(hours(0)), "must be a positive timedelta"),
        (lambda: Level("L", "L", rank=1, owner="a", targets={"x": by_priority()}), "empty"),
        (
            lambda: Policy(one_level(), [notify("n", at=sla("resolution"), to="x")]),
            r"no level has a target for it",
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
