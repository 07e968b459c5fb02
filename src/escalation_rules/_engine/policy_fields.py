"""The converters of `Policy`'s fields: each field's value checked and frozen."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .._model.events import Status
from .._model.levels import Level
from .._model.names import to_enum
from .._model.schedules import Schedule
from .._model.targets import Target
from .._time.calendar import BusinessCalendar
from .sla_policies import target_tables

BASE_STATUSES: Final = {s.value: s for s in Status}
"""The built-in statuses by name."""


def calendar_table(value: Mapping[str, BusinessCalendar] | None) -> FrozenDict[BusinessCalendar]:
    out = FrozenDict(value or {})
    for name, calendar in out.items():
        if not isinstance(name, str) or not name:
            raise PolicyError(f"a calendar needs a non-empty name, got {name!r}", value=name)
        if not isinstance(calendar, BusinessCalendar):
            raise PolicyError(
                f"calendars[{name!r}] must be a BusinessCalendar, got {calendar!r}",
                value=calendar,
            )
    return out


def policy_targets(value: Mapping[str, Any] | None) -> Mapping[str, Mapping[str, Target]]:
    try:
        return target_tables(value)
    except PolicyError as exc:
        exc.where = exc.where or "targets"
        raise exc.about("policy", "targets") from None


def level_tuple(value: Iterable[Level]) -> tuple[Level, ...]:
    return tuple(value)


def status_table(value: Mapping[str, Status | str] | None) -> FrozenDict[Status]:
    out: dict[str, Status] = {}
    for host, status in (value or {}).items():
        if host in BASE_STATUSES:
            raise PolicyError(
                f"status_map cannot redefine the built-in status {host!r}", value=host
            )
        where = repr(host).replace("{", "{{").replace("}", "}}")
        out[host] = to_enum(
            Status, status, f"status_map[{where}] = {{value!r}} is not one of {{names}}"
        )
    return FrozenDict(out)


def schedule_table(value: Mapping[str, Schedule] | None) -> FrozenDict[Schedule]:
    out = FrozenDict(value or {})
    for name, schedule in out.items():
        if not isinstance(name, str) or not name:
            raise PolicyError(f"a schedule needs a non-empty name, got {name!r}", value=name)
        if not isinstance(schedule, Schedule):
            raise PolicyError(
                f"schedules[{name!r}] must be a Schedule, got {schedule!r}", value=schedule
            )
    return out
