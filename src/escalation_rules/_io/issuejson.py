"""Issues as JSON: the form the command line reads (``evaluate POLICY ISSUE.json``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from os import PathLike
from typing import Any, Final

from .._exceptions import IssueError, PolicyError
from .._instants import parse_instant
from .._model.events import Event
from .._model.issue import Customer, Issue
from .._suggest import did_you_mean
from .shapes import shown

MAX_ISSUE_BYTES: Final = 16 * 1024 * 1024
"""The largest issue file `read_issue_file` reads (a FIFO or a device is read up to it)."""

_ISSUE_KEYS = (
    "id", "created_at", "priority", "category", "status", "level", "team", "assignee",
    "customer", "product", "language", "skills", "tags", "attributes", "history",
    "policy_version",
)  # fmt: skip

_CUSTOMER_KEYS = ("id", "tier", "value", "account", "attributes")

_EVENT_TEXT_KEYS = (
    "actor", "level", "status", "team", "assignee", "action", "rule", "name", "priority",
)  # fmt: skip

_EVENT_KEYS = ("kind", "at", *_EVENT_TEXT_KEYS, "data")


def _check_keys(data: object, keys: tuple[str, ...], where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise IssueError(f"{where}: expected an object, got {shown(data)}", value=data)
    for key in data:
        if key not in keys:
            raise IssueError(
                f"{where}: unknown key {key!r}; expected one of {list(keys)}",
                value=key,
                suggestion=did_you_mean(str(key), keys),
            )
    return data


def _instant(value: object, where: str) -> datetime:
    if not isinstance(value, str):
        raise IssueError(
            f"{where}: expected an ISO 8601 instant string, got {shown(value)}", value=value
        )
    try:
        return parse_instant(value)
    except (IssueError, PolicyError) as exc:
        raise IssueError(f"{where}: {exc}", value=value) from None


def issue_from_dict(data: object) -> Issue:
    """Build an `Issue` from its JSON form; errors name the JSON path of the mistake.

    Instants are ISO 8601 strings with an offset (``"2026-03-02T09:00:00+01:00"``);
    events are objects with ``kind`` and ``at`` and the attributes of `Event`;
    ``"policy_version"`` (optional) is the policy version pinned for the issue.
    """
    d = _check_keys(data, _ISSUE_KEYS, "issue")
    if "id" not in d or "created_at" not in d:
        raise IssueError("issue: 'id' and 'created_at' are required", value=data)
    fields: dict[str, Any] = {
        k: v for k, v in d.items() if k not in ("created_at", "customer", "history")
    }
    if "customer" in d:
        customer = _check_keys(d["customer"], _CUSTOMER_KEYS, "issue.customer")
        try:
            fields["customer"] = Customer(**customer)
        except IssueError as exc:
            raise IssueError(f"issue.customer: {exc}", value=exc.value) from None
    events = []
    history = d.get("history", [])
    if not isinstance(history, list):
        raise IssueError(f"issue.history: expected a list, got {shown(history)}", value=history)
    for i, raw in enumerate(history):
        events.append(event_from_dict(raw, where=f"issue.history[{i}]"))
    try:
        return Issue(
            created_at=_instant(d["created_at"], "issue.created_at"), history=events, **fields
        )
    except TypeError as exc:
        raise IssueError(f"issue: {exc}", value=data) from None


def issue_to_dict(issue: Issue) -> dict[str, Any]:
    """The JSON form of *issue* (what `issue_from_dict` reads)."""
    out: dict[str, Any] = {"id": issue.id, "created_at": issue.created_at.isoformat()}
    for key in ("priority", "category", "status", "level", "team", "assignee", "product",
                "language", "policy_version"):  # fmt: skip
        value = getattr(issue, key)
        if value is not None:
            out[key] = value
    if issue.skills:
        out["skills"] = sorted(issue.skills)
    if issue.tags:
        out["tags"] = sorted(issue.tags)
    if issue.attributes:
        out["attributes"] = thawed(issue.attributes)
    c = issue.customer
    customer = {
        k: getattr(c, k) for k in ("id", "tier", "value", "account") if getattr(c, k) is not None
    }
    if c.attributes:
        customer["attributes"] = thawed(c.attributes)
    if customer:
        out["customer"] = customer
    out["history"] = [event_to_dict(e) for e in issue.history]
    return out


def event_from_dict(data: object, *, where: str = "event") -> Event:
    """Build an `Event` from its JSON form (an object with ``kind``, ``at`` and the
    attributes of `Event`); errors name *where* (the JSON path of the mistake)."""
    event = dict(_check_keys(data, _EVENT_KEYS, where))
    if "kind" not in event or "at" not in event:
        raise IssueError(f"{where}: 'kind' and 'at' are required", value=data)
    at = _instant(event.pop("at"), f"{where}.at")
    try:
        return Event(event.pop("kind"), at, **event)
    except (IssueError, PolicyError, TypeError) as exc:
        raise IssueError(f"{where}: {exc}", value=data) from None


def event_to_dict(event: Event) -> dict[str, Any]:
    """The JSON form of *event* (what `event_from_dict` reads): ``kind``, ``at`` as ISO 8601,
    the attributes that are set, and ``data`` when it is not empty."""
    return {
        "kind": event.kind.value,
        "at": event.at.isoformat(),
        **{k: getattr(event, k) for k in _EVENT_TEXT_KEYS if getattr(event, k) is not None},
        **({"data": thawed(event.data)} if event.data else {}),
    }


def thawed(value: Any) -> Any:
    """A frozen value as plain JSON-ready data: mappings as dicts, tuples and sets as lists."""
    if isinstance(value, Mapping):
        return {k: thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thawed(v) for v in value]
    if isinstance(value, frozenset):
        items = [thawed(v) for v in value]
        try:
            return sorted(items)
        except TypeError:  # members of different kinds: in the order of their repr
            return sorted(items, key=repr)
    return value


def read_issue_file(path: str | PathLike[str]) -> Issue:
    """The issue in the JSON file *path* (UTF-8, at most `MAX_ISSUE_BYTES`).

    Raises:
        IssueError: the file cannot be read, is too large, is not UTF-8 JSON (with the
            line and column), or does not describe an issue (with the JSON path).
    """
    name = str(path)
    try:
        with open(path, "rb") as file:
            raw = file.read(MAX_ISSUE_BYTES + 1)
    except OSError as exc:
        raise IssueError(
            f"cannot read the issue file {name!r}: {exc.strerror or exc}", where=name
        ) from None
    return read_issue_text(raw, source=name)


def read_issue_text(raw: bytes | str, *, source: str = "<issue>") -> Issue:
    """The issue in the JSON text *raw* (bytes are UTF-8); see `read_issue_file`."""
    name = source
    if len(raw) > MAX_ISSUE_BYTES:
        raise IssueError(
            f"the issue file is over the limit of {MAX_ISSUE_BYTES:,} bytes", where=name
        )
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise IssueError(f"not UTF-8 ({exc.reason} at byte {exc.start:,})", where=name) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IssueError(
            f"not valid JSON: {exc.msg}", where=f"{name}:{exc.lineno}:{exc.colno}"
        ) from None
    except RecursionError:
        raise IssueError("not valid JSON: nested too deeply", where=name) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise IssueError(f"not valid JSON: {exc}", where=name) from None
    try:
        return issue_from_dict(data)
    except IssueError as exc:
        raise IssueError(
            str(exc.message if exc.where is None else f"{exc.where}: {exc.message}"),
            where=name,
            value=exc.value,
            suggestion=exc.suggestion,
        ) from None
