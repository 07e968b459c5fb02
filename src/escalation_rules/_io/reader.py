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
from datetime import timedelta
from os import PathLike
from pathlib import Path
from typing import IO, Any, Final

from .._conditions.condition import ALWAYS, Condition
from .._durations import parse_duration, parse_percent
from .._engine.policy import Policy
from .._exceptions import PolicyError, PolicySyntaxError
from .._language.functions import functions
from .._language.parser import parse_condition
from .._model.anchors import Anchor, to_anchor
from .._model.levels import Level
from .._model.targets import SlaClock, Target
from .._rules.base import NEXT, OWNER, Rule, _event_kind
from .._rules.chain import chain
from .._rules.first_match import first_match
from .._rules.functional import route
from .._rules.hierarchical import escalate
from .._rules.timed import After, SlaShare, notify
from .._suggest import did_you_mean
from .._time.calendar import BusinessCalendar
from .._time.clocks import BusinessClock, WallClock
from .._time.holidays import holidays_from_package
from .locator import Path_, _dotted, _Locator

MAX_BYTES: Final = 4 * 1024 * 1024
"""The largest policy text accepted (4 MiB)."""

MAX_RULES: Final = 10_000
"""The most rules a policy may have, counting those inside groups."""

MAX_GROUP_DEPTH: Final = 8
"""How deeply ``first_match`` groups may nest."""


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
        where: str | None = None,
    ) -> PolicyError:
        """The complaint *message* about *path*; *where* is the place the model named, if any."""
        if where and where not in (_dotted(path), _dotted(path[:2])):
            message = f"{where}: {message}"
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
        return self.error(
            path, exc.message, where=exc.where, value=exc.value, suggestion=exc.suggestion
        )

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
