"""On-call schedules in policy files: the ``[schedules.NAME]`` tables, read and written.

The shape, one table per schedule, named by its key::

    [schedules.primary]
    zone = "Europe/Berlin"

    [[schedules.primary.layers]]
    name = "weekly"
    members = ["alice", "bob", "carol"]
    shift = "7d"                        # a duration: 7d, 12h, 1d12h...
    handoff = "2026-11-02T09:00"        # local time in the zone, or with an offset
    start = "2026-11-01T00:00"          # optional: the layer exists from...
    end = "2027-11-01T00:00"            # ...until (optional)
    restrictions = [
        { days = "mon-fri", from = "09:00", to = "17:00" },
        { from = "22:00", to = "06:00" },          # no days: every day; across midnight
        { days = "fri", from = "18:00", for = "63h" },  # a weekly window over a day long
    ]

    [[schedules.primary.overrides]]
    member = "dave"
    start = "2026-12-24T18:00"
    end = "2026-12-27T09:00"

Instants are ISO 8601 text (or TOML date-times); without an offset they are read in the
schedule's zone (``fold=0``). A restriction gives ``from`` and either ``to`` (a local time;
at or before ``from`` it crosses midnight, equal to it is a whole day) or ``for`` (a duration,
for a weekly window longer than a day); ``days`` takes ``"mon"``, ``"mon-fri"``,
``"sat-mon"`` or such parts joined by commas. `schedule_dict` writes the same shape, the
restrictions in a canonical form (one entry per window, with its days gathered), so that
reading what it wrote gives an equal `Schedule`. `SCHEDULES_SCHEMA` is the JSON Schema of the
``schedules`` table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from .._durations import format_duration, parse_duration
from .._exceptions import PolicyError
from .._model.restrictions import (
    DAY,
    Restriction,
    clock_span,
    day_runs,
    time_of_day,
    weekdays,
)
from .._model.schedules import Layer, Override, Schedule, zone_name
from .._time.calendar_spec import show_time
from .locator import Path_
from .shapes import Shapes, kind_of_value

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

_LAYER_KEYS: Final = {
    "name": True,
    "members": True,
    "shift": True,
    "handoff": True,
    "start": False,
    "end": False,
    "restrictions": False,
}

_RESTRICTION_KEYS: Final = {"days": False, "from": True, "to": False, "for": False}


class SchedulesReader(Shapes):
    """Reads the ``[schedules.NAME]`` tables of a policy's dict form."""

    def schedules(self, value: object) -> dict[str, Schedule]:
        """The ``schedules`` table: schedule name -> `Schedule`."""
        return {
            name: self.schedule(name, spec, ("schedules", name))
            for name, spec in self.mapping(value, ("schedules",)).items()
        }

    def schedule(self, name: str, spec: object, path: Path_) -> Schedule:
        """One ``[schedules.NAME]`` table: ``zone``, ``layers``, ``overrides``."""
        from zoneinfo import ZoneInfo  # on first use, as the model does

        t = self.table(spec, path, {"zone": True, "layers": False, "overrides": False})
        try:
            zone = zone_name(self.string(t["zone"], (*path, "zone")))
        except PolicyError as exc:
            raise self.wrap((*path, "zone"), exc) from None
        info = ZoneInfo(zone)
        layers = [
            self.schedule_layer(item, (*path, "layers", i), info)
            for i, item in enumerate(self._tables(t.get("layers", []), (*path, "layers")))
        ]
        overrides = [
            self.schedule_override(item, (*path, "overrides", i), info)
            for i, item in enumerate(self._tables(t.get("overrides", []), (*path, "overrides")))
        ]
        try:
            return Schedule(name, zone, layers, overrides=overrides)
        except PolicyError as exc:  # neither a layer nor an override: about the whole table
            raise self.error(path, exc.message, value=exc.value) from None

    def schedule_layer(self, spec: object, path: Path_, zone: ZoneInfo) -> Layer:
        """One ``[[schedules.NAME.layers]]`` table."""
        t = self.table(spec, path, _LAYER_KEYS)
        members = self.strings(t["members"], (*path, "members"))
        where = (*path, "restrictions")
        restrictions = [
            r
            for i, item in enumerate(self._tables(t.get("restrictions", []), where))
            for r in self.schedule_restriction(item, (*where, i))
        ]
        bounds = {
            key: self.schedule_instant(t[key], (*path, key), zone)
            for key in ("start", "end")
            if key in t
        }
        try:
            return Layer(
                self.string(t["name"], (*path, "name")),
                members,
                shift=self._positive_duration(t["shift"], (*path, "shift")),
                handoff=self.schedule_instant(t["handoff"], (*path, "handoff"), zone),
                restrictions=restrictions,
                **bounds,
            )
        except PolicyError as exc:
            raise self.wrap(_blame(path, exc, _LAYER_KEYS), exc) from None

    def schedule_restriction(self, spec: object, path: Path_) -> tuple[Restriction, ...]:
        """One restriction: ``{ days = ..., from = ..., to = ... }`` (or ``for`` a duration)."""
        t = self.table(spec, path, _RESTRICTION_KEYS)
        if ("to" in t) == ("for" in t):
            raise self.error(
                path,
                "a restriction takes 'to' (a local time) or 'for' (a duration), one of the two",
                value=spec,
                expected="'to' or 'for'",
            )
        try:
            opens = time_of_day(t["from"], "from")
            if "to" in t:
                duration = clock_span(opens, time_of_day(t["to"], "to", end=True))
            else:
                duration = self._positive_duration(t["for"], (*path, "for"))
            days = weekdays(t["days"]) if "days" in t else (None,)
            return tuple(Restriction(opens, duration, day) for day in days)
        except PolicyError as exc:
            where = {"start": "from", "duration": "to" if "to" in t else "for", "day": "days"}
            key = where.get(exc.where or "", exc.where)
            raise self.wrap((*path, key) if key in t else path, exc) from None

    def schedule_override(self, spec: object, path: Path_, zone: ZoneInfo) -> Override:
        """One ``[[schedules.NAME.overrides]]`` table: ``member``, ``start``, ``end``."""
        t = self.table(spec, path, {"member": True, "start": True, "end": True})
        try:
            return Override(
                self.string(t["member"], (*path, "member")),
                self.schedule_instant(t["start"], (*path, "start"), zone),
                self.schedule_instant(t["end"], (*path, "end"), zone),
            )
        except PolicyError as exc:
            raise self.wrap(_blame(path, exc, t), exc) from None

    def schedule_instant(self, value: object, path: Path_, zone: ZoneInfo) -> datetime:
        """An instant: ISO 8601 text or a TOML date-time; local time in *zone* if it has
        no offset."""
        found: datetime | None = None
        if isinstance(value, datetime):
            found = value
        elif isinstance(value, str) and 10 <= len(value.strip()) <= 40:
            try:
                found = datetime.fromisoformat(value.strip())
            except ValueError:
                found = None
        elif isinstance(value, date):
            found = datetime.combine(value, time(0))
        if found is None:
            raise self.error(
                path,
                "expected a date and time like '2026-11-02T09:00' (local time in the "
                f"schedule's zone) or '2026-11-02T09:00+01:00', got {kind_of_value(value)}",
                value=value,
                expected="a date and time",
            )
        return found if found.tzinfo is not None else found.replace(tzinfo=zone)

    def _positive_duration(self, value: object, path: Path_) -> timedelta:
        if not isinstance(value, str):
            raise self.error(
                path,
                f'expected a duration such as "7d" or "12h", got {kind_of_value(value)}',
                value=value,
                expected="a duration",
            )
        try:
            duration, business = parse_duration(value)
        except PolicyError as exc:
            raise self.wrap(path, exc) from None
        if business or duration <= timedelta(0):
            raise self.error(
                path,
                f"expected a positive wall-clock duration such as '7d', got {value!r}",
                value=value,
            )
        return duration

    def _tables(self, value: object, path: Path_) -> list[object]:
        if not isinstance(value, list):
            raise self.error(
                path,
                f"expected a list of tables, got {kind_of_value(value)}",
                value=value,
                expected="a list of tables",
            )
        return value


def _blame(path: Path_, exc: PolicyError, keys: object) -> Path_:
    """The key of the table at *path* that *exc* names in its ``where`` (``members[2]``)."""
    key = (exc.where or "").partition("[")[0]
    return (*path, key) if key and isinstance(keys, dict) and key in keys else path


# -- writing -------------------------------------------------------------------------------


def schedule_dict(schedule: Schedule) -> dict[str, Any]:
    """*schedule* in the shape of its ``[schedules.NAME]`` table (its name is the key).

    Raises:
        PolicyError: for a part with no text form: a shift or a window over a day long
            that is not whole seconds.
    """
    from zoneinfo import ZoneInfo  # on first use, as the model does

    zone = ZoneInfo(schedule.zone)
    out: dict[str, Any] = {"zone": schedule.zone}
    if schedule.layers:
        out["layers"] = [_layer_dict(layer, zone) for layer in schedule.layers]
    if schedule.overrides:
        out["overrides"] = [
            {
                "member": o.member,
                "start": instant_text(o.start, zone),
                "end": instant_text(o.end, zone),
            }
            for o in schedule.overrides
        ]
    return out


def _layer_dict(layer: Layer, zone: ZoneInfo) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": layer.name,
        "members": list(layer.members),
        "shift": format_duration(layer.shift),
        "handoff": instant_text(layer.handoff, zone),
    }
    if layer.start is not None:
        out["start"] = instant_text(layer.start, zone)
    if layer.end is not None:
        out["end"] = instant_text(layer.end, zone)
    if layer.restrictions:
        out["restrictions"] = restrictions_list(layer.restrictions)
    return out


def restrictions_list(restrictions: tuple[Restriction, ...]) -> list[dict[str, str]]:
    """The restrictions in canonical form: one entry per daily window, one per weekly
    window with the days it opens on gathered (``"mon-fri"``)."""
    days: dict[tuple[time, timedelta, bool], list[int]] = {}
    for r in restrictions:
        days.setdefault((r.start, r.duration, r.day is None), []).append(r.day or 0)
    out = []
    for (opens, duration, daily), numbers in days.items():
        entry = {} if daily else {"days": day_runs(tuple(numbers))}
        entry["from"] = show_time(opens)
        if duration <= DAY:
            closes = datetime.combine(date(2000, 1, 1), opens) + duration
            entry["to"] = show_time(closes.time())
        else:
            entry["for"] = format_duration(duration)
        out.append(entry)
    return out


def instant_text(value: datetime, zone: ZoneInfo) -> str:
    """*value* as local ISO text in *zone* (``"2026-11-02T09:00"``), with its offset when
    the local time alone would read as another instant (the second of a repeated hour)."""
    local = value.astimezone(zone)
    naive = local.replace(tzinfo=None)
    text = naive.isoformat(timespec="minutes" if not naive.second + naive.microsecond else "auto")
    # Read back with fold=0; compared in UTC (within one tzinfo Python compares wall times).
    if naive.replace(tzinfo=zone, fold=0).astimezone(UTC) == value.astimezone(UTC):
        return text
    offset = local.isoformat()[len(naive.isoformat()) :]
    return text + offset


# -- the JSON Schema fragment --------------------------------------------------------------

_INSTANT = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
_TIME = r"^[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{6})?)?$"
_SPAN = r"^([0-9]+[wdhms])+$"
_DAYS = r"^ *[A-Za-z]+( *- *[A-Za-z]+)?( *, *[A-Za-z]+( *- *[A-Za-z]+)?)* *$"


def _text(pattern: str, description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": pattern, "description": description}


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "required": required,
    }


_INSTANT_FIELD: Final = _text(
    _INSTANT, "ISO 8601 date and time; without an offset, local time in the schedule's zone"
)

_RESTRICTION_SCHEMA: Final = {
    **_object(
        {
            "days": _text(_DAYS, "mon, mon-fri, sat-mon or mon-wed,fri; none: every day"),
            "from": _text(_TIME, "the local time the window opens"),
            "to": _text(_TIME, "the local time it closes (at or before 'from': the next day)"),
            "for": _text(_SPAN, "or how long it stays open"),
        },
        ["from"],
    ),
    "oneOf": [{"required": ["to"]}, {"required": ["for"]}],
}

_LAYER_SCHEMA: Final = _object(
    {
        "name": {"type": "string", "minLength": 1},
        "members": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "minLength": 1},
            "description": "rotation order; a name may repeat",
        },
        "shift": _text(_SPAN, "the length of a turn, e.g. 7d or 12h"),
        "handoff": _INSTANT_FIELD,
        "start": _INSTANT_FIELD,
        "end": _INSTANT_FIELD,
        "restrictions": {"type": "array", "items": _RESTRICTION_SCHEMA},
    },
    ["name", "members", "shift", "handoff"],
)

_OVERRIDE_SCHEMA: Final = _object(
    {
        "member": {"type": "string", "minLength": 1},
        "start": _INSTANT_FIELD,
        "end": _INSTANT_FIELD,
    },
    ["member", "start", "end"],
)

SCHEDULES_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "description": "on-call schedules by name (PagerDuty-style layers and overrides)",
    "additionalProperties": _object(
        {
            "zone": {"type": "string", "minLength": 1, "description": "an IANA time zone"},
            "layers": {
                "type": "array",
                "items": _LAYER_SCHEMA,
                "description": "rotations, lowest first; a higher one wins where it has "
                "someone on call",
            },
            "overrides": {
                "type": "array",
                "items": _OVERRIDE_SCHEMA,
                "description": "one member on call over every layer; a later one wins",
            },
        },
        ["zone"],
    ),
}
"""The JSON Schema (draft 2020-12) of the ``schedules`` table of the policy dict form."""
