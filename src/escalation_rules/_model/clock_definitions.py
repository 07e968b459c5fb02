"""SLA clock definitions: what starts, pauses, resumes, stops, resets and cancels a clock.

A clock is defined by six conditions over the issue's events and statuses (ServiceNow's
start, pause, resume, stop, reset and cancel; JSM's start, pause-on and stop). Each
condition is a tuple of `Trigger` values, any of which fires it. The metrics of
`Metric` are presets: a clock named after one (or given ``metric=``) takes its
conditions from the preset unless it names its own.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import attrs

from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .._suggest import did_you_mean
from .events import CLOSED, EventKind, Status
from .names import to_enum


class Metric(enum.StrEnum):
    """What an SLA clock measures: each metric is a preset of clock conditions.

    * ``FIRST_RESPONSE``: from creation to the first agent reply.
    * ``NEXT_RESPONSE``: from the first customer message after the last agent
      reply to the next agent reply (no cycle before the first reply: that is
      the first response).
    * ``PERIODIC_UPDATE``: from the last agent reply (or creation) to the next
      one: "an update at least every N".
    * ``RESOLUTION``: from creation to resolution; a reopen resumes it (or
      restarts it, with ``on_reopen="restart"``).
    * ``TIME_AT_LEVEL``: from the moment the issue entered its current level.
    * ``PAUSABLE_UPDATE`` (Zendesk): from each agent reply to the next, the first
      cycle starting at the first agent reply; pauses while pending.
    * ``REQUESTER_WAIT`` (Zendesk): from creation to resolution; pauses while pending
      (on hold counts).
    * ``AGENT_WORK`` (Zendesk): from creation to resolution; pauses while pending and
      while in the host's on-hold statuses, which the clock's ``pause_on`` names.
    * ``GROUP_OWNERSHIP`` (Zendesk): from each assignment to a new team to the next, or
      to resolution; a reopen starts a new cycle; does not pause.
    * ``TIME_TO_OWN`` (GLPI, ServiceNow): from creation to the first acknowledgement or
      assignment; does not pause.
    * ``CUSTOM``: a clock whose conditions are all its own.

    Every clock counts only while the issue is neither resolved nor closed,
    and pauses while its status is in the clock's ``pause_on`` (by default
    while pending on the customer).
    """

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    PERIODIC_UPDATE = "periodic_update"
    RESOLUTION = "resolution"
    TIME_AT_LEVEL = "time_at_level"
    PAUSABLE_UPDATE = "pausable_update"
    REQUESTER_WAIT = "requester_wait"
    AGENT_WORK = "agent_work"
    GROUP_OWNERSHIP = "group_ownership"
    TIME_TO_OWN = "time_to_own"
    CUSTOM = "custom"

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value


CREATED: Final = "created"
REOPENED: Final = "reopened"
RESOLVED: Final = "resolved"
TEAM_CHANGED: Final = "team_changed"

_DERIVED: Final = {
    CREATED: "the issue's creation",
    REOPENED: "a status change from resolved or closed back to an open status",
    RESOLVED: "a status change to resolved or closed",
    TEAM_CHANGED: "an event that sets a team other than the current one",
}
_KINDS: Final = frozenset(k.value for k in EventKind) - {EventKind.CREATED.value}
TRIGGER_NAMES: Final = (*sorted({*_KINDS, *_DERIVED}), "status:<status>", "custom:<name>")
"""The trigger forms a clock condition may name (for messages and the schema)."""


CONDITION_NAMES: Final = ("start", "stop", "reset", "cancel", "pause", "resume", "armed_by")
"""A clock's conditions, each a tuple of `Trigger` values (``armed_by`` gates ``start``)."""


def _statuses(value: Iterable[str] | str, what: str = "a status trigger") -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        raise PolicyError(f"{what} takes a list of statuses, got {value!r}", value=value)
    out: set[str] = set()
    for item in value:
        if not isinstance(item, str) or not item:
            raise PolicyError(
                f"{what} lists {item!r}; list statuses by name (a `Status` value, or one "
                "of the host's statuses in the policy's status_map)",
                value=item,
            )
        out.add(Status(item) if item in _STATUS_VALUES else item)
    return frozenset(out)


_STATUS_VALUES: Final = frozenset(s.value for s in Status)


@attrs.frozen(cache_hash=True)
class Trigger:
    """One event that fires a clock condition.

    *kind* is an event kind (``"agent_reply"``, ``"acknowledged"``,
    ``"priority_changed"``...), or one of ``"created"`` (the issue's creation),
    ``"reopened"``, ``"resolved"`` and ``"team_changed"``. A ``"status_changed"``
    trigger with *statuses* fires on a change to one of them (`Status` values or the
    host's own statuses); a ``"custom"`` trigger with *name* only on custom events of
    that name. ``Trigger.parse("status:hold")`` and ``"custom:callback"`` are the
    text forms.
    """

    kind: str
    statuses: frozenset[str] = attrs.field(default=frozenset(), converter=_statuses)
    name: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, str):
            raise PolicyError(
                f"a clock trigger is named by text like 'agent_reply', got {self.kind!r}",
                value=self.kind,
            )
        if self.kind not in _KINDS and self.kind not in _DERIVED:
            raise PolicyError(
                f"unknown clock trigger {self.kind!r}; triggers are {list(TRIGGER_NAMES)}",
                value=self.kind,
                suggestion=did_you_mean(str(self.kind), [*_KINDS, *_DERIVED]),
            )
        if self.statuses and self.kind != EventKind.STATUS_CHANGED:
            raise PolicyError(
                f"only a status_changed trigger names statuses, not {self.kind!r}",
                value=sorted(self.statuses),
            )
        commas = sorted(status for status in self.statuses if "," in status)
        if commas:
            raise PolicyError(
                f"a status trigger cannot name {commas[0]!r}: its text form separates statuses "
                "with commas",
                value=commas[0],
            )
        if self.name is not None and self.kind != EventKind.CUSTOM:
            raise PolicyError(
                f"only a custom trigger names an event, not {self.kind!r}", value=self.name
            )

    @classmethod
    def parse(cls, text: str) -> Trigger:
        """``"agent_reply"``, ``"status:hold"``, ``"custom:callback"`` as a `Trigger`."""
        if not isinstance(text, str):
            raise PolicyError(f"a clock trigger is text like 'agent_reply', got {text!r}")
        head, colon, rest = text.partition(":")
        if colon and head == "status":
            return cls(EventKind.STATUS_CHANGED.value, statuses=rest.split(","))
        if colon and head == "custom":
            if not rest:
                raise PolicyError(
                    f"the clock trigger {text!r} names no event; write 'custom:<name>', or "
                    "'custom' for every custom event",
                    value=text,
                )
            return cls(EventKind.CUSTOM.value, name=rest)
        if colon:
            raise PolicyError(
                f"unknown clock trigger {text!r}; 'status:<status>' and 'custom:<name>' take "
                "a part after the colon",
                value=text,
                suggestion=did_you_mean(head, ["status", "custom"]),
            )
        return cls(text)

    def __str__(self) -> str:
        if self.statuses:
            return "status:" + ",".join(sorted(self.statuses))
        if self.name is not None:
            return f"custom:{self.name}"
        return self.kind


def _triggers(value: Iterable[Trigger | str] | Trigger | str | None) -> tuple[Trigger, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, Trigger)):
        value = [value]
    elif isinstance(value, (set, frozenset)):  # no order of its own: one that hashing cannot move
        value = sorted(value, key=str)
    out: list[Trigger] = []
    for item in value:
        trigger = item if isinstance(item, Trigger) else Trigger.parse(item)
        if trigger not in out:
            out.append(trigger)
    return tuple(out)


def _pause_on(value: Iterable[Status | str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    out = _statuses(value, "pause_on")
    for status in out:
        if status in CLOSED:
            raise PolicyError(
                f"pause_on cannot list {str(status)!r}: a clock already stops there",
                value=str(status),
            )
    return out


def _metric(value: Metric | str) -> Metric:
    return to_enum(Metric, value, "unknown SLA metric {value!r}; metrics are {names}")


_PENDING: Final = frozenset({Status.PENDING})
_NONE: Final[tuple[Trigger, ...]] = ()


def _t(*names: str) -> tuple[Trigger, ...]:
    return tuple(Trigger(n) for n in names)


# start, stop, reset, cancel, armed_by, pause_on (status); the five first keep 0.1's behaviour.
_PRESETS: Final[dict[Metric, tuple[Any, ...]]] = {
    Metric.FIRST_RESPONSE: (_t(CREATED), _t("agent_reply"), _NONE, _NONE, _NONE, _PENDING),
    Metric.NEXT_RESPONSE: (
        _t("customer_message"), _t("agent_reply"), _NONE, _NONE, _t("agent_reply"), _PENDING,
    ),
    Metric.PERIODIC_UPDATE: (_t(CREATED), _NONE, _t("agent_reply"), _NONE, _NONE, _PENDING),
    Metric.RESOLUTION: (_t(CREATED), _NONE, _NONE, _NONE, _NONE, _PENDING),
    Metric.TIME_AT_LEVEL: (_t(CREATED), _NONE, _t("level_changed"), _NONE, _NONE, _PENDING),
    Metric.PAUSABLE_UPDATE: (
        _t("agent_reply"), _NONE, _t("agent_reply"), _NONE, _NONE, _PENDING,
    ),
    Metric.REQUESTER_WAIT: (_t(CREATED), _NONE, _NONE, _NONE, _NONE, _PENDING),
    Metric.AGENT_WORK: (_t(CREATED), _NONE, _NONE, _NONE, _NONE, _PENDING),
    Metric.GROUP_OWNERSHIP: (
        _t(TEAM_CHANGED), _NONE, _t(TEAM_CHANGED, REOPENED), _NONE, _NONE, frozenset(),
    ),
    Metric.TIME_TO_OWN: (
        _t(CREATED), _t("acknowledged", "reassigned"), _NONE, _NONE, _NONE, frozenset(),
    ),
    Metric.CUSTOM: (_NONE, _NONE, _NONE, _NONE, _NONE, _PENDING),
}  # fmt: skip


@attrs.frozen(cache_hash=True)
class SlaClock:
    """The definition of one SLA clock: its name, what it measures, its six conditions.

    A policy has one clock for each of the first five `Metric` values, named after it,
    with these defaults; give `Policy(clocks=[...])` a clock of the same name to change
    them, or a new name to add one (``SlaClock("requester_wait")`` takes that preset;
    ``SlaClock("raw_resolution", "resolution", pause_on=())`` a second clock on a metric).

    The conditions (each a list of `Trigger` values or their text forms; ``None`` takes
    the metric's preset):

    * ``start``: starts a cycle when none is running (and, with ``armed_by``, only once
      one of those events has happened).
    * ``stop``: ends the running cycle: the clock waits, ``"stopped"``, until a start
      trigger begins a new cycle (if its start can happen again, it is ``"idle"``).
    * ``reset``: ends the running cycle and starts a new one from zero at once.
    * ``cancel``: ends the running cycle without a verdict: no target, no breach.
    * ``pause`` / ``resume``: events that pause the running cycle and resume it.
    * ``pause_on``: statuses during which the clock does not count (default: pending):
      `Status` values, or the host's own statuses named in the policy's ``status_map``.

    Whatever the conditions, a clock does not count while the issue is resolved or
    closed (its state is then ``"stopped"``) and counts on from where it was when the
    issue reopens, unless ``reset`` names ``"reopened"``.

    Attributes:
        name: how targets and ``sla(...)`` triggers refer to it.
        metric: the preset its conditions come from (its name by default, else
            ``"custom"``).
        on_reopen: ``"restart"`` adds ``"reopened"`` to ``reset`` (a new cycle from
            zero when a resolved issue reopens); ``"resume"`` (default) does not.
        retroactive: ``True`` (default): a target that starts to apply because the
            issue's priority changed counts from the cycle's start (ServiceNow's
            retroactive start; 0.1's behaviour). ``False``: it counts from the last
            ``priority_changed`` event from a priority that had no target on this clock.
            The priority before the first change is the one the ``CREATED`` event
            records (``Event.priority``); without one it is unknown, and counts as a
            priority with no target of its own (only a ``"*"`` default applies to it).
    """

    name: str
    metric: Metric = attrs.field(converter=_metric)
    start: tuple[Trigger, ...] = attrs.field(default=None, converter=_triggers, kw_only=True)
    stop: tuple[Trigger, ...] = attrs.field(default=None, converter=_triggers, kw_only=True)
    reset: tuple[Trigger, ...] = attrs.field(default=None, converter=_triggers, kw_only=True)
    cancel: tuple[Trigger, ...] = attrs.field(default=None, converter=_triggers, kw_only=True)
    pause: tuple[Trigger, ...] = attrs.field(default=(), converter=_triggers, kw_only=True)
    resume: tuple[Trigger, ...] = attrs.field(default=(), converter=_triggers, kw_only=True)
    pause_on: frozenset[str] = attrs.field(default=None, converter=_pause_on, kw_only=True)
    armed_by: tuple[Trigger, ...] = attrs.field(default=None, converter=_triggers, kw_only=True)
    on_reopen: Literal["resume", "restart"] = attrs.field(default="resume", kw_only=True)
    retroactive: bool = attrs.field(default=True, kw_only=True)
    #: derived: the trigger kinds its conditions name (an event of another kind that sets
    #: no field cannot move the clock)
    kinds: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    @metric.default
    def _default_metric(self) -> Metric:
        name = self.name
        return Metric(name) if name in _METRIC_VALUES else Metric.CUSTOM

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise PolicyError(f"a clock needs a name, got {self.name!r}", value=self.name)
        where = f"clock {self.name!r}"
        if self.on_reopen not in ("resume", "restart"):
            raise PolicyError(
                f"on_reopen must be 'resume' or 'restart', got {self.on_reopen!r}",
                where=where,
                value=self.on_reopen,
                suggestion=did_you_mean(str(self.on_reopen), ["resume", "restart"]),
            )
        if not isinstance(self.retroactive, bool):
            raise PolicyError(
                f"retroactive must be true or false, got {self.retroactive!r}",
                where=where,
                value=self.retroactive,
            )
        preset = _PRESETS[self.metric]
        for i, field in enumerate(("start", "stop", "reset", "cancel", "armed_by", "pause_on")):
            if getattr(self, field) is None:
                object.__setattr__(self, field, preset[i])
        if self.on_reopen == "restart" and Trigger(REOPENED) not in self.reset:
            object.__setattr__(self, "reset", (*self.reset, Trigger(REOPENED)))
        if not self.start and not self.reset:
            metrics = [m.value for m in Metric if m is not Metric.CUSTOM]
            raise PolicyError(
                f"the clock never runs: it has no start (or reset) condition; name a preset "
                f"metric (one of {metrics}) or give it start=[...], e.g. start=['created']",
                where=where,
                value=self.name,
                suggestion=did_you_mean(self.name, metrics),
            )
        object.__setattr__(
            self,
            "kinds",
            frozenset(t.kind for ts in (*self.conditions().values(), self.armed_by) for t in ts),
        )
        if self.resume and not self.pause:
            raise PolicyError(
                "resume names events, but pause names none: nothing pauses the clock for "
                "them to resume (statuses in pause_on resume by themselves)",
                where=where,
                value=[str(t) for t in self.resume],
            )

    @property
    def restarts(self) -> bool:
        """Can a cycle start again after one stopped (a start trigger other than creation)?"""
        return any(t.kind != CREATED for t in self.start)

    def conditions(self) -> dict[str, tuple[Trigger, ...]]:
        """The six conditions by name (for explain, the linter and the writer)."""
        return {
            "start": self.start,
            "stop": self.stop,
            "reset": self.reset,
            "cancel": self.cancel,
            "pause": self.pause,
            "resume": self.resume,
        }

    def statuses(self) -> frozenset[str]:
        """Every status the clock names: ``pause_on`` and its status triggers."""
        out = set(self.pause_on)
        for triggers in (*self.conditions().values(), self.armed_by):
            for trigger in triggers:
                out |= trigger.statuses
        return frozenset(out)


_METRIC_VALUES: Final = frozenset(m.value for m in Metric)

DEFAULT_METRICS: Final = (
    Metric.FIRST_RESPONSE,
    Metric.NEXT_RESPONSE,
    Metric.PERIODIC_UPDATE,
    Metric.RESOLUTION,
    Metric.TIME_AT_LEVEL,
)
DEFAULT_CLOCKS: Final = tuple(SlaClock(m.value) for m in DEFAULT_METRICS)
"""The clocks every policy has: one per metric of 0.1, named after it."""


def clock_table(value: Iterable[SlaClock]) -> FrozenDict[SlaClock]:
    """The policy's clocks by name: the defaults, overridden or extended by *value*."""
    if isinstance(value, Mapping):  # a policy's own table (attrs.evolve passes it back)
        value = value.values()
    if isinstance(value, SlaClock) or not isinstance(value, Iterable):
        raise PolicyError(f"clocks takes a list of SlaClock, got {value!r}", value=value)
    table = {c.name: c for c in DEFAULT_CLOCKS}
    seen: set[str] = set()
    for i, clock in enumerate(value):
        if not isinstance(clock, SlaClock):
            raise PolicyError(f"clocks[{i}] is not an SlaClock: {clock!r}", value=clock)
        if clock.name in seen:
            raise PolicyError(f"duplicate clock name {clock.name!r}", value=clock.name)
        seen.add(clock.name)
        table[clock.name] = clock
    return FrozenDict(table)
