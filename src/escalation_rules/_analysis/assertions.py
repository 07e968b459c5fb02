"""What a test expected of a policy's decision, and the error when the policy decided otherwise."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .._exceptions import EscalationRulesError
from .._instants import require_aware
from .describe import describe_decision, describe_issue, history_lines

if TYPE_CHECKING:
    from .._engine.explain import Explanation
    from .._engine.policy import Policy
    from .._model.actions import Action, Decision
    from .._model.issue import Issue


class UnexpectedDecision(EscalationRulesError, AssertionError):
    """A policy decided something other than what a test expected.

    ``str(exc)`` says what was expected, what the policy decided, and why (the
    rule-by-rule trace of `Policy.explain` and the issue's history).

    Attributes:
        expected: what the test expected, in words.
        decision: the `Decision` the policy made.
        explanation: the `Explanation` of that decision.
    """

    def __init__(self, expected: str, got: str, explanation: Explanation, issue: Issue) -> None:
        self.expected = expected
        self.decision = explanation.decision
        self.explanation = explanation
        why = "\n".join("    " + line for line in explanation.render().splitlines())
        history = "\n".join("    " + line for line in history_lines(issue, explanation.now.tzinfo))
        super().__init__(
            f"expected: {expected}\n"
            f"     got: {got}\n"
            f"why:\n{why}\n"
            f"history of {describe_issue(issue)}:\n{history}"
        )


def unexpected(expected: str, explanation: Explanation, issue: Issue) -> UnexpectedDecision:
    """The error for a decision that is not what a test *expected*: it got the decision."""
    got = describe_decision(explanation.decision, explanation.now.tzinfo)
    return UnexpectedDecision(expected, got, explanation, issue)


def explain_at(policy: Policy, issue: Issue, at: datetime, what: str) -> Explanation:
    """``policy.explain(issue, at)``, *at* checked as the ``at=`` argument of *what*."""
    return policy.explain(issue, require_aware(at, f"{what}(at=...)"))


def by_rule(rule: str | None) -> str:
    """`` by rule 'name'`` for an expectation about one rule, else nothing."""
    return "" if rule is None else f" by rule {rule!r}"


def find_action(
    decision: Decision, kind: type[Action], rule: str | None, **wanted: str | None
) -> Action | None:
    """The first action of *kind* (by *rule*) whose attributes are as *wanted* (None: any)."""
    for action in decision.actions:
        if not isinstance(action, kind) or (rule is not None and action.rule != rule):
            continue
        if all(value is None or getattr(action, name) == value for name, value in wanted.items()):
            return action
    return None
