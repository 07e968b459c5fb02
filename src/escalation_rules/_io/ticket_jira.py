"""A Jira issue and its changelog as an `Issue` (`jira_issue`).

Reads what the Jira Cloud platform REST API (v3 or v2, Jira Service Management included)
returns: the issue of ``GET /rest/api/3/issue/{key}?expand=changelog`` (the changelog under
``changelog.histories``), or the issue with the changelog of
``GET /rest/api/3/issue/{key}/changelog`` (a page with ``values``, or a list of histories).
A history is ``{id, author, created, items}``; an item ``{field, fieldtype, fieldId, from,
fromString, to, toString}``, ``fromString`` being the value before the change, so the value
a field had when the issue was created is the ``fromString`` of its first change (or its
current value, if it never changed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from .._exceptions import IssueError
from .._frozendict import FrozenDict
from .._model.events import ATTRIBUTE_PREFIX, CHANGEABLE_FIELDS, Event, EventKind
from .._model.issue import Customer, Issue
from .import_report import Unsupported
from .payload import MAX_NAME, Doc, bad, instant, items, obj, text
from .ticket_adapter import FIELD_TARGETS, AdaptedTicket, TicketMapping

#: Jira's common status names (Jira Software and Jira Service Management workflows) and
#: the status each gives the issue; `TicketMapping.statuses` adds to and overrides them.
_OPEN: Final = (
    "Open", "To Do", "Backlog", "Selected for Development", "In Progress", "Reopened",
    "Waiting for support", "Escalated", "Work in progress",
)  # fmt: skip
DEFAULTS: Final[Mapping[str, str]] = FrozenDict(
    dict.fromkeys(_OPEN, "open")
    | dict.fromkeys(("Waiting for customer", "Pending", "On Hold"), "pending")
    | dict.fromkeys(("Resolved", "Done"), "resolved")
    | dict.fromkeys(("Closed", "Canceled", "Cancelled", "Declined"), "closed")
)

#: The most histories, changelog items or comments one issue may hold.
MAX_CHANGES: Final = 100_000

#: Fields (by id, or by the name a changelog item gives) that carry nothing the engine
#: reads: skipped without a report. The resolution is read through the status.
SKIPPED: Final = frozenset(
    {
        "summary", "description", "environment", "attachment", "Attachment", "issuelinks",
        "Link", "RemoteIssueLink", "subtasks", "parent", "Parent", "IssueParentAssociation",
        "project", "Project", "Key", "creator", "reporter", "created", "updated", "lastViewed",
        "resolution", "resolutiondate", "statuscategorychangedate", "duedate", "timetracking",
        "timeestimate", "timeoriginalestimate", "timespent", "aggregatetimespent",
        "aggregatetimeestimate", "aggregatetimeoriginalestimate", "progress",
        "aggregateprogress", "workratio", "worklog", "WorklogId", "WorklogTimeSpent", "votes",
        "watches", "thumbnail", "fixVersions", "Fix Version", "versions", "Version",
        "security", "Security", "issuerestriction", "Rank", "Sprint", "Epic Link",
        "Epic Name", "Workflow", "comment", "Comment", "issuetype", "issuekey",
    }
)  # fmt: skip

# Fields the adapter reads by default (an entry in TicketMapping.fields overrides them).
_ROLES: Final = FrozenDict(
    {"status": "status", "priority": "priority", "assignee": "assignee", "labels": "tags",
     "components": "components", "Component": "components"}
)  # fmt: skip
_SKIP: Final = ""


@attrs.frozen
class _Change:
    """One changelog item of a field the adapter reads, with its history's instant."""

    at: datetime
    path: str
    actor: str | None
    role: str
    from_id: str | None
    from_text: str | None
    to_id: str | None
    to_text: str | None


def _display(value: object, path: str) -> str | None:
    """A field's value as Jira shows it: text, a number, or an option's ``value`` or an
    object's ``name``/``displayName``/``accountId``; ``None`` when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        if len(value) > MAX_NAME:
            raise IssueError(
                f"{path}: the value is longer than {MAX_NAME:,} characters", value=value[:80]
            )
        return value
    if isinstance(value, Mapping):
        for key in ("value", "name", "displayName", "accountId"):
            if value.get(key) is not None:
                return text(value, key, path)
    raise bad(path, "a field value (text, a number, or an object with a value or name)", value)


def _displays(value: object, path: str) -> tuple[str, ...]:
    """Every value of a field (a list, or one value), as `_display` shows each."""
    values = value if isinstance(value, list) else [value]
    shown = (_display(v, f"{path}[{i}]" if value is values else path) for i, v in enumerate(values))
    return tuple(v for v in shown if v is not None)


def _user(value: object, path: str) -> str | None:
    """A user object's ``accountId``, else its ``displayName`` (``None``: no user)."""
    if value is None:
        return None
    doc = obj(value, path)
    return text(doc, "accountId", path) or text(doc, "displayName", path)


def _histories(issue: Doc, changelog: Any) -> tuple[list[Any], str, str | None]:
    """The histories, the path they are at, and why the changelog is incomplete (if it is)."""
    if changelog is None:
        if issue.get("changelog") is None:
            return [], "changelog.histories", None
        page, key = obj(issue["changelog"], "changelog"), "histories"
    elif isinstance(changelog, list):
        return changelog, "changelog", None
    else:
        page = obj(changelog, "changelog")
        key = "values" if "values" in page else "histories"
        if key not in page:
            raise bad("changelog", "a changelog page (with values) or a list of histories", page)
    found = items(page, key, "changelog")
    total, start = page.get("total"), page.get("startAt") or 0
    short = page.get("isLast") is False or (
        isinstance(total, int) and isinstance(start, int) and total > start + len(found)
    )
    why = None
    if short:
        why = (
            f"the changelog holds {len(found)} of {total} histories (Jira pages it); pass "
            "every page of GET /rest/api/3/issue/{key}/changelog as one list of histories"
        )
    return found, f"changelog.{key}", why


@attrs.define
class _Reader:
    """The state of one adaptation: the mapping, the issue's field names, the reports."""

    mapping: TicketMapping
    names: Mapping[str, Any]
    created: datetime
    reports: list[Unsupported] = attrs.field(factory=list)
    reported: set[str] = attrs.field(factory=set)

    def report(self, key: str, where: str, what: str, value: object) -> None:
        if key not in self.reported:
            self.reported.add(key)
            self.reports.append(Unsupported(where, what, value))

    def role(self, key: str, name: str | None = None) -> str | None:
        """What field *key* (or *name*) is to the adapter: a `FIELD_TARGETS` entry, a
        role (``status``, ``assignee``, ``components``), `_SKIP`, or ``None`` (unmapped)."""
        fields = self.mapping.fields
        label = name or self.names.get(key)
        target = fields.get(key) or (fields.get(label) if isinstance(label, str) else None)
        if target:
            return target
        if key == "priority" and "priority" in fields.values():
            return _SKIP  # another field holds the priority
        if key in _ROLES:
            return _ROLES[key]
        if key in SKIPPED or label in SKIPPED:
            return _SKIP
        return None

    def unmapped(self, key: str, where: str, value: object) -> None:
        label = self.names.get(key)
        shown = f"{label!r} ({key})" if isinstance(label, str) else repr(key)
        self.report(
            f"field:{key}",
            where,
            f"the field {shown} is not in TicketMapping.fields; map it to one of "
            f"{list(FIELD_TARGETS)} or 'attributes.KEY' to use it",
            value,
        )

    def status(self, raw: str, where: str, current: str | None, category: str | None) -> str:
        """The issue status of Jira's status *raw*: mapped, else (for the current status)
        by its status category, else *raw* itself, reported."""
        mapped = self.mapping.status(raw, DEFAULTS)
        if mapped:
            return mapped
        if raw == current and category:
            return "resolved" if category == "done" else "open"
        self.report(
            f"status:{raw}",
            where,
            f"the Jira status {raw!r} maps to none of open, pending, resolved, closed: it is "
            "kept as it is, and evaluation fails unless the policy's status_map (or "
            "TicketMapping.statuses) maps it",
            raw,
        )
        return raw

    def priority(self, raw: str | None, where: str) -> str | None:
        if raw is None:
            return None
        mapped = self.mapping.priority(raw)
        if mapped is not None:
            return mapped
        self.report(
            f"priority:{raw}",
            where,
            f"the Jira priority {raw!r} is not in TicketMapping.priorities: it is kept as it is",
            raw,
        )
        return raw

    def when(self, at: datetime, where: str) -> datetime:
        """*at*, or the issue's creation if *at* is before it (reported once)."""
        if at >= self.created:
            return at
        what = "dated before the issue was created: counted at its creation"
        self.report("early", where, what, at.isoformat())
        return self.created

    def level(self, *names: str | None) -> str | None:
        """The level the first of *names* (an assignee or a component) is mapped to."""
        for name in names:
            if name is not None and name in self.mapping.levels:
                return self.mapping.levels[name]
        return None

    def changes(self, histories: list[Any], path: str) -> list[_Change]:
        """The changelog items of the fields the adapter reads, in time order; the others
        reported (once per field) or skipped."""
        if len(histories) > MAX_CHANGES:
            raise IssueError(
                f"{path}: {len(histories):,} histories, more than the {MAX_CHANGES:,} an issue "
                "may have",
                value=len(histories),
            )
        dated = []
        for i, raw in enumerate(histories):
            where = f"{path}[{i}]"
            history = obj(raw, where)
            at = instant(history.get("created"), f"{where}.created")
            actor = _user(history.get("author"), f"{where}.author")
            at = self.when(at, f"{where}.created")
            dated.append((at, where, actor, items(history, "items", where)))
        dated.sort(key=lambda entry: entry[0])  # stable: histories of one instant keep order
        if sum(len(entry[3]) for entry in dated) > MAX_CHANGES:
            raise IssueError(
                f"{path}: more than {MAX_CHANGES:,} changelog items in one issue", value=None
            )
        out: list[_Change] = []
        for at, where, actor, entries in dated:
            for j, raw in enumerate(entries):
                change = self.change(raw, f"{where}.items[{j}]", at, actor)
                if change is not None:
                    out.append(change)
        return out

    def change(self, raw: object, where: str, at: datetime, actor: str | None) -> _Change | None:
        item = obj(raw, where)
        name = text(item, "field", where)
        key = text(item, "fieldId", where) or name
        if key is None:
            raise IssueError(f"{where}: the item names no field (field, fieldId)", value=dict(item))
        role = self.role(key, name)
        if role is None:
            self.unmapped(key, where, dict(item))
            return None
        if role == _SKIP:
            return None
        return _Change(
            at, where, actor, role,
            text(item, "from", where), text(item, "fromString", where),
            text(item, "to", where), text(item, "toString", where),
        )  # fmt: skip


def _first(changes: Iterable[_Change], role: str) -> _Change | None:
    return next((c for c in changes if c.role == role), None)


@attrs.frozen
class _Current:
    """The issue's current status, priority, assignee and components, as Jira shows them."""

    status: str | None
    category: str | None
    priority: str | None
    assignee: str | None
    assignee_name: str | None
    components: tuple[str, ...]


def _current(fields: Doc, reader: _Reader) -> _Current:
    status = obj(fields.get("status") or {}, "fields.status")
    category = obj(status.get("statusCategory") or {}, "fields.status.statusCategory")
    priority_key = next((k for k, t in reader.mapping.fields.items() if t == "priority"), None)
    if priority_key is not None and priority_key in fields:
        priority = ", ".join(_displays(fields[priority_key], f"fields.{priority_key}")) or None
    else:
        priority = _display(fields.get("priority"), "fields.priority")
    assignee = fields.get("assignee")
    return _Current(
        status=text(status, "name", "fields.status"),
        category=text(category, "key", "fields.status.statusCategory"),
        priority=priority,
        assignee=_user(assignee, "fields.assignee"),
        assignee_name=None
        if assignee is None
        else text(assignee, "displayName", "fields.assignee"),
        components=_displays(fields.get("components"), "fields.components"),
    )


def _opening(reader: _Reader, now: _Current, changes: list[_Change]) -> list[Event]:
    """The events at creation: ``CREATED`` with the first priority and assignee, the first
    status (unless open), level and changeable fields (where later changes moved them)."""
    at = reader.created
    first = {role: _first(changes, role) for role in ("status", "priority", "assignee")}
    status = first["status"].from_text if first["status"] else now.status
    priority = first["priority"].from_text if first["priority"] else now.priority
    who = first["assignee"]
    assignee = (who.from_id or who.from_text) if who else now.assignee
    components = list(now.components)
    for change in reversed([c for c in changes if c.role == "components"]):
        if change.to_text in components:
            components.remove(change.to_text)
        if change.from_text is not None:
            components.append(change.from_text)
    where = first["priority"].path if first["priority"] else "fields.priority"
    events = [
        Event(EventKind.CREATED, at, priority=reader.priority(priority, where), assignee=assignee)
    ]
    where = first["status"].path if first["status"] else "fields.status"
    if status is not None:
        mapped = reader.status(status, where, now.status, now.category)
        if mapped != "open":
            events.append(Event(EventKind.STATUS_CHANGED, at, status=mapped))
    level = reader.level(assignee, who.from_text if who else now.assignee_name, *components)
    if level is not None:
        events.append(Event(EventKind.LEVEL_CHANGED, at, level=level))
    for target in dict.fromkeys(c.role for c in changes if _changeable(c.role)):
        earliest = _first(changes, target)
        if earliest is not None and earliest.from_text is not None:
            events.append(Event.field_changed(at, target, earliest.from_text))
    return events


def _changeable(target: str) -> bool:
    return target in CHANGEABLE_FIELDS or target.startswith(ATTRIBUTE_PREFIX)


def _replay(
    reader: _Reader, now: _Current, changes: list[_Change], level: str | None
) -> list[Event]:
    """The events of the changelog items, in their order; a level change where a
    reassignment (or an added component) lands on a mapped level."""
    events: list[Event] = []
    for c in changes:
        at, actor = c.at, c.actor
        if c.role == "status" and c.to_text is not None:
            status = reader.status(c.to_text, c.path, now.status, now.category)
            events.append(Event(EventKind.STATUS_CHANGED, at, actor=actor, status=status))
        elif c.role == "priority" and c.to_text is not None:
            priority = reader.priority(c.to_text, c.path)
            events.append(Event(EventKind.PRIORITY_CHANGED, at, actor=actor, priority=priority))
        elif c.role == "assignee":
            assignee = c.to_id or c.to_text
            events.append(Event(EventKind.REASSIGNED, at, actor=actor, assignee=assignee))
            level = _moved(events, reader.level(assignee, c.to_text), level, at, actor)
        elif c.role == "components" and c.to_text is not None:
            level = _moved(events, reader.level(c.to_text), level, at, actor)
        elif _changeable(c.role):
            events.append(Event.field_changed(at, c.role, c.to_text))
    return events


def _moved(
    events: list[Event], new: str | None, level: str | None, at: datetime, actor: str | None
) -> str | None:
    if new is None or new == level:
        return level
    events.append(Event(EventKind.LEVEL_CHANGED, at, actor=actor, level=new))
    return new


def _comments(fields: Doc, reader: _Reader, reporter: str | None) -> list[Event]:
    """Public comments: the reporter's a ``CUSTOMER_MESSAGE``, anyone else's an
    ``AGENT_REPLY``; an internal JSM comment (``jsdPublic`` false) is left out."""
    holder = obj(fields.get("comment") or {}, "fields.comment")
    comments = items(holder, "comments", "fields.comment")
    if len(comments) > MAX_CHANGES:
        raise IssueError(
            f"fields.comment.comments: more than {MAX_CHANGES:,} comments", value=len(comments)
        )
    total = holder.get("total")
    if isinstance(total, int) and total > len(comments):
        reader.report(
            "comments", "fields.comment",
            f"the issue holds {len(comments)} of {total} comments (Jira pages them): the "
            "others are not in the history",
            total,
        )  # fmt: skip
    events = []
    for i, raw in enumerate(comments):
        where = f"fields.comment.comments[{i}]"
        comment = obj(raw, where)
        if comment.get("jsdPublic") is False:
            continue
        at = reader.when(instant(comment.get("created"), f"{where}.created"), f"{where}.created")
        author = _user(comment.get("author"), f"{where}.author")
        if author is not None and author == reporter:
            events.append(Event(EventKind.CUSTOMER_MESSAGE, at, actor=author))
        else:
            events.append(Event(EventKind.AGENT_REPLY, at, actor=author))
    return sorted(events, key=lambda e: e.at)


def _issue_fields(fields: Doc, reader: _Reader) -> dict[str, Any]:
    """The `Issue` keywords of the mapped fields' current values (tags, category, product,
    language, attributes, customer); unmapped fields with a value reported."""
    out: dict[str, Any] = {"tags": set(), "attributes": {}}
    customer: dict[str, str | None] = {"id": _user(fields.get("reporter"), "fields.reporter")}
    for key, value in fields.items():
        role = reader.role(key)
        where = f"fields.{key}"
        if role is None:
            if value is not None and value != [] and value != "":
                reader.unmapped(key, where, value)
            continue
        if role in (_SKIP, "status", "priority", "assignee", "components"):
            continue
        shown = _displays(value, where)
        if role == "tags":
            out["tags"].update(shown)
            continue
        joined = ", ".join(shown) or None
        if role.startswith("customer."):
            customer[role.removeprefix("customer.")] = joined
        elif role.startswith(ATTRIBUTE_PREFIX):
            if joined is not None:
                out["attributes"][role.removeprefix(ATTRIBUTE_PREFIX)] = joined
        else:
            out[role] = joined
    out["customer"] = Customer(id=customer.get("id"), tier=customer.get("tier"))
    return out


def jira_issue(
    issue: Any, changelog: Any = None, *, mapping: TicketMapping | None = None
) -> AdaptedTicket:
    """Adapt a Jira issue and its changelog into an `Issue` whose history replays them.

    The history starts with ``CREATED`` (with the priority and assignee the issue had
    then: each field's first ``fromString``, or its current value if it never changed),
    then replays the changelog in time order: status changes (names mapped by `DEFAULTS`
    and *mapping*), priority changes, reassignments (by ``accountId``), level changes
    where *mapping* maps an assignee or a component to a level, changes of the fields
    *mapping* maps, and the public comments (the reporter's as customer messages).

    Args:
        issue: the issue as ``GET /rest/api/3/issue/{key}`` returns it (parsed JSON),
            with ``expand=changelog`` for its changelog under ``changelog.histories``.
        changelog: the changelog, if not in *issue*: the page of
            ``GET /rest/api/3/issue/{key}/changelog`` (with ``values``) or a list of
            histories (every page's ``values`` joined). It wins over ``issue["changelog"]``.
        mapping: how Jira's statuses, priorities, assignees, components and fields map
            onto the policy's names.

    Returns:
        The `AdaptedTicket`: the issue, and each thing it could not map with its path.

    Raises:
        IssueError: the payload is not the shape Jira publishes (the path named), or it
            holds more than `MAX_CHANGES` histories, changelog items or comments.
    """
    doc = obj(issue, "issue")
    key = text(doc, "key", "issue", required=True) or ""
    fields = obj(doc.get("fields"), "fields")
    created = instant(fields.get("created"), "fields.created")
    names = obj(doc.get("names") or {}, "names")
    reader = _Reader(mapping or TicketMapping(), names, created)
    keywords = _issue_fields(fields, reader)
    now = _current(fields, reader)
    histories, path, incomplete = _histories(doc, changelog)
    if incomplete is not None:
        reader.report("changelog", path.partition(".")[0], incomplete, None)
    changes = reader.changes(histories, path)
    opening = _opening(reader, now, changes)
    level = next((e.level for e in reversed(opening) if e.kind is EventKind.LEVEL_CHANGED), None)
    later = _replay(reader, now, changes, level) + _comments(
        fields, reader, keywords["customer"].id
    )
    later.sort(key=lambda e: e.at)  # stable: changes before comments of the same instant
    result = Issue(
        key,
        created,
        assignee=now.assignee,
        history=(*opening, *later),
        **keywords,
    )
    return AdaptedTicket(result, reader.reports, "jira")
