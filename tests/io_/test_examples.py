"""The seeds' example matrix, end to end (the bundled example policy)."""

from __future__ import annotations

from datetime import datetime, timedelta

from escalation_rules import Escalate, Event, EventKind, Issue, Notify, Route
from escalation_rules._io.examples import START, example_issues, example_policy


def _issue(issue_id: str):  # type: ignore[no-untyped-def]
    return next(i for i in example_issues() if i.id == issue_id)


def _taken(issue: Issue, at: datetime) -> Issue:
    """*issue* after the host carried out and recorded what the policy decided at *at*."""
    for action in example_policy().evaluate(issue, at).actions:
        issue = issue.record(action, at)
    return issue


def test_plain_issue_goes_to_frontline_warns_at_75_percent_and_moves_on_after_2h() -> None:
    policy, issue = example_policy(), _issue("INC-1")
    opened = policy.evaluate(issue, START)
    assert opened.actions == (
        Route(
            "frontline",
            "support",
            "matrix support, * × L1: route to frontline",  # noqa: RUF001
            key="support:*:L1:route",
        ),
    )
    issue = _taken(issue, START)
    assert policy.evaluate(issue, START + timedelta(minutes=89)).actions == ()
    warn = policy.evaluate(issue, START + timedelta(minutes=90))
    assert [type(a) for a in warn.actions] == [Notify]
    assert warn.actions[0].target == "frontline"
    assert warn.next_evaluation_at == START + timedelta(hours=2)
    moved = policy.evaluate(issue, START + timedelta(hours=2))
    assert moved.escalation == (
        Escalate(
            "L2",
            "support",
            "matrix support, * × L1: 2 h since level_entered passed: escalate to the "  # noqa: RUF001
            "next level, L2",
            key="support:*:L1:escalate",
        )
    )


def test_at_l2_the_supervisors_hold_it_for_eight_hours() -> None:
    policy = example_policy()
    at = START + timedelta(hours=2)
    issue = _taken(_taken(_issue("INC-1"), START), at)
    assert issue.level == "L2"
    routed = policy.evaluate(issue, at)
    assert [(a.kind, a.target, a.key) for a in routed.actions] == [
        ("route", "supervisors", "support:*:L2:route")
    ]
    issue = _taken(issue, at)
    decision = policy.evaluate(issue, at)
    assert decision.actions == ()
    assert decision.next_evaluation_at == at + timedelta(hours=6)  # 75 % of 8 h
    late = policy.evaluate(issue, at + timedelta(hours=8))
    assert late.escalation is not None and late.escalation.to == "L3"
    assert late.escalation.key == "support:*:L2:escalate"
    # at the top the issue stays: senior management holds it, nothing moves it on
    top = _taken(issue, at + timedelta(hours=8))
    assert [a.target for a in policy.evaluate(top, at + timedelta(hours=8)).actions] == [
        "senior-management"
    ]


def test_billing_is_held_by_the_billing_teams_level_by_level() -> None:
    policy = example_policy()
    decision = policy.evaluate(_issue("INC-2"), START + timedelta(hours=1))
    assert decision.actions[0] == Route(
        "billing",
        "support",
        "matrix support, billing × L1: route to billing",  # noqa: RUF001
        key="support:billing:L1:route",
    )
    issue = _taken(_taken(_issue("INC-2"), START + timedelta(hours=1)), START + timedelta(hours=2))
    assert issue.level == "L2"
    at_l2 = policy.evaluate(issue, START + timedelta(hours=2))
    assert [(a.target, a.key) for a in at_l2.actions] == [
        ("billing-leads", "support:billing:L2:route")
    ]


def test_a_security_issue_goes_to_security_whatever_its_category() -> None:
    issue = Issue(
        "INC-9",
        START,
        category="billing",
        tags=["security"],
        history=[Event(EventKind.CREATED, START)],
    )
    decision = example_policy().evaluate(issue, START)
    assert [(a.target, a.key) for a in decision.actions] == [
        ("security", "support:security:L1:route")
    ]


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
