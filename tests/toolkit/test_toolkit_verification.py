"""escalation_rules.verification: runs, the ready-made invariants, verify() and its reports.

Each ready-made invariant is shown to find a counterexample in a policy written to break
it (with the exact report), and to hold on the bundled example policies.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis.strategies import SearchStrategy

from escalation_rules import (
    EscalationRulesError,
    EventKind,
    F,
    Issue,
    IssueError,
    Level,
    Policy,
    PolicyError,
    Status,
    after,
    days,
    escalate,
    hours,
    minutes,
    notify,
    route,
    sla,
)
from escalation_rules._analysis.verify import run_verify_command
from escalation_rules._io.examples import example_policy, oncall_policy
from escalation_rules.strategies import issues
from escalation_rules.testing import EPOCH, an_issue
from escalation_rules.verification import (
    Run,
    Verdict,
    VerificationFailed,
    climbs,
    ends_at_terminal_level,
    never_raises,
    never_skips_a_level,
    no_two_escalations_within,
    reaches_within,
    resolved_never_escalates,
    resolved_statuses,
    simulate,
    standard_invariants,
    verify,
    verify_all,
)


def three_levels(l2_target: bool = True) -> list[Level]:
    return [
        Level("L1", "Frontline", rank=1, owner="frontline", targets={"time_at_level": hours(2)}),
        Level(
            "L2",
            "Supervisor",
            rank=2,
            owner="supervisors",
            targets={"time_at_level": hours(8)} if l2_target else {},
        ),
        Level("L3", "Management", rank=3, owner="management", targets={"time_at_level": hours(24)}),
    ]


BREACH = escalate("breach", at=sla("time_at_level"))


# -- runs ----------------------------------------------------------------------------------


def row(clock: str, offset: str, what: str, day: str = "Mon 2 Mar 2026") -> str:
    """One line of a timeline, as `Run.timeline` writes it."""
    return f"  {day} {clock} UTC  {offset:<12} {what}"


def test_a_run_interleaves_the_issues_events_with_the_policys_actions() -> None:
    policy = example_policy()
    issue = (
        an_issue("T-1", opened=EPOCH, category="billing")
        .pending(at=hours(1))
        .reopened(at=minutes(75))
        .manager_requested(at=hours(4))
        .build()
    )
    run = simulate(policy, issue)
    lines = [
        "issue 'T-1' (category billing), policy 'seeds-matrix':",
        row("09:00", "+0 min", "opened"),
        row("09:00", "+0 min", "policy: route to billing (rule 'support')"),
        row("10:00", "+1 h", "status -> pending"),
        row("10:15", "+1 h 15 min", "status -> open"),
        # the SLA warning counts 1h30m of time at the level, the pause excluded ...
        row("10:45", "+1 h 45 min", "policy: notify frontline (rule 'resolution-sla-warning')"),
        # ... the matrix's 2h window counts on the policy's (wall) clock, the pause included
        row("11:00", "+2 h", "policy: escalate L1 -> L2 (rule 'support')"),
        row("11:00", "+2 h", "policy: route to billing-leads (rule 'support')"),
        row("13:00", "+4 h", "customer asked for a manager"),
        row("13:00", "+4 h", "policy: escalate L2 -> L3 (rule 'manager-requested')"),
        row("13:00", "+4 h", "policy: route to senior-management (rule 'support')"),
        row(
            "07:00",
            "+22 h",
            "policy: notify senior-management (rule 'resolution-sla-warning')",
            day="Tue 3 Mar 2026",
        ),
        "  then nothing more happens",
    ]
    assert run.timeline().splitlines() == lines
    assert run.settled and run.error is None
    assert [s.action.rule for s in run.escalations] == ["support", "manager-requested"]
    assert len(run.steps) == 7
    assert run.final.level == "L3" and run.final.team == "senior-management"
    assert run.until == EPOCH + hours(4) + days(60)
    assert run.level_at(EPOCH + hours(1)) == "L1" and run.level_at(EPOCH + hours(2)) == "L2"
    assert run.level_at(EPOCH + hours(13)) == "L3"
    assert run.status_at(EPOCH + minutes(70)) is Status.PENDING
    assert run.issue_at(EPOCH + hours(1)).history[-1].kind is EventKind.STATUS_CHANGED
    assert run.decision_at(EPOCH + hours(5)).actions == ()
    assert run.issue is issue  # the input is kept, unchanged


def test_a_run_stops_at_an_error_and_at_its_horizon() -> None:
    policy = Policy(three_levels(), [escalate("big", when=F.attributes.refund > 500, to="L2")])
    run = simulate(policy, an_issue("T-1", opened=EPOCH).build())
    assert [m.describe() for m in run.moments] == ["opened"] and not run.settled
    assert type(run.error).__name__ == "MissingFieldError"
    assert (
        run.timeline()
        .splitlines()[-1]
        .startswith(
            "  then evaluating raised MissingFieldError: rule 'big': attributes.refund is missing"
        )
    )
    short = simulate(
        Policy(three_levels(), [BREACH]), an_issue("T-1", opened=EPOCH).build(), horizon=hours(3)
    )
    assert [s.at for s in short.steps] == [EPOCH + hours(2)] and not short.settled
    assert short.timeline().endswith("(the run stops at Mon 2 Mar 2026 12:00 UTC)")


def test_a_run_replays_a_history_with_recorded_actions() -> None:
    policy = Policy(three_levels(), [BREACH])
    done = simulate(policy, an_issue("T-1", opened=EPOCH).build())
    replayed = simulate(policy, done.final)  # the same story, actions already in the history
    assert replayed.steps == ()
    assert replayed.final.history == done.final.history
    assert replayed.opening.level is None and replayed.final.level == "L3"


# -- each ready-made invariant: broken by a policy written to break it ----------------------

SKIPPER = Policy(
    three_levels(),
    [escalate("outage-to-l3", when=F.category == "outage", to="L3"), BREACH],
    name="skipper",
)
SLOW = Policy(three_levels(), [BREACH], name="slow")
JUMPY = Policy(three_levels(), [escalate("manager", on="manager_requested"), BREACH], name="jumpy")
MISMAPPED = Policy(
    three_levels(),
    [escalate("stale", at=after(hours(4)))],
    status_map={"solved": Status.PENDING},
    name="mismapped",
)
DEAD_END = Policy(three_levels(l2_target=False), [BREACH], name="dead-end")
UNGUARDED = Policy(
    three_levels(), [escalate("refund", when=F.attributes.refund > 500, to="L2")], name="unguarded"
)

BROKEN = [
    (
        never_skips_a_level(),
        SKIPPER,
        "escalated from L1 to L3 at Mon 2 Mar 2026 09:00 UTC (rule 'outage-to-l3'), skipping L2",
        [
            "issue 'T-1' (category outage), policy 'skipper':",
            "  Mon 2 Mar 2026 09:00 UTC  +0 min       opened",
            "  Mon 2 Mar 2026 09:00 UTC  +0 min       "
            "policy: escalate L1 -> L3 (rule 'outage-to-l3')",
            "  then nothing more happens",
        ],
    ),
    (
        reaches_within("L2", hours(1), priority="P1"),
        SLOW,
        "a P1 issue must reach L2 or be resolved within 1 h of being opened, by Mon 2 Mar 2026 "
        "10:00 UTC; it was then at L1 and open, and it reached L2 only at Mon 2 Mar 2026 "
        "11:00 UTC",
        [
            "issue 'T-1' (priority P1), policy 'slow':",
            "  Mon 2 Mar 2026 09:00 UTC  +0 min       opened",
            "  Mon 2 Mar 2026 11:00 UTC  +2 h         policy: escalate L1 -> L2 (rule 'breach')",
            "  Mon 2 Mar 2026 19:00 UTC  +10 h        policy: escalate L2 -> L3 (rule 'breach')",
            "  then nothing more happens",
        ],
    ),
    (
        no_two_escalations_within(hours(1)),
        JUMPY,
        "escalated twice within 1 h: to L2 at Mon 2 Mar 2026 09:00 UTC (rule 'manager') and to "
        "L3 at Mon 2 Mar 2026 09:01 UTC (rule 'manager'), 1 min apart",
        [
            "issue 'T-1', policy 'jumpy':",
            "  Mon 2 Mar 2026 09:00 UTC  +0 min       opened",
            "  Mon 2 Mar 2026 09:00 UTC  +0 min       customer asked for a manager",
            "  Mon 2 Mar 2026 09:00 UTC  +0 min       policy: escalate L1 -> L2 (rule 'manager')",
            "  Mon 2 Mar 2026 09:01 UTC  +1 min       customer asked for a manager",
            "  Mon 2 Mar 2026 09:01 UTC  +1 min       policy: escalate L2 -> L3 (rule 'manager')",
            "  then nothing more happens",
        ],
    ),
    (
        resolved_never_escalates(),
        MISMAPPED,
        "escalated to L2 at Mon 2 Mar 2026 13:00 UTC (rule 'stale') while its status was "
        "'solved', which means resolved (the policy maps it to pending)",
        [
            "issue 'T-1', policy 'mismapped':",
            "  Mon 2 Mar 2026 09:00 UTC  +0 min       opened",
            "  Mon 2 Mar 2026 09:00 UTC  +0 min       status -> solved",
            "  Mon 2 Mar 2026 13:00 UTC  +4 h         policy: escalate L1 -> L2 (rule 'stale')",
            "  Mon 2 Mar 2026 17:00 UTC  +8 h         policy: escalate L2 -> L3 (rule 'stale')",
            "  then nothing more happens",
        ],
    ),
    (
        ends_at_terminal_level(),
        DEAD_END,
        "left open and unacknowledged, the issue stays at L2 for good: nothing moves it after "
        "Mon 2 Mar 2026 11:00 UTC; terminal: L3",
        [
            "issue 'T-1', policy 'dead-end':",
            "  Mon 2 Mar 2026 09:00 UTC  +0 min       opened",
            "  Mon 2 Mar 2026 11:00 UTC  +2 h         policy: escalate L1 -> L2 (rule 'breach')",
            "  then nothing more happens",
        ],
    ),
    (
        never_raises(),
        UNGUARDED,
        "evaluating the policy raised MissingFieldError: rule 'refund': attributes.refund is "
        "missing, so 'attributes.refund > 500' cannot be decided; guard it with "
        "F.attributes.refund.exists()",
        [
            "issue 'T-1', policy 'unguarded':",
            "  Mon 2 Mar 2026 09:00 UTC  +0 min       opened",
            "  then evaluating raised MissingFieldError: rule 'refund': attributes.refund is "
            "missing, so 'attributes.refund > 500' cannot be decided; guard it with "
            "F.attributes.refund.exists()",
        ],
    ),
]


@pytest.mark.parametrize(
    ("invariant", "policy", "reason", "timeline"),
    BROKEN,
    ids=["skips", "reaches", "two-escalations", "resolved", "terminal", "raises"],
)
def test_each_invariant_finds_the_smallest_counterexample(
    invariant: Callable[[Run], object], policy: Policy, reason: str, timeline: list[str]
) -> None:
    with pytest.raises(VerificationFailed) as info:
        verify(policy, invariant, max_examples=100)
    failure = info.value
    assert isinstance(failure, AssertionError) and isinstance(failure, EscalationRulesError)
    assert failure.reason == reason
    assert failure.run.timeline().splitlines() == timeline
    assert str(failure) == (
        f"policy {policy.name!r} breaks {invariant!r}: {reason}\n"
        "smallest counterexample found:\n" + "\n".join(timeline)
    )
    assert failure.invariant is invariant and failure.issue is failure.run.issue


# -- and holding on the example policies ---------------------------------------------------

HOLDING = [
    (never_skips_a_level(), example_policy(), None),
    (never_skips_a_level(), oncall_policy(), None),
    (resolved_never_escalates(), example_policy(), None),
    (resolved_never_escalates(), oncall_policy(), None),
    (ends_at_terminal_level(), example_policy(), None),
    (ends_at_terminal_level(), oncall_policy(), None),
    (never_raises(), example_policy(), None),
    (never_raises(), oncall_policy(), None),
    # left alone, every issue climbs; time pending on the customer does not count
    (reaches_within("L2", days(12), pause_while_pending=True), example_policy(), None),
    # the on-call chain reaches the manager in 30 minutes when nobody acknowledges
    (
        reaches_within("manager", minutes(30)),
        oncall_policy(),
        issues(kinds=[EventKind.CUSTOMER_MESSAGE, EventKind.AGENT_REPLY], statuses=["pending"]),
    ),
    (no_two_escalations_within(minutes(15)), oncall_policy(), None),
]


@pytest.mark.parametrize(
    ("invariant", "policy", "strategy"),
    HOLDING,
    ids=[f"{inv!r}-{policy.name}" for inv, policy, _ in HOLDING],
)
def test_the_invariants_hold_on_the_example_policies(
    invariant: Callable[[Run], object], policy: Policy, strategy: SearchStrategy[Issue] | None
) -> None:
    verify(policy, invariant, max_examples=100, issues=strategy)  # raises if broken


def test_on_the_seeds_matrix_two_escalations_can_come_at_once() -> None:
    # An enterprise P1 starts at L2, and a manager request at the opening moves it on to L3.
    with pytest.raises(VerificationFailed) as info:
        verify(example_policy(), no_two_escalations_within(minutes(1)), max_examples=300)
    assert re.fullmatch(
        r"escalated twice within 1 min: to L2 at Mon 2 Mar 2026 09:00 UTC "
        r"\(rule '(enterprise-p1-starts-at-l2|refund-needs-authority)'\) and to L3 at "
        r"Mon 2 Mar 2026 09:00 UTC \(rule 'manager-requested'\), 0 min apart",
        info.value.reason,
    )
    assert [m.describe() for m in info.value.run.moments][:7] == [
        "opened",
        "customer asked for a manager",
        f"policy: escalate L1 -> L2 (rule {info.value.run.escalations[0].action.rule!r})",
        # the matrix routes to each level's owner as the issue passes it
        "policy: route to frontline (rule 'support')",
        "policy: escalate L2 -> L3 (rule 'manager-requested')",
        "policy: route to supervisors (rule 'support')",
        "policy: route to senior-management (rule 'support')",
    ]


def test_reaches_within_counts_business_time_and_skips_other_priorities() -> None:
    from escalation_rules import BusinessCalendar

    office = BusinessCalendar("UTC", {"mon-fri": [("09:00", "17:00")]})
    friday = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    issue = an_issue("T-1", opened=friday, priority="P1").build()
    run = simulate(SLOW, issue)  # L2 at Friday 18:00 (wall-clock SLA)
    assert reaches_within("L2", hours(2), priority="P1", calendar=office)(run) is None
    assert reaches_within("L2", hours(1), priority="P2")(run) is None  # not a P2
    assert reaches_within("L2", hours(1), calendar=office)(run) == (
        "an issue must reach L2 or be resolved within 1 h of business time of being opened, by "
        "Fri 6 Mar 2026 17:00 UTC; it was then at L1 and open, and it reached L2 only at "
        "Fri 6 Mar 2026 18:00 UTC"
    )
    pending = simulate(SLOW, an_issue("T-2", opened=EPOCH).pending(at=minutes(30)).build())
    assert reaches_within("L2", hours(1), pause_while_pending=True)(pending) is None  # paused
    assert "it never reached L2" in str(reaches_within("L2", hours(1))(pending))


# -- custom invariants, verify_all, the command ----------------------------------------------


def at_most_one_escalation(run: Run) -> str | None:
    return None if len(run.escalations) <= 1 else f"{len(run.escalations)} escalations"


def test_a_custom_invariant_reports_by_its_name_and_message() -> None:
    with pytest.raises(VerificationFailed) as info:
        verify(SLOW, at_most_one_escalation, max_examples=50)
    assert str(info.value).startswith(
        "policy 'slow' breaks at_most_one_escalation: 2 escalations\n"
        "smallest counterexample found:\n"
        "issue 'T-1', policy 'slow':\n"
    )


@pytest.mark.parametrize(
    ("invariant", "reason"),
    [
        (lambda run: False, "<lambda> returned False"),
        (lambda run: "never", "never"),
        (lambda run: run.escalations == (), "<lambda> returned False"),
    ],
    ids=["false", "message", "bool"],
)
def test_an_invariant_breaks_by_false_or_a_message(
    invariant: Callable[[Run], object], reason: str
) -> None:
    with pytest.raises(VerificationFailed) as info:
        verify(SLOW, invariant, max_examples=20)
    assert info.value.reason == reason


def test_an_assertion_in_an_invariant_breaks_it() -> None:
    def no_l3(run: Run) -> None:
        assert run.final.level != "L3", "reached L3"

    with pytest.raises(VerificationFailed, match="breaks no_l3: reached L3"):
        verify(SLOW, no_l3, max_examples=20)


def test_an_invariant_returning_something_else_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"returned 3; return None or True when it holds"):
        verify(SLOW, lambda run: 3, max_examples=5)


def test_a_verification_failure_pickles() -> None:
    with pytest.raises(VerificationFailed) as info:
        verify(DEAD_END, ends_at_terminal_level(), max_examples=10)
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is VerificationFailed and str(copy) == str(info.value)
    assert copy.reason == info.value.reason and copy.issue == info.value.issue
    assert copy.run.timeline() == info.value.run.timeline()


def test_verify_is_deterministic() -> None:
    reports = []
    for _ in range(2):
        with pytest.raises(VerificationFailed) as info:
            verify(example_policy(), no_two_escalations_within(hours(8)), max_examples=50)
        reports.append(str(info.value))
    assert reports[0] == reports[1]


def test_standard_invariants_fit_the_policy() -> None:
    breach = Policy(three_levels(), [escalate("breach", at=sla("time_at_level"))])
    assert [repr(i) for i in standard_invariants(breach)] == [
        "never_raises()",
        "resolved_never_escalates()",
        "ends_at_terminal_level()",
    ]
    static = Policy(three_levels(), [escalate("vip", when=F.tags.contains("vip"), to="L2")])
    assert [repr(i) for i in standard_invariants(static)] == [
        "never_raises()",
        "resolved_never_escalates()",
    ]
    assert climbs(oncall_policy()) and climbs(
        Policy(three_levels(), [escalate("x", at=after(hours(1)))])
    )
    assert not climbs(Policy(three_levels(), [escalate("x", at=after(hours(1), since="created"))]))
    assert not climbs(Policy(three_levels(), [notify("x", at=sla("time_at_level"))]))


def test_verify_all_returns_a_verdict_per_invariant() -> None:
    verdicts = verify_all(DEAD_END, max_examples=30)
    assert [(v.name, v.holds) for v in verdicts] == [
        ("never_raises()", True),
        ("resolved_never_escalates()", True),
        ("ends_at_terminal_level()", False),
    ]
    assert all(isinstance(v, Verdict) for v in verdicts)
    assert verdicts[2].failure is not None and "stays at L2" in verdicts[2].failure.reason
    chosen = verify_all(SLOW, [never_skips_a_level()], max_examples=10)
    assert [(v.name, v.holds) for v in chosen] == [("never_skips_a_level()", True)]


def test_the_verify_command_reports_and_exits() -> None:
    code, text = run_verify_command(oncall_policy(), max_examples=30)
    assert code == 0
    assert text == (
        "verifying policy 'oncall-chain': 3 invariants, up to 30 generated issues each\n"
        "  ok     never_raises()\n"
        "  ok     resolved_never_escalates()\n"
        "  ok     ends_at_terminal_level()\n"
        "\n"
        "all 3 invariants hold"
    )
    code, text = run_verify_command(DEAD_END, max_examples=30)
    assert code == 1
    lines = text.splitlines()
    assert lines[:4] == [
        "verifying policy 'dead-end': 3 invariants, up to 30 generated issues each",
        "  ok     never_raises()",
        "  ok     resolved_never_escalates()",
        "  BROKEN ends_at_terminal_level()",
    ]
    assert lines[5].startswith("policy 'dead-end' breaks ends_at_terminal_level(): left open")
    assert lines[-1] == "1 of 3 invariants broken"


# -- arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: reaches_within("L2", hours(0)), PolicyError, "must be a positive timedelta"),
        (lambda: reaches_within("L2", 5), PolicyError, "must be a positive timedelta"),  # type: ignore[arg-type]
        (lambda: no_two_escalations_within(-hours(1)), PolicyError, "positive timedelta"),
        (lambda: resolved_never_escalates("done"), TypeError, "a list of statuses"),
        (lambda: ends_at_terminal_level("L3"), TypeError, "a list of level ids"),
    ],
    ids=["zero", "not-a-duration", "negative-gap", "bare-status", "bare-level"],
)
def test_bad_invariant_arguments_are_refused(
    build: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build()


def test_an_unknown_level_in_an_invariant_is_named() -> None:
    run = simulate(SLOW, an_issue("T-1", opened=EPOCH).build())
    with pytest.raises(IssueError, match=r"unknown level 'l2'.*did you mean 'L2'\?"):
        reaches_within("l2", hours(1))(run)
    with pytest.raises(IssueError, match=r"did you mean 'L3'\?"):
        ends_at_terminal_level(["l3"])(run)


def test_resolved_statuses_read_the_status_map() -> None:
    policy = Policy(
        three_levels(),
        [],
        status_map={
            "done": Status.PENDING,
            "archived": Status.CLOSED,
            "waiting": Status.PENDING,
            "Solved": "open",
        },
    )
    assert resolved_statuses(policy) == {"resolved", "closed", "done", "archived", "Solved"}
    explicit = resolved_never_escalates(["archived"])
    assert explicit.statuses == frozenset({"archived"})
    assert repr(explicit) == "resolved_never_escalates(['archived'])"
    routed = Policy(three_levels(), [route("r", when=F.category == "x", to="t")])
    assert repr(ends_at_terminal_level(["L2", "L3"])) == "ends_at_terminal_level(['L2', 'L3'])"
    assert resolved_never_escalates()(simulate(routed, an_issue("T", opened=EPOCH).build())) is None


def test_verify_writes_nothing_in_the_current_folder(tmp_path: Path) -> None:
    # Issue 12, item 16: with no example database, Hypothesis still cached the constants
    # of the caller's own modules in ./.hypothesis/.
    import subprocess
    import sys

    (tmp_path / "host_module.py").write_text('LIMIT = 12345\nNAME = "somewhere"\n')
    script = (
        "import host_module\n"
        "from escalation_rules import bundled_policy, hours\n"
        "from escalation_rules.verification import reaches_within, verify\n"
        "try:\n"
        "    verify(bundled_policy('seeds-matrix'), reaches_within('L2', hours(200),"
        " priority='P1'), max_examples=20)\n"
        "except AssertionError:\n"
        "    pass\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True, timeout=300)
    assert not (tmp_path / ".hypothesis").exists()
    assert {p.name for p in tmp_path.iterdir()} <= {"__pycache__", "host_module.py"}
