"""Reading a policy's calendars, SLA clocks, levels and targets from its dict form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .._durations import parse_duration
from .._exceptions import PolicyError
from .._model.levels import Level
from .._model.targets import SlaClock, Target
from .._time.calendar import BusinessCalendar
from .._time.holidays import holidays_from_package
from .locator import Path_
from .shapes import Shapes, kind_of_value

MAX_HOLIDAY_YEARS: Final = 100
"""The most years a ``holidays_from`` table may ask the ``holidays`` package for."""


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
        tz = self.string(t["tz"], (*path, "tz"))
        try:
            return BusinessCalendar(tz, hours, holidays=holidays, exceptions=exceptions)
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
        if kind in ("hours", "exceptions") and isinstance(key, str):
            return (*path, kind, key)
        if exc.where in ("tz", "holidays", "exceptions", "hours"):
            return (*path, exc.where)
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
        t = self.table(spec, path, {"metric": False, "pause_on": False, "on_reopen": False})
        kwargs: dict[str, Any] = {}
        if "pause_on" in t:
            kwargs["pause_on"] = tuple(self.strings(t["pause_on"], (*path, "pause_on")))
        if "on_reopen" in t:
            kwargs["on_reopen"] = self.string(t["on_reopen"], (*path, "on_reopen"))
        try:
            if "metric" in t:
                return SlaClock(name, self.string(t["metric"], (*path, "metric")), **kwargs)
            return SlaClock(name, **kwargs)
        except PolicyError as exc:
            raise self.wrap(self._clock_blame(path, t, exc), exc) from None

    @staticmethod
    def _clock_blame(path: Path_, t: Mapping[str, Any], exc: PolicyError) -> Path_:
        """The key of a clock table an error is about: the one holding the bad value."""
        for key in ("metric", "on_reopen"):
            if key in t and t[key] == exc.value:
                return (*path, key)
        if "pause_on" in t and exc.value in t["pause_on"]:
            return (*path, "pause_on", t["pause_on"].index(exc.value))
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
                calendar=self.optional_string(t.get("calendar"), (*path, "calendar")),
            )
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
        self._level_ids.append((level.id, spec))
        return level

    def target(self, value: object, path: Path_) -> Target:
        if not isinstance(value, str):
            raise self.error(
                path,
                f'expected a duration such as "8h" or "8h business", got {kind_of_value(value)}',
                value=value,
            )
        try:
            amount, business = parse_duration(value)
            target = Target(amount, wall=not business)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
        if business and not self.calendar_in_effect:
            raise self.error(path, self._no_calendar(value), value=value)
        return target

    def _no_calendar(self, value: str) -> str:
        """Why a business target needs a calendar, and the two ways out."""
        plain = value.split()[0]
        if self.calendar_names:
            fix = (
                f'name one with calendar = "{self.calendar_names[0]}" under [policy] or in '
                "the level"
            )
            why = f"no calendar is in effect (the policy has {self.calendar_names})"
        else:
            fix = 'define one ([calendars.NAME]) and add calendar = "NAME" under [policy]'
            why = "the policy has no calendar"
        return (
            f"{value!r} counts business time, but {why}: {fix}, or write {plain!r} for elapsed time"
        )
