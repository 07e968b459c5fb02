"""verify() returns the Verdict that an invariant holds, and still raises when it breaks."""

from __future__ import annotations

import pytest

from escalation_rules import Level, Policy, escalate, hours, sla
from escalation_rules.testing import example_policy
from escalation_rules.verification import (
    Verdict,
    VerificationFailed,
    ends_at_terminal_level,
    never_raises,
    verify,
    verify_all,
)

DEAD_END = Policy(
    [
        Level("L1", "Frontline", rank=1, owner="frontline", targets={"time_at_level": hours(2)}),
        Level("L2", "Supervisor", rank=2, owner="supervisors"),
        Level("L3", "Management", rank=3, owner="management"),
    ],
    [escalate("breach", at=sla("time_at_level"))],
    name="dead-end",
)


def test_verify_returns_a_verdict_that_holds() -> None:
    invariant = never_raises()
    verdict = verify(example_policy(), invariant, max_examples=10)
    assert isinstance(verdict, Verdict)
    assert verdict.holds and verdict.failure is None and verdict.reason == ""
    assert verdict.invariant is invariant and verdict.name == "never_raises()"


def test_verify_still_raises_when_the_invariant_breaks() -> None:
    with pytest.raises(VerificationFailed) as info:
        verify(DEAD_END, ends_at_terminal_level(), max_examples=10)
    assert "stays at L2 for good" in info.value.reason


def test_verdict_reason_is_the_failure_reason() -> None:
    (verdict,) = verify_all(DEAD_END, [ends_at_terminal_level()], max_examples=10)
    assert not verdict.holds and verdict.failure is not None
    assert verdict.reason == verdict.failure.reason
    assert "stays at L2 for good" in verdict.reason


def test_verify_all_matches_verify() -> None:
    invariant = never_raises()
    (verdict,) = verify_all(example_policy(), [invariant], max_examples=10)
    assert verdict.holds and verdict.invariant is invariant
