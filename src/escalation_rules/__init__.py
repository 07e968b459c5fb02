"""escalation_rules: a deterministic rules engine for escalation in support and IT service desks.

Describe levels and rules as a `Policy`, then ask ``policy.evaluate(issue, now)``
what to do; the `Decision` says which actions to take and when to ask again.
"""

import importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from ._conditions.compare import predicate
from ._conditions.condition import ALWAYS, NEVER, Condition, all_of, any_of
from ._conditions.dsl import F, Field, field
from ._durations import (
    days,
    format_duration,
    format_percent,
    hours,
    minutes,
    parse_business_days,
    parse_duration,
    parse_percent,
)
from ._engine.context import Context
from ._engine.policy import Policy, evaluate
from ._engine.sla_policies import SlaPeriod, SlaPolicy
from ._engine.versions import PolicySet
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
    WorkerError,
)
from ._instants import parse_instant
from ._model.actions import Action, Decision, Escalate, Notify, Route, SetPriority, SetStatus
from ._model.anchors import Anchor
from ._model.clock_definitions import Metric, SlaClock, Trigger
from ._model.events import Event, EventKind, Status
from ._model.issue import Customer, Issue
from ._model.levels import Level, OnCall
from ._model.restrictions import Restriction, active_hours
from ._model.schedules import Layer, Override, Schedule
from ._model.targets import Target, business_days, by_priority, wall
from ._publish import publish as _publish
from ._publish import publish_all as _publish_all
from ._rules.base import NEXT, OWNER, Outcome, Rule
from ._rules.first_match import FirstMatch, first_match
from ._time.calendar import BOUNDARY_PRESETS, Boundaries, BusinessCalendar
from ._time.calendar_spec import DatedHours, WeeklyHours
from ._time.clocks import BusinessClock, Clock, WallClock
from ._time.oncall import next_change, on_call
from ._time.sla_clock import ClockState, CycleState

if _TYPE_CHECKING:
    from ._analysis.backtest import backtest, backtest_many
    from ._analysis.distribution import Distribution
    from ._analysis.findings import Finding, LintReport
    from ._analysis.lint import lint, lint_file, lint_text
    from ._analysis.metrics import GroupMetrics, LevelMetrics, Metrics, merge_metrics
    from ._analysis.replay import LevelComparison, PolicyAction, Replay, TimelineEntry, replay
    from ._analysis.sweep import Sweep, SweepVariant, sweep
    from ._conditions.acknowledged import acknowledged
    from ._engine.explain import ActionTrace, Explanation, Failure, RuleTrace
    from ._engine.forecast import ForecastStep, forecast
    from ._io.eventlog import EventLog, LoggedIssue, read_log
    from ._io.examples import bundled_policy
    from ._io.issuejson import issue_from_dict, issue_to_dict
    from ._io.logmapping import LogMapping, UnmappedValue
    from ._io.reader import from_dict, load, loads, policy_parameters
    from ._io.schema import policy_json_schema
    from ._io.writer import dump, to_dict
    from ._language.formatter import format_condition
    from ._language.parser import parse_condition
    from ._rules.chain import EscalationChain, chain
    from ._rules.functional import FunctionalRule, route
    from ._rules.hierarchical import HierarchicalRule, escalate
    from ._rules.matrix import Cell, Matrix, Row, cell, matrix, row
    from ._rules.priority import PriorityRule, set_priority
    from ._rules.repeat import RepeatingNotification
    from ._rules.timed import After, SlaShare, TimeRule, after, notify, sla
    from ._time.conditions import clock, happened, is_open, since
    from ._time.holidays import holidays_from_ics, holidays_from_package

__version__ = "0.1.0"

__all__ = [
    "ALWAYS",
    "Action",
    "ActionTrace",
    "After",
    "Anchor",
    "BOUNDARY_PRESETS",
    "Boundaries",
    "BusinessCalendar",
    "BusinessClock",
    "CalendarError",
    "Cell",
    "Clock",
    "ClockState",
    "Condition",
    "Context",
    "Customer",
    "CycleState",
    "DatedHours",
    "Decision",
    "Distribution",
    "Escalate",
    "EscalationChain",
    "EscalationRulesError",
    "EvaluationError",
    "Event",
    "EventKind",
    "EventLog",
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
    "Layer",
    "Level",
    "LevelComparison",
    "LevelMetrics",
    "LintReport",
    "LogMapping",
    "LoggedIssue",
    "Matrix",
    "Metric",
    "Metrics",
    "MissingFieldError",
    "NEVER",
    "NEXT",
    "NaiveDatetimeError",
    "Notify",
    "OWNER",
    "OnCall",
    "Outcome",
    "Override",
    "Policy",
    "PolicyAction",
    "PolicyError",
    "PolicySet",
    "PolicySyntaxError",
    "PriorityRule",
    "RepeatingNotification",
    "Replay",
    "Restriction",
    "Route",
    "Row",
    "Rule",
    "RuleTrace",
    "Schedule",
    "SetPriority",
    "SetStatus",
    "SlaClock",
    "SlaPeriod",
    "SlaPolicy",
    "SlaShare",
    "Status",
    "Sweep",
    "SweepVariant",
    "Target",
    "TimeRule",
    "TimelineEntry",
    "Trigger",
    "UnmappedValue",
    "WallClock",
    "WeeklyHours",
    "WorkerError",
    "acknowledged",
    "active_hours",
    "after",
    "all_of",
    "any_of",
    "backtest",
    "backtest_many",
    "bundled_policy",
    "business_days",
    "by_priority",
    "cell",
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
    "is_open",
    "issue_from_dict",
    "issue_to_dict",
    "lint",
    "lint_file",
    "lint_text",
    "load",
    "loads",
    "matrix",
    "merge_metrics",
    "minutes",
    "next_change",
    "notify",
    "on_call",
    "parse_business_days",
    "parse_condition",
    "parse_duration",
    "parse_instant",
    "parse_percent",
    "policy_json_schema",
    "policy_parameters",
    "predicate",
    "read_log",
    "replay",
    "route",
    "row",
    "set_priority",
    "since",
    "sla",
    "sweep",
    "to_dict",
    "wall",
]

# Loaded on first use (PEP 562): `import escalation_rules` loads only what `evaluate`
# needs. The rule types and time conditions (with the first rule a policy names),
# holiday sources, the backtest, event logs, policy files, lint, the schema, the
# examples, the condition language and explain/forecast come in when first named.
_LAZY: dict[str, str] = {
    "ActionTrace": "._engine.explain",
    "After": "._rules.timed",
    "EscalationChain": "._rules.chain",
    "Explanation": "._engine.explain",
    "Failure": "._engine.explain",
    "Finding": "._analysis.findings",
    "ForecastStep": "._engine.forecast",
    "FunctionalRule": "._rules.functional",
    "GroupMetrics": "._analysis.metrics",
    "HierarchicalRule": "._rules.hierarchical",
    "Cell": "._rules.matrix",
    "Matrix": "._rules.matrix",
    "Row": "._rules.matrix",
    "LevelComparison": "._analysis.replay",
    "LevelMetrics": "._analysis.metrics",
    "LintReport": "._analysis.findings",
    "LogMapping": "._io.logmapping",
    "EventLog": "._io.eventlog",
    "LoggedIssue": "._io.eventlog",
    "UnmappedValue": "._io.logmapping",
    "Metrics": "._analysis.metrics",
    "PolicyAction": "._analysis.replay",
    "RepeatingNotification": "._rules.repeat",
    "Replay": "._analysis.replay",
    "RuleTrace": "._engine.explain",
    "PriorityRule": "._rules.priority",
    "SlaShare": "._rules.timed",
    "TimeRule": "._rules.timed",
    "TimelineEntry": "._analysis.replay",
    "acknowledged": "._conditions.acknowledged",
    "after": "._rules.timed",
    "backtest": "._analysis.backtest",
    "backtest_many": "._analysis.backtest",
    "Distribution": "._analysis.distribution",
    "merge_metrics": "._analysis.metrics",
    "bundled_policy": "._io.examples",
    "cell": "._rules.matrix",
    "chain": "._rules.chain",
    "clock": "._time.conditions",
    "dump": "._io.writer",
    "escalate": "._rules.hierarchical",
    "forecast": "._engine.forecast",
    "format_condition": "._language.formatter",
    "from_dict": "._io.reader",
    "happened": "._time.conditions",
    "holidays_from_ics": "._time.holidays",
    "holidays_from_package": "._time.holidays",
    "is_open": "._time.conditions",
    "issue_from_dict": "._io.issuejson",
    "issue_to_dict": "._io.issuejson",
    "lint": "._analysis.lint",
    "lint_file": "._analysis.lint",
    "lint_text": "._analysis.lint",
    "load": "._io.reader",
    "loads": "._io.reader",
    "matrix": "._rules.matrix",
    "notify": "._rules.timed",
    "parse_condition": "._language.parser",
    "policy_json_schema": "._io.schema",
    "policy_parameters": "._io.reader",
    "Sweep": "._analysis.sweep",
    "SweepVariant": "._analysis.sweep",
    "sweep": "._analysis.sweep",
    "read_log": "._io.eventlog",
    "replay": "._analysis.replay",
    "route": "._rules.functional",
    "row": "._rules.matrix",
    "set_priority": "._rules.priority",
    "since": "._time.conditions",
    "sla": "._rules.timed",
    "to_dict": "._io.writer",
}


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'escalation_rules' has no attribute {name!r}")
    value = _publish(getattr(importlib.import_module(module, __name__), name), __name__)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


_publish_all(globals(), (n for n in __all__ if n not in _LAZY), __name__)
