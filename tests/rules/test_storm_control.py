"""Storm control: a stale SLA warning is superseded by a later threshold of the same clock.

The rule (docs/sla.md, "Thresholds"): the action of a ``notify(at=sla(...))`` rule is
superseded when a later threshold of the same clock, in the same cycle, was crossed at or
before now and the warning was not recorded before that. Superseded warnings never fire;
escalations are never superseded; other clocks, ``after()`` rules and recorded warnings are
untouched. Each test states one part of that rule with exact actions and instants.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import (
    Event,
    EventKind,
    F,
    Issue,
    Level,
    Policy,
    after,
    escalate,
    first_match,
    hours,
    notify,
    since,
    sla,
)
from escalation_rules._engine.context import make_context
from escalation_rules._engine.plan import SUPERSEDED, Supersession, fate, superseded_by
from escalation_rules._rules import storm

from ..conftest import T0, at, make_issue
from .test_rules import drive


def two_levels(**targets: timedelta) -> list[Level]:
    """L1 and L2 with the same SLA *targets* (the resolution clock runs from creation)."""
    return [
        Level("L1", "Frontline", rank=1, owner="frontline", targets=targets),
        Level("L2", "Supervisor", rank=2, owner="supervisors", targets=targets),
    ]


def three_thresholds(**kw: object) -> Policy:
    """The issue's example: warnings at 50 % and 75 % of an 8 h resolution target, then the
    breach escalation (at 4 h, 6 h and 8 h from creation)."""
    return Policy(
        two_levels(resolution=hours(8)),
        [
            notify("half", at=sla("resolution", 0.5)),
            notify("three-quarters", at=sla("resolution", 0.75)),
            escalate("breach", at=sla("resolution")),
        ],
        **kw,  # type: ignore[arg-type]
    )


def rules_of(policy: Policy, issue: Issue, now: datetime) -> list[str]:
    return [a.rule for a in policy.evaluate(issue, now).actions]


def fates(policy: Policy, issue: Issue, now: datetime) -> dict[str, str | None]:
    """What `fate` says of each action the rules want now (each rule checked first)."""
    context = make_context(policy, issue, now)
    out: dict[str, str | None] = {}
    for rule in policy.rules:
        outcome = rule.check(context)
        if outcome is None:
            continue
        scope = outcome.once_per
        assert isinstance(scope, int)
        for action in outcome.actions:
            out[action.rule] = fate(action, scope, context, action.rule)
    return out


# ------------------------------------------------------------ the rule


def test_a_host_that_was_down_gets_only_the_escalation_not_the_stale_warnings() -> None:
    policy = three_thresholds()
    assert rules_of(policy, make_issue(), at(9)) == ["breach"]
    assert fates(policy, make_issue(), at(9)) == {
        "half": "superseded",
        "three-quarters": "superseded",
        "breach": None,
    }


def test_between_two_thresholds_only_the_latest_warning_fires() -> None:
    policy = three_thresholds()
    assert rules_of(policy, make_issue(), at(4)) == ["half"]
    assert rules_of(policy, make_issue(), at(6)) == ["three-quarters"]  # 4 h + 2 h: half is stale
    assert rules_of(policy, make_issue(), at(7, 59)) == ["three-quarters"]
    assert rules_of(policy, make_issue(), at(8)) == ["breach"]


def test_superseded_means_never_fires_later_either() -> None:
    policy = three_thresholds()
    for h in (6, 6.5, 7.9):
        assert "half" not in rules_of(policy, make_issue(), at(h))
    for h in (8, 12, 100):
        assert rules_of(policy, make_issue(), at(h)) == ["breach"]


def test_the_superseding_threshold_and_its_crossing_are_told() -> None:
    policy = three_thresholds()
    context = make_context(policy, make_issue(), at(9))
    for rule in policy.rules:
        rule.check(context)
    half, three_quarters, breach = (
        rule.check(context).actions[0]  # type: ignore[union-attr]
        for rule in policy.rules
    )
    # The first later threshold crossed after the warning's own crossing.
    assert superseded_by(half, context) == Supersession("three-quarters", at(6))
    assert superseded_by(three_quarters, context) == Supersession("breach", at(8))
    assert superseded_by(breach, context) is None
    assert storm.SUPERSEDED == SUPERSEDED  # the check writes the key fate reads


def test_the_change_is_reported_in_advance_so_a_host_wakes_for_it() -> None:
    policy = three_thresholds()
    decision = policy.evaluate(make_issue(), at(4, 30))
    assert [a.rule for a in decision.actions] == ["half"]
    assert decision.next_evaluation_at == at(6)  # where "half" gives way to "three-quarters"
    assert policy.evaluate(make_issue(), at(6) - timedelta(microseconds=1)) == decision


def test_a_host_that_is_always_up_gets_every_threshold_in_turn() -> None:
    _issue, done = drive(three_thresholds(), make_issue(), T0, at(30))
    assert done[:3] == [
        (at(4), "half:notify"),
        (at(6), "three-quarters:notify"),
        (at(8), "breach:escalate"),
    ]


# ------------------------------------------------------------ recorded warnings


def test_a_warning_recorded_before_the_later_crossing_is_unaffected() -> None:
    policy = three_thresholds()
    issue = make_issue().record(policy.evaluate(make_issue(), at(4, 30)).actions[0], at(4, 30))
    assert rules_of(policy, issue, at(9)) == ["breach"]
    assert fates(policy, issue, at(9)) == {
        "half": "recorded",  # answered, not superseded
        "three-quarters": "superseded",
        "breach": None,
    }


def test_a_warning_recorded_after_the_later_crossing_counts_as_recorded() -> None:
    # A host that sent the stale warning anyway (an older version) recorded it: done.
    policy = three_thresholds()
    half = policy.evaluate(make_issue(), at(4)).actions[0]
    issue = make_issue().record(half, at(7))
    assert fates(policy, issue, at(7))["half"] == "recorded"
    assert rules_of(policy, issue, at(7)) == ["three-quarters"]


def test_a_recorded_later_threshold_supersedes_even_when_its_condition_no_longer_holds() -> None:
    # The 75 % warning was sent for this crossing; the 50 % one never was: it stays stale
    # even though the 75 % rule's condition has turned false since (the tags changed).
    policy = Policy(
        two_levels(resolution=hours(8)),
        [
            notify("half", at=sla("resolution", 0.5)),
            notify("vip", at=sla("resolution", 0.75), when=F.tags.contains("vip")),
        ],
    )
    vip = make_issue(tags=["vip"])
    sent = policy.evaluate(vip, at(6))
    assert [a.rule for a in sent.actions] == ["vip"]
    plain = attrs.evolve(vip.record(sent.actions[0], at(6)), tags=frozenset())
    assert rules_of(policy, plain, at(7)) == []
    assert fates(policy, plain, at(7)) == {"half": "superseded"}


# ------------------------------------------------------------ what never collapses


def test_an_escalation_is_never_superseded() -> None:
    policy = Policy(
        [
            Level("L1", "Frontline", rank=1, owner="f", targets={"resolution": hours(8)}),
            Level("L2", "Supervisor", rank=2, owner="s", targets={"resolution": hours(8)}),
            Level("L3", "Management", rank=3, owner="m", targets={"resolution": hours(8)}),
        ],
        [
            escalate("early", at=sla("resolution", 0.5), to="L2"),
            escalate("late", at=sla("resolution"), to="L3"),
        ],
    )
    assert fates(policy, make_issue(), at(9)) == {"early": None, "late": None}
    assert rules_of(policy, make_issue(), at(9)) == ["late"]  # the higher one wins, as ever


def test_a_warning_after_an_escalation_threshold_is_not_affected_by_it() -> None:
    # The escalation is the earlier threshold: nothing supersedes an escalation, and the
    # warning, being the later one, fires as well.
    policy = Policy(
        two_levels(resolution=hours(8)),
        [
            escalate("early", at=sla("resolution", 0.5)),
            notify("late", at=sla("resolution", 0.75)),
        ],
    )
    assert rules_of(policy, make_issue(), at(7)) == ["early", "late"]


def test_thresholds_of_different_clocks_do_not_collapse() -> None:
    policy = Policy(
        two_levels(first_response=hours(2), resolution=hours(8)),
        [
            notify("first-response-warning", at=sla("first_response", 0.5)),
            escalate("resolution-breach", at=sla("resolution")),
        ],
    )
    assert rules_of(policy, make_issue(), at(9)) == [
        "first-response-warning",
        "resolution-breach",
    ]


def test_after_rules_neither_supersede_nor_are_superseded() -> None:
    policy = Policy(
        two_levels(resolution=hours(8)),
        [
            notify("nudge", at=after(hours(1))),
            notify("half", at=sla("resolution", 0.5)),
            escalate("late", at=after(hours(7))),
        ],
    )
    assert rules_of(policy, make_issue(), at(9)) == ["nudge", "half", "late"]


def test_equal_crossings_do_not_supersede_each_other() -> None:
    policy = Policy(
        two_levels(resolution=hours(8)),
        [
            notify("lead", at=sla("resolution", 0.5), to="lead"),
            notify("owner", at=sla("resolution", before=hours(4))),  # also 4 h
        ],
    )
    assert rules_of(policy, make_issue(), at(5)) == ["lead", "owner"]


def test_thresholds_compare_by_crossing_instant_not_by_share() -> None:
    # 50 % + 5 h (9 h) is crossed after 100 % (8 h): the breach warning is the stale one.
    policy = Policy(
        two_levels(resolution=hours(8)),
        [
            notify("breached", at=sla("resolution")),
            notify("long-overdue", at=sla("resolution", 0.5, after=hours(5))),
        ],
    )
    assert rules_of(policy, make_issue(), at(8, 30)) == ["breached"]
    assert rules_of(policy, make_issue(), at(9)) == ["long-overdue"]


# ------------------------------------------------------------ a later threshold must act


def test_a_later_threshold_that_does_nothing_at_the_level_does_not_supersede() -> None:
    # At the top level the breach escalation (to NEXT) has nowhere to go: the warning stays.
    policy = three_thresholds()
    top = make_issue(level="L2")
    assert rules_of(policy, top, at(9)) == ["three-quarters"]
    # An escalation to a level that is not above the issue does nothing either.
    named = Policy(
        two_levels(resolution=hours(8)),
        [
            notify("warn", at=sla("resolution", 0.75)),
            escalate("to-l1", at=sla("resolution"), to="L1"),
        ],
    )
    assert rules_of(named, make_issue(level="L2"), at(9)) == ["warn"]


def test_a_later_threshold_whose_condition_is_false_does_not_supersede() -> None:
    policy = Policy(
        two_levels(resolution=hours(8)),
        [
            notify("warn", at=sla("resolution", 0.75)),
            escalate("p1-breach", at=sla("resolution"), when=F.priority == "P1"),
        ],
    )
    assert rules_of(policy, make_issue(priority="P3"), at(9)) == ["warn"]
    assert rules_of(policy, make_issue(priority="P1"), at(9)) == ["p1-breach"]


def test_a_later_threshold_held_back_by_a_timed_condition_supersedes_once_it_holds() -> None:
    policy = Policy(
        two_levels(resolution=hours(8)),
        [
            notify("half", at=sla("resolution", 0.5)),
            notify("late", at=sla("resolution", 0.75), when=since("created") >= hours(7)),
        ],
    )
    decision = policy.evaluate(make_issue(), at(6, 30))
    assert [a.rule for a in decision.actions] == ["half"]
    assert decision.next_evaluation_at == at(7)
    assert rules_of(policy, make_issue(), at(7)) == ["late"]


def test_first_match_scopes_are_left_alone() -> None:
    """A threshold in a first_match group may never run (another member may win), and under
    match="first" the warning's own rule stops the run: no supersession there."""
    grouped = Policy(
        two_levels(resolution=hours(8)),
        [
            notify("half", at=sla("resolution", 0.5)),
            first_match("breach-table", [escalate("breach", at=sla("resolution"))]),
        ],
    )
    assert rules_of(grouped, make_issue(), at(9)) == ["half", "breach"]
    inside = Policy(
        two_levels(resolution=hours(8)),
        [
            first_match(
                "desk",
                [
                    notify("ping", at=sla("resolution", 0.25)),
                    notify("half", at=sla("resolution", 0.5)),
                ],
            ),
            notify("late", at=sla("resolution")),
        ],
    )
    assert rules_of(inside, make_issue(), at(9)) == ["ping", "late"]
    first = three_thresholds(match="first")
    decision = first.evaluate(make_issue(), at(9))
    assert [a.rule for a in decision.actions] == ["half"]  # the first rule that matches acts


def test_only_the_current_cycle_counts() -> None:
    # next_response: the first cycle's breach (message at 0 h, reply at 3 h) does not make the
    # second cycle's warning stale.
    policy = Policy(
        two_levels(next_response=hours(2)),
        [
            notify("warn", at=sla("next_response", 0.5)),
            notify("breached", at=sla("next_response")),
        ],
    )
    issue = make_issue(
        "T-1",
        Event(EventKind.CUSTOMER_MESSAGE, at(0)),
        Event(EventKind.AGENT_REPLY, at(3)),
        Event(EventKind.CUSTOMER_MESSAGE, at(4)),
    )
    assert rules_of(policy, issue, at(5)) == ["warn"]
    assert rules_of(policy, issue, at(6)) == ["breached"]


def test_the_same_clock_on_a_new_level_is_a_new_set_of_crossings() -> None:
    policy = Policy(
        [
            Level("L1", "Frontline", rank=1, owner="f", targets={"resolution": hours(8)}),
            Level("L2", "Supervisor", rank=2, owner="s", targets={"resolution": hours(24)}),
            Level("L3", "Management", rank=3, owner="m", targets={"resolution": hours(48)}),
        ],
        [notify("half", at=sla("resolution", 0.5)), escalate("breach", at=sla("resolution"))],
    )
    issue = make_issue()
    escalated = issue.record(policy.evaluate(issue, at(9)).actions[0], at(9))
    assert escalated.level == "L2"
    # L2's 50 % (12 h) is crossed later than L1's breach, and L2's breach (24 h) is to come.
    assert rules_of(policy, escalated, at(12)) == ["half"]
    assert rules_of(policy, escalated, at(25)) == ["breach"]


def test_explain_shows_superseded_warnings_and_what_superseded_them() -> None:
    explanation = three_thresholds().explain(make_issue(), at(9))
    traces = {r.name: r for r in explanation.rules}
    half = traces["half"].actions[0]
    assert half.status == "superseded"
    assert half.why == (
        "a later threshold of the same SLA clock, 'three-quarters', was crossed at "
        "Mon 2 Mar 2026 15:00 UTC before this was recorded"
    )
    assert traces["three-quarters"].actions[0].status == "superseded"
    assert "'breach', was crossed at Mon 2 Mar 2026 17:00 UTC" in (
        traces["three-quarters"].actions[0].why
    )
    assert traces["half"].status == "matched" and traces["breach"].status == "acts"
    assert "-> notify frontline: superseded, a later threshold" in str(explanation)


def test_a_policy_can_opt_out() -> None:
    policy = three_thresholds(supersede_warnings=False)
    assert rules_of(policy, make_issue(), at(9)) == ["half", "three-quarters", "breach"]


# ------------------------------------------------------------ the law


SHARES = [0.25, 0.5, 0.75, 1.0, 1.25]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(SHARES), st.booleans()),
        min_size=1,
        max_size=5,
        unique_by=lambda t: t[0],
    ),
    st.integers(0, 12 * 60),
)
def test_only_the_latest_crossed_warning_of_a_clock_acts(
    thresholds: list[tuple[float, bool]], minute: int
) -> None:
    """With nothing recorded, a warning acts only if no acting threshold of its clock was
    crossed after it; escalations act whenever crossed (the highest wins the merge)."""
    policy = Policy(
        two_levels(resolution=hours(8)),
        [
            escalate(f"e{share}", at=sla("resolution", share))
            if up
            else notify(f"n{share}", at=sla("resolution", share))
            for share, up in thresholds
        ],
    )
    now = at(0, minute)
    decided = rules_of(policy, make_issue(), now)
    crossed = [(share, up) for share, up in thresholds if now >= at(8 * share)]
    latest = max((share for share, _up in crossed), default=None)
    expected_notes = [f"n{share}" for share, up in crossed if not up and share == latest]
    assert [r for r in decided if r.startswith("n")] == expected_notes
    if any(up for _share, up in crossed):
        assert [r for r in decided if r.startswith("e")] == [
            next(f"e{share}" for share, up in crossed if up)
        ]


def test_the_opt_out_survives_a_policy_file() -> None:
    from escalation_rules import PolicySyntaxError, dump, loads

    policy = three_thresholds(supersede_warnings=False)
    back = loads(dump(policy))  # (its targets read back as wall-clock: no calendar)
    assert back.supersede_warnings is False
    assert rules_of(back, make_issue(), at(9)) == ["half", "three-quarters", "breach"]
    assert loads(dump(three_thresholds())).supersede_warnings is True
    with pytest.raises(PolicySyntaxError, match="expected true or false"):
        loads(dump(policy).replace("supersede_warnings = false", "supersede_warnings = 1"))
