"""escalation_rules.strategies: valid output, documented shrink targets, rules hit."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from escalation_rules import (
    BusinessCalendar,
    Event,
    EventKind,
    F,
    Issue,
    Level,
    Policy,
    Status,
    after,
    by_priority,
    chain,
    escalate,
    first_match,
    happened,
    hours,
    minutes,
    notify,
    route,
    since,
    sla,
)
from escalation_rules._io.examples import example_policy, oncall_policy
from escalation_rules.strategies import (
    ZONES,
    calendars,
    durations,
    evaluations_for,
    histories,
    instants,
    issues,
    issues_for,
    zones,
)
from escalation_rules.testing import EPOCH
from escalation_rules.verification import simulate

SEARCH = settings(
    max_examples=150,
    database=None,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


# Hypothesis draws the simplest example, the one shrinking aims at, first.
FIRST = settings(SEARCH, max_examples=1, phases=[Phase.generate])
# Is there such an example? (No shrinking: it costs more than the search.)
FOUND = settings(SEARCH, phases=[Phase.generate])


def smallest(strategy: st.SearchStrategy[object]) -> object:
    """What *strategy* shrinks towards."""
    return find(strategy, lambda _: True, settings=FIRST)


# -- instants, durations, zones, calendars ---------------------------------------------------


@SEARCH
@given(instants())
def test_instants_are_aware_in_the_listed_zones_and_in_range(t: datetime) -> None:
    assert t.utcoffset() is not None
    assert isinstance(t.tzinfo, ZoneInfo) and t.tzinfo.key in ZONES
    assert EPOCH <= t <= EPOCH + timedelta(days=42)
    assert t.second == 0 and t.microsecond == 0


def test_instants_shrink_to_the_epoch_in_utc_and_reach_the_southern_hemisphere() -> None:
    assert smallest(instants()) == EPOCH
    assert str(smallest(instants()).tzinfo) == "UTC"  # type: ignore[attr-defined]
    sydney = find(instants(), lambda t: str(t.tzinfo) == "Australia/Sydney", settings=SEARCH)
    assert sydney == EPOCH and sydney.utcoffset() == timedelta(hours=11)  # summer there
    start = datetime(2026, 10, 1, tzinfo=ZoneInfo("UTC"))
    assert smallest(instants(start=start, zones=["Asia/Kolkata"])) == start


def test_durations_and_zones_shrink_to_their_first_value() -> None:
    assert smallest(durations(min_value=minutes(5))) == minutes(5)
    assert smallest(zones()) == ZoneInfo("UTC")
    big = find(durations(max_value=hours(3)), lambda d: d > hours(2), settings=SEARCH)
    assert big == hours(2) + minutes(1)


@SEARCH
@given(calendars())
def test_calendars_are_valid_and_open_every_week(calendar: BusinessCalendar) -> None:
    opening = calendar.next_opening(EPOCH)
    assert EPOCH <= opening <= EPOCH + timedelta(days=14)
    assert calendar.is_open(opening)
    assert calendar.between(EPOCH, EPOCH + timedelta(days=7)) > timedelta(0)
    assert all(EPOCH.date() <= day < EPOCH.date() + timedelta(days=42) for day in calendar.holidays)


def test_calendars_shrink_to_office_hours_in_utc() -> None:
    assert smallest(calendars()) == BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})
    night = find(calendars(), lambda c: not c.is_open(EPOCH.replace(hour=12)), settings=FOUND)
    assert not night.is_open(EPOCH.replace(hour=12))
    dated = find(
        calendars(holidays_from=date(2026, 12, 1)), lambda c: bool(c.holidays), settings=FOUND
    )
    assert all(date(2026, 12, 1) <= day <= date(2027, 1, 11) for day in dated.holidays)


# -- histories and generic issues ----------------------------------------------------------


@SEARCH
@given(histories(levels=["L1", "L2"], teams=["t1"], kinds=list(EventKind)))
def test_histories_are_in_time_order_and_start_with_the_creation(
    history: tuple[Event, ...],
) -> None:
    assert history[0] == Event(EventKind.CREATED, EPOCH)
    assert all(a.at <= b.at for a, b in pairwise(history))
    assert len(history) <= 7
    for event in history[1:]:
        if event.kind is EventKind.STATUS_CHANGED:
            assert event.status in ("pending", "open", "resolved")
        if event.kind is EventKind.LEVEL_CHANGED:
            assert event.level in ("L1", "L2")
        if event.kind is EventKind.REASSIGNED:
            assert event.team == "t1"
    Issue("T-1", EPOCH, history=history)  # a valid history


def test_histories_shrink_to_the_creation_alone_and_honour_kinds() -> None:
    assert smallest(histories()) == (Event(EventKind.CREATED, EPOCH),)
    only = find(
        histories(kinds=["acknowledged"], gaps=st.just(minutes(5))),
        lambda h: len(h) == 3,
        settings=SEARCH,
    )
    assert [(e.kind.value, e.at - EPOCH) for e in only] == [
        ("created", timedelta(0)),
        ("acknowledged", minutes(5)),
        ("acknowledged", minutes(10)),
    ]
    # a level change needs levels: without them, none is generated
    assert smallest(histories(kinds=["level_changed"], statuses=())) == (
        Event(EventKind.CREATED, EPOCH),
    )


LEVELS = ["L1", "L2", "L3"]


@SEARCH
@given(issues(levels=LEVELS))
def test_generic_issues_evaluate_under_a_policy_with_those_levels(issue: Issue) -> None:
    decision = example_policy().evaluate(issue, issue.history[-1].at + hours(3))
    assert decision.next_evaluation_at is None or decision.next_evaluation_at > issue.history[-1].at
    assert issue.priority in (None, "P1", "P2", "P3")
    assert issue.level in (None, *LEVELS)


def test_generic_issues_shrink_to_a_bare_issue() -> None:
    assert smallest(issues()) == Issue("T-1", EPOCH, history=[Event(EventKind.CREATED, EPOCH)])


# -- issues_for: relevant to the policy -----------------------------------------------------


def rules_acting(policy: Policy, strategy: st.SearchStrategy[Issue]) -> tuple[Counter[str], int]:
    """How often each rule acts over the runs of generated issues; and how many raised."""
    acted: Counter[str] = Counter()
    errors = []

    @SEARCH
    @given(strategy)
    def run(issue: Issue) -> None:
        result = simulate(policy, issue)
        if result.error is not None:
            errors.append(result.error)
        acted.update({step.action.rule for step in result.steps})

    run()
    return acted, len(errors)


def rule_names(policy: Policy) -> set[str]:
    names: set[str] = set()
    for rule in policy.rules:
        names.update(r.name for r in getattr(rule, "rules", (rule,)))
    return names


def test_issues_for_the_example_policy_hit_every_rule() -> None:
    policy = example_policy()
    acted, errors = rules_acting(policy, issues_for(policy))
    assert errors == 0
    assert set(acted) == rule_names(policy), acted


def test_issues_for_the_oncall_chain_page_and_escalate() -> None:
    policy = oncall_policy()
    acted, errors = rules_acting(policy, issues_for(policy))
    assert errors == 0 and acted["page"] > 0


def broad_policy() -> Policy:
    """Many kinds of condition, trigger and field, to check that the survey reads them all."""
    office = BusinessCalendar("Europe/Berlin", {"mon-fri": [("09:00", "17:00")]})
    sydney = BusinessCalendar("Australia/Sydney", {"mon-fri": [("08:00", "18:00")]})
    return Policy(
        levels=[
            Level(
                "L1",
                "Frontline",
                rank=1,
                owner="frontline",
                targets={
                    "first_response": by_priority(P1=minutes(30), default=hours(4)),
                    "time_at_level": hours(2),
                },
            ),
            Level(
                "L2",
                "Experts",
                rank=2,
                owner="experts",
                targets={"time_at_level": hours(8)},
                ack_timeout=minutes(20),
            ),
        ],
        rules=[
            first_match(
                "routing",
                [
                    route(
                        "key-accounts",
                        when=F.customer.value.exists() & (F.customer.value >= 100_000),
                        to="key-accounts",
                    ),
                    route("dach", when=F.language.isin(["de", "at"]), to="dach"),
                ],
            ),
            escalate(
                "db-experts", when=F.skills.contains("postgres") & (F.product == "db"), to="L2"
            ),
            escalate(
                "unhappy",
                when=F.attributes.mood.exists() & (F.attributes.mood < -0.5),
            ),
            escalate("gold-only", when=F.customer.attributes.plan == "gold", to="L2"),
            notify("nudge", at=after(hours(4), since="last_customer_message"), to="team-lead"),
            notify(
                "vendor-wait",
                when=F.status == "waiting_on_vendor",
                at=after(hours(24), since="created"),
                to="vendor-desk",
            ),
            escalate("first-response-breach", at=sla("first_response")),
            notify(
                "not-acknowledged",
                at=after(hours(1), since="level_entered"),
                when=~happened("acknowledged"),
                to="duty-manager",
            ),
            route(
                "stale",
                when=since("last_agent_reply") >= hours(6),  # type: ignore[operator]
                to="backlog",
            ),
        ],
        status_map={"waiting_on_vendor": Status.PENDING},
        calendars={"eu": office, "au": sydney},
        calendar_field="customer.attributes.region",
        name="broad",
    )


def test_issues_for_a_broad_policy_hit_every_rule_and_never_raise() -> None:
    policy = broad_policy()
    acted, errors = rules_acting(policy, issues_for(policy))
    assert errors == 0
    assert set(acted) == rule_names(policy) - {"routing"}, acted


def test_issues_for_use_the_values_the_policy_names() -> None:
    policy = broad_policy()
    seen: dict[str, set[object]] = {}

    @SEARCH
    @given(issues_for(policy))
    def collect(issue: Issue) -> None:
        for name, value in [
            ("value", issue.customer.value),
            ("language", issue.language),
            ("mood", issue.attributes.get("mood")),
            ("region", issue.customer.attributes.get("region")),
            ("plan", issue.customer.attributes.get("plan")),
            ("priority", issue.priority),
            ("skills", frozenset(issue.skills)),
            ("statuses", frozenset(e.status for e in issue.history if e.status)),
        ]:
            seen.setdefault(name, set()).add(value)

    collect()
    assert seen["value"] <= {None, 0, 99_999, 100_000, 100_001}
    assert {99_999, 100_001} <= seen["value"]  # both sides of the boundary
    assert seen["language"] <= {None, "de", "at", "other"} and "de" in seen["language"]
    assert {-1.5, -0.5, 0.5} & seen["mood"] and seen["mood"] <= {None, -1.5, -0.5, 0.5, 0}
    assert seen["region"] <= {None, "au", "eu"}  # only the policy's calendars: never "other"
    assert "gold" in seen["plan"] and "P1" in seen["priority"]
    assert any("postgres" in s for s in seen["skills"])  # type: ignore[operator]
    statuses: set[object] = set().union(*seen["statuses"])  # type: ignore[arg-type]
    assert "waiting_on_vendor" in statuses and statuses <= {
        "pending",
        "open",
        "resolved",
        "closed",
        "waiting_on_vendor",
    }


def test_issues_for_shrink_to_a_bare_issue_at_the_epoch() -> None:
    for policy in (example_policy(), oncall_policy(), broad_policy()):
        assert smallest(issues_for(policy)) == Issue(
            "T-1", EPOCH, history=[Event(EventKind.CREATED, EPOCH)]
        )
    fixed = datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert smallest(issues_for(example_policy(), opened=fixed, issue_id="X-9")) == Issue(
        "X-9", fixed, history=[Event(EventKind.CREATED, fixed)]
    )


def test_issues_for_add_the_priorities_asked_for() -> None:
    policy = oncall_policy()  # names no priority
    p1 = find(issues_for(policy, priorities=["P1"]), lambda i: i.priority == "P1", settings=FOUND)
    assert p1.priority == "P1"


@SEARCH
@given(evaluations_for(example_policy()))
def test_evaluations_for_pair_an_issue_with_a_later_instant(pair: tuple[Issue, datetime]) -> None:
    issue, now = pair
    last = issue.history[-1].at
    assert last <= now <= last + hours(36)
    decision = example_policy().evaluate(issue, now)
    assert decision.next_evaluation_at is None or decision.next_evaluation_at > now


def test_chain_policies_get_acknowledgements_and_level_changes() -> None:
    policy = Policy(
        [
            Level("a", "A", rank=1, owner="alice", ack_timeout=minutes(5)),
            Level("b", "B", rank=2, owner="bob", ack_timeout=minutes(5)),
        ],
        [chain("page")],
    )
    wanted = {EventKind.ACKNOWLEDGED, EventKind.LEVEL_CHANGED}
    issue = find(
        issues_for(policy), lambda i: {e.kind for e in i.history} >= wanted, settings=FOUND
    )
    assert {e.level for e in issue.history if e.level} <= {"a", "b"}
