"""Import Zendesk SLA policies and business-hours schedules as a `Policy`.

The documents are the Zendesk Support API's own JSON, as its list endpoints return it:

* ``GET /api/v2/slas/policies``: ``{"sla_policies": [...]}``, each with ``id``, ``title``,
  ``description``, ``position``, ``filter`` (``all`` and ``any`` lists of ``{field,
  operator, value}``) and ``policy_metrics`` (``{priority, metric, target, business_hours}``,
  ``target`` in minutes);
* ``GET /api/v2/business_hours/schedules``: ``{"schedules": [...]}`` (or one schedule,
  ``{"schedule": {...}}``), each with ``id``, ``name``, ``time_zone`` (Zendesk's own zone
  name, such as ``"Eastern Time (US & Canada)"``, mapped to IANA; an IANA name is taken as
  it is) and ``intervals`` (``{start_time, end_time}`` in minutes from Sunday 00:00);
* ``GET /api/v2/business_hours/schedules/{id}/holidays``: ``{"holidays": [...]}``, each with
  ``name``, ``start_date`` and ``end_date`` (ISO dates, both included).

What becomes of them:

* Each SLA policy becomes an `SlaPolicy` named by its ``title``, in ``position`` order (the
  first whose condition matches applies, as in Zendesk); one without conditions catches the
  rest, and any after it (which Zendesk never applies either) are left out and reported.
* Filter fields: ``priority`` -> ``priority`` (``is``, ``is_not``, ``less_than``,
  ``greater_than``, in Zendesk's order low < normal < high < urgent); ``group_id`` ->
  ``team`` (the group id as text); ``current_tags`` (``includes``: any of the space-separated
  tags; ``not_includes``: none of them) -> ``tags``; ``ticket_type_id`` ->
  ``attributes.ticket_type``, ``via_id`` -> ``attributes.via``, ``brand_id`` ->
  ``attributes.brand_id``, ``organization_id`` -> ``attributes.organization_id`` (``is``,
  ``is_not``; values as text). The host fills those attributes. Any other field or operator
  is reported `Unsupported` and left out of the condition (an ``all`` condition left out
  widens the SLA policy, an ``any`` one narrows it); an SLA policy left with no condition at
  all is left out whole, since it would catch every ticket.
* Metrics -> clocks: ``first_reply_time`` -> ``first_response``, ``next_reply_time`` ->
  ``next_response``, ``periodic_update_time`` -> ``periodic_update``,
  ``pausable_update_time`` -> ``pausable_update``, ``requester_wait_time`` ->
  ``requester_wait``, ``agent_work_time`` -> ``agent_work``. Reply and periodic update
  clocks do not pause (Zendesk pauses only the pausable update, requester wait and agent
  work); agent work also pauses on hold. Zendesk's statuses ``new``, ``hold`` and
  ``solved`` are mapped onto open, open and resolved (``status_map``).
* Targets are kept by Zendesk priority (``"low"``, ``"normal"``, ``"high"``, ``"urgent"``):
  in business time on the schedule's calendar when ``business_hours`` is true, else elapsed
  (`wall`). Each schedule becomes a calendar ``zendesk-<id>``; the first is the policy's
  calendar (Zendesk's default schedule). With several, ``calendar_field`` is
  ``attributes.zendesk_schedule``: a ticket whose trigger set another schedule names it there.
* The policy has one level, ``id="support"`` owned by ``"support"``, and no rules.

Read-only metadata (``url``, ``created_at``, ``updated_at``, ``target_in_seconds``) is
ignored; a description, an unknown metric and a condition the library lacks are
`Unsupported` items with their path. Malformed input raises `PolicyError` naming the path.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .._conditions.condition import Condition, all_of, any_of
from .._conditions.dsl import F, field
from .._engine.policy import Policy
from .._engine.sla_policies import SlaPolicy
from .._exceptions import CalendarError, PolicyError
from .._model.clock_definitions import SlaClock
from .._model.levels import Level
from .._model.targets import Target, wall
from .._suggest import did_you_mean
from .._time.calendar import BusinessCalendar
from .import_report import Imported, Unsupported

PRIORITIES: Final = ("low", "normal", "high", "urgent")
"""Zendesk's priorities, lowest first (kept as the issue's priority strings)."""

METRICS: Final = {
    "first_reply_time": "first_response",
    "next_reply_time": "next_response",
    "periodic_update_time": "periodic_update",
    "pausable_update_time": "pausable_update",
    "requester_wait_time": "requester_wait",
    "agent_work_time": "agent_work",
}
"""Zendesk SLA metric -> the clock it becomes."""

_CLOCKS: Final = {
    "first_response": SlaClock("first_response", pause_on=()),
    "next_response": SlaClock("next_response", pause_on=()),
    "periodic_update": SlaClock("periodic_update", pause_on=()),
    "pausable_update": SlaClock("pausable_update"),
    "requester_wait": SlaClock("requester_wait"),
    "agent_work": SlaClock("agent_work", pause_on=["pending", "hold"]),
}
STATUS_MAP: Final = {"new": "open", "hold": "open", "solved": "resolved"}
"""Zendesk's statuses the engine does not have, mapped onto its own."""

ATTRIBUTES: Final = {
    "ticket_type_id": "attributes.ticket_type",
    "via_id": "attributes.via",
    "brand_id": "attributes.brand_id",
    "organization_id": "attributes.organization_id",
    "group_id": "team",
}
"""Zendesk filter fields compared with ``is``/``is_not`` -> the issue field (values as text)."""

MAX_HOLIDAY_DAYS: Final = 366
"""The longest holiday (in days) accepted: a longer one is a mistake in the document."""

# Rails' ActiveSupport::TimeZone names, which Zendesk uses, -> IANA.
ZONES: Final = {
    "International Date Line West": "Etc/GMT+12", "Midway Island": "Pacific/Midway",
    "American Samoa": "Pacific/Pago_Pago", "Hawaii": "Pacific/Honolulu",
    "Alaska": "America/Juneau", "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Tijuana": "America/Tijuana", "Mountain Time (US & Canada)": "America/Denver",
    "Arizona": "America/Phoenix", "Chihuahua": "America/Chihuahua",
    "Mazatlan": "America/Mazatlan", "Central Time (US & Canada)": "America/Chicago",
    "Saskatchewan": "America/Regina", "Guadalajara": "America/Mexico_City",
    "Mexico City": "America/Mexico_City", "Monterrey": "America/Monterrey",
    "Central America": "America/Guatemala", "Eastern Time (US & Canada)": "America/New_York",
    "Indiana (East)": "America/Indiana/Indianapolis", "Bogota": "America/Bogota",
    "Lima": "America/Lima", "Quito": "America/Lima",
    "Atlantic Time (Canada)": "America/Halifax", "Caracas": "America/Caracas",
    "La Paz": "America/La_Paz", "Santiago": "America/Santiago",
    "Newfoundland": "America/St_Johns", "Brasilia": "America/Sao_Paulo",
    "Buenos Aires": "America/Argentina/Buenos_Aires", "Montevideo": "America/Montevideo",
    "Georgetown": "America/Guyana", "Puerto Rico": "America/Puerto_Rico",
    "Greenland": "America/Nuuk", "Mid-Atlantic": "Atlantic/South_Georgia",
    "Azores": "Atlantic/Azores", "Cape Verde Is.": "Atlantic/Cape_Verde",
    "Dublin": "Europe/Dublin", "Edinburgh": "Europe/London", "Lisbon": "Europe/Lisbon",
    "London": "Europe/London", "Casablanca": "Africa/Casablanca",
    "Monrovia": "Africa/Monrovia", "UTC": "Etc/UTC", "Belgrade": "Europe/Belgrade",
    "Bratislava": "Europe/Bratislava", "Budapest": "Europe/Budapest",
    "Ljubljana": "Europe/Ljubljana", "Prague": "Europe/Prague",
    "Sarajevo": "Europe/Sarajevo", "Skopje": "Europe/Skopje", "Warsaw": "Europe/Warsaw",
    "Zagreb": "Europe/Zagreb", "Brussels": "Europe/Brussels",
    "Copenhagen": "Europe/Copenhagen", "Madrid": "Europe/Madrid", "Paris": "Europe/Paris",
    "Amsterdam": "Europe/Amsterdam", "Berlin": "Europe/Berlin", "Bern": "Europe/Zurich",
    "Zurich": "Europe/Zurich", "Rome": "Europe/Rome", "Stockholm": "Europe/Stockholm",
    "Vienna": "Europe/Vienna", "West Central Africa": "Africa/Algiers",
    "Bucharest": "Europe/Bucharest", "Cairo": "Africa/Cairo",
    "Helsinki": "Europe/Helsinki", "Kyiv": "Europe/Kiev", "Riga": "Europe/Riga",
    "Sofia": "Europe/Sofia", "Tallinn": "Europe/Tallinn", "Vilnius": "Europe/Vilnius",
    "Athens": "Europe/Athens", "Istanbul": "Europe/Istanbul", "Minsk": "Europe/Minsk",
    "Jerusalem": "Asia/Jerusalem", "Harare": "Africa/Harare",
    "Pretoria": "Africa/Johannesburg", "Kaliningrad": "Europe/Kaliningrad",
    "Moscow": "Europe/Moscow", "St. Petersburg": "Europe/Moscow",
    "Volgograd": "Europe/Volgograd", "Samara": "Europe/Samara", "Kuwait": "Asia/Kuwait",
    "Riyadh": "Asia/Riyadh", "Nairobi": "Africa/Nairobi", "Baghdad": "Asia/Baghdad",
    "Tehran": "Asia/Tehran", "Abu Dhabi": "Asia/Muscat", "Muscat": "Asia/Muscat",
    "Baku": "Asia/Baku", "Tbilisi": "Asia/Tbilisi", "Yerevan": "Asia/Yerevan",
    "Kabul": "Asia/Kabul", "Ekaterinburg": "Asia/Yekaterinburg",
    "Islamabad": "Asia/Karachi", "Karachi": "Asia/Karachi", "Tashkent": "Asia/Tashkent",
    "Chennai": "Asia/Kolkata", "Kolkata": "Asia/Kolkata", "Mumbai": "Asia/Kolkata",
    "New Delhi": "Asia/Kolkata", "Kathmandu": "Asia/Kathmandu", "Astana": "Asia/Dhaka",
    "Dhaka": "Asia/Dhaka", "Sri Jayawardenepura": "Asia/Colombo",
    "Almaty": "Asia/Almaty", "Novosibirsk": "Asia/Novosibirsk", "Rangoon": "Asia/Yangon",
    "Bangkok": "Asia/Bangkok", "Hanoi": "Asia/Bangkok", "Jakarta": "Asia/Jakarta",
    "Krasnoyarsk": "Asia/Krasnoyarsk", "Beijing": "Asia/Shanghai",
    "Chongqing": "Asia/Chongqing", "Hong Kong": "Asia/Hong_Kong",
    "Urumqi": "Asia/Urumqi", "Kuala Lumpur": "Asia/Kuala_Lumpur",
    "Singapore": "Asia/Singapore", "Taipei": "Asia/Taipei", "Perth": "Australia/Perth",
    "Irkutsk": "Asia/Irkutsk", "Ulaanbaatar": "Asia/Ulaanbaatar", "Seoul": "Asia/Seoul",
    "Osaka": "Asia/Tokyo", "Sapporo": "Asia/Tokyo", "Tokyo": "Asia/Tokyo",
    "Yakutsk": "Asia/Yakutsk", "Darwin": "Australia/Darwin",
    "Adelaide": "Australia/Adelaide", "Canberra": "Australia/Sydney",
    "Melbourne": "Australia/Melbourne", "Sydney": "Australia/Sydney",
    "Brisbane": "Australia/Brisbane", "Hobart": "Australia/Hobart",
    "Vladivostok": "Asia/Vladivostok", "Guam": "Pacific/Guam",
    "Port Moresby": "Pacific/Port_Moresby", "Magadan": "Asia/Magadan",
    "Srednekolymsk": "Asia/Srednekolymsk", "Solomon Is.": "Pacific/Guadalcanal",
    "New Caledonia": "Pacific/Noumea", "Fiji": "Pacific/Fiji",
    "Kamchatka": "Asia/Kamchatka", "Marshall Is.": "Pacific/Majuro",
    "Auckland": "Pacific/Auckland", "Wellington": "Pacific/Auckland",
    "Nuku'alofa": "Pacific/Tongatapu", "Tokelau Is.": "Pacific/Fakaofo",
    "Chatham Is.": "Pacific/Chatham", "Samoa": "Pacific/Apia",
}  # fmt: skip


def _bad(where: str, message: str, value: object, suggestion: str | None = None) -> PolicyError:
    return PolicyError(message, where=where, value=value, suggestion=suggestion)


def _get(obj: object, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(obj, Mapping):
        raise _bad(where, f"expected a JSON object, got {obj!r}", obj)
    if key not in obj:
        raise _bad(f"{where}.{key}", f"the required field {key!r} is missing", None)
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _bad(f"{where}.{key}", f"expected {_kind_name(kind)}, got {value!r}", value)
    return value


_KIND_NAMES: Final = {list: "a list", str: "a string", int: "an integer", Mapping: "an object"}


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return " or ".join(
        _KIND_NAMES.get(k, k.__name__) for k in (kind if isinstance(kind, tuple) else (kind,))
    )


def _list(obj: object, key: str, where: str) -> list[Any]:
    if isinstance(obj, Mapping) and obj.get(key) is None:
        return []
    return list(_get(obj, key, where, list))


# -- schedules -> calendars ------------------------------------------------------------------


def _zone(name: str, where: str) -> str:
    iana = ZONES.get(name, name)
    try:
        ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad(
            where,
            f"unknown time zone {name!r}: neither a Zendesk zone name nor an IANA one",
            name,
            did_you_mean(name, ZONES),
        ) from None
    return iana


def _clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _weekly_hours(intervals: list[Any], where: str) -> list[list[tuple[str, str]]]:
    """Zendesk intervals (minutes from Sunday 00:00) as seven lists, Monday first."""
    week: list[list[tuple[str, str]]] = [[] for _ in range(7)]
    for i, interval in enumerate(intervals):
        here = f"{where}[{i}]"
        start = _get(interval, "start_time", here, int)
        end = _get(interval, "end_time", here, int)
        day = start // 1440
        if not 0 <= start < end <= 7 * 1440 or end - day * 1440 > 1440:
            raise _bad(
                here,
                f"an interval runs forward within one day of the week (0 to {7 * 1440} minutes "
                f"from Sunday 00:00), got start_time={start!r}, end_time={end!r}",
                dict(interval),
            )
        week[(day + 6) % 7].append((_clock_text(start - day * 1440), _clock_text(end - day * 1440)))
    return week


def _holiday_dates(doc: object, where: str) -> list[date]:
    out: list[date] = []
    for i, holiday in enumerate(_list(doc, "holidays", where)):
        here = f"{where}.holidays[{i}]"
        first, last = (
            _date(_get(holiday, k, here, str), f"{here}.{k}") for k in ("start_date", "end_date")
        )
        days = (last - first).days
        if not 0 <= days < MAX_HOLIDAY_DAYS:
            raise _bad(
                f"{here}.end_date",
                f"a holiday ends on or after its start and lasts at most {MAX_HOLIDAY_DAYS} "
                f"days, got {first.isoformat()} to {last.isoformat()}",
                last.isoformat(),
            )
        out.extend(first + timedelta(days=n) for n in range(days + 1))
    return out


def _date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text[:10] if len(text) > 10 and text[10] == "T" else text)
    except ValueError:
        raise _bad(where, f"expected an ISO date (2026-12-25), got {text!r}", text) from None


def _schedule_list(doc: Mapping[str, Any]) -> list[Any]:
    if isinstance(doc, Mapping) and "schedule" in doc and "schedules" not in doc:
        return [_get(doc, "schedule", "business_hours", Mapping)]
    return list(_get(doc, "schedules", "business_hours", list))


def _calendars(
    doc: Mapping[str, Any] | None, holidays: Mapping[Any, Any] | None
) -> dict[str, BusinessCalendar]:
    """The schedules as calendars named ``zendesk-<id>``, in document order."""
    schedules = [] if doc is None else _schedule_list(doc)
    if holidays is not None and not isinstance(holidays, Mapping):
        raise _bad(
            "holidays", f"expected a mapping of schedule id to holidays, got {holidays!r}", holidays
        )
    by_id = {str(k): v for k, v in (holidays or {}).items()}
    out: dict[str, BusinessCalendar] = {}
    for i, schedule in enumerate(schedules):
        where = f"business_hours.schedules[{i}]"
        sid = str(_get(schedule, "id", where, (int, str)))
        name = f"zendesk-{sid}"
        if name in out:
            raise _bad(f"{where}.id", f"duplicate schedule id {sid!r}", sid)
        zone = _zone(_get(schedule, "time_zone", where, str), f"{where}.time_zone")
        hours = _weekly_hours(_list(schedule, "intervals", where), f"{where}.intervals")
        days = _holiday_dates(by_id.pop(sid), f"holidays[{sid}]") if sid in by_id else []
        try:
            out[name] = BusinessCalendar(zone, hours, holidays=days)
        except CalendarError as exc:
            raise _bad(where, exc.message, exc.value) from None
    if by_id:
        sid = next(iter(by_id))
        raise _bad(
            f"holidays[{sid}]",
            f"holidays for schedule {sid!r}, which is not among the schedules",
            sid,
            did_you_mean(sid, [n[8:] for n in out]),
        )
    return out


# -- filters -> conditions -------------------------------------------------------------------


def _checked_priority(value: object, where: str) -> str:
    if not isinstance(value, str) or value not in PRIORITIES:
        hint = did_you_mean(str(value), PRIORITIES)
        raise _bad(where, f"a priority is one of {list(PRIORITIES)}, got {value!r}", value, hint)
    return value


def _priority(operator: str, value: object, where: str) -> Condition:
    rank = PRIORITIES.index(value := _checked_priority(value, f"{where}.value"))
    if operator == "is":
        return F.priority == value
    if operator == "is_not":
        return F.priority != value
    return F.priority.isin(PRIORITIES[:rank] if operator == "less_than" else PRIORITIES[rank + 1 :])


def _condition(item: object, where: str) -> Condition | Unsupported:
    """One Zendesk filter condition as a condition, or what could not be imported."""
    if not isinstance(item, Mapping):
        raise _bad(where, f"expected a JSON object, got {item!r}", item)
    name = _get(item, "field", where, str)
    operator = _get(item, "operator", where, str)
    value = item.get("value")
    if name == "priority" and operator in ("is", "is_not", "less_than", "greater_than"):
        return _priority(operator, value, where)
    if name == "current_tags" and operator in ("includes", "not_includes"):
        tags = value.split() if isinstance(value, str) else None
        if not tags:
            raise _bad(f"{where}.value", f"expected tags separated by spaces, got {value!r}", value)
        found = any_of(*(F.tags.contains(tag) for tag in tags))
        return found if operator == "includes" else ~found
    if name in ATTRIBUTES and operator in ("is", "is_not"):
        if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
            raise _bad(f"{where}.value", f"expected an id or a name, got {value!r}", value)
        ref = field(ATTRIBUTES[name])
        return ref == str(value) if operator == "is" else ref != str(value)
    if name in ATTRIBUTES or name in ("priority", "current_tags"):
        what = f"the operator {operator!r} on {name!r} is not supported"
    else:
        what = f"the condition field {name!r} has no counterpart in the issue model"
    return Unsupported(where, f"{what}; the condition is left out", dict(item))


def _filter(
    sla: Mapping[str, Any], where: str, unsupported: list[Unsupported]
) -> tuple[Condition | None, bool]:
    """The SLA policy's condition (``None``: every ticket), and whether it lost any part."""
    flt = _get(sla, "filter", where, Mapping)
    parts: list[Condition] = []
    lost = False
    for key, combine in (("all", all_of), ("any", any_of)):
        found: list[Condition] = []
        for i, item in enumerate(_list(flt, key, f"{where}.filter")):
            got = _condition(item, f"{where}.filter.{key}[{i}]")
            if isinstance(got, Unsupported):
                unsupported.append(got)
                lost = True
            else:
                found.append(got)
        if found:
            parts.append(combine(*found))
    return (all_of(*parts) if parts else None), lost


# -- metrics -> targets ----------------------------------------------------------------------


def _targets(
    sla: Mapping[str, Any], where: str, calendar: str | None, unsupported: list[Unsupported]
) -> dict[str, dict[str, Target]]:
    out: dict[str, dict[str, Target]] = {}
    for i, item in enumerate(_list(sla, "policy_metrics", where)):
        here = f"{where}.policy_metrics[{i}]"
        metric = _get(item, "metric", here, str)
        priority = _checked_priority(_get(item, "priority", here, str), f"{here}.priority")
        minutes = _get(item, "target", here, int)
        if minutes <= 0:
            raise _bad(f"{here}.target", f"expected minutes above 0, got {minutes!r}", minutes)
        business = item.get("business_hours", False)
        if not isinstance(business, bool):
            raise _bad(f"{here}.business_hours", f"expected a boolean, got {business!r}", business)
        clock = METRICS.get(metric)
        if clock is None:
            what = f"the metric {metric!r} has no clock here; its target is left out"
            unsupported.append(Unsupported(here, what, dict(item)))
            continue
        if business and calendar is None:
            what = "counts in business hours, but no schedule was given (business_hours=)"
            raise _bad(f"{here}.business_hours", what, business)
        table = out.setdefault(clock, {})
        if priority in table:
            raise _bad(here, f"a second {metric} target for priority {priority!r}", dict(item))
        span = timedelta(minutes=minutes)
        table[priority] = Target(span) if business else wall(span)
    return out


def _ordered(doc: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """The SLA policies with their index in the document, in ``position`` order."""
    slas = _get(doc, "sla_policies", "sla_policies_doc", list)
    keyed = []
    for i, sla in enumerate(slas):
        where = f"sla_policies[{i}]"
        if not isinstance(sla, Mapping):
            raise _bad(where, f"expected a JSON object, got {sla!r}", sla)
        position = sla.get("position")
        if position is not None and (not isinstance(position, int) or isinstance(position, bool)):
            raise _bad(f"{where}.position", f"expected an integer, got {position!r}", position)
        keyed.append(((position is None, position or 0, i), (i, sla)))
    return [pair for _key, pair in sorted(keyed, key=lambda kv: kv[0])]


def _sla_policies(
    doc: Mapping[str, Any], calendar: str | None, unsupported: list[Unsupported]
) -> list[SlaPolicy]:
    out: list[SlaPolicy] = []
    names: set[str] = set()
    fallback: str | None = None
    for i, sla in _ordered(doc):
        where = f"sla_policies[{i}]"
        title = _get(sla, "title", where, str).strip()
        if not title:
            raise _bad(f"{where}.title", "an SLA policy needs a title", sla["title"])
        if sla.get("description"):
            what = "an SLA policy has no description here; it is left out"
            unsupported.append(Unsupported(f"{where}.description", what, sla["description"]))
        when, lost = _filter(sla, where, unsupported)
        targets = _targets(sla, where, calendar, unsupported)
        if fallback is not None:
            what = f"comes after {fallback!r}, which matches every ticket: it never applies"
            unsupported.append(Unsupported(where, f"{what}; it is left out", title))
            continue
        if when is None and lost:
            what = "none of its conditions could be imported: it would catch every ticket"
            unsupported.append(Unsupported(where, f"{what}; it is left out", title))
            continue
        name = title if title not in names else f"{title} #{sla.get('id', i)}"
        names.add(name)
        fallback = name if when is None else None
        out.append(SlaPolicy(name, when=when, targets=targets))
    return out


def import_zendesk(
    sla_policies_doc: Mapping[str, Any],
    *,
    business_hours: Mapping[str, Any] | None = None,
    holidays: Mapping[int | str, Mapping[str, Any]] | None = None,
) -> Imported:
    """Build a `Policy` from Zendesk SLA policies and business-hours schedules.

    Args:
        sla_policies_doc: the response of ``GET /api/v2/slas/policies``:
            ``{"sla_policies": [...]}``.
        business_hours: the response of ``GET /api/v2/business_hours/schedules``
            (``{"schedules": [...]}``) or of one schedule (``{"schedule": {...}}``); needed
            when a target counts in business hours. The first schedule is the default.
        holidays: by schedule id, the response of
            ``GET /api/v2/business_hours/schedules/{id}/holidays`` (``{"holidays": [...]}``).

    Returns:
        `Imported` with ``source="zendesk"``: the policy (one level, ``id="support"``, owned
        by ``"support"``; the SLA policies in ``position`` order; the schedules as calendars
        ``zendesk-<id>``), and the `Unsupported` items with their paths. The mapping of
        fields, metrics and zones is in this module's docstring.

    Raises:
        PolicyError: a malformed document, naming the path (``sla_policies[1].
            policy_metrics[0].priority``) and the bad value.
    """
    if not isinstance(sla_policies_doc, Mapping):
        what = f"expected a JSON object, got {sla_policies_doc!r}"
        raise _bad("sla_policies_doc", what, sla_policies_doc)
    calendars = _calendars(business_hours, holidays)
    default = next(iter(calendars), None)
    unsupported: list[Unsupported] = []
    slas = _sla_policies(sla_policies_doc, default, unsupported)
    used = {clock for sla in slas for clock in sla.targets}
    policy = Policy(
        [Level("support", "Support", rank=1, owner="support")],
        [],
        name="zendesk-sla",
        status_map=STATUS_MAP,
        clocks=[_CLOCKS[name] for name in _CLOCKS if name in used],
        slas=slas,
        calendars=calendars,
        calendar=default,
        calendar_field="attributes.zendesk_schedule" if len(calendars) > 1 else None,
    )
    return Imported(policy, unsupported, source="zendesk")
