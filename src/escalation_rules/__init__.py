"""escalation_rules: a deterministic rules engine for escalation in support and IT service desks.

Describe levels and rules as a `Policy`, then ask ``policy.evaluate(issue, now)``
what to do; the `Decision` says which actions to take and when to ask again.
"""

from ._actions import Action, Decision, Escalate, Notify, Route
from ._conditions import (
    ALWAYS,
    NEVER,
    Condition,
    F,
    Field,
    all_of,
    any_of,
    field,
    predicate,
)
from ._context import Anchor, Clock, Context, WallClock
from ._exceptions import (
    EscalationRulesError,
    EvaluationError,
    FieldTypeError,
    IssueError,
    MissingFieldError,
    NaiveDatetimeError,
    PolicyError,
)
from ._issue import Customer, Event, EventKind, Issue, Status
from ._policy import Level, Policy, evaluate
from ._rules import (
    NEXT,
    OWNER,
    After,
    EscalationChain,
    FirstMatch,
    FunctionalRule,
    HierarchicalRule,
    Outcome,
    Rule,
    SlaShare,
    TimeRule,
    after,
    chain,
    escalate,
    first_match,
    notify,
    route,
    sla,
)
from ._time import days, hours, minutes, parse_instant

__version__ = "0.1.0"

__all__ = [
    "ALWAYS",
    "Action",
    "After",
    "Anchor",
    "Clock",
    "Condition",
    "Context",
    "Customer",
    "Decision",
    "Escalate",
    "EscalationChain",
    "EscalationRulesError",
    "EvaluationError",
    "Event",
    "EventKind",
    "F",
    "Field",
    "FieldTypeError",
    "FirstMatch",
    "FunctionalRule",
    "HierarchicalRule",
    "Issue",
    "IssueError",
    "Level",
    "MissingFieldError",
    "NEVER",
    "NEXT",
    "NaiveDatetimeError",
    "Notify",
    "OWNER",
    "Outcome",
    "Policy",
    "PolicyError",
    "Route",
    "Rule",
    "SlaShare",
    "Status",
    "TimeRule",
    "WallClock",
    "after",
    "all_of",
    "any_of",
    "chain",
    "days",
    "escalate",
    "evaluate",
    "field",
    "first_match",
    "hours",
    "minutes",
    "notify",
    "parse_instant",
    "predicate",
    "route",
    "sla",
]
