"""A ServiceNow incident and its ``sys_audit`` rows as an `Issue`.

The incident is what the Table API returns for ``GET /api/now/table/incident/{sys_id}``
(the ``{"result": {...}}`` wrapper or the bare record), with plain values
(``sysparm_display_value=false``, the default) or ``{"value", "display_value"}`` objects
(``sysparm_display_value=all``); reference fields may be ``{"link", "value"}`` objects.
The adapter always reads the ``value`` (a choice's value, a reference's ``sys_id``), so
both forms give the same issue; display values only help to name a group for
`TicketMapping.levels` and to recognise the caller.

The audit rows are ``GET /api/now/table/sys_audit?documentkey={sys_id}`` (wrapper or bare
list): ``fieldname``, ``oldvalue``, ``newvalue``, ``sys_created_on`` (UTC), ``user`` (the
user name), ``record_checkpoint``. The Table API promises no order without ``ORDERBY``,
so they are put in a canonical one: time, ``record_checkpoint`` (as a number),
``internal_checkpoint``, then a fixed order of fields within one update (group, assignee,
priority, the other fields, comments, state; `_FIELD_ORDER`), then the row's values. Any
order of the same rows gives the same issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from .._exceptions import IssueError
from .._frozendict import FrozenDict
from .._model.events import ATTRIBUTE_PREFIX, Event, EventKind
from .._model.issue import Customer, Issue
from .import_report import Unsupported
from .payload import Doc, bad, instant, obj, text
from .ticket_adapter import AdaptedTicket, TicketMapping

_UTC: Final = ZoneInfo("UTC")

#: The most ``sys_audit`` rows one incident may bring.
MAX_AUDIT_ROWS: Final = 100_000

#: The incident ``state`` choices (value and label) onto the engine's statuses.
STATE_DEFAULTS: Final[Mapping[str, str]] = FrozenDict(
    {
        "1": "open", "New": "open",
        "2": "open", "In Progress": "open",
        "3": "pending", "On Hold": "pending",
        "6": "resolved", "Resolved": "resolved",
        "7": "closed", "Closed": "closed",
        "8": "closed", "Canceled": "closed",
    }
)  # fmt: skip

# Incident fields with a fixed meaning: what TicketMapping.fields cannot redirect.
_CORE: Final[Mapping[str, str]] = FrozenDict(
    {
        "state": "status",
        "incident_state": "status",  # mirrors state; only read when state is not audited
        "priority": "priority",
        "assignment_group": "team",
        "assigned_to": "assignee",
        "comments": "comment",
        "work_notes": "skip",  # internal notes: not a reply the customer sees
        "caller_id": "skip",  # the customer is the current caller (Customer.id)
        "company": "skip",  # the current company (Customer.account)
    }
)

# Incident fields kept by default as a field of the issue (TicketMapping.fields overrides).
_DEFAULT_FIELDS: Final[Mapping[str, str]] = FrozenDict(
    {
        "category": "category",
        "subcategory": "attributes.subcategory",
        "urgency": "attributes.urgency",
        "impact": "attributes.impact",
        "made_sla": "attributes.made_sla",
        "reassignment_count": "attributes.reassignment_count",
        "reopen_count": "attributes.reopen_count",
        "hold_reason": "attributes.hold_reason",
    }
)
_BOOLEANS: Final = frozenset({"made_sla"})
_INTEGERS: Final = frozenset({"reassignment_count", "reopen_count"})

#: Audited incident fields with no state the library keeps: skipped without a report.
SKIPPED_FIELDS: Final = frozenset(
    {
        "sys_id", "number", "sys_created_on", "sys_created_by", "sys_updated_on",
        "sys_updated_by", "sys_mod_count", "sys_domain", "sys_domain_path", "sys_class_name",
        "sys_tags", "short_description", "description", "work_notes_list", "watch_list",
        "comments_and_work_notes", "close_code", "close_notes", "opened_at", "opened_by",
        "resolved_at", "resolved_by", "closed_at", "closed_by", "reopened_by",
        "reopened_time", "active", "activity_due", "due_date", "sla_due", "follow_up",
        "business_duration", "calendar_duration", "business_stc", "calendar_stc",
        "time_worked", "contact_type", "location", "cmdb_ci", "business_service",
        "service_offering", "problem_id", "rfc", "caused_by", "parent", "parent_incident",
        "child_incidents", "knowledge", "notify", "escalation", "severity", "upon_approval",
        "upon_reject", "approval", "approval_history", "approval_set", "user_input",
        "correlation_id", "correlation_display", "order", "expected_start", "work_start",
        "work_end", "group_list", "additional_assignee_list", "route_reason", "origin_id",
        "origin_table", "delivery_plan", "delivery_task", "x_caller_display",
    }
)  # fmt: skip

#: Within one update (same instant and checkpoints), the order of the rows by ``_CORE``
#: target: reassignment first, the state last (after the comment that may have moved it);
#: a field that is not in ``_CORE`` comes between the priority and the comments.
_FIELD_ORDER: Final[Mapping[str, int]] = FrozenDict(
    {"team": 0, "assignee": 1, "priority": 2, "comment": 4, "status": 5, "skip": 6}
)
_OTHER_FIELD: Final = 3

# Targets a field's audit rows cannot replay (no event sets them): the current value only.
_CURRENT_ONLY: Final = frozenset({"customer.id", "customer.tier", "tags", "skip"})


@attrs.frozen
class _Row:
    index: int
    path: str
    at: datetime
    checkpoint: int
    field: str
    doc: Doc
    order: tuple[Any, ...]  # the canonical order of the rows (`_audit_rows`)


@attrs.frozen
class _Record:
    doc: Doc
    path: str
    sys_id: str | None
    created_at: datetime
    insert_until: datetime  # an audit row with no old value up to here is the insert


def _value(doc: Doc, key: str, path: str, *, required: bool = False) -> str | None:
    """``doc[key]`` as text: a plain value, or the ``value`` of a display-value or
    reference object."""
    item = doc.get(key)
    if isinstance(item, Mapping):
        return text(item, "value", f"{path}.{key}", required=required)
    return text(doc, key, path, required=required)


def _display(doc: Doc, key: str, path: str) -> str | None:
    """The ``display_value`` of ``doc[key]`` (``sysparm_display_value=all``), if any."""
    item = doc.get(key)
    if isinstance(item, Mapping):
        return text(item, "display_value", f"{path}.{key}")
    return None


def _record(incident: Any) -> _Record:
    doc, path = obj(incident, "incident"), "incident"
    if "result" in doc and "sys_id" not in doc and "number" not in doc:
        doc, path = obj(doc["result"], "incident.result"), "incident.result"
    opened = _value(doc, "opened_at", path)
    created = _value(doc, "sys_created_on", path, required=opened is None)
    created_at = instant(
        opened or created, f"{path}.{'opened_at' if opened else 'sys_created_on'}", _UTC
    )
    insert_until = created_at
    if opened is not None and created is not None:
        insert_until = max(created_at, instant(created, f"{path}.sys_created_on", _UTC))
    return _Record(doc, path, _value(doc, "sys_id", path), created_at, insert_until)


def _audit_rows(audit: Any, record: _Record) -> list[_Row]:
    """The ``sys_audit`` rows of *audit*, checked and in their canonical order."""
    base = "audit"
    if isinstance(audit, Mapping):
        audit, base = audit.get("result"), "audit.result"
    if audit is None:
        audit = ()
    if not isinstance(audit, list | tuple):
        raise bad(base, "a list of sys_audit rows", audit)
    if len(audit) > MAX_AUDIT_ROWS:
        raise IssueError(
            f"{base}: {len(audit):,} sys_audit rows, more than the {MAX_AUDIT_ROWS:,} an "
            "incident may bring; pass the rows of one incident",
            value=len(audit),
        )
    rows = [
        _row(i, obj(item, f"{base}[{i}]"), f"{base}[{i}]", record) for i, item in enumerate(audit)
    ]
    return sorted(rows, key=lambda row: row.order)


def _row(index: int, doc: Doc, path: str, record: _Record) -> _Row:
    table = _value(doc, "tablename", path)
    if table is not None and table != "incident":
        raise IssueError(
            f"{path}: the sys_audit row is for the table {table!r}, not 'incident'", value=table
        )
    key = _value(doc, "documentkey", path)
    if key is not None and record.sys_id is not None and key != record.sys_id:
        raise IssueError(
            f"{path}: the sys_audit row is for the record {key!r}, not this incident "
            f"({record.sys_id!r}); pass only the rows whose documentkey is its sys_id",
            value=key,
        )
    field = _value(doc, "fieldname", path, required=True)
    assert field is not None  # required
    at = instant(_value(doc, "sys_created_on", path, required=True), f"{path}.sys_created_on", _UTC)
    checkpoint = _value(doc, "record_checkpoint", path)
    number = -1
    if checkpoint is not None:
        try:
            number = int(checkpoint)
        except ValueError:
            raise bad(f"{path}.record_checkpoint", "a whole number", checkpoint) from None
    internal = _value(doc, "internal_checkpoint", path) or ""
    values = tuple(
        (value is None, value or "")
        for value in (_value(doc, key, path) for key in ("newvalue", "oldvalue", "user"))
    )
    rank = _FIELD_ORDER.get(_CORE.get(field, ""), _OTHER_FIELD)
    order = (at, number, len(internal), internal, rank, field, values)
    return _Row(index, path, at, number, field, doc, order)


@attrs.define
class _Adapter:
    """The state of one adaptation: the mapping, and the report it builds."""

    mapping: TicketMapping
    record: _Record
    names: dict[str, str] = attrs.field(factory=dict)
    unmapped: list[Unsupported] = attrs.field(factory=list)
    reported: set[tuple[str, str]] = attrs.field(factory=set)

    def report(self, key: tuple[str, str], where: str, what: str, value: object) -> None:
        if key not in self.reported:
            self.reported.add(key)
            self.unmapped.append(Unsupported(where, what, value))

    def target(self, field: str) -> str:
        """Where *field* goes: a target, ``"skip"``, or ``""`` (not known)."""
        if field in _CORE:
            return _CORE[field]
        mapped = self.mapping.fields.get(field)
        if mapped:
            return mapped
        if field in _DEFAULT_FIELDS:
            return _DEFAULT_FIELDS[field]
        return "skip" if field in SKIPPED_FIELDS else ""

    def convert(self, field: str, target: str, raw: str | None, where: str) -> Any:
        """*raw* (the value of *field* at *where*) as the value *target* takes."""
        if raw is None or target in ("team", "assignee"):
            return raw
        if target == "status":
            status = self.mapping.status(raw, STATE_DEFAULTS)
            if status is None:
                self.report(
                    ("status", raw), where,
                    f"the state {raw!r} is neither a ServiceNow default nor in "
                    "TicketMapping.statuses: kept as it is", raw,
                )  # fmt: skip
            return status or raw
        if target == "priority":
            priority = self.mapping.priority(raw)
            if priority is None:
                self.report(
                    ("priority", raw), where,
                    f"the priority {raw!r} is not in TicketMapping.priorities: kept as it is",
                    raw,
                )  # fmt: skip
            return priority or raw
        if target.startswith(ATTRIBUTE_PREFIX):
            return _typed(field, raw, where)
        return raw

    def level(self, team: str | None) -> str | None:
        """The level the group *team* (a sys_id, or a name) stands for, if mapped."""
        if team is None:
            return None
        levels = self.mapping.levels
        name = self.names.get(team)
        return levels.get(team) or (levels.get(name) if name else None)


def _typed(field: str, raw: str, where: str) -> Any:
    if field in _BOOLEANS:
        if raw not in ("true", "false"):
            raise bad(where, '"true" or "false"', raw)
        return raw == "true"
    if field in _INTEGERS:
        try:
            return int(raw)
        except ValueError:
            raise bad(where, "a whole number", raw) from None
    return raw


def _current(adapter: _Adapter) -> dict[str, Any]:
    """The record's current value of each target, by target (the first field wins)."""
    record, out = adapter.record, dict[str, Any]()
    fields = [*_CORE, *_DEFAULT_FIELDS, *adapter.mapping.fields]
    for field in dict.fromkeys(fields):
        target = adapter.target(field)
        if target in ("skip", "comment", "") or out.get(target) is not None:
            continue
        raw = _value(record.doc, field, record.path)
        if raw is None and target in out:
            continue
        out[target] = adapter.convert(field, target, raw, f"{record.path}.{field}")
    return out


def _initial(
    adapter: _Adapter, rows: list[_Row], current: dict[str, Any]
) -> tuple[dict[str, Any], set[int]]:
    """The initial value of each target, and the rows that only set one (the insert)."""
    initial, seen, inserts = dict(current), set(), set()
    for row in rows:
        target = adapter.target(row.field)
        if target in _CURRENT_ONLY or target in ("comment", "") or target in seen:
            continue
        seen.add(target)
        old = _value(row.doc, "oldvalue", row.path)
        if old is None and row.at <= adapter.record.insert_until:
            inserts.add(row.index)
            new = _value(row.doc, "newvalue", row.path)
            initial[target] = adapter.convert(row.field, target, new, f"{row.path}.newvalue")
        else:
            initial[target] = adapter.convert(row.field, target, old, f"{row.path}.oldvalue")
    return initial, inserts


def _first_events(adapter: _Adapter, initial: dict[str, Any], audited: set[str]) -> list[Event]:
    at = adapter.record.created_at
    events = [
        Event(
            EventKind.CREATED, at, priority=initial.get("priority"),
            team=initial.get("team"), assignee=initial.get("assignee"),
        )
    ]  # fmt: skip
    status = initial.get("status")
    if status is not None and status != "open":
        events.append(Event(EventKind.STATUS_CHANGED, at, status=status))
    level = adapter.level(initial.get("team"))
    if level is not None:
        events.append(Event(EventKind.LEVEL_CHANGED, at, level=level))
    for target in sorted(audited):
        if _is_field(target) and initial.get(target) is not None:
            events.append(Event.field_changed(at, target, initial[target]))
    return events


def _is_field(target: str) -> bool:
    return target in ("category", "product", "language") or target.startswith(ATTRIBUTE_PREFIX)


def _changes(
    adapter: _Adapter,
    rows: list[_Row],
    initial: dict[str, Any],
    inserts: set[int],
    callers: frozenset[str],
) -> list[Event]:
    """The events of the audit rows, in their (sorted) order."""
    now, events = dict(initial), []
    now["level"] = adapter.level(initial.get("team"))
    for row in rows:
        target = adapter.target(row.field)
        at = max(row.at, adapter.record.created_at)
        if target == "":
            adapter.report(
                ("field", row.field), row.path,
                f"the audited field {row.field!r} is neither one the adapter knows nor in "
                "TicketMapping.fields: its changes are left out", row.field,
            )  # fmt: skip
            continue
        if target == "comment":
            user = _value(row.doc, "user", row.path)
            kind = EventKind.CUSTOMER_MESSAGE if user in callers else EventKind.AGENT_REPLY
            events.append(Event(kind, at, actor=user))
            continue
        if target in _CURRENT_ONLY or row.index in inserts:
            continue
        raw = _value(row.doc, "newvalue", row.path)
        value = adapter.convert(row.field, target, raw, f"{row.path}.newvalue")
        if target in now and now[target] == value:
            continue
        now[target] = value
        events.extend(_change(adapter, target, value, at, now))
    return events


def _change(
    adapter: _Adapter, target: str, value: Any, at: datetime, now: dict[str, Any]
) -> list[Event]:
    if target == "status":
        return [] if value is None else [Event(EventKind.STATUS_CHANGED, at, status=value)]
    if target == "priority":
        return [] if value is None else [Event(EventKind.PRIORITY_CHANGED, at, priority=value)]
    if target == "assignee":
        return [] if value is None else [Event(EventKind.REASSIGNED, at, assignee=value)]
    if target == "team":
        if value is None:
            return []
        out = [Event(EventKind.REASSIGNED, at, team=value)]
        level = adapter.level(value)
        if level is not None and level != now.get("level"):
            now["level"] = level
            out.append(Event(EventKind.LEVEL_CHANGED, at, level=level))
        return out
    return [Event.field_changed(at, target, value)]


def _group_names(record: _Record) -> dict[str, str]:
    names = {}
    for field in ("assignment_group",):
        value = _value(record.doc, field, record.path)
        shown = _display(record.doc, field, record.path)
        if value is not None and shown is not None:
            names[value] = shown
    return names


def _callers(record: _Record) -> frozenset[str]:
    """Who the caller is in ``sys_audit.user``: the dot-walked ``caller_id.user_name``,
    else the caller's display value."""
    doc, path = record.doc, record.path
    found = {_value(doc, "caller_id.user_name", path), _display(doc, "caller_id", path)}
    return frozenset(name for name in found if name is not None)


def _customer(adapter: _Adapter, initial: dict[str, Any]) -> Customer:
    record = adapter.record
    return Customer(
        id=initial.get("customer.id") or _value(record.doc, "caller_id", record.path),
        tier=initial.get("customer.tier"),
        account=_value(record.doc, "company", record.path),
    )


def _issue(adapter: _Adapter, initial: dict[str, Any], history: list[Event]) -> Issue:
    """The issue as created: its initial fields, and the events at its creation."""
    record = adapter.record
    number = _value(record.doc, "number", record.path) or _value(
        record.doc, "sys_id", record.path, required=True
    )
    assert number is not None  # required
    attributes = {
        t[len(ATTRIBUTE_PREFIX) :]: v
        for t, v in initial.items()
        if t.startswith(ATTRIBUTE_PREFIX) and v is not None
    }
    tags = initial.get("tags")
    return Issue(
        number,
        record.created_at,
        category=initial.get("category"),
        product=initial.get("product"),
        language=initial.get("language"),
        team=initial.get("team"),
        assignee=initial.get("assignee"),
        customer=_customer(adapter, initial),
        tags=[t.strip() for t in tags.split(",") if t.strip()] if tags else (),
        attributes=attributes,
        history=history,
    )


def servicenow_incident(
    incident: Any, audit: Any = (), *, mapping: TicketMapping | None = None
) -> AdaptedTicket:
    """A ServiceNow incident and its ``sys_audit`` rows as an `Issue`.

    The issue is created at ``opened_at`` (else ``sys_created_on``) with the values each
    field had then (its first audit row's ``oldvalue``, or the ``newvalue`` of the row the
    insert wrote, else the record's current value), and its history replays the audit
    rows in time order: ``state`` as ``STATUS_CHANGED`` (`STATE_DEFAULTS`, overridden by
    ``mapping.statuses``), ``priority`` as ``PRIORITY_CHANGED``, ``assignment_group`` and
    ``assigned_to`` as ``REASSIGNED`` (and ``LEVEL_CHANGED`` for a group in
    ``mapping.levels``), ``comments`` as ``CUSTOMER_MESSAGE`` (by the caller) or
    ``AGENT_REPLY``, and the other known or mapped fields as ``FIELD_CHANGED``.

    Args:
        incident: the incident record, ``{"result": {...}}`` or the bare record.
        audit: its ``sys_audit`` rows, ``{"result": [...]}`` or a bare list, in any order.
        mapping: how the instance's states, priorities, groups and fields map onto the
            policy's.

    Returns:
        The `AdaptedTicket`: the issue, and each state, priority or audited field the
        adapter could not map, with its path.

    Raises:
        IssueError: a payload that is not the shape the Table API returns (naming the path),
            an audit row of another incident or table, or more than `MAX_AUDIT_ROWS` rows.
    """
    record = _record(incident)
    adapter = _Adapter(mapping or TicketMapping(), record)
    adapter.names.update(_group_names(record))
    rows = _audit_rows(audit, record)
    if any(row.field == "state" for row in rows):  # incident_state mirrors it
        rows = [row for row in rows if row.field != "incident_state"]
    current = _current(adapter)
    initial, inserts = _initial(adapter, rows, current)
    audited = {adapter.target(row.field) for row in rows}
    history = _first_events(adapter, initial, audited)
    changes = _changes(adapter, rows, initial, inserts, _callers(record))
    issue = _issue(adapter, initial, history).with_events(changes)
    return AdaptedTicket(issue, adapter.unmapped, "servicenow")
