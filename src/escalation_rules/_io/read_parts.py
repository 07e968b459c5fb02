"""Reading a policy's calendars, SLA clocks, levels and targets from its dict form."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

from .._durations import parse_business_days, parse_duration
from .._engine.sla_policies import SlaPolicy
from .._exceptions import PolicyError
from .._model.clock_definitions import CONDITION_NAMES, SlaClock, Trigger
from .._model.levels import Level
from .._model.targets import Target, business_days
from .._time.calendar import BusinessCalendar
from .._time.holidays import holidays_from_package
from .locator import Path_
from .shapes import Shapes, kind_of_value

MAX_HOLIDAY_YEARS: Final = 100
"""The most years a ``holidays_from`` table may ask the ``holidays`` package for."""


_BOUNDARY_KEYS: Final = ("landing", "zero", "reversed")


class PartsReader(Shapes):
    """Reads the parts of a policy that its rules refer to."""

    # calendars -------------------------------------------------------------------------------

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
                "breaks": False,
                "boundaries": False,
            },
        )
        hours = {
            day: self.intervals(value, (*path, "hours", day))
            for day, value in self.mapping(t["hours"], (*path, "hours")).items()
        }
        holidays: list[Any] = list(self.strings(t.get("holidays", []), (*path, "holidays")))
        source = t.get("holidays_from")
        if source is not None:
            holidays.extend(self.package_holidays(source, (*path, "holidays_from")))
        exceptions = {
            day: self.intervals(value, (*path, "exceptions", day))
            for day, value in self.mapping(t.get("exceptions", {}), (*path, "exceptions")).items()
        }
        breaks = {
            day: self.intervals(value, (*path, "breaks", day))
            for day, value in self.mapping(t.get("breaks", {}), (*path, "breaks")).items()
        }
        boundaries: Any = "exact"
        if "boundaries" in t:
            raw = t["boundaries"]
            if isinstance(raw, str):
                boundaries = raw
            else:
                boundaries = self.table(
                    raw, (*path, "boundaries"), dict.fromkeys(_BOUNDARY_KEYS, False)
                )
                for key, value in boundaries.items():
                    self.string(value, (*path, "boundaries", key))
        tz = self.string(t["tz"], (*path, "tz"))
        try:
            return BusinessCalendar(
                tz, hours, holidays=holidays, exceptions=exceptions, breaks=breaks,
                boundaries=boundaries,
            )  # fmt: skip
        except PolicyError as exc:
            raise self.wrap(self._calendar_blame(path, exc), exc) from None

    def package_holidays(self, source: object, path: Path_) -> list[Any]:
        """The holidays a ``holidays_from`` table names, from the ``holidays`` package."""
        s = self.table(source, path, {"country": True, "subdiv": False, "years": True})
        country = self.string(s["country"], (*path, "country"))
        subdiv = self.optional_string(s.get("subdiv"), (*path, "subdiv"))
        years = s["years"]
        if (
            not isinstance(years, list)
            or not years
            or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
            or not all(1 <= y <= 9999 for y in years)
            or len(set(years)) > MAX_HOLIDAY_YEARS
        ):
            raise self.error(
                (*path, "years"),
                f"expected a list of up to {MAX_HOLIDAY_YEARS} years from 1 to 9999, such as "
                f"[2026, 2027]; got {kind_of_value(years)}",
                value=years,
            )
        try:
            return list(holidays_from_package(country, subdiv, years=years))
        except PolicyError as exc:
            where = exc.where if exc.where in ("country", "subdiv") else None
            raise self.wrap(path if where is None else (*path, where), exc) from None
        except ImportError as exc:
            raise self.error(path, str(exc)) from None

    def _calendar_blame(self, path: Path_, exc: PolicyError) -> Path_:
        kind, key = exc.subject or ("", None)
        if kind in ("hours", "exceptions", "breaks") and isinstance(key, str):
            return (*path, kind, key)
        if exc.where in ("tz", "holidays", "exceptions", "hours", "breaks", "boundaries"):
            return (*path, exc.where)
        if exc.where is not None and exc.where.startswith("boundaries."):
            return (*path, "boundaries", exc.where.partition(".")[2])
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

    # SLA clocks ------------------------------------------------------------------------------

    def clock_def(self, name: str, spec: object, path: Path_) -> SlaClock:
        keys = dict.fromkeys(
            ("metric", "pause_on", "on_reopen", "retroactive", *CONDITION_NAMES), False
        )
        t = self.table(spec, path, keys)
        kwargs: dict[str, Any] = {}
        if "pause_on" in t:
            kwargs["pause_on"] = tuple(self.strings(t["pause_on"], (*path, "pause_on")))
        if "on_reopen" in t:
            kwargs["on_reopen"] = self.string(t["on_reopen"], (*path, "on_reopen"))
        if "retroactive" in t:
            if not isinstance(t["retroactive"], bool):
                raise self.error(
                    (*path, "retroactive"),
                    f"expected true or false, got {kind_of_value(t['retroactive'])}",
                    value=t["retroactive"],
                    expected="true or false",
                )
            kwargs["retroactive"] = t["retroactive"]
        for key in CONDITION_NAMES:
            if key in t:
                kwargs[key] = self.triggers(t[key], (*path, key))
        try:
            if "metric" in t:
                return SlaClock(name, self.string(t["metric"], (*path, "metric")), **kwargs)
            return SlaClock(name, **kwargs)
        except PolicyError as exc:
            raise self.wrap(self._clock_blame(path, t, exc), exc) from None

    def triggers(self, value: object, path: Path_) -> tuple[Trigger, ...]:
        """A clock condition: a list of trigger texts (``"agent_reply"``, ``"status:hold"``)."""
        out = []
        for i, text in enumerate(self.strings(value, path)):
            try:
                out.append(Trigger.parse(text))
            except PolicyError as exc:
                raise self.wrap((*path, i), exc) from None
        return tuple(out)

    @staticmethod
    def _clock_blame(path: Path_, t: Mapping[str, Any], exc: PolicyError) -> Path_:
        """The key of a clock table an error is about: the one holding the bad value."""
        for key in ("metric", "on_reopen", "retroactive"):
            if key in t and t[key] == exc.value:
                return (*path, key)
        if "pause_on" in t and exc.value in t["pause_on"]:
            return (*path, "pause_on", t["pause_on"].index(exc.value))
        if isinstance(exc.value, list):  # a condition's texts (resume without pause)
            for key in CONDITION_NAMES:
                if key in t and t[key] == exc.value:
                    return (*path, key)
        return path

    # levels and their targets ----------------------------------------------------------------

    def levels(self, value: object) -> list[Level]:
        """The ``[[levels]]`` tables: a non-empty list."""
        if not isinstance(value, list) or not value:
            raise self.error(
                ("levels",), "expected a list of levels ([[levels]] tables)", expected="[[levels]]"
            )
        return [self.level(spec, ("levels", i)) for i, spec in enumerate(value)]

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
                "timeout_from": False,
                "escalate_if": False,
                "round_robin": False,
            },
        )
        targets = self.targets(t.get("targets", {}), (*path, "targets"))
        ack = t.get("ack_timeout")
        chosen: dict[str, Any] = {  # words Level checks
            key: self.optional_string(t.get(key), (*path, key))
            for key in ("timeout_from", "escalate_if", "round_robin")
        }
        try:
            level = Level(
                self.string(t["id"], (*path, "id")),
                self.string(t["name"], (*path, "name")),
                rank=self.integer(t["rank"], (*path, "rank")),
                owner=self.recipients(t["owner"], (*path, "owner")),
                targets=targets,
                ack_timeout=None
                if ack is None
                else self.duration(ack, (*path, "ack_timeout"), business=self.business_clock),
                calendar=self.optional_string(t.get("calendar"), (*path, "calendar")),
                **chosen,
            )
        except PolicyError as exc:
            raise self.wrap(self._level_blame(path, t, exc), exc) from None
        self._level_ids.append((level.id, spec))
        return level

    @staticmethod
    def _level_blame(path: Path_, t: Mapping[str, Any], exc: PolicyError) -> Path_:
        """The key of a level's table that *exc* is about, if one names it."""
        for key in ("timeout_from", "escalate_if", "round_robin"):
            if key in t and key in exc.message:
                return (*path, key)
        return path

    def targets(self, value: object, path: Path_) -> dict[str, Any]:
        """A targets table (a level's, an SLA policy's, the policy-wide ``[targets]``):
        clock -> a duration, or a table of durations by priority (``"*"`` for the rest)."""
        out: dict[str, Any] = {}
        for clock_name, item in self.mapping(value, path).items():
            where = (*path, clock_name)
            if isinstance(item, Mapping):
                table = self.mapping(item, where)
                out[clock_name] = {p: self.target(v, (*where, p)) for p, v in table.items()}
            else:
                out[clock_name] = self.target(item, where)
        return out

    # SLA policies ----------------------------------------------------------------------------

    def slas(self, value: object) -> list[SlaPolicy]:
        """The ``[[slas]]`` tables, in order."""
        if not isinstance(value, list):
            raise self.error(
                ("slas",),
                f"expected a list of SLA policies ([[slas]] tables), got {kind_of_value(value)}",
                value=value,
                expected="[[slas]]",
            )
        self._sla_specs = list(value)
        return [self.sla(spec, ("slas", i)) for i, spec in enumerate(value)]

    def sla(self, spec: object, path: Path_) -> SlaPolicy:
        """One ``[[slas]]`` table: ``name``, ``when`` (a condition), ``calendar``, ``targets``."""
        t = self.table(
            spec, path, {"name": True, "when": False, "calendar": False, "targets": False}
        )
        name = self.string(t["name"], (*path, "name"))
        when = None
        if "when" in t:
            when = self.condition(t["when"], (*path, "when"))
            if when.timed:
                raise self.error(
                    (*path, "when"),
                    f"SLA policy {name!r}: its condition reads the time (since, clock, breached, "
                    "is_open); an SLA policy is chosen by the issue's fields and history alone",
                    value=t["when"],
                )
        calendar = self.optional_string(t.get("calendar"), (*path, "calendar"))
        targets = self.targets(t.get("targets", {}), (*path, "targets"))
        try:
            return SlaPolicy(name, when=when, calendar=calendar, targets=targets)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

    def target(self, value: object, path: Path_) -> Target:
        if not isinstance(value, str):
            raise self.error(
                path,
                f'expected a duration such as "8h" or "8h business", got {kind_of_value(value)}',
                value=value,
            )
        try:
            days = parse_business_days(value)
            if days is not None:
                amount, business = timedelta(0), True
                target = business_days(days)
            else:
                amount, business = parse_duration(value)
                target = Target(amount, wall=not business)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
        if business and not self.calendar_in_effect:
            raise self.error(path, self._no_calendar(value), value=value)
        return target

    def _no_calendar(self, value: str) -> str:
        """Why a business target needs a calendar, and the two ways out."""
        days = parse_business_days(value)
        plain = f"{days}d" if days is not None else value.split()[0]
        if self.calendar_names:
            fix = (
                f'name one with calendar = "{self.calendar_names[0]}" under [policy], in '
                "the level or in the SLA policy"
            )
            why = f"no calendar is in effect (the policy has {self.calendar_names})"
        else:
            fix = 'define one ([calendars.NAME]) and add calendar = "NAME" under [policy]'
            why = "the policy has no calendar"
        return (
            f"{value!r} counts business time, but {why}: {fix}, or write {plain!r} for elapsed time"
        )
