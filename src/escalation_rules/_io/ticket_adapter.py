"""What a ticket adapter takes and gives: a `TicketMapping` of the host's names onto the
policy's, and an `AdaptedTicket` (the `Issue`, and what the adapter could not map).

An adapter turns the payloads a host already holds (a Zendesk ticket and its audits, a Jira
issue and its changelog, a ServiceNow incident and its ``sys_audit`` rows) into an `Issue`
whose history replays what happened: status changes, priority changes, reassignments (and
level changes, where a group is mapped to a level), replies and field changes. What it
cannot map is reported item by item with its path in the payload, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final

import attrs

from .._exceptions import IssueError
from .._frozendict import FrozenDict
from .._model.events import ATTRIBUTE_PREFIX, CHANGEABLE_FIELDS, Status
from .._suggest import did_you_mean
from .import_report import Unsupported

if TYPE_CHECKING:
    from .._model.issue import Issue

#: Where a custom field can go on the `Issue`: a field a ``FIELD_CHANGED`` event sets
#: (``category``, ``product``, ``language``, ``attributes.KEY``), or ``priority``,
#: ``customer.tier``, ``customer.id``, ``tags`` (a custom field holding a list of tags).
FIELD_TARGETS: Final = (*CHANGEABLE_FIELDS, "priority", "customer.id", "customer.tier", "tags")

_STATUSES: Final = tuple(s.value for s in Status)


def _frozen(value: Mapping[str, str] | None) -> FrozenDict[str]:
    return FrozenDict(value or {})


def _check_map(name: str, table: Mapping[str, str]) -> None:
    for key, value in table.items():
        if not isinstance(key, str) or not key or not isinstance(value, str) or not value:
            raise IssueError(
                f"TicketMapping.{name} maps names to names, got {key!r} -> {value!r}",
                value=(key, value),
            )


@attrs.frozen
class TicketMapping:
    """How a ticket's names map onto the policy's. Every table is optional.

    Attributes:
        statuses: the product's status (as the adapter reads it, e.g. Zendesk ``"hold"``,
            Jira ``"In Review"``, ServiceNow ``"3"`` or ``"On Hold"``) to the status the
            issue gets: one of ``open``, ``pending``, ``resolved``, ``closed``, or a host
            status the policy's ``status_map`` knows. It adds to and overrides the
            adapter's own defaults (each adapter documents them). A status neither maps
            is kept as it is and reported.
        priorities: the product's priority to the policy's; a priority it lacks is kept as
            it is (reported only when the table is not empty).
        levels: an assignment group (by name or by id) to the level it stands for: a
            reassignment to a mapped group is also a ``LEVEL_CHANGED``.
        fields: a custom field (by id or name) to where it goes on the issue, one of
            `FIELD_TARGETS` (``"category"``, ``"attributes.region"``, ``"customer.tier"``,
            ...). A custom field not listed is reported once.
    """

    statuses: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen, kw_only=True)
    priorities: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen, kw_only=True)
    levels: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen, kw_only=True)
    fields: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen, kw_only=True)

    def __attrs_post_init__(self) -> None:
        for name in ("statuses", "priorities", "levels", "fields"):
            _check_map(name, getattr(self, name))
        for key, target in self.fields.items():
            if target in FIELD_TARGETS or (
                target.startswith(ATTRIBUTE_PREFIX) and len(target) > len(ATTRIBUTE_PREFIX)
            ):
                continue
            raise IssueError(
                f"TicketMapping.fields[{key!r}] = {target!r} is not a field an adapter can "
                f"set; use one of {list(FIELD_TARGETS)} or 'attributes.KEY'",
                value=target,
                suggestion=did_you_mean(target, FIELD_TARGETS),
            )

    def status(self, raw: str, defaults: Mapping[str, str]) -> str | None:
        """The issue status of the product's *raw* status: this mapping's, else the
        adapter's *defaults*, else ``None`` (the adapter keeps *raw* and reports it)."""
        return self.statuses.get(raw) or defaults.get(raw)

    def priority(self, raw: str) -> str | None:
        """The policy's priority for *raw*: mapped, or *raw* itself when the table is
        empty; ``None`` when the table lacks it (the adapter keeps *raw* and reports it)."""
        if not self.priorities:
            return raw
        return self.priorities.get(raw)


def _items(value: Iterable[Unsupported]) -> tuple[Unsupported, ...]:
    return tuple(value)


@attrs.frozen
class AdaptedTicket:
    """What an adapter returns: the issue, and what it could not map.

    Attributes:
        issue: the `Issue`, created when the ticket was, its history replaying the audit
            trail in time order; its fields are the ticket's current ones.
        unmapped: what the payload had that the adapter could not map, in payload order,
            each with its path (``"audits[3].events[1]"``) and the value.
        source: the product (``"zendesk"``, ``"jira"``, ``"servicenow"``).
    """

    issue: Issue
    unmapped: tuple[Unsupported, ...] = attrs.field(converter=_items, default=())
    source: str = ""

    def report(self) -> str:
        """The unmapped items as text, one a line (empty when everything was mapped)."""
        return "\n".join(str(item) for item in self.unmapped)


STATUS_NAMES: Final = _STATUSES
"""The engine's own statuses, which a `TicketMapping.statuses` value may always name."""
