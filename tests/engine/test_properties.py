"""The engine's laws, checked with Hypothesis over generated policies, issues and instants."""

from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import Decision, Escalate, Issue, Policy

from ..strategies import conditions, instants, issues, policies

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw: st.DrawFn, match: str | None = None) -> tuple[Policy, Issue, datetime]:
    policy = draw(policies(match))
    issue = draw(issues(list(policy.levels)))
    last = issue.history[-1].at
    now = draw(instants(0, 72).map(lambda t: max(t, last)))
    return policy, issue, now


def level_after(policy: Policy, issue: Issue, decision: Decision) -> int:
    """The position the issue would be at after carrying out the decision."""
    ids = [lvl.id for lvl in policy.levels]
    current = ids.index(issue.level) if issue.level else 0
    esc = decision.escalation
    return ids.index(esc.to) if esc else current


@SETTINGS
@given(cases())
def test_deterministic_also_after_pickling(case: tuple[Policy, Issue, datetime]) -> None:
    policy, issue, now = case
    first = policy.evaluate(issue, now)
    assert policy.evaluate(issue, now) == first
    policy2, issue2 = pickle.loads(pickle.dumps((policy, issue)))
    assert policy2.evaluate(issue2, now) == first


@SETTINGS
@given(cases())
def test_inputs_are_not_mutated(case: tuple[Policy, Issue, datetime]) -> None:
    policy, issue, now = case
    before = pickle.dumps((policy, issue, now))
    policy.evaluate(issue, now)
    assert pickle.dumps((policy, issue, now)) == before


@SETTINGS
@given(cases(), st.integers(1, 48 * 3600))
def test_next_evaluation_is_sound(case: tuple[Policy, Issue, datetime], gap: int) -> None:
    policy, issue, now = case
    decision = policy.evaluate(issue, now)
    nxt = decision.next_evaluation_at
    if nxt is None:
        later = now + timedelta(seconds=gap)
        assert policy.evaluate(issue, later) == decision
        return
    assert nxt > now
    span = (nxt - now).total_seconds()
    for fraction in (0.0, 0.25, 0.5, 0.999):
        t = now + timedelta(seconds=span * fraction)
        if t < nxt:
            assert policy.evaluate(issue, t) == decision
    just_before = nxt - timedelta(microseconds=1)
    if just_before >= now:
        assert policy.evaluate(issue, just_before) == decision


@SETTINGS
@given(cases(), st.integers(0, 48 * 3600))
def test_next_evaluation_is_exact(case: tuple[Policy, Issue, datetime], gap: int) -> None:
    """If the decision changes before now + gap, it changes no earlier than next_evaluation_at."""
    policy, issue, now = case
    decision = policy.evaluate(issue, now)
    later = policy.evaluate(issue, now + timedelta(seconds=gap))
    if later != decision:
        assert decision.next_evaluation_at is not None
        assert decision.next_evaluation_at <= now + timedelta(seconds=gap)


@SETTINGS
@given(cases(match="all"), st.integers(0, 48 * 3600))
def test_monotonic_over_time_without_new_events(
    case: tuple[Policy, Issue, datetime], gap: int
) -> None:
    policy, issue, now = case
    earlier = level_after(policy, issue, policy.evaluate(issue, now))
    later = level_after(policy, issue, policy.evaluate(issue, now + timedelta(seconds=gap)))
    assert later >= earlier


@SETTINGS
@given(cases())
def test_never_de_escalates_and_at_most_one_escalation(
    case: tuple[Policy, Issue, datetime],
) -> None:
    policy, issue, now = case
    decision = policy.evaluate(issue, now)
    escalations = [a for a in decision.actions if isinstance(a, Escalate)]
    assert len(escalations) <= 1
    ids = [lvl.id for lvl in policy.levels]
    current = ids.index(issue.level) if issue.level else 0
    for esc in escalations:
        assert ids.index(esc.to) > current


@SETTINGS
@given(cases())
def test_recording_the_decision_makes_it_idempotent(
    case: tuple[Policy, Issue, datetime],
) -> None:
    policy, issue, now = case
    decision = policy.evaluate(issue, now)
    done = issue
    for action in decision.actions:
        done = done.record(action, now)
    again = policy.evaluate(done, now)
    assert not {a.key for a in again.actions} & {a.key for a in decision.actions}


@SETTINGS
@given(conditions(), conditions(), conditions(), issues())
def test_combinator_laws(a, b, c, issue) -> None:  # type: ignore[no-untyped-def]
    def v(cond):  # type: ignore[no-untyped-def]
        return cond(issue)

    assert v(~(a & b)) == v(~a | ~b)  # De Morgan
    assert v(~(a | b)) == v(~a & ~b)
    assert v(~~a) == v(a)  # double negation
    assert v((a & b) & c) == v(a & (b & c))  # associativity
    assert v((a | b) | c) == v(a | (b | c))
    assert (a & b) & c == a & (b & c)  # flattening makes them the same value
    assert (a | b) | c == a | (b | c)


def test_same_answer_in_another_process_with_another_hash_seed() -> None:
    outputs = set()
    for seed in ("1", "12345"):
        result = subprocess.run(
            [sys.executable, "-m", "escalation_rules", "demo"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
