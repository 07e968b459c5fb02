"""Issues as JSON: the form the command line reads (``evaluate POLICY ISSUE.json``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .._exceptions import IssueError, PolicyError
from .._instants import parse_instant
from .._model.events import Event
from .._model.issue import Customer, Issue
from .._suggest import did_you_mean

_ISSUE_KEYS = (
    "id", "created_at", "priority", "category", "status", "level", "team", "assignee",
    "customer", "product", "language", "skills", "tags", "attributes", "history",
)  # fmt: skip

_CUSTOMER_KEYS = ("id", "tier", "value", "account", "attributes")

_EVENT_KEYS = (
    "kind", "at", "actor", "level", "status", "team", "assignee", "action", "rule", "name",
    "data",
)  # fmt: skip


def _check_keys(data: object, keys: tuple[str, ...], where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise IssueError(f"{where}: expected an object, got {data!r}", value=data)
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
            f"{where}: expected an ISO 8601 instant string, got {value!r}", value=value
        )
    try:
        return parse_instant(value)
    except (IssueError, PolicyError) as exc:
        raise IssueError(f"{where}: {exc}", value=value) from None


def issue_from_dict(data: object) -> Issue:
    """Build an `Issue` from its JSON form; errors name the JSON path of the mistake.

    Instants are ISO 8601 strings with an offset (``"2026-03-02T09:00:00+01:00"``);
    events are objects with ``kind`` and ``at`` and the attributes of `Event`.
    """
    d = _check_keys(data, _ISSUE_KEYS, "issue")
    if "id" not in d or "created_at" not in d:
        raise IssueError("issue: 'id' and 'created_at' are required", value=data)
    fields: dict[str, Any] = {
        k: v for k, v in d.items() if k not in ("created_at", "customer", "history")
    }
    if "customer" in d:
        customer = _check_keys(d["customer"], _CUSTOMER_KEYS, "issue.customer")
        fields["customer"] = Customer(**customer)
    events = []
    history = d.get("history", [])
    if not isinstance(history, list):
        raise IssueError(f"issue.history: expected a list, got {history!r}", value=history)
    for i, raw in enumerate(history):
        where = f"issue.history[{i}]"
        event = dict(_check_keys(raw, _EVENT_KEYS, where))
        if "kind" not in event or "at" not in event:
            raise IssueError(f"{where}: 'kind' and 'at' are required", value=raw)
        at = _instant(event.pop("at"), f"{where}.at")
        try:
            events.append(Event(event.pop("kind"), at, **event))
        except (IssueError, PolicyError, TypeError) as exc:
            raise IssueError(f"{where}: {exc}", value=raw) from None
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
                "language"):  # fmt: skip
        value = getattr(issue, key)
        if value is not None:
            out[key] = value
    if issue.skills:
        out["skills"] = sorted(issue.skills)
    if issue.tags:
        out["tags"] = sorted(issue.tags)
    if issue.attributes:
        out["attributes"] = dict(issue.attributes)
    c = issue.customer
    customer = {k: getattr(c, k) for k in ("id", "tier", "value", "account") if getattr(c, k)}
    if c.attributes:
        customer["attributes"] = dict(c.attributes)
    if customer:
        out["customer"] = customer
    out["history"] = [
        {
            "kind": e.kind.value,
            "at": e.at.isoformat(),
            **{
                k: getattr(e, k)
                for k in ("actor", "level", "status", "team", "assignee", "action", "rule", "name")
                if getattr(e, k) is not None
            },
            **({"data": dict(e.data)} if e.data else {}),
        }
        for e in issue.history
    ]
    return out
