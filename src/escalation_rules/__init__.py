"""escalation_rules: a deterministic rules engine for escalation in support and IT service desks.

Describe levels and rules as a `Policy`, then ask ``policy.evaluate(issue, now)``
what to do; the `Decision` says which actions to take and when to ask again.
"""

from ._analysis.backtest import backtest
from ._analysis.lint import Finding, LintReport, lint, lint_file, lint_text
from ._analysis.metrics import GroupMetrics, LevelMetrics, Metrics
from ._analysis.replay import LevelComparison, PolicyAction, Replay, TimelineEntry, replay
from ._conditions.compare import predicate
from ._conditions.condition import ALWAYS, NEVER, Condition, all_of, any_of
from ._conditions.dsl import F, Field, field
from ._durations import (
    days,
    format_duration,
    format_percent,
    hours,
    minutes,
    parse_duration,
    parse_percent,
)
from ._engine.context import Context
from ._engine.explain import ActionTrace, Explanation, Failure, RuleTrace
from ._engine.forecast import ForecastStep, forecast
from ._engine.policy import Policy, evaluate
from ._exceptions import (
    CalendarError,
    EscalationRulesError,
    EvaluationError,
    FieldTypeError,
    ForecastError,
    IssueError,
    MissingFieldError,
    NaiveDatetimeError,
    PolicyError,
    PolicySyntaxError,
)
from ._instants import parse_instant
from ._io.eventlog import LoggedIssue, read_log
from ._io.examples import bundled_policy
from ._io.issuejson import issue_from_dict, issue_to_dict
from ._io.logmapping import LogMapping
from ._io.reader import from_dict, load, loads
from ._io.schema import policy_json_schema
from ._io.writer import dump, to_dict
from ._language.formatter import format_condition
from ._language.parser import parse_condition
from ._model.actions import Action, Decision, Escalate, Notify, Route
from ._model.anchors import Anchor
from ._model.events import Event, EventKind, Status
from ._model.issue import Customer, Issue
from ._model.levels import Level
from ._model.targets import Metric, SlaClock, Target, by_priority, wall
from ._rules.base import NEXT, OWNER, Outcome, Rule
from ._rules.chain import EscalationChain, chain
from ._rules.first_match import FirstMatch, first_match
from ._rules.functional import FunctionalRule, route
from ._rules.hierarchical import HierarchicalRule, escalate
from ._rules.timed import After, SlaShare, TimeRule, after, notify, sla
from ._time.calendar import BusinessCalendar
from ._time.calendar_spec import DatedHours, WeeklyHours
from ._time.clocks import BusinessClock, Clock, WallClock
from ._time.conditions import clock, happened, since
from ._time.holidays import holidays_from_ics, holidays_from_package
from ._time.sla_clock import ClockState

__version__ = "0.1.0"

__all__ = [
    "ALWAYS",
    "Action",
    "ActionTrace",
    "After",
    "Anchor",
    "BusinessCalendar",
    "BusinessClock",
    "CalendarError",
    "Clock",
    "ClockState",
    "Condition",
    "Context",
    "Customer",
    "DatedHours",
    "Decision",
    "Escalate",
    "EscalationChain",
    "EscalationRulesError",
    "EvaluationError",
    "Event",
    "EventKind",
    "Explanation",
    "F",
    "Failure",
    "Field",
    "FieldTypeError",
    "Finding",
    "FirstMatch",
    "ForecastError",
    "ForecastStep",
    "FunctionalRule",
    "GroupMetrics",
    "HierarchicalRule",
    "Issue",
    "IssueError",
    "Level",
    "LevelComparison",
    "LevelMetrics",
    "LintReport",
    "LogMapping",
    "LoggedIssue",
    "Metric",
    "Metrics",
    "MissingFieldError",
    "NEVER",
    "NEXT",
    "NaiveDatetimeError",
    "Notify",
    "OWNER",
    "Outcome",
    "Policy",
    "PolicyAction",
    "PolicyError",
    "PolicySyntaxError",
    "Replay",
    "Route",
    "Rule",
    "RuleTrace",
    "SlaClock",
    "SlaShare",
    "Status",
    "Target",
    "TimeRule",
    "TimelineEntry",
    "WallClock",
    "WeeklyHours",
    "after",
    "all_of",
    "any_of",
    "backtest",
    "bundled_policy",
    "by_priority",
    "chain",
    "clock",
    "days",
    "dump",
    "escalate",
    "evaluate",
    "field",
    "first_match",
    "forecast",
    "format_condition",
    "format_duration",
    "format_percent",
    "from_dict",
    "happened",
    "holidays_from_ics",
    "holidays_from_package",
    "hours",
    "issue_from_dict",
    "issue_to_dict",
    "lint",
    "lint_file",
    "lint_text",
    "load",
    "loads",
    "minutes",
    "notify",
    "parse_condition",
    "parse_duration",
    "parse_instant",
    "parse_percent",
    "policy_json_schema",
    "predicate",
    "read_log",
    "replay",
    "route",
    "since",
    "sla",
    "to_dict",
    "wall",
]
