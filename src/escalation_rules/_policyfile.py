"""Policies as text: TOML files and plain dicts, to and from `Policy`.

The text form maps one-to-one onto the Python objects: `loads`/`load` read
TOML, `from_dict` reads the same shape from a dict (a host's JSON column),
`to_dict` and `dump` write it back. Every reference is checked while loading,
so a policy that loads is a policy that evaluates; every mistake is a
`PolicySyntaxError` with file, line and column (a JSON path for dicts).

Policy text is untrusted input: it is never executed; its size, the number of
rules, the nesting of groups and each condition's length and depth are
bounded.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import time, timedelta
from os import PathLike
from pathlib import Path
from typing import IO, Any, Final

from ._calendar import BusinessCalendar, BusinessClock, holidays_from_package
from ._conditions import ALWAYS, Condition
from ._context import Anchor, WallClock, to_anchor
from ._exceptions import PolicyError, PolicySyntaxError, did_you_mean
from ._expr import (
    format_condition,
    format_duration,
    format_percent,
    functions,
    parse_condition,
    parse_duration,
    parse_percent,
)
from ._policy import Level, Policy
from ._rules import (
    NEXT,
    OWNER,
    After,
    EscalationChain,
    FirstMatch,
    FunctionalRule,
    HierarchicalRule,
    Rule,
    SlaShare,
    TimeRule,
    _event_kind,
    chain,
    escalate,
    first_match,
    notify,
    route,
)
from ._sla import ANY_PRIORITY, DEFAULT_CLOCKS, SlaClock, Target
from ._timed import with_business

__all__ = [
    "MAX_BYTES",
    "MAX_GROUP_DEPTH",
    "MAX_RULES",
    "dump",
    "from_dict",
    "load",
    "loads",
    "to_dict",
]

MAX_BYTES: Final = 4 * 1024 * 1024
"""The largest policy text accepted (4 MiB)."""
MAX_RULES: Final = 10_000
"""The most rules a policy may have, counting those inside groups."""
MAX_GROUP_DEPTH: Final = 8
"""How deeply ``first_match`` groups may nest."""

Path_ = tuple[str | int, ...]

# -- where things are in the text ---------------------------------------------------------------

_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = re.compile(rf"\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=\s*")
_HEADER = re.compile(rf"\s*(\[\[?)\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*\]\]?")
_PART = re.compile(_KEY)


def _split_key(text: str) -> list[str]:
    return [p.strip("\"'") for p in _PART.findall(text)]


class _Locator:
    """Line and column of each key's value in TOML text (best effort, for messages)."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.text = text
        self.lines = text.splitlines()
        self.places: dict[Path_, tuple[int, int]] = {}
        self._scan()

    def _scan(self) -> None:
        arrays: dict[Path_, int] = {}
        current: Path_ = ()
        skip_until: str | None = None
        depth = 0
        for number, raw in enumerate(self.lines, start=1):
            if skip_until is not None:
                if skip_until in raw:
                    skip_until = None
                continue
            if depth > 0:
                depth += _bracket_balance(raw)
                continue
            header = _HEADER.match(raw)
            if header and not _DOTTED.match(raw):
                keys = _split_key(header.group(2))
                path: Path_ = ()
                for i, key in enumerate(keys):
                    path = (*path, key)
                    last = i == len(keys) - 1
                    if last and header.group(1) == "[[":
                        arrays[path] = arrays.get(path, -1) + 1
                        self.places.setdefault(path, (number, header.start(2) + 1))
                        path = (*path, arrays[path])
                    elif path in arrays:
                        path = (*path, arrays[path])
                current = path
                self.places.setdefault(current, (number, header.start(2) + 1))
                continue
            match = _DOTTED.match(raw)
            if match is None:
                continue
            keys = _split_key(match.group(1))
            path = (*current, *keys)
            column = match.end() + 1
            self.places[path] = (number, column)
            rest = raw[match.end() :]
            for quote in ('"""', "'''"):
                if rest.startswith(quote) and rest.count(quote) == 1:
                    skip_until = quote
            if rest.startswith("{"):
                for inner in re.finditer(rf"({_KEY})\s*=\s*", rest):
                    self.places[(*path, *_split_key(inner.group(1)))] = (
                        number,
                        match.end() + inner.end() + 1,
                    )
            if rest.startswith("["):
                depth = _bracket_balance(rest)

    def find(self, path: Path_) -> tuple[int, int]:
        """The place of *path*, or of its nearest ancestor the scan found."""
        while path:
            if path in self.places:
                return self.places[path]
            path = path[:-1]
        return (1, 1)

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""


def _bracket_balance(text: str) -> int:
    balance = 0
    quote: str | None = None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            balance += 1
        elif ch in "]}":
            balance -= 1
    return balance


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "<policy>"


class _Reader:
    """Builds a Policy from the dict form, turning every error into a located one."""

    def __init__(self, source: str, locator: _Locator | None) -> None:
        self.source = source
        self.locator = locator
        self.rule_count = 0
        self.business_clock = False

    # errors ----------------------------------------------------------------------------------

    def error(
        self,
        path: Path_,
        message: str,
        *,
        value: object = None,
        suggestion: str | None = None,
        expected: str | None = None,
    ) -> PolicyError:
        prefix = _dotted(path) + ": "
        if message.startswith(prefix) or message.startswith(_dotted(path[:2]) + ": "):
            message = message.split(": ", 1)[1]
        if self.locator is None:
            return PolicyError(
                message,
                where=f"{self.source}, {_dotted(path)}",
                value=value,
                suggestion=suggestion,
            )
        line, column = self.locator.find(path)
        return PolicySyntaxError(
            f"{_dotted(path)}: {message}",
            source=self.source,
            line=line,
            column=column,
            line_text=self.locator.line(line),
            value=value,
            suggestion=suggestion,
            expected=expected,
        )

    def wrap(self, path: Path_, exc: PolicyError) -> PolicyError:
        if isinstance(exc, PolicySyntaxError):
            return exc
        message = str(exc)
        if exc.suggestion:
            message = message.replace(f" (did you mean {exc.suggestion!r}?)", "")
        return self.error(path, message, value=exc.value, suggestion=exc.suggestion)

    # shapes ----------------------------------------------------------------------------------

    def table(self, value: object, path: Path_, keys: Mapping[str, bool]) -> dict[str, Any]:
        """Check *value* is a table whose keys are among *keys* (True: required)."""
        if not isinstance(value, Mapping):
            raise self.error(
                path, f"expected a table, got {_kind(value)}", value=value, expected="a table"
            )
        for key in value:
            if key not in keys:
                raise self.error(
                    (*path, key),
                    f"unknown key {key!r}; expected one of {sorted(keys)}",
                    value=key,
                    suggestion=did_you_mean(str(key), keys),
                )
        for key, required in keys.items():
            if required and key not in value:
                raise self.error(path, f"missing the key {key!r}", expected=repr(key))
        return dict(value)

    def mapping(self, value: object, path: Path_) -> dict[str, Any]:
        """Check *value* is a table with any keys (names chosen by the author)."""
        if not isinstance(value, Mapping):
            raise self.error(
                path, f"expected a table, got {_kind(value)}", value=value, expected="a table"
            )
        return dict(value)

    def string(self, value: object, path: Path_) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(
                path,
                f"expected a non-empty string, got {_kind(value)}",
                value=value,
                expected="a string",
            )
        return value

    def integer(self, value: object, path: Path_) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(
                path, f"expected an integer, got {_kind(value)}", value=value, expected="an integer"
            )
        return value

    def strings(self, value: object, path: Path_) -> list[str]:
        if not isinstance(value, list):
            raise self.error(
                path, f"expected a list, got {_kind(value)}", value=value, expected="a list"
            )
        return [self.string(v, (*path, i)) for i, v in enumerate(value)]

    def duration(
        self, value: object, path: Path_, *, business: bool | None, sla_offset: bool = False
    ) -> timedelta:
        """A duration; *business* says whether it must (True) or must not (False) say so.

        *sla_offset*: it counts in an SLA clock's own time (which says nothing in text).
        """
        if not isinstance(value, str):
            raise self.error(
                path,
                f'expected a duration such as "8h", got {_kind(value)}',
                value=value,
                expected="a duration",
            )
        try:
            amount, is_business = parse_duration(value)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
        if business is True and not is_business:
            raise self.error(
                path,
                f"the policy's clock counts business time, so write {value!r} as "
                f"'{value} business'",
                value=value,
            )
        if business is False and is_business:
            raise self.error(
                path,
                f"{value!r} says business time, but this is counted on "
                + (
                    "the SLA clock's own time; write it without 'business'"
                    if sla_offset
                    else "the wall clock (give the policy a business clock: [policy] clock = NAME)"
                ),
                value=value,
            )
        return amount

    def condition(self, value: object, path: Path_) -> Condition:
        if not isinstance(value, str):
            raise self.error(
                path,
                f"expected a condition in quotes, got {_kind(value)}",
                value=value,
                expected="a condition",
            )
        line, column, file_text = 1, 1, None
        if self.locator is not None:
            line, column = self.locator.find(path)
            raw = self.locator.line(line)[column - 1 :]
            for quote in ('"""', "'''", '"', "'"):
                if raw.startswith(quote):
                    column += len(quote)
                    if len(quote) == 3 and not raw[3:].strip():
                        line, column = line + 1, 1
                    break
            body = self.locator.line(line)[column - 1 :]
            if body.startswith(value.split("\n", 1)[0]):
                file_text = self.locator.text
        try:
            return parse_condition(
                value,
                source=self.source,
                line=line if self.locator else 1,
                column=column if self.locator else 1,
                file_text=file_text,
                functions=functions(business_clock=self.business_clock),
            )
        except PolicySyntaxError as exc:
            if self.locator is None:
                raise self.error(
                    path, exc.message, value=exc.value, suggestion=exc.suggestion
                ) from None
            raise
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    # the policy ------------------------------------------------------------------------------

    def policy(self, data: object) -> Policy:
        top = self.table(
            data,
            (),
            {
                "policy": False,
                "status_map": False,
                "calendars": False,
                "clocks": False,
                "levels": True,
                "rules": False,
            },
        )
        head = self.table(
            top.get("policy", {}),
            ("policy",),
            {
                "name": False,
                "match": False,
                "calendar": False,
                "calendar_field": False,
                "clock": False,
            },
        )
        calendars = {
            name: self.calendar(spec, ("calendars", name))
            for name, spec in self.mapping(top.get("calendars", {}), ("calendars",)).items()
        }
        clock_name = head.get("clock")
        clock: Any = WallClock()
        if clock_name is not None and clock_name != "wall":
            name = self.string(clock_name, ("policy", "clock"))
            if name not in calendars:
                raise self.error(
                    ("policy", "clock"),
                    f"the clock {name!r} is neither 'wall' nor one of the calendars "
                    f"{sorted(calendars)}",
                    value=name,
                    suggestion=did_you_mean(name, [*calendars, "wall"]),
                )
            clock = BusinessClock(calendars[name])
            self.business_clock = True
        clocks = [
            self.clock_def(name, spec, ("clocks", name))
            for name, spec in self.mapping(top.get("clocks", {}), ("clocks",)).items()
        ]
        levels_raw = top["levels"]
        if not isinstance(levels_raw, list) or not levels_raw:
            raise self.error(
                ("levels",), "expected a list of levels ([[levels]] tables)", expected="[[levels]]"
            )
        levels = [self.level(spec, ("levels", i)) for i, spec in enumerate(levels_raw)]
        rules_raw = top.get("rules", [])
        if not isinstance(rules_raw, list):
            raise self.error(
                ("rules",), "expected a list of rules ([[rules]] tables)", expected="[[rules]]"
            )
        rules = [self.rule(spec, ("rules", i), 0) for i, spec in enumerate(rules_raw)]
        status_map = {
            k: self.string(v, ("status_map", k))
            for k, v in self.mapping(top.get("status_map", {}), ("status_map",)).items()
        }
        kwargs: dict[str, Any] = {
            "match": head.get("match", "all"),
            "status_map": status_map,
            "clock": clock,
            "clocks": clocks,
            "calendars": calendars,
            "calendar": head.get("calendar"),
            "calendar_field": head.get("calendar_field"),
            "name": head.get("name", "policy"),
        }
        try:
            return Policy(levels, rules, **kwargs)
        except PolicyError as exc:
            raise self.wrap(self._blame(exc), exc) from None

    def _blame(self, exc: PolicyError) -> Path_:
        """The path a policy-level error is about, from its ``where``."""
        where = exc.where or ""
        rule = re.match(r"rule '([^']+)'", where)
        if rule:
            found = self._rule_paths.get(rule.group(1))
            if found is not None:
                return _path_of(found[1], exc.value, found[0])
        level = re.match(r"level '([^']+)'", where)
        if level:
            for i, (lvl_id, spec) in enumerate(self._level_ids):
                if lvl_id == level.group(1):
                    return _path_of(spec, exc.value, ("levels", i))
        if where in ("calendar", "match", "calendar_field"):
            return ("policy", where)
        indexed = re.match(r"levels\[(\d+)\]", where)
        if indexed:
            i = int(indexed.group(1))
            spec = self._level_ids[i][1] if i < len(self._level_ids) else None
            return _path_of(spec, exc.value, ("levels", i))
        return ()

    _rule_paths: dict[str, tuple[Path_, object]]
    _level_ids: list[tuple[str, object]]

    def calendar(self, spec: object, path: Path_) -> BusinessCalendar:
        t = self.table(
            spec,
            path,
            {
                "tz": True,
                "hours": True,
                "holidays": False,
                "holidays_from": False,
                "exceptions": False,
            },
        )
        hours = {
            day: self.intervals(value, (*path, "hours", day))
            for day, value in self.mapping(t["hours"], (*path, "hours")).items()
        }
        holidays: list[Any] = list(self.strings(t.get("holidays", []), (*path, "holidays")))
        source = t.get("holidays_from")
        if source is not None:
            s = self.table(
                source, (*path, "holidays_from"), {"country": True, "subdiv": False, "years": True}
            )
            years = s["years"]
            if not isinstance(years, list) or not all(
                isinstance(y, int) and not isinstance(y, bool) for y in years
            ):
                raise self.error(
                    (*path, "holidays_from", "years"), "expected a list of years", value=years
                )
            try:
                holidays.extend(holidays_from_package(s["country"], s.get("subdiv"), years=years))
            except PolicyError as exc:
                raise self.wrap((*path, "holidays_from"), exc) from None
            except ImportError as exc:
                raise self.error((*path, "holidays_from"), str(exc)) from None
        exceptions = {
            day: self.intervals(value, (*path, "exceptions", day))
            for day, value in self.mapping(t.get("exceptions", {}), (*path, "exceptions")).items()
        }
        try:
            return BusinessCalendar(t["tz"], hours, holidays=holidays, exceptions=exceptions)
        except PolicyError as exc:
            raise self.wrap(self._calendar_blame(path, exc), exc) from None

    def _calendar_blame(self, path: Path_, exc: PolicyError) -> Path_:
        where = exc.where or ""
        match = re.match(r"(hours|exceptions)\[(['\"])(.+?)\2\]", where)
        if match:
            return (*path, match.group(1), match.group(3))
        if where in ("tz", "holidays", "exceptions", "hours"):
            return (*path, where)
        return path

    def intervals(self, value: object, path: Path_) -> list[tuple[str, str]]:
        out = []
        for i, text in enumerate(self.strings(value, path)):
            start, sep, end = text.partition("-")
            if not sep:
                raise self.error(
                    (*path, i), f"expected an interval like '09:00-17:00', got {text!r}", value=text
                )
            out.append((start.strip(), end.strip()))
        return out

    def clock_def(self, name: str, spec: object, path: Path_) -> SlaClock:
        t = self.table(spec, path, {"metric": False, "pause_on": False, "on_reopen": False})
        kwargs: dict[str, Any] = {}
        if "pause_on" in t:
            kwargs["pause_on"] = tuple(self.strings(t["pause_on"], (*path, "pause_on")))
        if "on_reopen" in t:
            kwargs["on_reopen"] = t["on_reopen"]
        try:
            if "metric" in t:
                return SlaClock(name, t["metric"], **kwargs)
            return SlaClock(name, **kwargs)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    def level(self, spec: object, path: Path_) -> Level:
        t = self.table(
            spec,
            path,
            {
                "id": True,
                "name": True,
                "rank": True,
                "owner": True,
                "targets": False,
                "ack_timeout": False,
                "calendar": False,
            },
        )
        targets: dict[str, Any] = {}
        for clock_name, value in self.mapping(t.get("targets", {}), (*path, "targets")).items():
            where = (*path, "targets", clock_name)
            if isinstance(value, Mapping):
                targets[clock_name] = {p: self.target(v, (*where, p)) for p, v in value.items()}
            else:
                targets[clock_name] = self.target(value, where)
        ack = t.get("ack_timeout")
        try:
            level = Level(
                self.string(t["id"], (*path, "id")),
                self.string(t["name"], (*path, "name")),
                rank=self.integer(t["rank"], (*path, "rank")),
                owner=self.string(t["owner"], (*path, "owner")),
                targets=targets,
                ack_timeout=None
                if ack is None
                else self.duration(ack, (*path, "ack_timeout"), business=self.business_clock),
                calendar=t.get("calendar"),
            )
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
        self._level_ids.append((level.id, spec))
        return level

    def target(self, value: object, path: Path_) -> Target:
        if not isinstance(value, str):
            raise self.error(
                path,
                f'expected a duration such as "8h" or "8h business", got {_kind(value)}',
                value=value,
            )
        try:
            amount, business = parse_duration(value)
            return Target(amount, wall=not business)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    def rule(self, spec: object, path: Path_, depth: int) -> Rule:
        self.rule_count += 1
        if self.rule_count > MAX_RULES:
            raise self.error(path, f"more than {MAX_RULES:,} rules; split the policy")
        if not isinstance(spec, Mapping):
            raise self.error(path, f"expected a rule table, got {_kind(spec)}", value=spec)
        kind = spec.get("type")
        keys = _RULE_KEYS.get(kind) if isinstance(kind, str) else None
        if keys is None:
            raise self.error(
                (*path, "type"),
                f"unknown rule type {kind!r}; types are {sorted(_RULE_KEYS)}",
                value=kind,
                suggestion=did_you_mean(str(kind), _RULE_KEYS),
            )
        t = self.table(spec, path, keys)
        name = self.string(t["name"], (*path, "name"))
        self._rule_paths.setdefault(name, (path, spec))
        when = self.condition(t["when"], (*path, "when")) if "when" in t else ALWAYS
        try:
            if kind == "route":
                return route(name, when=when, to=self.string(t["to"], (*path, "to")))
            if kind == "chain":
                return chain(name, repeat=self.integer(t.get("repeat", 0), (*path, "repeat")))
            if kind == "first_match":
                if depth + 1 > MAX_GROUP_DEPTH:
                    raise self.error(
                        path, f"first_match groups nest deeper than {MAX_GROUP_DEPTH} levels"
                    )
                members = t["rules"]
                if not isinstance(members, list):
                    raise self.error((*path, "rules"), "expected a list of rules")
                return first_match(
                    name,
                    [self.rule(m, (*path, "rules", i), depth + 1) for i, m in enumerate(members)],
                )
            at = self.trigger(t["at"], (*path, "at")) if "at" in t else None
            if kind == "notify":
                if at is None:
                    raise self.error(
                        path, "a notify rule needs 'at' (after or sla)", expected="'at'"
                    )
                to = self.string(t["to"], (*path, "to")) if "to" in t else OWNER
                return notify(name, at=at, to=to, when=when)
            to_level = self.string(t["to"], (*path, "to")) if "to" in t else NEXT
            on = None
            if "on" in t:
                try:
                    on = _event_kind(self.string(t["on"], (*path, "on")))
                except PolicyError as exc:
                    raise self.wrap((*path, "on"), exc) from None
            return escalate(name, to=to_level, when=when, at=at, on=on)
        except PolicySyntaxError:
            raise
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    def trigger(self, spec: object, path: Path_) -> After | SlaShare:
        if isinstance(spec, Mapping) and "sla" in spec:
            t = self.table(
                spec, path, {"sla": True, "share": False, "before": False, "after": False}
            )
            share = 1.0
            if "share" in t:
                if not isinstance(t["share"], str):
                    raise self.error(
                        (*path, "share"), 'expected a percentage such as "75%"', value=t["share"]
                    )
                try:
                    share = parse_percent(t["share"])
                except PolicyError as exc:
                    raise self.wrap((*path, "share"), exc) from None
            offset = timedelta(0)
            if "before" in t:
                offset = -self.duration(
                    t["before"], (*path, "before"), business=False, sla_offset=True
                )
            if "after" in t:
                offset = self.duration(
                    t["after"], (*path, "after"), business=False, sla_offset=True
                )
            if "before" in t and "after" in t:
                raise self.error(path, "give 'before' or 'after', not both")
            try:
                return SlaShare(self.string(t["sla"], (*path, "sla")), share, offset=offset)
            except PolicyError as exc:
                raise self.wrap(path, exc) from None
        t = self.table(spec, path, {"after": True, "since": False})
        try:
            anchor = to_anchor(t.get("since", Anchor.LEVEL_ENTERED))
        except PolicyError as exc:
            raise self.wrap((*path, "since"), exc) from None
        return After(
            self.duration(t["after"], (*path, "after"), business=self.business_clock), anchor
        )


_RULE_KEYS: Final[dict[str, dict[str, bool]]] = {
    "route": {"name": True, "type": True, "when": True, "to": True},
    "escalate": {"name": True, "type": True, "when": False, "to": False, "on": False, "at": False},
    "notify": {"name": True, "type": True, "when": False, "to": False, "at": True},
    "chain": {"name": True, "type": True, "repeat": False},
    "first_match": {"name": True, "type": True, "rules": True},
}


def _path_of(spec: object, value: object, path: Path_) -> Path_:
    """The path of the first key or value in *spec* equal to *value* (else *path*)."""
    if value is None or isinstance(value, bool):
        return path
    if isinstance(value, str | int | float):
        if isinstance(spec, Mapping):
            for key, item in spec.items():
                if key == value:
                    return (*path, key)
                found = _path_of(item, value, (*path, key))
                if found != (*path, key) or item == value:
                    return found
        elif isinstance(spec, list):
            for i, item in enumerate(spec):
                found = _path_of(item, value, (*path, i))
                if found != (*path, i) or item == value:
                    return found
    return path


def _kind(value: object) -> str:
    names = {
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__) + (
        f" {value!r}" if isinstance(value, str | int | float) else ""
    )


def from_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> Policy:
    """Build a `Policy` from its dict form (what `to_dict` returns; the shape of the TOML).

    Raises:
        PolicyError: whose ``where`` names *source* and the JSON path of the mistake,
            such as ``"db row 7, rules[1].at.sla"``.
    """
    return _read(data, source, None)


def _read(data: object, source: str, locator: _Locator | None) -> Policy:
    reader = _Reader(source, locator)
    reader._rule_paths = {}
    reader._level_ids = []
    return reader.policy(data)


def loads(text: str, *, source: str = "<string>") -> Policy:
    """Build a `Policy` from TOML *text*.

    Raises:
        PolicySyntaxError: for malformed TOML or any invalid part, with line and column.
    """
    if not isinstance(text, str):
        raise PolicyError(f"policy text must be a str, got {type(text).__name__}", value=text)
    if len(text) > MAX_BYTES:
        raise PolicySyntaxError(
            f"the policy text is {len(text):,} characters long, over the limit of {MAX_BYTES:,}",
            source=source,
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        place = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(place.group(1)), int(place.group(2))) if place else (1, 1)
        lines = text.splitlines()
        raise PolicySyntaxError(
            "invalid TOML: "
            + re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message),
            source=source,
            line=line,
            column=column,
            line_text=lines[line - 1] if 0 < line <= len(lines) else "",
        ) from None
    except RecursionError:
        raise PolicySyntaxError("the TOML nests too deeply", source=source) from None
    return _read(data, source, _Locator(text, source))


def load(file: str | PathLike[str] | IO[bytes] | IO[str]) -> Policy:
    """Build a `Policy` from a TOML file (a path, or a file opened in text or binary mode)."""
    if isinstance(file, str | PathLike):
        path = Path(file)
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise PolicySyntaxError(
                    f"the policy file is {size:,} bytes, over the limit of {MAX_BYTES:,}",
                    source=str(path),
                )
            raw = path.read_bytes()
        except OSError as exc:
            raise PolicyError(
                f"cannot read the policy file {str(path)!r}: {exc.strerror}", value=str(path)
            ) from None
        source = str(path)
    else:
        raw = file.read(MAX_BYTES + 1)  # type: ignore[assignment]
        source = str(getattr(file, "name", "<file>"))
    if len(raw) > MAX_BYTES:
        raise PolicySyntaxError(
            f"the policy text is over the limit of {MAX_BYTES:,} bytes", source=source
        )
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PolicySyntaxError(
                f"the policy file is not UTF-8 ({exc.reason} at byte {exc.start})", source=source
            ) from None
    else:
        text = raw
    return loads(text, source=source)


# -- writing ------------------------------------------------------------------------------------


def to_dict(policy: Policy) -> dict[str, Any]:
    """The dict form of *policy*: plain strings, numbers, lists and dicts (JSON-ready).

    Raises:
        PolicyError: for parts with no text form: a custom rule class, a
            predicate (a Python function), a custom `Clock`.
    """
    business = isinstance(policy.clock, BusinessClock)
    out: dict[str, Any] = {}
    head: dict[str, Any] = {"name": policy.name, "match": policy.match}
    if policy.calendar is not None:
        head["calendar"] = policy.calendar
    if policy.calendar_field is not None:
        head["calendar_field"] = policy.calendar_field
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
    out["levels"] = [_level_dict(lvl, business) for lvl in policy.levels]
    out["rules"] = [_rule_dict(r, business) for r in policy.rules]
    return out


def _intervals_text(pairs: tuple[tuple[time, time], ...]) -> list[str]:
    from ._calendar import _show_time

    return [f"{_show_time(a)}-{_show_time(b)}" for a, b in pairs]


def _calendar_dict(calendar: BusinessCalendar) -> dict[str, Any]:
    from ._calendar import _group_week

    out: dict[str, Any] = {"tz": calendar.tz}
    out["hours"] = {
        day: [f"{a}-{b}" for a, b in pairs] for day, pairs in _group_week(calendar.hours).items()
    }
    if calendar.holidays:
        out["holidays"] = sorted(d.isoformat() for d in calendar.holidays)
    if calendar.exceptions:
        out["exceptions"] = {d.isoformat(): _intervals_text(p) for d, p in calendar.exceptions}
    return out


def _clock_dict(clock: SlaClock) -> dict[str, Any]:
    return {
        "metric": clock.metric.value,
        "pause_on": sorted(s.value for s in clock.pause_on),
        "on_reopen": clock.on_reopen,
    }


def _target_text(target: Target) -> str:
    return format_duration(target.duration, business=not target.wall)


def _level_dict(level: Level, business: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": level.id,
        "name": level.name,
        "rank": level.rank,
        "owner": level.owner,
    }
    if level.ack_timeout is not None:
        out["ack_timeout"] = format_duration(level.ack_timeout, business=business)
    if level.calendar is not None:
        out["calendar"] = level.calendar
    if level.targets:
        targets: dict[str, Any] = {}
        for name, table in level.targets.items():
            if list(table) == [ANY_PRIORITY]:
                targets[name] = _target_text(table[ANY_PRIORITY])
            else:
                targets[name] = {p: _target_text(t) for p, t in table.items()}
        out["targets"] = targets
    return out


def _when(condition: Condition, business: bool) -> str:
    return format_condition(with_business(condition, business))


def _trigger_dict(at: After | SlaShare, business: bool) -> dict[str, Any]:
    if isinstance(at, After):
        return {"after": format_duration(at.duration, business=business), "since": at.since.value}
    out: dict[str, Any] = {"sla": at.metric}
    if at.share != 1.0:
        out["share"] = format_percent(at.share)
    if at.offset < timedelta(0):
        out["before"] = format_duration(-at.offset)
    elif at.offset > timedelta(0):
        out["after"] = format_duration(at.offset)
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
    elif isinstance(rule, TimeRule):
        out["type"] = rule.action
        if rule.when != ALWAYS:
            out["when"] = _when(rule.when, business)
        if rule.to is not NEXT and rule.to is not OWNER:
            out["to"] = rule.to
        out["at"] = _trigger_dict(rule.at, business)
    elif isinstance(rule, EscalationChain):
        out["type"] = "chain"
        if rule.repeat:
            out["repeat"] = rule.repeat
    elif isinstance(rule, FirstMatch):
        out.update(type="first_match", rules=[_rule_dict(r, business) for r in rule.rules])
    else:
        raise PolicyError(
            f"the rule {rule.name!r} is a {type(rule).__name__}, a custom rule class with no "
            "text form",
            value=rule,
        )
    return out


def dump(policy: Policy) -> str:
    """*policy* as TOML text that `loads` reads back as an equal policy."""
    return _toml(to_dict(policy))


# A small TOML writer for the dict form's fixed shape: tables, arrays of tables,
# strings, integers, lists of strings and inline tables of strings.


def _toml(data: Mapping[str, Any]) -> str:
    lines: list[str] = []
    _toml_table(data, (), lines)
    return "\n".join(lines).strip() + "\n"


def _toml_table(data: Mapping[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    def is_table(value: object) -> bool:
        return isinstance(value, Mapping) and (
            not path or any(isinstance(v, Mapping) for v in value.values())
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


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\t", "\\t")
    return f'"{escaped}"'


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if "'" not in value and "\n" not in value and '"' in value:
            return f"'{value}'"
        return _string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise PolicyError(f"cannot write {value!r} as TOML", value=value)  # pragma: no cover
