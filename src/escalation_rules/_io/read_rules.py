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
from .._rules.timed import After, SlaShare, notify
from .._suggest import did_you_mean
from .locator import Path_, dotted
from .shapes import Shapes, kind_of_value, shown

MAX_RULES: Final = 10_000
"""The most rules a policy may have, counting those inside groups."""

MAX_GROUP_DEPTH: Final = 8
"""How deeply ``first_match`` groups may nest."""

_RULE_KEYS: Final[dict[str, dict[str, bool]]] = {
    "route": {"name": True, "type": True, "when": True, "to": True},
    "escalate": {"name": True, "type": True, "when": False, "to": False, "on": False, "at": False},
    "notify": {"name": True, "type": True, "when": False, "to": False, "at": True},
    "chain": {"name": True, "type": True, "repeat": False},
    "first_match": {"name": True, "type": True, "rules": True},
}

_ALL_RULE_KEYS: Final = sorted({key for keys in _RULE_KEYS.values() for key in keys})


class RulesReader(Shapes):
    """Reads ``[[rules]]`` tables (``first_match`` groups nested) and their ``at`` triggers."""

    def rules(self, value: object) -> list[Rule]:
        """The ``[[rules]]`` tables: a list, possibly empty."""
        if not isinstance(value, list):
            raise self.error(
                ("rules",), "expected a list of rules ([[rules]] tables)", expected="[[rules]]"
            )
        return [self.rule(spec, ("rules", i), 0) for i, spec in enumerate(value)]

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
                return chain(name, repeat=self.integer(t.get("repeat", 0), (*path, "repeat")))
            if kind == "first_match":
                return self.group(name, t, path, depth)
            return self.timed(kind, name, when, t, path)
        except PolicySyntaxError:
            raise
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    def group(self, name: str, t: dict[str, Any], path: Path_, depth: int) -> Rule:
        """A ``first_match`` group: its member rules, one level deeper."""
        if depth + 1 > MAX_GROUP_DEPTH:
            raise self.error(path, f"first_match groups nest deeper than {MAX_GROUP_DEPTH} levels")
        members = t["rules"]
        if not isinstance(members, list):
            raise self.error((*path, "rules"), "expected a list of rules")
        return first_match(
            name,
            [self.rule(m, (*path, "rules", i), depth + 1) for i, m in enumerate(members)],
        )

    def timed(
        self, kind: object, name: str, when: Condition, t: dict[str, Any], path: Path_
    ) -> Rule:
        """A ``notify`` or an ``escalate`` rule: the ones with an ``at`` trigger."""
        at = self.trigger(t["at"], (*path, "at")) if "at" in t else None
        if kind == "notify":
            if at is None:
                raise self.error(path, "a notify rule needs 'at' (after or sla)", expected="'at'")
            to = self.string(t["to"], (*path, "to")) if "to" in t else OWNER
            return notify(name, at=at, to=to, when=when)
        to_level = self.string(t["to"], (*path, "to")) if "to" in t else NEXT
        on = None
        if "on" in t:
            try:
                on = to_event_kind(self.string(t["on"], (*path, "on")))
            except PolicyError as exc:
                raise self.wrap((*path, "on"), exc) from None
        return escalate(name, to=to_level, when=when, at=at, on=on)

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
