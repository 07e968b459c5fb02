"""SLA policies (chosen by condition, switched as the issue changes), policy-wide targets,
the per-issue calendar chain and zone, and the piecewise measure across a switch."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import (
    ALWAYS,
    BusinessCalendar,
    Customer,
    EscalationRulesError,
    EvaluationError,
    Event,
    EventKind,
    F,
    Issue,
    Level,
    Policy,
    PolicyError,
    SlaClock,
    by_priority,
    clock,
    escalate,
    happened,
    hours,
    minutes,
    notify,
    since,
    sla,
    wall,
)
from escalation_rules._conditions.condition import Condition
from escalation_rules._engine.context import make_context
from escalation_rules._engine.sla_policies import SlaPeriod, SlaPolicy
from escalation_rules._engine.sla_select import Selection, select
from escalation_rules._time.clocks import WALL
from escalation_rules._time.switched_measure import SwitchedMeasure

from ..conftest import T0, at

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ONE = [Level("L1", "One", rank=1, owner="one"), Level("L2", "Two", rank=2, owner="two")]

OFFICE = BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})
ALWAYS_OPEN = BusinessCalendar.always("UTC")


def ev(kind: EventKind, h: float, **fields: str) -> Event:
    return Event(kind, at(h), **fields)


def issue_with(*events: Event, **fields: object) -> Issue:
    """An issue created at T0 whose fields follow its events (`Issue.with_events`)."""
    return Issue("S-1", T0, **fields).with_events([Event(EventKind.CREATED, T0), *events])  # type: ignore[arg-type]


def selection(policy: Policy, issue: Issue, now: datetime, name: str) -> Selection:
    return select(make_context(policy, issue.as_of(now), now), name)


# ------------------------------------------------------------------ first match, precedence


def tiered() -> Policy:
    return Policy(
        [
            Level(
                "L1", "One", rank=1, owner="one", targets={"resolution": by_priority(P1=hours(2))}
            ),
            Level("L2", "Two", rank=2, owner="two"),
        ],
        [],
        targets={"resolution": hours(24), "first_response": hours(8)},
        slas=[
            SlaPolicy(
                "gold",
                when=F.customer.tier == "gold",
                targets={"resolution": hours(6), "first_response": by_priority(P1=hours(1))},
            ),
            SlaPolicy(
                "silver", when=F.customer.tier == "silver", targets={"resolution": hours(12)}
            ),
            SlaPolicy("basic"),
        ],
    )


@pytest.mark.parametrize(
    ("tier", "priority", "level", "resolution", "first_response", "sla_name"),
    [
        # the level's own target wins (L1 has one for P1 only)
        ("gold", "P1", "L1", hours(2), hours(1), "gold"),
        # no level target for P2: the SLA policy's; none there for first_response: policy-wide
        ("gold", "P2", "L1", hours(6), hours(8), "gold"),
        ("silver", "P1", "L2", hours(12), hours(8), "silver"),
        # the fallback has no targets: the policy-wide ones
        ("none", "P2", "L2", hours(24), hours(8), "basic"),
        ("none", None, "L1", hours(24), hours(8), "basic"),
    ],
)
def test_the_level_wins_then_the_sla_policy_then_the_policy_wide_target(
    tier: str,
    priority: str | None,
    level: str,
    resolution: timedelta,
    first_response: timedelta,
    sla_name: str,
) -> None:
    issue = issue_with(priority=priority, level=level, customer=Customer(tier=tier))
    policy = tiered()
    state = policy.sla_clock(issue, at(1), "resolution")
    assert state.target is not None and state.target.duration == resolution
    chosen = selection(policy, issue, at(1), "first_response")
    assert chosen.target is not None and chosen.target.duration == first_response
    assert (chosen.sla, chosen.since) == (sla_name, T0)
    assert [s.name for s in policy.sla_clocks(issue, at(1))] == ["first_response", "resolution"]


def test_the_first_matching_sla_policy_applies_in_order() -> None:
    both = SlaPolicy("vip", when=F.tags.contains("vip"), targets={"resolution": hours(1)})
    gold = SlaPolicy("gold", when=F.customer.tier == "gold", targets={"resolution": hours(2)})
    issue = issue_with(tags=["vip"], customer=Customer(tier="gold"))
    for slas, expected in (([both, gold], "vip"), ([gold, both], "gold")):
        policy = Policy(ONE, [], slas=slas)
        assert selection(policy, issue, at(1), "resolution").sla == expected


def test_without_a_match_no_sla_policy_applies_and_targets_come_from_elsewhere() -> None:
    policy = Policy(
        ONE,
        [],
        targets={"first_response": hours(4)},
        slas=[SlaPolicy("gold", when=F.customer.tier == "gold", targets={"resolution": hours(2)})],
    )
    issue = issue_with(customer=Customer(tier="bronze"))
    chosen = selection(policy, issue, at(1), "resolution")
    assert chosen == Selection(None, WALL, None)
    wide = policy.targets["first_response"]["*"]
    assert selection(policy, issue, at(1), "first_response").target == wide
    assert policy.sla_timeline(issue, at(1)) == (SlaPeriod(T0, None),)
    assert [s.name for s in policy.sla_clocks(issue, at(1))] == ["first_response"]


def test_a_policy_without_sla_policies_selects_as_before() -> None:
    level = Level("L1", "One", rank=1, owner="one", targets={"resolution": hours(3)})
    policy = Policy([level], [])
    issue = issue_with()
    assert selection(policy, issue, at(1), "resolution") == Selection(
        level.targets["resolution"]["*"], WALL, None, None, None
    )
    assert policy.sla_timeline(issue, at(1)) == ()


def test_a_policy_wide_target_is_kept_when_an_issue_starts_at_a_higher_level() -> None:
    # The "VIPs start at L2" rule cannot drop the first-response target any more.
    policy = Policy(ONE, [], targets={"first_response": by_priority(P1=hours(1), default=hours(4))})
    vip = issue_with(priority="P1", level="L2")
    state = policy.sla_clock(vip, at(0.5), "first_response")
    assert state.target is not None and state.deadline == at(1)


def test_sla_and_policy_wide_targets_drive_threshold_rules() -> None:
    # L2 overrides the policy-wide resolution target; at L1 the policy-wide one applies.
    policy = Policy(
        [
            Level("L1", "One", rank=1, owner="one"),
            Level("L2", "Two", rank=2, owner="two", targets={"resolution": hours(48)}),
        ],
        [
            notify("warn", at=sla("resolution", 0.5), to="lead"),
            escalate("breach", at=sla("resolution")),
        ],
        targets={"resolution": hours(8)},
        slas=[SlaPolicy("urgent", when=F.priority == "P1", targets={"resolution": hours(2)})],
    )
    normal = issue_with(priority="P3")
    assert policy.evaluate(normal, at(1)).next_evaluation_at == at(4)
    warned = policy.evaluate(normal, at(4))
    assert [a.rule for a in warned.actions] == ["warn"] and warned.next_evaluation_at == at(8)
    assert "breach" in [a.rule for a in policy.evaluate(normal, at(8)).actions]
    urgent = issue_with(priority="P1")
    assert policy.evaluate(urgent, at(0.5)).next_evaluation_at == at(1)
    assert "breach" in [a.rule for a in policy.evaluate(urgent, at(2)).actions]
    at_two = issue_with(priority="P3", level="L2")  # L2's own 48 h target wins
    assert policy.evaluate(at_two, at(1)).next_evaluation_at == at(24)


# ------------------------------------------------------------------ switching as the issue changes


def urgent_or_normal(**calendars: str) -> Policy:
    return Policy(
        ONE,
        [],
        calendars={"office": OFFICE, "always": ALWAYS_OPEN} if calendars else {},
        slas=[
            SlaPolicy(
                "urgent",
                when=F.priority == "P1",
                targets={"resolution": hours(8)},
                calendar=calendars.get("urgent"),
            ),
            SlaPolicy(
                "normal", targets={"resolution": hours(16)}, calendar=calendars.get("normal")
            ),
        ],
    )


def test_a_raised_priority_switches_the_sla_at_that_event_and_keeps_the_elapsed_time() -> None:
    policy = urgent_or_normal()
    issue = issue_with(
        ev(EventKind.PRIORITY_CHANGED, 0, priority="P3"),
        ev(EventKind.PRIORITY_CHANGED, 6, priority="P1"),
    )
    assert policy.sla_timeline(issue, at(7)) == (
        SlaPeriod(T0, "normal"),
        SlaPeriod(at(6), "urgent"),
    )
    before = policy.sla_clock(issue, at(5), "resolution")
    assert (before.sla, before.target.duration if before.target else None) == ("normal", hours(16))
    after = policy.sla_clock(issue, at(7), "resolution")
    assert (after.sla, after.sla_since) == ("urgent", at(6))
    # elapsed carries over the switch: 7 h, against the urgent 8 h target
    assert after.elapsed == hours(7) and after.remaining == hours(1) and after.deadline == at(8)
    # a switch back is a switch too
    back = issue.with_event(ev(EventKind.PRIORITY_CHANGED, 7.5, priority="P2"))
    assert [p.sla for p in policy.sla_timeline(back, at(9))] == ["normal", "urgent", "normal"]
    assert policy.sla_clock(back, at(9), "resolution").remaining == hours(7)


def test_a_priority_changed_before_any_event_recorded_it_was_unknown_before() -> None:
    # As Issue.as_of says: before the first priority change the priority is unknown.
    policy = urgent_or_normal()
    issue = issue_with(ev(EventKind.PRIORITY_CHANGED, 2, priority="P1"), priority="P1")
    assert policy.sla_timeline(issue, at(3)) == (
        SlaPeriod(T0, "normal"),
        SlaPeriod(at(2), "urgent"),
    )


def test_switching_across_calendars_keeps_the_time_counted_on_the_earlier_calendar() -> None:
    # Monday 09:00 UTC. Normal counts office hours, urgent every hour.
    policy = urgent_or_normal(normal="office", urgent="always")
    up = issue_with(
        ev(EventKind.PRIORITY_CHANGED, 0, priority="P3"),
        ev(EventKind.PRIORITY_CHANGED, 6, priority="P1"),  # Monday 15:00
    )
    state = policy.sla_clock(up, at(11), "resolution")  # Monday 20:00
    # 6 office hours before the switch, then 5 round-the-clock hours
    assert (state.elapsed, state.calendar, state.sla) == (hours(11), "always", "urgent")
    assert state.breached and state.deadline == at(8)  # Monday 17:00: 6 h + 2 h
    down = issue_with(
        ev(EventKind.PRIORITY_CHANGED, 0, priority="P1"),
        ev(EventKind.PRIORITY_CHANGED, 11, priority="P3"),  # Monday 20:00
    )
    state = policy.sla_clock(down, at(27), "resolution")  # Tuesday 12:00
    # 11 round-the-clock hours, then Tuesday 09:00-12:00 in the office
    assert (state.elapsed, state.calendar) == (hours(14), "office")
    assert state.deadline == at(29)  # Tuesday 14:00: 16 h of normal's target
    measure = selection(policy, down, at(27), "resolution").measure
    assert measure == SwitchedMeasure([ALWAYS_OPEN, OFFICE], [at(11)])


def test_the_elapsed_time_is_continuous_at_a_switch_across_calendars() -> None:
    policy = urgent_or_normal(normal="office", urgent="always")
    issue = issue_with(
        ev(EventKind.PRIORITY_CHANGED, 0, priority="P3"),
        ev(EventKind.STATUS_CHANGED, 1, status="pending"),
        ev(EventKind.STATUS_CHANGED, 2, status="open"),
        ev(EventKind.PRIORITY_CHANGED, 30, priority="P1"),  # Tuesday 15:00
    )
    just_before = policy.sla_clock(issue.as_of(at(29.9)), at(30), "resolution")
    just_after = policy.sla_clock(issue, at(30), "resolution")
    assert just_before.sla == "normal" and just_after.sla == "urgent"
    assert just_before.elapsed == just_after.elapsed == hours(7 + 6)


@pytest.mark.parametrize(
    ("when", "event", "since_h"),
    [
        (F.level == "L2", ev(EventKind.LEVEL_CHANGED, 2, level="L2"), 2),
        (F.team == "vip-desk", ev(EventKind.REASSIGNED, 3, team="vip-desk"), 3),
        (F.assignee == "ada", ev(EventKind.REASSIGNED, 4, team="desk", assignee="ada"), 4),
        (F.status == "pending", ev(EventKind.STATUS_CHANGED, 5, status="pending"), 5),
        (happened("manager_requested"), ev(EventKind.MANAGER_REQUESTED, 6), 6),
    ],
)
def test_a_change_of_level_team_assignee_status_or_history_switches_the_sla(
    when: Condition, event: Event, since_h: float
) -> None:
    policy = Policy(
        ONE,
        [],
        slas=[
            SlaPolicy("special", when=when, targets={"resolution": hours(48)}),
            SlaPolicy("usual", targets={"resolution": hours(8)}),
        ],
    )
    issue = issue_with(ev(EventKind.CUSTOMER_MESSAGE, 1), event, ev(EventKind.AGENT_REPLY, 7))
    assert policy.sla_timeline(issue, at(8)) == (
        SlaPeriod(T0, "usual"),
        SlaPeriod(at(since_h), "special"),
    )
    assert policy.sla_timeline(issue, at(since_h) - timedelta(microseconds=1)) == (
        SlaPeriod(T0, "usual"),
    )


def test_events_at_one_instant_are_decided_together() -> None:
    policy = urgent_or_normal()
    issue = issue_with(
        ev(EventKind.PRIORITY_CHANGED, 2, priority="P1"),
        ev(EventKind.PRIORITY_CHANGED, 2, priority="P3"),
    )
    assert policy.sla_timeline(issue, at(3)) == (SlaPeriod(T0, "normal"),)
    # the same instant again, later: decided again with all its events
    again = issue.with_event(ev(EventKind.PRIORITY_CHANGED, 2, priority="P1"))
    assert policy.sla_timeline(issue, at(3)) == (SlaPeriod(T0, "normal"),)
    assert policy.sla_timeline(again, at(3)) == (
        SlaPeriod(T0, "normal"),
        SlaPeriod(at(2), "urgent"),
    )


def test_a_field_no_event_records_counts_since_creation() -> None:
    policy = tiered()
    issue = issue_with(ev(EventKind.STATUS_CHANGED, 1, status="pending"), priority="P2")
    assert policy.sla_timeline(issue, at(3)) == (SlaPeriod(T0, "basic"),)
    # The host makes the customer gold without an event: known only now, and taken to
    # have held since creation, like every field no event records (Issue.as_of).
    gold = attrs.evolve(issue, customer=Customer(tier="gold"))
    assert policy.sla_timeline(gold, at(3)) == (SlaPeriod(T0, "gold"),)
    gold_target = policy.slas[0].targets["resolution"]["*"]
    assert policy.sla_clock(gold, at(3), "resolution").target == gold_target


def test_a_field_changed_without_an_event_counts_since_the_last_event_that_could_change_it() -> (
    None
):
    policy = urgent_or_normal()
    issue = issue_with(
        ev(EventKind.PRIORITY_CHANGED, 1, priority="P2"),
        ev(EventKind.STATUS_CHANGED, 2, status="pending"),  # the conditions do not read status
    )
    raised = attrs.evolve(issue, priority="P1")  # no event: the history still says P2
    assert policy.sla_timeline(raised, at(3)) == (
        SlaPeriod(T0, "normal"),
        SlaPeriod(at(1), "urgent"),
    )
    state = policy.sla_clock(raised, at(3), "resolution")
    assert (state.sla, state.sla_since) == ("urgent", at(1))


def test_evaluating_before_the_last_event_answers_for_the_history_then() -> None:
    policy = urgent_or_normal()
    issue = issue_with(ev(EventKind.PRIORITY_CHANGED, 2, priority="P1"), priority="P1")
    assert selection(policy, issue, at(1), "resolution").sla == "normal"
    assert policy.sla_clock(issue, at(1), "resolution").sla == "normal"
    assert policy.sla_timeline(issue, T0 - hours(1)) == ()


def test_an_sla_condition_that_cannot_be_decided_names_the_sla_policy() -> None:
    policy = Policy(
        ONE, [], slas=[SlaPolicy("big", when=F.customer.value > 1000), SlaPolicy("rest")]
    )
    with pytest.raises(EvaluationError, match=r"^SLA policy 'big': ") as info:
        policy.sla_clock(issue_with(), at(1), "resolution")
    assert info.value.field == "customer.value"


# ------------------------------------------------------------------ memoised, deterministic


def test_the_measure_is_the_same_object_while_nothing_changes() -> None:
    policy = urgent_or_normal(normal="office", urgent="always")
    issue = issue_with(
        ev(EventKind.PRIORITY_CHANGED, 0, priority="P3"),
        ev(EventKind.PRIORITY_CHANGED, 6, priority="P1"),
    )
    first = selection(policy, issue, at(7), "resolution").measure
    assert isinstance(first, SwitchedMeasure)
    assert selection(policy, issue, at(9), "resolution").measure is first
    # one more event that changes nothing the conditions read: still the same object
    more = issue.with_event(ev(EventKind.CUSTOMER_MESSAGE, 8))
    assert selection(policy, more, at(9), "resolution").measure is first
    # and equal by value (with the same hash) when rebuilt from scratch
    rebuilt = pickle.loads(pickle.dumps(more))
    again = selection(policy, rebuilt, at(9), "resolution").measure
    assert again == first and hash(again) == hash(first) and again is not first


def test_appending_events_one_by_one_gives_the_timeline_built_at_once() -> None:
    policy = Policy(
        ONE,
        [],
        slas=[
            SlaPolicy("p1-vip", when=(F.priority == "P1") & (F.team == "vip")),
            SlaPolicy("p1", when=F.priority == "P1"),
            SlaPolicy("rest"),
        ],
    )
    events = [
        ev(EventKind.REASSIGNED, 1, team="vip"),
        ev(EventKind.PRIORITY_CHANGED, 2, priority="P1"),
        ev(EventKind.CUSTOMER_MESSAGE, 3),
        ev(EventKind.REASSIGNED, 4, team="desk"),
        ev(EventKind.PRIORITY_CHANGED, 5, priority="P2"),
    ]
    issue = issue_with()
    for event in events:
        issue = issue.with_event(event)
        policy.sla_timeline(issue, event.at)  # memoised, then extended by the next event
    expected = (SlaPeriod(T0, "rest"), SlaPeriod(at(2), "p1-vip"), SlaPeriod(at(4), "p1"),
                SlaPeriod(at(5), "rest"))  # fmt: skip
    assert policy.sla_timeline(issue, at(6)) == expected
    assert policy.sla_timeline(issue_with(*events), at(6)) == expected
    assert policy.sla_timeline(pickle.loads(pickle.dumps(issue)), at(6)) == expected


# ------------------------------------------------------------------ the calendar chain and zone


CALENDARS = {
    "eu": BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]}),
    "us": BusinessCalendar("America/New_York", {"mon-fri": [("09:00", "17:00")]}),
    "support": BusinessCalendar.always("UTC"),
}


def chained(**kw: object) -> Policy:
    return Policy(
        [
            Level("L1", "One", rank=1, owner="one", calendar="eu"),
            Level("L2", "Two", rank=2, owner="two"),
        ],
        [],
        calendars=CALENDARS,
        calendar="us",
        slas=[
            SlaPolicy("gold", when=F.customer.tier == "gold", calendar="support"),
            SlaPolicy("rest"),
        ],
        **{"targets": {"resolution": hours(8)}, **kw},  # type: ignore[arg-type]
    )


FIELDS = ["customer.attributes.calendar", "attributes.org_calendar", "team"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"customer": Customer(tier="gold", attributes={"calendar": "us"}), "team": "eu"}, "us"),
        ({"attributes": {"org_calendar": "eu"}, "team": "support"}, "eu"),
        ({"team": "support", "level": "L2"}, "support"),
        ({"customer": Customer(tier="gold")}, "support"),  # the SLA policy's
        ({}, "eu"),  # the level's
        ({"level": "L2"}, "us"),  # the policy's
    ],
)
def test_the_calendar_chain_issue_fields_then_sla_then_level_then_policy(
    fields: dict[str, object], expected: str
) -> None:
    policy = chained(calendar_fields=FIELDS)
    issue = issue_with(**fields)
    assert policy.sla_clock(issue, at(1), "resolution").calendar == expected
    measure, name = make_context(policy, issue, at(1)).calendar_in_effect()
    assert (measure, name) == (CALENDARS[expected], expected)


def test_a_wall_target_counts_elapsed_time_whatever_the_chain_says() -> None:
    policy = chained(calendar_fields=FIELDS, targets={"resolution": wall(hours(8))})
    state = policy.sla_clock(issue_with(team="eu"), at(1), "resolution")
    assert (state.calendar, state.deadline) == (None, at(8))


def test_calendar_field_is_a_chain_of_one() -> None:
    one = chained(calendar_field="team")
    assert one.sla_clock(issue_with(team="support"), at(1), "resolution").calendar == "support"
    assert one.calendar_named_by(issue_with(team="support")) == "support"
    assert chained(calendar_fields=FIELDS).calendar_named_by(issue_with()) is None


def test_a_calendar_field_naming_an_unknown_calendar_is_an_evaluation_error() -> None:
    policy = chained(calendar_fields=FIELDS)
    with pytest.raises(
        EvaluationError, match=r"the issue's team names the calendar 'suport'"
    ) as info:
        policy.sla_clock(issue_with(team="suport"), at(1), "resolution")
    assert (info.value.field, info.value.value) == ("team", "suport")
    assert "did you mean 'support'" in str(info.value)


def zoned() -> Policy:
    office = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})
    return Policy(
        ONE,
        [],
        calendars={"office": office},
        calendar="office",
        zone_field="customer.attributes.tz",
        targets={"resolution": hours(8)},
    )


def test_the_zone_field_reads_the_calendar_in_the_customers_zone() -> None:
    policy = zoned()
    monday = datetime(2026, 3, 2, 12, tzinfo=UTC)  # 13:00 in Berlin, 07:00 in New York
    issue = Issue("Z-1", monday, customer=Customer(attributes={"tz": "America/New_York"}))
    state = policy.sla_clock(issue, monday, "resolution")
    # Monday 09:00-17:00 in New York: 22:00 UTC
    assert state.calendar == "office"
    assert state.deadline == datetime(2026, 3, 2, 22, tzinfo=UTC)
    shifted = select(make_context(policy, issue, monday), "resolution").measure
    assert shifted == policy.calendars["office"].in_zone("America/New_York")
    assert select(make_context(policy, issue, monday + hours(1)), "resolution").measure is shifted
    # no zone (or an empty one): the calendar's own, Berlin: 4 h Monday, 4 h Tuesday
    for plain in (
        Issue("Z-2", monday),
        Issue("Z-3", monday, customer=Customer(attributes={"tz": ""})),
    ):
        deadline = policy.sla_clock(plain, monday, "resolution").deadline
        assert deadline == datetime(2026, 3, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "fragment", "suggestion"),
    [
        ("Europe/Berln", "'Europe/Berln', which is not an IANA time zone", "Europe/Berlin"),
        (5, "names the time zone 5", None),
    ],
)
def test_a_bad_zone_is_an_evaluation_error_naming_the_field_and_value(
    value: object, fragment: str, suggestion: str | None
) -> None:
    issue = issue_with(customer=Customer(attributes={"tz": value}))
    with pytest.raises(EvaluationError) as info:
        zoned().sla_clock(issue, at(1), "resolution")
    error = info.value
    assert fragment in str(error) and "customer.attributes.tz" in str(error)
    assert (error.field, error.value, error.suggestion) == (
        "customer.attributes.tz",
        value,
        suggestion,
    )


# ------------------------------------------------------------------ refused when built


def _policy(**kw: object) -> Callable[[], Policy]:
    return lambda: Policy(ONE, [], calendars={"office": OFFICE}, **kw)  # type: ignore[arg-type]


REFUSED = [
    ("duplicate name", _policy(slas=[SlaPolicy("a", when=F.priority == "P1"), SlaPolicy("a")]),
     r"^SLA policy 'a': duplicate SLA policy name$"),
    ("fallback not last", _policy(slas=[SlaPolicy("rest"), SlaPolicy("gold", when=F.team == "g")]),
     r"^SLA policy 'gold': comes after 'rest', which has no condition"),
    ("two fallbacks", _policy(slas=[SlaPolicy("rest"), SlaPolicy("more")]),
     r"^SLA policy 'more': comes after 'rest'"),
    ("ALWAYS is a fallback",
     _policy(slas=[SlaPolicy("all", when=ALWAYS), SlaPolicy("x", when=F.team == "y")]),
     r"^SLA policy 'x': comes after 'all'"),
    ("unknown clock", _policy(slas=[SlaPolicy("a", targets={"resolve": hours(1)})]),
     r"^SLA policy 'a': has a target for the SLA clock 'resolve'.*"
     r"\(did you mean 'resolution'\?\)$"),
    ("unknown calendar", _policy(slas=[SlaPolicy("a", calendar="ofice")]),
     r"^SLA policy 'a': names the calendar 'ofice'.*\(did you mean 'office'\?\)$"),
    ("timed condition", lambda: SlaPolicy("late", when=since("created") > hours(2)),
     r"^SLA policy 'late': its condition .* reads the time"),
    ("clock condition", lambda: SlaPolicy("c", when=clock("resolution").breached),
     r"^SLA policy 'c': its condition .* reads the time"),
    ("not a condition", lambda: SlaPolicy("b", when=True),  # type: ignore[arg-type]
     r"^SLA policy 'b': 'when' must be a condition"),
    ("no name", lambda: SlaPolicy(""), r"an SLA policy needs a non-empty name"),
    ("bad target", lambda: SlaPolicy("t", targets={"resolution": -hours(1)}),
     r"^SLA policy 't': the SLA target 'resolution' must be positive"),
    ("bad calendar name", lambda: SlaPolicy("t", calendar=""),
     r"^SLA policy 't': calendar must be"),
    ("not an SlaPolicy", _policy(slas=["gold"]), r"slas\[0\] is not an SlaPolicy"),
    ("one SlaPolicy", _policy(slas=SlaPolicy("x")), r"slas must be a list of SlaPolicy"),
    ("policy-wide unknown clock", _policy(targets={"first_reponse": hours(1)}),
     r"^targets: has a target for the SLA clock 'first_reponse'.*did you mean 'first_response'"),
    ("policy-wide bad target", _policy(targets={"resolution": "8h"}),
     r"^targets: the SLA target 'resolution' must be a timedelta"),
    ("both calendar fields", _policy(calendar_field="team", calendar_fields=["team"]),
     r"^calendar_field: give calendar_fields \(a list\) or calendar_field"),
    ("calendar_fields a string", _policy(calendar_fields="team"),
     r"^calendar_fields: expected a list of field paths, got the string 'team'; write \['team'\]"),
    ("calendar_fields unknown field", _policy(calendar_fields=["team", "custmer.tier"]),
     r"unknown field 'custmer.tier'.*did you mean 'customer.tier'"),
    ("zone_field unknown field", _policy(zone_field="customer.attributs.tz"),
     r"unknown field 'customer.attributs.tz'"),
    ("zone_field not a string", _policy(zone_field=3),
     r"zone_field must be a dotted field path, got 3"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "build", "pattern"), REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_sla_setups_are_refused_when_built(
    case: str, build: Callable[[], object], pattern: str
) -> None:
    with pytest.raises(PolicyError, match=pattern) as info:
        build()
    assert isinstance(info.value, EscalationRulesError) and isinstance(info.value, ValueError)


def test_when_always_is_the_fallback_and_the_policy_is_a_value() -> None:
    assert SlaPolicy("rest", when=ALWAYS) == SlaPolicy("rest")
    policy = Policy(ONE, [], slas=[SlaPolicy("a", when=F.team == "x"), SlaPolicy("rest")])
    assert pickle.loads(pickle.dumps(policy)) == policy
    assert hash(policy.slas) == hash(pickle.loads(pickle.dumps(policy.slas)))
    assert policy.target_clocks == frozenset()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        policy.slas[0].name = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        policy.slas[0].targets["resolution"] = {}  # type: ignore[index]


# ------------------------------------------------------------------ the piecewise measure


def test_a_switched_measure_splits_between_and_add_at_the_switches() -> None:
    measure = SwitchedMeasure([OFFICE, ALWAYS_OPEN], [at(6)])  # Monday 15:00
    assert measure.between(T0, at(11)) == hours(11)
    assert measure.between(at(11), T0) == -hours(11)
    assert measure.add(T0, hours(6)) == at(6)  # used up exactly at the switch: before it
    assert measure.add(T0, hours(7)) == at(7)
    assert measure.add(at(-2), hours(1)) == at(1)  # 07:00: the office opens at 09:00
    assert measure.add(at(11), -hours(6)) == at(5)  # 5 h back to the switch, 1 h in the office
    assert measure.add(at(11), -hours(13)) == at(-66)  # 6 h on Monday, 2 h on Friday
    assert measure == SwitchedMeasure((OFFICE, ALWAYS_OPEN), (at(6).astimezone(UTC),))
    assert "from 2026-03-02T15:00:00+00:00" in repr(measure)
    with pytest.raises(ValueError, match="one measure more than switches"):
        SwitchedMeasure([OFFICE], [at(1)])
    with pytest.raises(ValueError, match="rise strictly"):
        SwitchedMeasure([OFFICE, WALL, OFFICE], [at(2), at(1)])


instants = st.integers(min_value=-72 * 60, max_value=14 * 24 * 60).map(lambda m: T0 + minutes(m))


@SETTINGS
@given(
    st.lists(instants, min_size=1, max_size=4, unique=True).map(sorted),
    st.lists(st.sampled_from([OFFICE, ALWAYS_OPEN, WALL]), min_size=5, max_size=5),
    instants,
    instants,
    st.integers(min_value=0, max_value=200 * 60).map(minutes),
)
def test_the_measure_laws_hold_across_switches(
    switches: list[datetime], pool: list[object], a: datetime, b: datetime, d: timedelta
) -> None:
    measure = SwitchedMeasure(pool[: len(switches) + 1], switches)  # type: ignore[arg-type]
    assert measure.between(a, measure.add(a, d)) == d
    assert measure.between(a, b) == -measure.between(b, a)
    mid = min(a, b) + (max(a, b) - min(a, b)) / 2
    lo, hi = min(a, b), max(a, b)
    assert measure.between(lo, mid) + measure.between(mid, hi) == measure.between(lo, hi)
    assert measure.between(measure.add(a, -d), a) == d


# ------------------------------------------------------------------ properties


CONDITIONS: list[Condition] = [
    F.priority == "P1",
    F.priority.isin(["P1", "P2"]),
    F.team == "vip",
    (F.priority == "P1") & (F.team == "vip"),
    F.level == "L2",
    F.status == "pending",
    F.customer.tier == "gold",
    ~(F.assignee == "bob"),
    happened("manager_requested"),
]

EVENTS = st.one_of(
    st.sampled_from(["P1", "P2", "P3"]).map(
        lambda p: (EventKind.PRIORITY_CHANGED, {"priority": p})
    ),
    st.sampled_from(["open", "pending"]).map(lambda s: (EventKind.STATUS_CHANGED, {"status": s})),
    st.sampled_from(["vip", "desk"]).map(lambda t: (EventKind.REASSIGNED, {"team": t})),
    st.sampled_from(["bob", "ada"]).map(
        lambda a: (EventKind.REASSIGNED, {"team": "desk", "assignee": a})
    ),
    st.sampled_from(["L1", "L2"]).map(lambda lvl: (EventKind.LEVEL_CHANGED, {"level": lvl})),
    st.just((EventKind.CUSTOMER_MESSAGE, {})),
    st.just((EventKind.MANAGER_REQUESTED, {})),
)


@st.composite
def grown(draw: st.DrawFn) -> tuple[Issue, list[Event]]:
    """An issue created at T0 and up to 12 events for it (some at one instant); shrinks
    towards fewer events, earlier, and no fields set."""
    steps = draw(st.lists(st.tuples(st.integers(0, 3), EVENTS), max_size=12))
    fields = draw(
        st.fixed_dictionaries(
            {
                "priority": st.sampled_from([None, "P1", "P3"]),
                "team": st.sampled_from([None, "vip"]),
                "customer": st.sampled_from([Customer(), Customer(tier="gold")]),
            }
        )
    )
    events, t = [], T0
    for gap, (kind, data) in steps:
        t += hours(gap)
        events.append(Event(kind, t, **data))
    return Issue("H-1", T0, **fields), events


histories = grown().map(lambda pair: pair[0].with_events(pair[1]))

PROPERTY_LEVELS = [
    Level("L1", "One", rank=1, owner="one"),
    Level("L2", "Two", rank=2, owner="two", targets={"resolution": hours(100)}),
]


@st.composite
def sla_policies(draw: st.DrawFn) -> Policy:
    """A policy of up to four SLA policies with conditions from `CONDITIONS`, with or without
    a fallback, and threshold rules on their targets; shrinks towards fewer SLA policies."""
    chosen = draw(st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=4, unique_by=repr))
    slas = [
        SlaPolicy(f"s{i}", when=c, targets={"resolution": hours(4 * (i + 1))})
        for i, c in enumerate(chosen)
    ]
    if draw(st.booleans()):
        slas.append(SlaPolicy("rest", targets={"resolution": hours(40)}))
    rules = [notify("warn", at=sla("resolution", 0.5)), escalate("breach", at=sla("resolution"))]
    return Policy(PROPERTY_LEVELS, rules, slas=slas)


def first_match(policy: Policy, issue: Issue) -> str | None:
    defaults = {"level": policy.levels[0].id}
    for s in policy.slas:
        if s.when is None or s.when.compile(defaults)(issue):
            return s.name
    return None


@SETTINGS
@given(sla_policies(), histories, st.integers(0, 40 * 60).map(minutes))
def test_exactly_one_sla_policy_applies_at_any_instant(
    policy: Policy, issue: Issue, offset: timedelta
) -> None:
    end = issue.latest_at + hours(1)
    periods = policy.sla_timeline(issue, end)
    assert periods and periods[0].since == T0
    assert all(a.since < b.since and a.sla != b.sla for a, b in pairwise(periods))
    t = T0 + offset
    holding = [p for p in periods if p.since <= t][-1]
    # the SLA policy of the period holding t is the first match on the issue as it stood then
    assert holding.sla == first_match(policy, issue.as_of(t))
    if policy.slas[-1].when is None:
        assert holding.sla is not None
    chosen = selection(policy, issue, t, "resolution")
    assert (chosen.sla, chosen.since) == (
        holding.sla,
        None if holding.sla is None else holding.since,
    )


@SETTINGS
@given(sla_policies(), grown())
def test_evaluating_twice_rebuilt_or_grown_gives_the_same_answer(
    policy: Policy, pair: tuple[Issue, list[Event]]
) -> None:
    base, events = pair
    issue = base.with_events(events)
    now = issue.latest_at + hours(2)

    def answers(of: Issue) -> tuple[object, ...]:
        return (
            policy.sla_timeline(of, now),
            policy.sla_clocks(of, now),
            policy.evaluate(of, now),
            policy.evaluate(of, now - hours(1)),
        )

    first = answers(issue)
    assert answers(issue) == first  # memoised
    assert answers(pickle.loads(pickle.dumps(issue))) == first  # rebuilt from scratch
    step = base
    for event in events:  # grown event by event, evaluated in between: the memo extended
        step = step.with_event(event)
        policy.sla_timeline(step, event.at)
        policy.evaluate(step, event.at)
    assert answers(step) == first


PRIORITY_CALENDARS = {"office": OFFICE, "always": ALWAYS_OPEN}


@SETTINGS
@given(
    st.sampled_from(
        [("office", "office"), ("office", "always"), ("always", "office"), (None, "office")]
    ),
    st.lists(st.tuples(st.integers(1, 40), st.sampled_from(["open", "pending"])), max_size=5),
    st.integers(1, 60),
    st.sampled_from(["P1", "P3"]),
)
def test_a_switch_keeps_the_elapsed_time_of_the_clock(
    calendars: tuple[str | None, str],
    statuses: list[tuple[int, str]],
    switch_h: int,
    first: str,
) -> None:
    urgent_calendar, normal_calendar = calendars
    policy = urgent_or_normal(
        normal=normal_calendar, **({"urgent": urgent_calendar} if urgent_calendar else {})
    )
    events = [Event(EventKind.STATUS_CHANGED, at(h), status=s) for h, s in statuses]
    events.append(Event(EventKind.PRIORITY_CHANGED, T0, priority=first))
    events.append(
        Event(EventKind.PRIORITY_CHANGED, at(switch_h), priority="P3" if first == "P1" else "P1")
    )
    events.sort(key=lambda e: e.at)
    issue = Issue("E-1", T0).with_events(events)
    switch = at(switch_h)
    before = policy.sla_clock(issue.as_of(switch - timedelta(microseconds=1)), switch, "resolution")
    after = policy.sla_clock(issue, switch, "resolution")
    assert before.sla != after.sla
    assert before.elapsed == after.elapsed
    # afterwards the time counts on the new SLA policy's calendar
    later = switch + hours(30)
    state = policy.sla_clock(issue, later, "resolution")
    if after.state == "running" and not any(e.at > switch for e in events):
        name = urgent_calendar if after.sla == "urgent" else normal_calendar
        new = WALL if name is None else PRIORITY_CALENDARS[name]
        assert state.elapsed == after.elapsed + new.between(switch, later)


def test_a_clock_with_a_custom_definition_counts_on_the_sla_calendar_too() -> None:
    policy = Policy(
        ONE,
        [],
        clocks=[SlaClock("agent_work", "resolution", pause_on=["pending"])],
        calendars={"office": OFFICE},
        slas=[SlaPolicy("std", calendar="office", targets={"agent_work": hours(8)})],
    )
    state = policy.sla_clock(issue_with(), at(10), "agent_work")
    assert (state.calendar, state.elapsed, state.sla) == ("office", hours(8), "std")
    assert policy.target_clocks == frozenset({"agent_work"})
