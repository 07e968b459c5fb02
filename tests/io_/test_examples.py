"""The seeds' example matrix, end to end (the bundled example policy)."""

from __future__ import annotations

from datetime import timedelta

from escalation_rules import Escalate, Notify, Route
from escalation_rules._io.examples import START, example_issues, example_policy


def _issue(issue_id: str):  # type: ignore[no-untyped-def]
    return next(i for i in example_issues() if i.id == issue_id)


def test_plain_issue_warns_at_75_percent_and_escalates_at_the_l1_sla() -> None:
    policy, issue = example_policy(), _issue("INC-1")
    assert policy.evaluate(issue, START + timedelta(minutes=89)).actions == ()
    warn = policy.evaluate(issue, START + timedelta(minutes=90))
    assert [type(a) for a in warn.actions] == [Notify]
    assert warn.actions[0].target == "frontline"
    assert warn.next_evaluation_at == START + timedelta(hours=2)
    breach = policy.evaluate(issue, START + timedelta(hours=2))
    assert breach.escalation is not None and breach.escalation.to == "L2"


def test_l2_sla_is_eight_hours_from_entering_l2() -> None:
    policy, issue = example_policy(), _issue("INC-1")
    at = START + timedelta(hours=2)
    for action in policy.evaluate(issue, at).actions:
        issue = issue.record(action, at)
    assert issue.level == "L2"
    decision = policy.evaluate(issue, at)
    assert decision.actions == ()
    assert decision.next_evaluation_at == at + timedelta(hours=6)  # 75 % of 8 h
    late = policy.evaluate(issue, at + timedelta(hours=8))
    assert late.escalation is not None and late.escalation.to == "L3"


def test_billing_is_routed_to_the_billing_specialists() -> None:
    decision = example_policy().evaluate(_issue("INC-2"), START + timedelta(hours=1))
    assert decision.actions[0] == Route(
        "billing",
        "billing-specialists",
        decision.actions[0].reason,
        key="billing-specialists:route",
    )


def test_enterprise_p1_starts_at_l2() -> None:
    decision = example_policy().evaluate(_issue("INC-3"), START)
    assert decision.escalation == Escalate(
        "L2",
        "enterprise-p1-starts-at-l2",
        decision.escalation.reason,  # type: ignore[union-attr]
        key="enterprise-p1-starts-at-l2:escalate",
    )


def test_customer_asking_for_a_manager_moves_up_one_level() -> None:
    decision = example_policy().evaluate(_issue("INC-4"), START + timedelta(hours=1))
    assert decision.escalation is not None and decision.escalation.to == "L2"


def test_resolved_issue_never_escalates() -> None:
    decision = example_policy().evaluate(_issue("INC-6"), START + timedelta(days=30))
    assert decision.actions == ()
    assert decision.next_evaluation_at is None
