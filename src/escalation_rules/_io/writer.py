"""A policy written as a dict and as TOML text that reads back to an equal policy."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import time, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._conditions.condition import ALWAYS, Condition
from .._durations import format_duration, format_percent
from .._exceptions import PolicyError
from .._language.formatter import format_condition
from .._model.anchors import Anchor
from .._model.clock_definitions import DEFAULT_CLOCKS, Metric, SlaClock
from .._model.levels import Recipient
from .._model.targets import ANY_PRIORITY, Target
from .._rules.base import NEXT, Rule
from .._rules.chain import EscalationChain
from .._rules.first_match import FirstMatch
from .._rules.functional import FunctionalRule
from .._rules.hierarchical import HierarchicalRule
from .._rules.matrix import Matrix
from .._rules.priority import PriorityRule
from .._rules.repeat import RepeatingNotification
from .._rules.timed import After, SlaShare, TimeRule
from .._time.calendar import BOUNDARY_PRESETS, Boundaries
from .._time.calendar_spec import group_week, show_time
from .._time.clocks import BusinessClock, WallClock
from .._time.conditions import with_business
from .read_matrix import matrix_dict
from .schedule_file import schedule_dict

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._engine.sla_policies import SlaPolicy
    from .._model.levels import Level
    from .._time.calendar import BusinessCalendar


def to_dict(policy: Policy) -> dict[str, Any]:
    """The dict form of *policy*: plain strings, numbers, lists and dicts (JSON-ready).

    Raises:
        PolicyError: for parts with no text form: a custom rule class, a
            predicate (a Python function), a custom `Clock`.
    """
    business = isinstance(policy.clock, BusinessClock)
    # "8h business" reads only where a calendar can apply; elsewhere a target counts
    # elapsed time whatever it says, and is written so.
    in_effect = (
        business
        or policy.calendar is not None
        or policy.calendar_field is not None
        or bool(policy.calendar_fields)
        or any(lvl.calendar is not None for lvl in policy.levels)
        or any(sla.calendar is not None for sla in policy.slas)
    )
    out: dict[str, Any] = {}
    head = _head(policy)
    calendars = dict(policy.calendars)
    if isinstance(policy.clock, BusinessClock):
        name = next((n for n, c in calendars.items() if c == policy.clock.calendar), None)
        if name is None:
            name = "clock"
            while name in calendars:
                name += "_"
            calendars[name] = policy.clock.calendar
        head["clock"] = name
    elif not isinstance(policy.clock, WallClock):
        raise PolicyError(
            f"the clock {policy.clock!r} has no text form; use WallClock or BusinessClock",
            value=policy.clock,
        )
    out["policy"] = head
    if policy.status_map:
        out["status_map"] = {k: v.value for k, v in policy.status_map.items()}
    if calendars:
        out["calendars"] = {n: _calendar_dict(c) for n, c in calendars.items()}
    defaults = {c.name: c for c in DEFAULT_CLOCKS}
    changed = {n: c for n, c in policy.clocks.items() if defaults.get(n) != c}
    if changed:
        out["clocks"] = {n: _clock_dict(c) for n, c in changed.items()}
    if policy.targets:
        out["targets"] = _targets_dict(policy.targets, in_effect)
    if policy.slas:
        out["slas"] = [_sla_dict(sla, business, in_effect) for sla in policy.slas]
    if policy.schedules:
        out["schedules"] = {n: schedule_dict(s) for n, s in policy.schedules.items()}
    out["levels"] = [_level_dict(lvl, business, in_effect) for lvl in policy.levels]
    out["rules"] = [_rule_dict(r, business) for r in policy.rules]
    return out


def _head(policy: Policy) -> dict[str, Any]:
    """The ``[policy]`` table, but its clock."""
    head: dict[str, Any] = {"name": policy.name, "match": policy.match}
    if policy._version is not None:  # a derived version is never written: an edit changes it
        head["version"] = policy._version
    if not policy.supersede_warnings:
        head["supersede_warnings"] = False
    if policy.calendar is not None:
        head["calendar"] = policy.calendar
    if policy.calendar_field is not None:
        head["calendar_field"] = policy.calendar_field
    if policy.calendar_fields:
        head["calendar_fields"] = list(policy.calendar_fields)
    if policy.zone_field is not None:
        head["zone_field"] = policy.zone_field
    return head


def _intervals_text(pairs: tuple[tuple[time, time], ...]) -> list[str]:
    return [f"{show_time(a)}-{show_time(b)}" for a, b in pairs]


def _calendar_dict(calendar: BusinessCalendar) -> dict[str, Any]:
    out: dict[str, Any] = {"tz": calendar.tz}
    out["hours"] = {
        day: [f"{a}-{b}" for a, b in pairs] for day, pairs in group_week(calendar.hours).items()
    }
    if calendar.holidays:
        out["holidays"] = sorted(d.isoformat() for d in calendar.holidays)
    if calendar.exceptions:
        out["exceptions"] = {d.isoformat(): _intervals_text(p) for d, p in calendar.exceptions}
    if calendar.breaks:
        out["breaks"] = {d.isoformat(): _intervals_text(p) for d, p in calendar.breaks}
    if calendar.boundaries != Boundaries():
        preset = next((n for n, b in BOUNDARY_PRESETS.items() if b == calendar.boundaries), None)
        out["boundaries"] = preset or attrs.asdict(calendar.boundaries)
    return out


def _clock_dict(clock: SlaClock) -> dict[str, Any]:
    out: dict[str, Any] = {
        "metric": clock.metric.value,
        "pause_on": sorted(str(s) for s in clock.pause_on),
        "on_reopen": clock.on_reopen,
    }
    if not clock.retroactive:
        out["retroactive"] = False
    # The conditions that differ from the metric's preset (all of them for a custom clock).
    preset = None
    if clock.metric is not Metric.CUSTOM:
        preset = SlaClock(clock.name, clock.metric, on_reopen=clock.on_reopen)
    for key, triggers in (*clock.conditions().items(), ("armed_by", clock.armed_by)):
        if preset is None or getattr(preset, key) != triggers:
            out[key] = [str(t) for t in triggers]
    return out


def _target_text(target: Target, in_effect: bool) -> str:
    if target.days is not None:
        return str(target)
    return format_duration(target.duration, business=in_effect and not target.wall)


def _level_dict(level: Level, business: bool, in_effect: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": level.id,
        "name": level.name,
        "rank": level.rank,
        "owner": recipients_data(level.owner),
    }
    if level.ack_timeout is not None:
        out["ack_timeout"] = format_duration(level.ack_timeout, business=business)
    if level.calendar is not None:
        out["calendar"] = level.calendar
    for key in ("timeout_from", "escalate_if", "round_robin"):
        if getattr(level, key) is not None:
            out[key] = getattr(level, key)
    if level.targets:
        out["targets"] = _targets_dict(level.targets, in_effect)
    return out


def _targets_dict(targets: Mapping[str, Mapping[str, Target]], in_effect: bool) -> dict[str, Any]:
    """Targets by clock: one duration for every priority, else a table by priority."""
    out: dict[str, Any] = {}
    for name, table in targets.items():
        if list(table) == [ANY_PRIORITY]:
            out[name] = _target_text(table[ANY_PRIORITY], in_effect)
        else:
            out[name] = {p: _target_text(t, in_effect) for p, t in table.items()}
    return out


def _sla_dict(sla: SlaPolicy, business: bool, in_effect: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"name": sla.name}
    if sla.when is not None:
        out["when"] = _when(sla.when, business)
    if sla.calendar is not None:
        out["calendar"] = sla.calendar
    if sla.targets:
        out["targets"] = _targets_dict(sla.targets, in_effect)
    return out


def _when(condition: Condition, business: bool) -> str:
    return format_condition(with_business(condition, business))


def _trigger_dict(at: After | SlaShare, business: bool) -> dict[str, Any]:
    if isinstance(at, After):
        after: dict[str, Any] = {
            "after": format_duration(at.duration, business=business or at.calendar is not None),
            "since": at.since.value,
        }
        if at.calendar is not None:
            after["calendar"] = at.calendar
        return after
    out: dict[str, Any] = {"sla": at.metric}
    if at.share != 1.0:
        out["share"] = format_percent(at.share)
    if at.offset < timedelta(0):
        out["before"] = format_duration(-at.offset)
    elif at.offset > timedelta(0):
        out["after"] = format_duration(at.offset)
    return out


def _repeat_dict(rule: RepeatingNotification, business: bool) -> dict[str, Any]:
    """A notify rule that repeats: ``every``, and the other keys where not the default."""
    counted = business or rule.calendar is not None  # durations of business time
    out: dict[str, Any] = {"type": "notify"}
    if rule.when != ALWAYS:
        out["when"] = _when(rule.when, business)
    if isinstance(rule.to, (str, tuple)):
        out["to"] = recipients_data(rule.to)
    out["every"] = format_duration(rule.every, business=counted)
    if rule.first is not None:
        out["first"] = format_duration(rule.first, business=counted)
    if rule.since is not Anchor.LEVEL_ENTERED:
        out["since"] = rule.since.value
    if rule.while_ != ALWAYS:
        out["while"] = _when(rule.while_, business)
    if rule.calendar is not None:
        out["calendar"] = rule.calendar
    if rule.limit is not None:
        out["limit"] = rule.limit
    return out


def _rule_dict(rule: Rule, business: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"name": rule.name}
    if isinstance(rule, FunctionalRule):
        out.update(type="route", when=_when(rule.when, business), to=rule.team)
    elif isinstance(rule, HierarchicalRule):
        out["type"] = "escalate"
        if rule.when != ALWAYS:
            out["when"] = _when(rule.when, business)
        if rule.to is not NEXT:
            out["to"] = rule.to
        if rule.on is not None:
            out["on"] = rule.on.value
    elif isinstance(rule, RepeatingNotification):
        out.update(_repeat_dict(rule, business))
    elif isinstance(rule, TimeRule):
        out["type"] = rule.action
        if rule.when != ALWAYS:
            out["when"] = _when(rule.when, business)
        if isinstance(rule.to, (str, tuple)):
            out["to"] = recipients_data(rule.to)
        out["at"] = _trigger_dict(rule.at, business)
    elif isinstance(rule, EscalationChain):
        out.update(_chain_dict(rule, business))
    elif isinstance(rule, PriorityRule):
        out.update(type="set_priority", when=_when(rule.when, business), to=rule.priority)
    elif isinstance(rule, Matrix):
        out.update(matrix_dict(rule, business))
    elif isinstance(rule, FirstMatch):
        out.update(type="first_match", rules=[_rule_dict(r, business) for r in rule.rules])
    else:
        raise PolicyError(
            f"the rule {rule.name!r} is a {type(rule).__name__}, a custom rule class with no "
            "text form",
            value=rule,
        )
    return out


def recipients_data(value: str | tuple[Recipient, ...]) -> Any:
    """Recipients as the file writes them: a name or a ``{ schedule = "..." }`` table, or a
    list of them (one alone is written alone; it reads back as the same tuple)."""
    if isinstance(value, str):
        return value
    out = [r if isinstance(r, str) else {"schedule": r.schedule} for r in value]
    return out[0] if len(out) == 1 else out


def _chain_dict(rule: EscalationChain, business: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "chain"}
    if rule.repeat:
        out["repeat"] = rule.repeat
    if rule.wait:
        out["wait"] = format_duration(rule.wait, business=business)
    if rule.backoff != 1:
        out["backoff"] = rule.backoff
    if rule.retrigger_after is not None:
        out["retrigger_after"] = format_duration(rule.retrigger_after, business=business)
    if rule.timeout_from != "previous":
        out["timeout_from"] = rule.timeout_from
    if rule.escalate_if != "not_acknowledged":
        out["escalate_if"] = rule.escalate_if
    if rule.then is not None:
        ((kind, value),) = rule.then.items()
        out["then"] = {kind: recipients_data(value) if kind == "notify" else value}
    return out


def dump(policy: Policy) -> str:
    """*policy* as TOML text that `loads` reads back as an equal policy."""
    return _toml(to_dict(policy))


def _toml(data: Mapping[str, Any]) -> str:
    lines: list[str] = []
    _toml_table(data, (), lines)
    return "\n".join(lines).strip() + "\n"


def _toml_table(data: Mapping[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    def is_table(value: object) -> bool:
        return isinstance(value, Mapping) and (
            not path or any(isinstance(v, Mapping) or is_table_array(v) for v in value.values())
        )

    def is_table_array(value: object) -> bool:
        return (
            isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)
        )

    for key, value in data.items():
        if not is_table(value) and not is_table_array(value):
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in data.items():
        if is_table(value):
            lines.append("")
            lines.append(f"[{'.'.join(_key(k) for k in (*path, key))}]")
            _toml_table(value, (*path, key), lines)
        elif is_table_array(value):
            for item in value:
                lines.append("")
                lines.append(f"[[{'.'.join(_key(k) for k in (*path, key))}]]")
                _toml_table(item, (*path, key), lines)


_BARE: Final = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else _string(key)


# What a TOML basic string cannot hold as is: its quote, the backslash, and the control
# characters (U+0000 to U+001F and U+007F); tab is allowed but written \t for clarity.
_ESCAPE: Final = re.compile(r'["\\\x00-\x1f\x7f]')

_CONTROL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # what a literal string cannot hold

_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _string(text: str) -> str:
    """*text* as a TOML basic string: every control character escaped."""
    return '"' + _ESCAPE.sub(lambda m: _ESCAPES.get(m[0]) or f"\\u{ord(m[0]):04X}", text) + '"'


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # a condition with quotes reads better in single quotes, which escape nothing
        if '"' in value and "'" not in value and not _CONTROL.search(value):
            return f"'{value}'"
        return _string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)  # the shortest text that reads back as the same float
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise PolicyError(f"cannot write {value!r} as TOML", value=value)  # pragma: no cover
