"""Import a PagerDuty escalation policy, with the schedules it pages, as a `Policy`.

The documents are PagerDuty's REST API v2 JSON, as ``GET /escalation_policies/{id}``,
``GET /schedules/{id}`` and ``GET /schedules/{id}/overrides`` return them (with or without
their ``escalation_policy``/``schedule``/``overrides`` wrapper):

* each escalation rule becomes a `Level` ``step-N`` (N counts the rules from 1) whose owner
  is the rule's targets: a user by its ``summary`` (else its ``id``), a schedule as
  `OnCall` its name, and whose ``ack_timeout`` is ``escalation_delay_in_minutes``. Without
  loops the last rule's delay leads nowhere in PagerDuty, so its level has no timeout (the
  chain's terminal level);
* the policy has one `chain` rule, ``repeat`` = ``num_loops`` (0 to 9, PagerDuty's range),
  ``retrigger_after`` = the service's ``acknowledgement_timeout`` (seconds) when given;
* each schedule a rule pages becomes a `Schedule`: its layers (rotations with their
  ``start``, ``end``, ``rotation_virtual_start`` as the hand-off, and their daily or weekly
  restrictions, exactly), in the order of priority, and its overrides.

**Layer order.** PagerDuty's API lists a schedule's ``schedule_layers`` highest priority first
(a ``GET`` returns them in the opposite order to the one a ``POST``/``PUT`` takes); a
`Schedule` lists them lowest first, so the importer reverses them.

What the library cannot express is listed in `Imported.unsupported` with its path in the
documents, never dropped silently; a document of the wrong shape raises `PolicyError`
naming the path and quoting the bad value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from .._engine.policy import Policy
from .._exceptions import PolicyError
from .._model.levels import Level, OnCall, Recipient
from .._model.restrictions import DAY, WEEK, Restriction, time_of_day
from .._model.schedules import Layer, Override, Schedule
from .._rules.chain import chain
from .import_report import Imported, Unsupported

MAX_LOOPS: Final = 9
"""The most loops PagerDuty lets an escalation policy make (``num_loops``)."""

CHAIN_NAME: Final = "escalation-policy"
"""The name of the imported chain rule."""

_USER_TYPES: Final = ("user", "user_reference")
_SCHEDULE_TYPES: Final = ("schedule", "schedule_reference")
_RESTRICTION_TYPES: Final = ("daily_restriction", "weekly_restriction")

Doc = Mapping[str, Any]


# -- reading fields ---------------------------------------------------------------------------


def _bad(path: str, expected: str, value: object) -> PolicyError:
    return PolicyError(f"{path} must be {expected}, got {value!r}", where=path, value=value)


def _mapping(value: object, path: str) -> Doc:
    if not isinstance(value, Mapping):
        raise _bad(path, "a JSON object", value)
    return value


def _unwrap(doc: object, key: str, path: str) -> tuple[Doc, str]:
    """*doc*, or what it holds under *key* (the API's wrapper), with its path."""
    doc = _mapping(doc, path)
    if key in doc and isinstance(doc[key], Mapping):
        return doc[key], f"{path}.{key}"
    return doc, path


def _required(doc: Doc, key: str, path: str) -> object:
    if key not in doc or doc[key] is None:
        raise PolicyError(f"{path} has no {key!r}", where=f"{path}.{key}", value=dict(doc))
    return doc[key]


def _text(doc: Doc, key: str, path: str) -> str:
    value = _required(doc, key, path)
    if not isinstance(value, str) or not value:
        raise _bad(f"{path}.{key}", "a non-empty string", value)
    return value


def _integer(doc: Doc, key: str, path: str, low: int, high: int | None = None) -> int:
    value = _required(doc, key, path)
    top = high is None or (isinstance(value, int) and value <= high)
    if not isinstance(value, int) or isinstance(value, bool) or value < low or not top:
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise _bad(f"{path}.{key}", f"an integer {span}", value)
    return value


def _list(doc: Doc, key: str, path: str, *, required: bool = True) -> list[Any]:
    value = _required(doc, key, path) if required else doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise _bad(f"{path}.{key}", "a JSON array", value)
    return list(value)


def _instant(doc: Doc, key: str, path: str, *, required: bool = True) -> datetime | None:
    value = _required(doc, key, path) if required else doc.get(key)
    if value is None:
        return None
    where = f"{path}.{key}"
    if not isinstance(value, str):
        raise _bad(where, "an ISO 8601 date-time with an offset", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(where, "an ISO 8601 date-time with an offset", value) from None
    if parsed.tzinfo is None:
        raise _bad(where, "an ISO 8601 date-time with an offset (or Z)", value)
    return parsed


def _person(value: object, path: str) -> str:
    """A user reference as a name: its ``summary``, else its ``id``."""
    ref = _mapping(value, path)
    for key in ("summary", "id"):
        name = ref.get(key)
        if isinstance(name, str) and name:
            return name
    raise PolicyError(
        f"{path} must have a non-empty 'summary' or 'id', got {dict(ref)!r}",
        where=path,
        value=dict(ref),
    )


def _placed(exc: PolicyError, path: str) -> PolicyError:
    """*exc* from a model class, re-raised at *path* in the document."""
    where = f"{path}.{exc.where}" if exc.where else path
    return PolicyError(exc.message, where=where, value=exc.value, suggestion=exc.suggestion)


# -- schedules ----------------------------------------------------------------------------------


def _restriction(value: object, path: str) -> Restriction:
    doc = _mapping(value, path)
    kind = _text(doc, "type", path)
    if kind not in _RESTRICTION_TYPES:
        raise _bad(f"{path}.type", f"one of {list(_RESTRICTION_TYPES)}", kind)
    opens = time_of_day(_text(doc, "start_time_of_day", path), f"{path}.start_time_of_day")
    longest = DAY if kind == "daily_restriction" else WEEK
    seconds = _integer(doc, "duration_seconds", path, 1, int(longest.total_seconds()))
    day = None if kind == "daily_restriction" else _integer(doc, "start_day_of_week", path, 1, 7)
    try:
        return Restriction(opens, timedelta(seconds=seconds), day)
    except PolicyError as exc:
        raise _placed(exc, path) from None


def _layer(value: object, path: str, number: int) -> Layer | None:
    """One schedule layer, or ``None`` for a layer with no users (nobody to rotate)."""
    doc = _mapping(value, path)
    name = doc.get("name") or f"Layer {number}"
    if not isinstance(name, str):
        raise _bad(f"{path}.name", "a string", name)
    users = [
        _person(_mapping(item, f"{path}.users[{i}]").get("user"), f"{path}.users[{i}].user")
        for i, item in enumerate(_list(doc, "users", path))
    ]
    shift = _integer(doc, "rotation_turn_length_seconds", path, 1)
    handoff = _instant(doc, "rotation_virtual_start", path)
    start = _instant(doc, "start", path)
    end = _instant(doc, "end", path, required=False)
    restrictions = [
        _restriction(item, f"{path}.restrictions[{i}]")
        for i, item in enumerate(_list(doc, "restrictions", path, required=False))
    ]
    if not users:
        return None
    try:
        return Layer(
            name,
            users,
            shift=timedelta(seconds=shift),
            handoff=handoff,
            start=start,
            end=end,
            restrictions=restrictions,
        )
    except PolicyError as exc:
        raise _placed(exc, path) from None


def _override(value: object, path: str) -> Override:
    doc = _mapping(value, path)
    member = _person(_required(doc, "user", path), f"{path}.user")
    start, end = _instant(doc, "start", path), _instant(doc, "end", path)
    try:
        return Override(member, start, end)
    except PolicyError as exc:
        raise _placed(exc, path) from None


def _override_list(value: object, path: str) -> tuple[list[Any], str]:
    """The overrides of one schedule: a list, or the endpoint's ``{"overrides": [...]}``."""
    if isinstance(value, Mapping):
        return _list(value, "overrides", path), f"{path}.overrides"
    if not isinstance(value, list | tuple):
        raise _bad(path, "a JSON array of overrides", value)
    return list(value), path


class _Importer:
    """The state of one import: the schedule documents, the schedules built so far, and the
    unsupported items in document order."""

    def __init__(self, schedules: object, overrides: object) -> None:
        self.unsupported: list[Unsupported] = []
        self.docs: dict[str, tuple[Doc, str]] = {}
        self.built: dict[str, str | None] = {}  # schedule id -> its key in the policy
        self.schedules: dict[str, Schedule] = {}
        self.overrides: dict[str, tuple[object, str]] = {}
        self._read_schedules(schedules)
        if not isinstance(overrides, Mapping):
            if isinstance(overrides, list | tuple) and not overrides:
                return
            raise _bad("overrides", "a JSON object of override lists by schedule id", overrides)
        for key, value in overrides.items():
            self.overrides[str(key)] = (value, f"overrides[{key!r}]")

    def skip(self, where: str, what: str, value: object = None) -> None:
        self.unsupported.append(Unsupported(where, what, value))

    def _read_schedules(self, schedules: object) -> None:
        if isinstance(schedules, Mapping):
            items = [(str(k), v, f"schedules[{k!r}]") for k, v in schedules.items()]
        elif isinstance(schedules, Iterable) and not isinstance(schedules, str | bytes):
            items = []
            for i, value in enumerate(schedules):
                doc, path = _unwrap(value, "schedule", f"schedules[{i}]")
                items.append((_text(doc, "id", path), value, f"schedules[{i}]"))
        else:
            raise _bad("schedules", "a JSON object by schedule id, or a list", schedules)
        for key, value, path in items:
            self.docs[key] = _unwrap(value, "schedule", path)

    def schedule_key(self, schedule_id: str, where: str, ref: object) -> str | None:
        """The policy's key for schedule *schedule_id*, built on first use; ``None`` (an
        unsupported item at *where*) if it was not given or puts nobody on call."""
        if schedule_id in self.built:
            key = self.built[schedule_id]
            if key is None:
                self.skip(where, f"schedule {schedule_id!r} could not be imported", ref)
            return key
        if schedule_id not in self.docs:
            self.built[schedule_id] = None
            self.skip(where, f"schedule {schedule_id!r} was not given; target left out", ref)
            return None
        schedule = self._schedule(schedule_id, *self.docs[schedule_id])
        key = None if schedule is None else schedule.name
        if schedule is None:
            self.skip(where, f"schedule {schedule_id!r} puts nobody on call; left out", ref)
        else:
            self.schedules[schedule.name] = schedule
        self.built[schedule_id] = key
        return key

    def _schedule(self, schedule_id: str, doc: Doc, path: str) -> Schedule | None:
        name = _text(doc, "name", path)
        if name in self.schedules:  # two schedules of one name: the second goes by its id
            name = schedule_id
        zone = _text(doc, "time_zone", path)
        layers_doc = _list(doc, "schedule_layers", path)
        layers = []
        for i, item in enumerate(layers_doc):
            where = f"{path}.schedule_layers[{i}]"
            layer = _layer(item, where, len(layers_doc) - i)
            if layer is None:
                self.skip(f"{where}.users", "a layer with no users puts nobody on call", item)
            else:
                layers.append(layer)
        layers.reverse()  # the API lists the highest layer first; a Schedule, the lowest
        overrides = []
        if schedule_id in self.overrides:
            items, where = _override_list(*self.overrides[schedule_id])
            overrides = [_override(item, f"{where}[{i}]") for i, item in enumerate(items)]
        if not layers and not overrides:
            return None
        try:
            return Schedule(name, zone, layers, overrides=overrides)
        except PolicyError as exc:
            raise _placed(exc, path) from None

    def leftovers(self) -> None:
        """The schedules and overrides given but never paged: listed, not lost."""
        for schedule_id, (doc, path) in self.docs.items():
            if schedule_id not in self.built:
                self.skip(path, "no escalation rule pages this schedule; left out", doc.get("name"))
        for schedule_id, (_value, path) in self.overrides.items():
            if schedule_id not in self.docs:
                self.skip(path, f"overrides for schedule {schedule_id!r}, which was not given")


# -- the escalation policy ---------------------------------------------------------------------


def _owner(state: _Importer, rule: Doc, path: str) -> list[Recipient]:
    owners: list[Recipient] = []
    for i, value in enumerate(_list(rule, "targets", path)):
        where = f"{path}.targets[{i}]"
        target = _mapping(value, where)
        kind = _text(target, "type", where)
        recipient: Recipient | None
        if kind in _USER_TYPES:
            recipient = _person(target, where)
        elif kind in _SCHEDULE_TYPES:
            key = state.schedule_key(_text(target, "id", where), where, dict(target))
            recipient = None if key is None else OnCall(key)
        else:
            state.skip(where, f"a target of type {kind!r} cannot be paged; left out", dict(target))
            continue
        if recipient in owners:
            state.skip(where, f"{recipient} is a target twice; paged once", dict(target))
        elif recipient is not None:
            owners.append(recipient)
    return owners


def _levels(state: _Importer, policy: Doc, root: str, loops: int) -> list[Level]:
    rules = _list(policy, "escalation_rules", root)
    levels: list[Level] = []
    for i, value in enumerate(rules):
        path = f"{root}.escalation_rules[{i}]"
        rule = _mapping(value, path)
        delay = _integer(rule, "escalation_delay_in_minutes", path, 1)
        strategy = rule.get("escalation_rule_assignment_strategy")
        if isinstance(strategy, Mapping) and strategy.get("type") == "round_robin":
            state.skip(
                f"{path}.escalation_rule_assignment_strategy",
                "round robin needs a counter the host owns (Level.round_robin); every "
                "target is paged",
                dict(strategy),
            )
        owners = _owner(state, rule, path)
        if not owners:
            state.skip(path, "an escalation rule with no target left to page; left out", dict(rule))
            continue
        last = i == len(rules) - 1
        levels.append(
            Level(
                f"step-{i + 1}",
                f"Escalation rule {i + 1}",
                rank=i + 1,
                owner=owners,
                # Without loops, PagerDuty does nothing after the last rule's delay.
                ack_timeout=None if last and not loops else timedelta(minutes=delay),
            )
        )
    if not levels:
        raise PolicyError(
            f"{root}.escalation_rules has no rule with a target this library can page",
            where=f"{root}.escalation_rules",
            value=rules,
        )
    return levels


def import_pagerduty(
    policy_doc: Mapping[str, Any],
    *,
    schedules: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]] = (),
    overrides: Mapping[str, Iterable[Mapping[str, Any]] | Mapping[str, Any]] | None = None,
    acknowledgement_timeout: int | None = None,
) -> Imported:
    """A PagerDuty escalation policy (REST API v2 JSON) as a `Policy`.

    Args:
        policy_doc: the escalation policy, as ``GET /escalation_policies/{id}`` returns it
            (``{"escalation_policy": {...}}``) or the object alone.
        schedules: the schedules its rules page, by schedule id, or a list (each found by
            its ``id``); each as ``GET /schedules/{id}`` returns it, or the object alone.
        overrides: each schedule's overrides by schedule id: a list of overrides, or what
            ``GET /schedules/{id}/overrides`` returns (``{"overrides": [...]}``). Where two
            overlap, the one listed later wins.
        acknowledgement_timeout: the service's ``acknowledgement_timeout`` in seconds, or
            ``None`` (PagerDuty's ``null``: an acknowledged incident stays acknowledged).

    Returns:
        `Imported` with the policy (named as the escalation policy, its levels
        ``step-1``, ``step-2``, ...; one chain rule) and what it leaves out, each with its path.

    Raises:
        PolicyError: a document of the wrong shape, naming the path and the bad value.
    """
    root = "escalation_policy"  # the object's path, wrapped or not
    policy, _ = _unwrap(policy_doc, root, root)
    name = _text(policy, "name", root)
    loops = (
        0 if policy.get("num_loops") is None else _integer(policy, "num_loops", root, 0, MAX_LOOPS)
    )
    retrigger = None
    if acknowledgement_timeout is not None:
        timeout = acknowledgement_timeout
        if not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 1:
            raise _bad("acknowledgement_timeout", "a positive number of seconds or None", timeout)
        retrigger = timedelta(seconds=timeout)
    state = _Importer(schedules, {} if overrides is None else overrides)
    handoff = policy.get("on_call_handoff_notifications")
    levels = _levels(state, policy, root, loops)
    if handoff is not None:
        state.skip(
            f"{root}.on_call_handoff_notifications",
            "hand-off notifications are the host's to send; the policy does not model them",
            handoff,
        )
    state.leftovers()
    rule = chain(CHAIN_NAME, repeat=loops, retrigger_after=retrigger)
    built = Policy(levels, [rule], schedules=state.schedules, name=name)
    return Imported(built, state.unsupported, source="pagerduty")
