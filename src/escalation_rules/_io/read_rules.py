"""Reading a policy's rules and their triggers from its dict form."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

from .._conditions.condition import ALWAYS, Condition
from .._durations import parse_duration, parse_percent
from .._exceptions import PolicyError, PolicySyntaxError
from .._model.anchors import Anchor, to_anchor
from .._rules.base import NEXT, OWNER, Rule, to_event_kind
from .._rules.chain import chain
from .._rules.first_match import first_match
from .._rules.functional import route
from .._rules.hierarchical import escalate
from .._rules.priority import set_priority
from .._rules.repeat import repeat_limit
from .._rules.timed import After, SlaShare, notify
from .._suggest import did_you_mean
from .locator import Path_, dotted
from .read_matrix import MATRIX_KEYS, MatrixReader
from .shapes import kind_of_value, shown

MAX_RULES: Final = 10_000
"""The most rules a policy may have, counting those inside groups."""

MAX_GROUP_DEPTH: Final = 8
"""How deeply ``first_match`` groups may nest."""

_REPEAT_KEYS: Final = ("every", "while", "since", "first", "calendar", "limit")
"""The keys of a ``notify`` rule that repeats (with ``every``)."""

_RULE_KEYS: Final[dict[str, dict[str, bool]]] = {
    "route": {"name": True, "type": True, "when": True, "to": True},
    "escalate": {"name": True, "type": True, "when": False, "to": False, "on": False, "at": False},
    "notify": {
        "name": True,
        "type": True,
        "when": False,
        "to": False,
        "at": False,
        **dict.fromkeys(_REPEAT_KEYS, False),
    },
    "chain": {
        "name": True,
        "type": True,
        "repeat": False,
        "wait": False,
        "backoff": False,
        "retrigger_after": False,
        "timeout_from": False,
        "escalate_if": False,
        "then": False,
    },
    "set_priority": {"name": True, "type": True, "when": True, "to": True},
    "first_match": {"name": True, "type": True, "rules": True},
    "matrix": MATRIX_KEYS,
}

# Every rule may be switched off: ``enabled = false`` (or ``"$name"`` of a boolean parameter).
_RULE_KEYS.update({kind: {**keys, "enabled": False} for kind, keys in _RULE_KEYS.items()})

_ALL_RULE_KEYS: Final = sorted({key for keys in _RULE_KEYS.values() for key in keys})


class RulesReader(MatrixReader):
    """Reads ``[[rules]]`` tables (``first_match`` groups nested) and their ``at`` triggers."""

    def rules(self, value: object) -> list[Rule]:
        """The ``[[rules]]`` tables: a list, possibly empty."""
        if not isinstance(value, list):
            raise self.error(
                ("rules",), "expected a list of rules ([[rules]] tables)", expected="[[rules]]"
            )
        rules = []
        for i, spec in enumerate(value):
            enabled = self.enabled(spec, ("rules", i))
            rule = self.rule(spec, ("rules", i), 0)  # read even when disabled: a sweep may
            if enabled:  # turn it on, and its mistakes should show now
                rules.append(rule)
        return rules

    def enabled(self, spec: object, path: Path_) -> bool:
        """Is the rule *spec* enabled (its ``enabled`` key, true when missing)? A disabled
        rule is read and checked as written, then left out of the policy."""
        if not isinstance(spec, Mapping) or "enabled" not in spec:
            return True
        value = spec["enabled"]
        if not isinstance(value, bool):
            raise self.error(
                (*path, "enabled"),
                f"expected true or false, got {kind_of_value(value)}",
                value=value,
                expected="true or false",
            )
        return value

    def rule(self, spec: object, path: Path_, depth: int) -> Rule:
        self.rule_count += 1
        if self.rule_count > MAX_RULES:
            raise self.error(path, f"more than {MAX_RULES:,} rules; split the policy")
        if not isinstance(spec, Mapping):
            raise self.error(path, f"expected a rule table, got {kind_of_value(spec)}", value=spec)
        kind = spec.get("type")
        keys = _RULE_KEYS.get(kind) if isinstance(kind, str) else None
        if kind is None:  # a misspelt 'type' is named as such, else the key is missing
            self.table(spec, path, dict.fromkeys(_ALL_RULE_KEYS, False))
            raise self.error(
                path,
                f"missing the key 'type'; types are {sorted(_RULE_KEYS)}",
                expected="'type'",
            )
        if keys is None:
            raise self.error(
                (*path, "type"),
                f"unknown rule type {shown(kind)}; types are {sorted(_RULE_KEYS)}",
                value=kind,
                suggestion=did_you_mean(kind, _RULE_KEYS) if isinstance(kind, str) else None,
            )
        t = self.table(spec, path, keys)
        name = self.string(t["name"], (*path, "name"))
        if name in self._rule_paths:
            raise self.error(
                (*path, "name"),
                f"duplicate rule name {name!r}: {dotted(self._rule_paths[name][0])} has it "
                "already; rule names are unique",
                value=name,
            )
        self._rule_paths[name] = (path, spec)
        when = self.condition(t["when"], (*path, "when")) if "when" in t else ALWAYS
        try:
            if kind == "route":
                return route(name, when=when, to=self.string(t["to"], (*path, "to")))
            if kind == "chain":
                return self.chain(name, t, path)
            if kind == "set_priority":
                return set_priority(name, when=when, to=self.string(t["to"], (*path, "to")))
            if kind == "matrix":
                return self.matrix(name, t, path)
            if kind == "first_match":
                return self.group(name, t, path, depth)
            return self.timed(kind, name, when, t, path)
        except PolicySyntaxError:
            raise
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    def chain(self, name: str, t: dict[str, Any], path: Path_) -> Rule:
        """A ``chain`` rule: its loops, its waits, its stop condition and its ``then``."""
        options: dict[str, Any] = {"repeat": self.integer(t.get("repeat", 0), (*path, "repeat"))}
        for key in ("wait", "retrigger_after"):
            if key in t:
                options[key] = self.duration(t[key], (*path, key), business=self.business_clock)
        if "backoff" in t:
            backoff = t["backoff"]
            if not isinstance(backoff, (int, float)) or isinstance(backoff, bool):
                raise self.error((*path, "backoff"), "expected a number", value=backoff)
            options["backoff"] = backoff
        for key in ("timeout_from", "escalate_if"):
            if key in t:
                options[key] = self.string(t[key], (*path, key))
        if "then" in t:
            then = self.table(
                t["then"],
                (*path, "then"),
                dict.fromkeys(("notify", "set_priority", "set_status"), False),
            )
            if len(then) != 1:
                raise self.error(
                    (*path, "then"),
                    "expected one of notify, set_priority or set_status, e.g. "
                    '{ set_status = "closed" }',
                    value=t["then"],
                )
            ((kind, value),) = then.items()
            where = (*path, "then", kind)
            arg = self.recipients(value, where) if kind == "notify" else self.string(value, where)
            options["then"] = {kind: arg}
        try:
            return chain(name, **options)
        except PolicyError as exc:
            blamed = next((k for k in options if k in exc.message), None)
            raise self.wrap(path if blamed is None else (*path, blamed), exc) from None

    def group(self, name: str, t: dict[str, Any], path: Path_, depth: int) -> Rule:
        """A ``first_match`` group: its member rules, one level deeper."""
        if depth + 1 > MAX_GROUP_DEPTH:
            raise self.error(path, f"first_match groups nest deeper than {MAX_GROUP_DEPTH} levels")
        members = t["rules"]
        if not isinstance(members, list):
            raise self.error((*path, "rules"), "expected a list of rules")
        return first_match(
            name,
            [
                self.rule(m, (*path, "rules", i), depth + 1)
                for i, m in enumerate(members)
                if self.enabled(m, (*path, "rules", i))
            ],
        )

    def timed(
        self, kind: object, name: str, when: Condition, t: dict[str, Any], path: Path_
    ) -> Rule:
        """A ``notify`` or an ``escalate`` rule: the ones with an ``at`` trigger."""
        if kind == "notify" and "every" in t:
            return self.repeating(name, when, t, path)
        at = self.trigger(t["at"], (*path, "at")) if "at" in t else None
        if kind == "notify":
            if at is None:
                raise self.error(
                    path, "a notify rule needs 'at' (after or sla) or 'every'", expected="'at'"
                )
            for key in _REPEAT_KEYS:
                if key in t:
                    raise self.error(
                        (*path, key),
                        f"{key!r} belongs to a notify rule that repeats; give 'every' too",
                        value=t[key],
                    )
            to = self.recipients(t["to"], (*path, "to")) if "to" in t else OWNER
            return notify(name, at=at, to=to, when=when)
        to_level = self.string(t["to"], (*path, "to")) if "to" in t else NEXT
        on = None
        if "on" in t:
            try:
                on = to_event_kind(self.string(t["on"], (*path, "on")))
            except PolicyError as exc:
                raise self.wrap((*path, "on"), exc) from None
        return escalate(name, to=to_level, when=when, at=at, on=on)

    def repeating(self, name: str, when: Condition, t: dict[str, Any], path: Path_) -> Rule:
        """A ``notify`` rule with ``every``: ``while``, ``since``, ``first``, ``calendar``,
        ``limit`` (`RepeatingNotification`)."""
        if "at" in t:
            raise self.error(
                (*path, "at"),
                "a notify rule takes 'at' or 'every', not both ('first' delays the first "
                "repetition)",
            )
        calendar = None
        if "calendar" in t:
            calendar = self.trigger_calendar(t["calendar"], (*path, "calendar"))
        every = self.repeat_duration(t, path, "every", calendar)
        if every <= timedelta(0):
            raise self.error(
                (*path, "every"),
                f"'every' must be a positive duration, got {shown(t['every'])}",
                value=t["every"],
            )
        first = self.repeat_duration(t, path, "first", calendar) if "first" in t else None
        since = Anchor.LEVEL_ENTERED
        if "since" in t:
            try:
                since = to_anchor(self.string(t["since"], (*path, "since")))
            except PolicyError as exc:
                raise self.wrap((*path, "since"), exc) from None
        limit = None
        if "limit" in t:
            try:
                limit = repeat_limit(self.integer(t["limit"], (*path, "limit")))
            except PolicyError as exc:
                raise self.wrap((*path, "limit"), exc) from None
        return notify(
            name,
            every=every,
            to=self.recipients(t["to"], (*path, "to")) if "to" in t else OWNER,
            when=when,
            while_=self.condition(t["while"], (*path, "while")) if "while" in t else ALWAYS,
            since=since,
            first=first,
            calendar=calendar,
            limit=limit,
        )

    def repeat_duration(
        self, t: dict[str, Any], rule: Path_, key: str, calendar: str | None
    ) -> timedelta:
        """``every`` or ``first``: on the policy's clock, or business time on *calendar*."""
        text, path = t[key], (*rule, key)
        if calendar is None:
            return self.duration(text, path, business=self.business_clock)
        duration = self.duration(text, path, business=None)
        if not parse_duration(text)[1]:
            raise self.error(
                path,
                f"the repetitions count on the calendar {calendar!r}, business time, so write "
                f"{text!r} as '{text} business'",
                value=text,
            )
        return duration

    def trigger(self, spec: object, path: Path_) -> After | SlaShare:
        if isinstance(spec, Mapping) and "sla" in spec:
            return self.sla_share(spec, path)
        t = self.table(spec, path, {"after": True, "since": False, "calendar": False})
        try:
            since = t.get("since")
            anchor = to_anchor(
                Anchor.LEVEL_ENTERED if since is None else self.string(since, (*path, "since"))
            )
        except PolicyError as exc:
            raise self.wrap((*path, "since"), exc) from None
        if "calendar" not in t:
            duration = self.duration(t["after"], (*path, "after"), business=self.business_clock)
            return After(duration, anchor)
        calendar = self.trigger_calendar(t["calendar"], (*path, "calendar"))
        duration = self.duration(t["after"], (*path, "after"), business=None)
        if not parse_duration(t["after"])[1]:
            raise self.error(
                (*path, "after"),
                f"the trigger counts on the calendar {calendar!r}, business time, so write "
                f"{t['after']!r} as '{t['after']} business'",
                value=t["after"],
            )
        return After(duration, anchor, calendar=calendar)

    def trigger_calendar(self, value: object, path: Path_) -> str:
        """``calendar = NAME`` on an ``after`` trigger: one of the policy's calendars."""
        name = self.string(value, path)
        if name not in self.calendar_names:
            raise self.error(
                path,
                f"the calendar {name!r} is not one of the policy's calendars "
                f"{sorted(self.calendar_names)}",
                value=name,
                suggestion=did_you_mean(name, self.calendar_names),
            )
        return name

    def sla_share(self, spec: object, path: Path_) -> SlaShare:
        """``at = {sla = CLOCK, share = "75%", before = ..., after = ...}``."""
        t = self.table(spec, path, {"sla": True, "share": False, "before": False, "after": False})
        share = 1.0
        if "share" in t:
            if not isinstance(t["share"], str):
                raise self.error(
                    (*path, "share"),
                    f'expected a percentage such as "75%", got {kind_of_value(t["share"])}',
                    value=t["share"],
                )
            try:
                share = parse_percent(t["share"])
            except PolicyError as exc:
                raise self.wrap((*path, "share"), exc) from None
        offset = timedelta(0)
        if "before" in t:
            offset = -self.duration(t["before"], (*path, "before"), business=False, sla_offset=True)
        if "after" in t:
            offset = self.duration(t["after"], (*path, "after"), business=False, sla_offset=True)
        if "before" in t and "after" in t:
            raise self.error(path, "give 'before' or 'after', not both")
        try:
            return SlaShare(self.string(t["sla"], (*path, "sla")), share, offset=offset)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
