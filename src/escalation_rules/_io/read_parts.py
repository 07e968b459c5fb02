"""Reading a policy's calendars, SLA clocks, levels and targets from its dict form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._durations import parse_duration
from .._exceptions import PolicyError
from .._model.levels import Level
from .._model.targets import SlaClock, Target
from .._time.calendar import BusinessCalendar
from .._time.holidays import holidays_from_package
from .locator import Path_
from .shapes import Shapes, kind_of_value


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
        try:
            return BusinessCalendar(t["tz"], hours, holidays=holidays, exceptions=exceptions)
        except PolicyError as exc:
            raise self.wrap(self._calendar_blame(path, exc), exc) from None

    def package_holidays(self, source: object, path: Path_) -> list[Any]:
        """The holidays a ``holidays_from`` table names, from the ``holidays`` package."""
        s = self.table(source, path, {"country": True, "subdiv": False, "years": True})
        years = s["years"]
        if not isinstance(years, list) or not all(
            isinstance(y, int) and not isinstance(y, bool) for y in years
        ):
            raise self.error((*path, "years"), "expected a list of years", value=years)
        try:
            return list(holidays_from_package(s["country"], s.get("subdiv"), years=years))
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
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
            kwargs["on_reopen"] = t["on_reopen"]
        try:
            if "metric" in t:
                return SlaClock(name, t["metric"], **kwargs)
            return SlaClock(name, **kwargs)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None

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
                f'expected a duration such as "8h" or "8h business", got {kind_of_value(value)}',
                value=value,
            )
        try:
            amount, business = parse_duration(value)
            return Target(amount, wall=not business)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
