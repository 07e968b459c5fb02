"""A Zendesk ticket and its audits as an `Issue` (`zendesk_ticket`).

The payloads are the Zendesk Support API's own JSON:

* ``GET /api/v2/tickets/{id}``: ``{"ticket": {...}}`` or the bare ticket, with ``id``,
  ``created_at``, ``status``, ``priority``, ``type``, ``group_id``, ``assignee_id``,
  ``requester_id``, ``organization_id``, ``brand_id``, ``tags``, ``custom_fields``
  (``[{"id", "value"}]``) and ``satisfaction_rating`` (``{"score", ...}``);
* ``GET /api/v2/tickets/{id}/audits``: ``{"audits": [...]}`` or the bare list, each audit
  with ``created_at``, ``author_id`` and ``events``: ``Create`` and ``Change`` events
  (``field_name``, ``value``, ``previous_value``; a custom field's ``field_name`` is its id
  as text), ``Comment`` events (``author_id``, ``public``, ``body``), notifications and
  the rest of the Ticket Audit events reference.

The audits replay in time order: ``Create`` events give the values the ticket was created
with, ``Change`` events the changes (status, priority, group, assignee, type, brand,
organization, mapped custom fields), public comments the replies. A field the audits do not
record has the ticket's current value since creation; where the audits end on another value
than the ticket has, the issue follows them and that is reported. Either way the issue's
fields are what replaying its history gives. What cannot be mapped is reported with its path.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from .._exceptions import IssueError
from .._model.events import CHANGEABLE_FIELDS, Event, EventKind, frozen_value
from .._model.issue import Customer, Issue, field_changes
from .import_report import Unsupported
from .payload import Doc, bad, instant, items, obj, text
from .ticket_adapter import AdaptedTicket, TicketMapping

STATUSES: Final = ("new", "open", "pending", "hold", "solved", "closed")
"""Zendesk's system statuses, which the issue keeps as they are by default (the policy of
`import_zendesk` maps ``new``, ``hold`` and ``solved`` with its ``status_map``)."""

DEFAULT_STATUSES: Final = {name: name for name in STATUSES}

SATISFACTION: Final = {"good": 1, "bad": 0}
"""``satisfaction_rating.score`` -> ``attributes["satisfaction"]`` (``offered`` and
``unoffered`` are no rating: the attribute is not set)."""

ATTRIBUTE_FIELDS: Final = {
    "type": "attributes.ticket_type",
    "brand_id": "attributes.brand_id",
    "organization_id": "attributes.organization_id",
}
"""Ticket fields kept as attributes, under the names the `import_zendesk` conditions read."""

NOTIFICATIONS: Final = frozenset({
    "Notification", "NotificationWithCcs", "SmsNotification", "Cc",
    "FollowerNotification", "OrganizationActivity",
})  # fmt: skip
"""Audit events that record a message Zendesk sent, not a change of the ticket."""

COMMENTS: Final = frozenset({"Comment", "VoiceComment"})

UNDERSTOOD: Final = frozenset({
    "tags", "requester_id", "submitter_id", "subject", "description", "collaborator_ids",
})  # fmt: skip
"""Fields whose changes need no event: tags and the requester are taken from the ticket
as it is now; the subject and description have no bearing on escalation."""

KNOWN: Final = frozenset({"status", "priority", "group_id", "assignee_id", *ATTRIBUTE_FIELDS})
"""The system fields whose changes become events."""

MAX_ITEMS: Final = 100_000
"""The most audits, and the most events over all audits, one ticket may have."""


@attrs.define
class _Build:
    """What the audits add up to, while they are read (one per call: no shared state)."""

    mapping: TicketMapping
    requester: str | None
    custom_priority: bool
    creating: bool = False
    events: list[Event] = attrs.Factory(list)
    created: dict[str, str | None] = attrs.Factory(dict)
    unmapped: list[Unsupported] = attrs.Factory(list)
    seen: set[str] = attrs.Factory(set)
    sources: dict[str, str] = attrs.Factory(dict)  # field -> its path in the ticket

    def report(self, key: str | None, where: str, what: str, value: Any) -> None:
        """Report an item, once per *key* (every time when *key* is ``None``)."""
        if key is not None:
            if key in self.seen:
                return
            self.seen.add(key)
        self.unmapped.append(Unsupported(where, what, value))

    def status(self, raw: str, where: str) -> str:
        mapped = self.mapping.status(raw, DEFAULT_STATUSES)
        if mapped is None:
            self.report(f"status:{raw}", where, f"the status {raw!r} is not mapped", raw)
            return raw
        return mapped

    def priority(self, raw: str, where: str) -> str:
        mapped = self.mapping.priority(raw)
        if mapped is None:
            self.report(f"priority:{raw}", where, f"the priority {raw!r} is not mapped", raw)
            return raw
        return mapped

    def add(self, event: Event) -> None:
        if len(self.events) >= MAX_ITEMS:
            raise IssueError(
                f"the ticket has more than {MAX_ITEMS:,} events; adapt a shorter audit trail",
                value=len(self.events),
            )
        self.events.append(event)


def _ticket(ticket: Any) -> Doc:
    doc = obj(ticket, "ticket")
    if "ticket" in doc and "id" not in doc:
        return obj(doc["ticket"], "ticket")
    return doc


def _audits(audits: Any) -> list[Any]:
    if isinstance(audits, Mapping):
        if "ticket_events" in audits:
            raise IssueError(
                "audits: the incremental ticket events export is not read yet; pass the "
                "ticket's audits (GET /api/v2/tickets/{id}/audits)",
                value=None,
            )
        value = audits.get("audits")
        if not isinstance(value, list):
            raise bad("audits.audits", "a list of audits", value)
    elif isinstance(audits, list | tuple):
        value = list(audits)
    else:
        raise bad("audits", 'a list of audits or {"audits": [...]}', audits)
    if len(value) > MAX_ITEMS:
        raise IssueError(
            f"audits: the ticket has {len(value):,} audits, more than {MAX_ITEMS:,}",
            value=len(value),
        )
    return value


def _field(b: _Build, name: str, ev: Doc, at: datetime, path: str, create: bool) -> None:
    """A ``Create`` or ``Change`` event of the ticket field *name*."""
    if name.isdigit():
        _custom(b, name, ev, at, path, create)
        return
    if name in UNDERSTOOD:
        return
    if name not in KNOWN:
        b.report(f"field:{name}", path, f"the ticket field {name!r} is not mapped", ev.get("value"))
        return
    value = text(ev, "value", path)
    if name == "status":
        if value is None:
            raise bad(f"{path}.value", "a status", ev.get("value"))
        b.add(Event(EventKind.STATUS_CHANGED, at, status=b.status(value, f"{path}.value")))
    elif name == "priority":
        if b.custom_priority:
            return  # the custom field the mapping names is the priority
        _priority(b, value, at, path, create)
    elif name in ("group_id", "assignee_id"):
        _assignment(b, name, value, at, path, create)
    else:
        b.add(Event.field_changed(at, ATTRIBUTE_FIELDS[name], value))


def _priority(b: _Build, value: str | None, at: datetime, path: str, create: bool) -> None:
    if value is None:
        if not create:
            b.report(None, path, "the priority was removed, which an issue cannot record", None)
        return
    priority = b.priority(value, f"{path}.value")
    if create:
        b.created["priority"] = priority
    else:
        b.add(Event(EventKind.PRIORITY_CHANGED, at, priority=priority))


def _assignment(
    b: _Build, name: str, value: str | None, at: datetime, path: str, create: bool
) -> None:
    key = "team" if name == "group_id" else "assignee"
    if value is None and not create:
        b.report(None, path, f"the {key} was removed, which an issue cannot record", None)
        return
    if create:
        b.created[key] = value
    elif key == "team":
        b.add(Event(EventKind.REASSIGNED, at, team=value))
    else:
        b.add(Event(EventKind.REASSIGNED, at, assignee=value))
    level = b.mapping.levels.get(value) if key == "team" and value is not None else None
    if level is not None:
        b.add(Event(EventKind.LEVEL_CHANGED, at, level=level))


def _custom(b: _Build, fid: str, ev: Doc, at: datetime, path: str, create: bool) -> None:
    """A ``Create`` or ``Change`` event of the custom field *fid*."""
    target = b.mapping.fields.get(fid)
    if target is None:
        b.report(f"custom:{fid}", path, f"the custom field {fid} is not mapped", ev.get("value"))
    elif target == "priority":
        _priority(b, text(ev, "value", path), at, path, create)
    elif target in CHANGEABLE_FIELDS:
        b.add(Event.field_changed(at, target, text(ev, "value", path)))
    elif target.startswith("attributes."):
        b.add(Event.field_changed(at, target, frozen_value(ev.get("value"))))
    # customer.id, customer.tier, tags: the ticket's current value only


def _comment(b: _Build, ev: Doc, at: datetime, path: str, author: str | None) -> None:
    public = ev.get("public")
    if not isinstance(public, bool):
        raise bad(f"{path}.public", "true or false", public)
    if not public:
        return  # an internal note: not a reply
    who = text(ev, "author_id", path) or author
    if who is not None and who == b.requester:
        b.add(Event(EventKind.CUSTOMER_MESSAGE, at, actor=who))
    elif not b.creating:  # an agent's description, opening the ticket, is not a reply
        b.add(Event(EventKind.AGENT_REPLY, at, actor=who))


def _event(b: _Build, ev: Doc, at: datetime, path: str, author: str | None) -> None:
    kind = text(ev, "type", path, required=True)
    if kind in ("Create", "Change"):
        name = text(ev, "field_name", path, required=True)
        assert name is not None  # required
        _field(b, name, ev, at, path, kind == "Create")
    elif kind in COMMENTS:
        _comment(b, ev, at, path, author)
    elif kind == "SatisfactionRating":
        score = SATISFACTION.get(text(ev, "score", path) or "")
        if score is not None:
            b.add(Event.field_changed(at, "attributes.satisfaction", score))
    elif kind not in NOTIFICATIONS:
        b.report(None, path, f"the audit event {kind!r} is not mapped", dict(ev))


def _audit(b: _Build, audit: Doc, at: datetime, path: str) -> None:
    if "child_events" in audit:
        raise IssueError(
            f"{path}: an incremental ticket event (child_events) is not read yet; pass the "
            "ticket's audits (GET /api/v2/tickets/{id}/audits)",
            value=None,
        )
    author = text(audit, "author_id", path)
    events = items(audit, "events", path)
    creating = any(isinstance(e, Mapping) and e.get("type") == "Create" for e in events)
    b.creating = creating
    for j, raw in enumerate(events):
        where = f"{path}.events[{j}]"
        _event(b, obj(raw, where), at, where, author)
    b.creating = False


def _replay(b: _Build, audits: list[Any], tid: str, created_at: datetime) -> None:
    docs = [obj(a, f"audits[{i}]") for i, a in enumerate(audits)]
    times = [instant(d.get("created_at"), f"audits[{i}].created_at") for i, d in enumerate(docs)]
    total = sum(len(items(d, "events", f"audits[{i}]")) for i, d in enumerate(docs))
    if total > MAX_ITEMS:
        raise IssueError(
            f"audits: the ticket has {total:,} audit events, more than {MAX_ITEMS:,}",
            value=total,
        )
    for i in sorted(range(len(docs)), key=times.__getitem__):
        if times[i] < created_at:
            raise IssueError(
                f"audits[{i}].created_at: {times[i].isoformat()} is before the ticket was "
                f"created ({created_at.isoformat()})",
                value=docs[i].get("created_at"),
            )
        ticket_id = text(docs[i], "ticket_id", f"audits[{i}]")
        if ticket_id is not None and ticket_id != tid:
            raise IssueError(
                f"audits[{i}].ticket_id: the audit is of ticket {ticket_id}, not {tid}",
                value=ticket_id,
            )
        _audit(b, docs[i], times[i], f"audits[{i}]")


def _customer(b: _Build, t: Doc, custom: dict[str, tuple[Doc, str]]) -> Customer:
    """The requester as the customer, their organization as the account (unless the
    mapping takes the customer's id or tier from custom fields)."""
    fields = {"id": text(t, "requester_id", "ticket"), "tier": None}
    for fid, (field, path) in custom.items():
        target = b.mapping.fields.get(fid)
        if target in ("customer.id", "customer.tier"):
            fields[target.removeprefix("customer.")] = text(field, "value", path)
    return Customer(
        id=fields["id"], tier=fields["tier"], account=text(t, "organization_id", "ticket")
    )


def _custom_fields(b: _Build, t: Doc) -> dict[str, tuple[Doc, str]]:
    """The ticket's custom fields, id -> (field, path); an unmapped one with a value reported."""
    out: dict[str, tuple[Doc, str]] = {}
    for i, raw in enumerate(items(t, "custom_fields", "ticket")):
        path = f"ticket.custom_fields[{i}]"
        field = obj(raw, path)
        fid = text(field, "id", path, required=True)
        assert fid is not None  # required
        value = field.get("value")
        out[fid] = (field, path)
        if fid not in b.mapping.fields and value not in (None, "", []):
            b.report(f"custom:{fid}", path, f"the custom field {fid} is not mapped", value)
    return out


def _fields(b: _Build, t: Doc, custom: dict[str, tuple[Doc, str]]) -> dict[str, Any]:
    """The issue's current fields (but status, level and priority) from the ticket."""
    tags = set()
    for i, tag in enumerate(items(t, "tags", "ticket")):
        if not isinstance(tag, str):
            raise bad(f"ticket.tags[{i}]", "a tag", tag)
        tags.add(tag)
    attributes: dict[str, Any] = {}
    for name, key in ATTRIBUTE_FIELDS.items():
        current = text(t, name, "ticket")
        b.sources[key] = f"ticket.{name}"
        if current is not None:
            attributes[key.removeprefix("attributes.")] = current
    out: dict[str, Any] = {}
    for fid, (field, path) in custom.items():
        target, value = b.mapping.fields.get(fid), field.get("value")
        if target is not None:
            b.sources[target] = path
        if target in CHANGEABLE_FIELDS:
            out[target] = text(field, "value", path)
        elif target is not None and target.startswith("attributes.") and value is not None:
            attributes[target.removeprefix("attributes.")] = value
        elif target == "tags":
            values = value if isinstance(value, list) else [value]
            tags.update(v for v in values if isinstance(v, str) and v)
    rating = t.get("satisfaction_rating")
    b.sources.update({
        "attributes.satisfaction": "ticket.satisfaction_rating",
        "team": "ticket.group_id", "assignee": "ticket.assignee_id",
    })  # fmt: skip
    if rating is not None:
        score = text(
            obj(rating, "ticket.satisfaction_rating"), "score", "ticket.satisfaction_rating"
        )
        if score in SATISFACTION:
            attributes["satisfaction"] = SATISFACTION[score]
    out.update(
        team=text(t, "group_id", "ticket"),
        assignee=text(t, "assignee_id", "ticket"),
        customer=_customer(b, t, custom),
        tags=tags,
        attributes=attributes,
    )
    return out


def _current_priority(b: _Build, t: Doc, custom: dict[str, tuple[Doc, str]]) -> str | None:
    if b.custom_priority:
        for fid, (field, path) in custom.items():
            if b.mapping.fields.get(fid) == "priority":
                raw = text(field, "value", path)
                return None if raw is None else b.priority(raw, f"{path}.value")
        return None
    b.sources["priority"] = "ticket.priority"
    raw = text(t, "priority", "ticket")
    return None if raw is None else b.priority(raw, "ticket.priority")


def zendesk_ticket(
    ticket: Any, audits: Any = (), *, mapping: TicketMapping | None = None
) -> AdaptedTicket:
    """A Zendesk ticket and its audits as an `Issue` whose history replays the audits.

    Args:
        ticket: the ticket as ``GET /api/v2/tickets/{id}`` returns it (``{"ticket": {...}}``
            or the bare object), parsed JSON.
        audits: its audits as ``GET /api/v2/tickets/{id}/audits`` returns them
            (``{"audits": [...]}`` or the bare list); none: the issue has only the ticket's
            current fields, holding since creation.
        mapping: how Zendesk's statuses, priorities, groups and custom fields map onto the
            policy's (statuses are kept as Zendesk names them by default).

    Returns:
        The `AdaptedTicket`: the issue, and what could not be mapped, with its path.

    Raises:
        IssueError: the ticket or an audit is not the shape Zendesk publishes (the message
            names the path), an audit comes before the ticket's creation, or there are
            more than 100,000 audits or audit events.
    """
    mapping = mapping or TicketMapping()
    t = _ticket(ticket)
    tid = text(t, "id", "ticket", required=True)
    assert tid is not None  # required
    created_at = instant(t.get("created_at"), "ticket.created_at")
    b = _Build(mapping, text(t, "requester_id", "ticket"), "priority" in mapping.fields.values())
    raw_status = text(t, "status", "ticket")
    status = b.status(raw_status, "ticket.status") if raw_status is not None else None
    priority = _current_priority(b, t, custom := _custom_fields(b, t))
    fields = _fields(b, t, custom)
    _replay(b, _audits(audits), tid, created_at)
    return AdaptedTicket(
        _issue(b, tid, created_at, fields, status, priority), b.unmapped, source="zendesk"
    )


def _head(
    b: _Build, created_at: datetime, current: dict[str, Any], recorded: set[str]
) -> list[Event]:
    """The events at creation: what the ticket was created with, else its current values."""
    made = {k: v for k, v in b.created.items() if v is not None}
    for name in ("priority", "team", "assignee"):
        if name not in recorded:
            made.setdefault(name, current[name])
    head = [
        Event(
            EventKind.CREATED,
            created_at,
            priority=made.get("priority"),
            team=made.get("team"),
            assignee=made.get("assignee"),
        )
    ]
    level = b.mapping.levels.get(made.get("team") or "")
    if "level" not in recorded and level is not None:
        head.append(Event(EventKind.LEVEL_CHANGED, created_at, level=level))
    head.extend(
        Event.field_changed(created_at, name, value)
        for name, value in current.items()
        if name not in ("priority", "team", "assignee") and name not in recorded
        if value is not None
    )
    return head


def _value(issue: Issue, name: str) -> Any:
    if name.startswith("attributes."):
        return issue.attributes.get(name.removeprefix("attributes."))
    return getattr(issue, name)


def _plain(value: Any) -> Any:
    """*value* as plain JSON data (frozen lists and mappings thawed)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | frozenset):
        return [_plain(v) for v in value]
    return value


def _follow(b: _Build, replayed: Issue, current: dict[str, Any], recorded: set[str]) -> None:
    """Report each field whose ticket value is not the one the audits end on."""
    names = set(current) | (recorded - {"status", "level"})
    for name in sorted(names, key=lambda n: (b.sources.get(n, "ticket"), n)):
        ticket, audits = current.get(name), _value(replayed, name)
        if ticket != audits:
            b.report(
                None,
                b.sources.get(name, "ticket"),
                f"the audits end with the {name} {audits!r}, the ticket has {ticket!r}; "
                "the issue follows the audits",
                {"ticket": _plain(ticket), "audits": _plain(audits)},
            )


def _issue(
    b: _Build,
    tid: str,
    created_at: datetime,
    fields: dict[str, Any],
    status: str | None,
    priority: str | None,
) -> Issue:
    """The issue: the history, with the ticket's current values where it records none.

    Where the audits end on another value than the ticket has (a truncated audit trail),
    the issue follows the audits and the disagreement is reported: its fields are what
    replaying its history gives.
    """
    events = b.events
    current: dict[str, Any] = {
        "priority": priority, "team": fields["team"], "assignee": fields["assignee"],
        **{name: fields.get(name) for name in CHANGEABLE_FIELDS},
        **{f"attributes.{k}": frozen_value(v) for k, v in fields["attributes"].items()},
    }  # fmt: skip
    recorded = {name for e in events for name, _ in field_changes(e)}
    recorded.update(name for name, value in b.created.items() if value is not None)
    history = _head(b, created_at, current, recorded) + events
    replayed = Issue(tid, created_at).with_events(history)
    _follow(b, replayed, current, recorded)
    statuses = [e.status for e in events if e.kind is EventKind.STATUS_CHANGED]
    if statuses and status is not None and statuses[-1] != status:
        b.report(
            None,
            "ticket.status",
            f"the audits end with the status {statuses[-1]!r}, the ticket has {status!r}; "
            "the issue follows the audits",
            status,
        )
    explicit = status if not statuses and status is not None else ""
    taken = {name: getattr(replayed, name) for name in ("team", "assignee", *CHANGEABLE_FIELDS)}
    return Issue(
        tid,
        created_at,
        status=explicit,
        history=history,
        customer=fields["customer"],
        tags=fields["tags"],
        attributes=replayed.attributes,
        **taken,
    )
