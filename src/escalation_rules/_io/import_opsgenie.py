"""Import an Opsgenie escalation, with the schedules it pages, as a `Policy`.

The documents are Opsgenie's REST API v2 JSON, as ``GET /v2/escalations/{id}`` and
``GET /v2/schedules/{id}?expand=rotation`` return them (with or without their ``data``
wrapper):

* the rules, in the order of their ``delay``, become `Level` s ``step-N`` (N counts the
  rules from 1), each owned by its ``recipient``: a user by its ``username`` (else its
  ``name``, else its ``id``), a team by its ``name`` (else ``id``), a schedule as `OnCall`
  its name. Each level's ``escalate_if`` is its rule's ``condition`` (``if-not-acked`` ->
  ``"not_acknowledged"``, ``if-not-closed`` -> ``"not_closed"``);
* Opsgenie counts every rule's delay from the alert's creation, so the chain counts from the
  start (``timeout_from="start"``): a level's ``ack_timeout`` is the delay of the next rule.
  The chain notifies its first level at once, so a first rule delayed is listed unsupported
  (and notified at once);
* ``repeat``: ``count`` loops (at most 20); a loop begins ``waitInterval`` minutes after the
  last rule, so the last level's ``ack_timeout`` is the last delay plus ``waitInterval``
  (without a repeat the last level is terminal, no timeout). ``closeAlertAfterAll`` closes
  the alert once the loops are exhausted (``then={"set_status": "closed"}``);
* each schedule a rule pages becomes a `Schedule` in its ``timezone``: one `Layer` a
  rotation (``startDate`` as its start and hand-off, ``endDate``, ``length`` hours, days or
  weeks a turn, its user participants in order), and its ``timeRestriction`` as daily
  (``time-of-day``) or weekly (``weekday-and-time-of-day``) `Restriction` s.

**Rotation order.** Opsgenie gives the rotations of a schedule no priority: where several
are on call at once, every one's on-call user is notified (cumulative). A `Schedule`'s later
layer masks the earlier ones instead, so the rotations are imported in the order listed and a
schedule with more than one is listed in `Imported.unsupported` (exact where they do not
overlap).

What the library cannot express is listed in `Imported.unsupported` with its path in the
documents, never dropped silently; a document of the wrong shape raises `PolicyError`
naming the path and quoting the bad value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time, timedelta
from typing import Any, Final

from .._engine.policy import Policy
from .._exceptions import PolicyError
from .._model.levels import EscalateIf, Level, OnCall, Recipient
from .._model.restrictions import DAY, WEEK, Restriction
from .._model.schedules import Layer, Schedule
from .._rules.chain import MAX_REPEAT, chain
from .import_pagerduty import _bad, _instant, _integer, _list, _mapping, _placed, _text
from .import_report import Imported, Unsupported

CHAIN_NAME: Final = "escalation"
"""The name of the imported chain rule."""

CONDITIONS: Final[Mapping[str, EscalateIf]] = {
    "if-not-acked": "not_acknowledged",
    "if-not-closed": "not_closed",
}
"""Opsgenie's rule conditions as the chain's ``escalate_if``."""

_UNITS: Final = {"minutes": 1, "hours": 60, "days": 1440}
_ROTATIONS: Final = {"hourly": timedelta(hours=1), "daily": DAY, "weekly": WEEK}
_DAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Doc = Mapping[str, Any]


def _unwrap(doc: object, path: str) -> tuple[Doc, str]:
    """*doc*, or what it holds under ``data`` (the API's wrapper), with its path."""
    doc = _mapping(doc, path)
    if "data" in doc and isinstance(doc["data"], Mapping):
        return doc["data"], f"{path}.data"
    return doc, path


def _name(doc: Doc, path: str, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = doc.get(key)
        if isinstance(value, str) and value:
            return value
    names = " or ".join(repr(k) for k in keys)
    raise PolicyError(
        f"{path} must have a non-empty {names}, got {dict(doc)!r}", where=path, value=dict(doc)
    )


def _delay(rule: Doc, path: str) -> int:
    """A rule's ``delay`` in minutes."""
    delay = _mapping(rule.get("delay"), f"{path}.delay")
    where = f"{path}.delay"
    unit = delay.get("timeUnit", "minutes")
    if unit not in _UNITS:
        raise _bad(f"{where}.timeUnit", f"one of {list(_UNITS)}", unit)
    return _integer(delay, "timeAmount", where, 0) * _UNITS[unit]


# -- schedules ----------------------------------------------------------------------------------


def _clock(doc: Doc, prefix: str, path: str) -> int:
    """Minutes since midnight of ``{prefix}Hour`` and ``{prefix}Min``."""
    hour = _integer(doc, f"{prefix}Hour", path, 0, 23)
    minute = 0 if doc.get(f"{prefix}Min") is None else _integer(doc, f"{prefix}Min", path, 0, 59)
    return hour * 60 + minute


def _weekday(doc: Doc, key: str, path: str) -> int:
    value = _text(doc, key, path)
    if value.lower() not in _DAYS:
        raise _bad(f"{path}.{key}", f"one of {list(_DAYS)}", value)
    return _DAYS.index(value.lower())


def _restrictions(value: object, path: str) -> list[Restriction]:
    doc = _mapping(value, path)
    kind = _text(doc, "type", path)
    if kind == "time-of-day":
        where = f"{path}.restriction"
        window = _mapping(doc.get("restriction"), where)
        opens, closes = _clock(window, "start", where), _clock(window, "end", where)
        minutes = (closes - opens) % 1440 or 1440
        return [_window(opens, minutes, None, where)]
    if kind != "weekday-and-time-of-day":
        raise _bad(f"{path}.type", "'time-of-day' or 'weekday-and-time-of-day'", kind)
    windows = []
    for i, item in enumerate(_list(doc, "restrictions", path)):
        where = f"{path}.restrictions[{i}]"
        window = _mapping(item, where)
        opens = _weekday(window, "startDay", where) * 1440 + _clock(window, "start", where)
        closes = _weekday(window, "endDay", where) * 1440 + _clock(window, "end", where)
        minutes = (closes - opens) % (7 * 1440) or 7 * 1440
        windows.append(_window(opens % 1440, minutes, opens // 1440 + 1, where))
    return windows


def _window(opens: int, minutes: int, day: int | None, path: str) -> Restriction:
    try:
        return Restriction(time(opens // 60, opens % 60), timedelta(minutes=minutes), day)
    except PolicyError as exc:
        raise _placed(exc, path) from None


class _Importer:
    """The state of one import: the schedule documents (by id and by name), the schedules
    built so far, and the unsupported items in document order."""

    def __init__(self, schedules: object) -> None:
        self.unsupported: list[Unsupported] = []
        self.docs: dict[str, tuple[Doc, str]] = {}
        self.built: dict[str, str | None] = {}  # schedule path -> its key in the policy
        self.schedules: dict[str, Schedule] = {}
        if isinstance(schedules, Mapping):
            items = [(v, f"schedules[{k!r}]") for k, v in schedules.items()]
        elif isinstance(schedules, Iterable) and not isinstance(schedules, str | bytes):
            items = [(v, f"schedules[{i}]") for i, v in enumerate(schedules)]
        else:
            raise _bad("schedules", "a JSON object of schedules, or a list", schedules)
        for value, path in items:
            doc, where = _unwrap(value, path)
            _text(doc, "name", where)
            for key in ("id", "name"):
                if isinstance(doc.get(key), str) and doc[key]:
                    self.docs.setdefault(doc[key], (doc, where))

    def skip(self, where: str, what: str, value: object = None) -> None:
        self.unsupported.append(Unsupported(where, what, value))

    def schedule_key(self, ref: Doc, where: str) -> str | None:
        """The policy's key for the schedule *ref* names (by ``id``, else ``name``), built on
        first use; ``None`` (an unsupported item at *where*) if it was not given."""
        wanted = [ref[k] for k in ("id", "name") if isinstance(ref.get(k), str) and ref[k]]
        if not wanted:
            _name(ref, where, ("id", "name"))
        found = next((self.docs[k] for k in wanted if k in self.docs), None)
        if found is None:
            self.skip(where, f"schedule {wanted[0]!r} was not given; recipient left out", ref)
            return None
        doc, path = found
        if path not in self.built:
            schedule = self._schedule(doc, path)
            self.built[path] = None if schedule is None else schedule.name
            if schedule is None:
                self.skip(path, "a schedule that puts nobody on call; left out", doc.get("name"))
            else:
                self.schedules[schedule.name] = schedule
        if self.built[path] is None:
            self.skip(where, f"schedule {wanted[0]!r} could not be imported", ref)
        return self.built[path]

    def _schedule(self, doc: Doc, path: str) -> Schedule | None:
        name = _text(doc, "name", path)
        zone = _text(doc, "timezone", path)
        rotations = _list(doc, "rotations", path)
        layers = [
            layer
            for i, item in enumerate(rotations)
            if (layer := self._layer(item, f"{path}.rotations[{i}]", i + 1)) is not None
        ]
        if len(layers) > 1:
            self.skip(
                f"{path}.rotations",
                "Opsgenie notifies the on-call user of every rotation at once; the imported "
                "layers mask one another where they overlap (the later listed on top)",
                [layer.name for layer in layers],
            )
        if not layers:
            return None
        try:
            return Schedule(name, zone, layers)
        except PolicyError as exc:
            raise _placed(exc, path) from None

    def _layer(self, value: object, path: str, number: int) -> Layer | None:
        """One rotation, or ``None`` for a rotation with no user to put on call."""
        doc = _mapping(value, path)
        name = doc.get("name") or f"Rotation {number}"
        if not isinstance(name, str):
            raise _bad(f"{path}.name", "a string", name)
        kind = _text(doc, "type", path)
        if kind not in _ROTATIONS:
            raise _bad(f"{path}.type", f"one of {list(_ROTATIONS)}", kind)
        length = 1 if doc.get("length") is None else _integer(doc, "length", path, 1)
        start = _instant(doc, "startDate", path)
        end = _instant(doc, "endDate", path, required=False)
        members = []
        for i, item in enumerate(_list(doc, "participants", path)):
            where = f"{path}.participants[{i}]"
            participant = _mapping(item, where)
            if _text(participant, "type", where) != "user":
                self.skip(where, "only users can take a turn in a rotation; left out", item)
                continue
            members.append(_name(participant, where, ("username", "name", "id")))
        restricted = doc.get("timeRestriction")
        where = f"{path}.timeRestriction"
        restrictions = [] if restricted is None else _restrictions(restricted, where)
        if not members:
            self.skip(f"{path}.participants", "a rotation with no user puts nobody on call", name)
            return None
        try:
            return Layer(
                name,
                members,
                shift=_ROTATIONS[kind] * length,
                handoff=start,
                start=start,
                end=end,
                restrictions=restrictions,
            )
        except PolicyError as exc:
            raise _placed(exc, path) from None

    def leftovers(self) -> None:
        """The schedules given but never paged: listed, not lost."""
        seen = set()
        for doc, path in self.docs.values():
            if path not in self.built and path not in seen:
                seen.add(path)
                self.skip(path, "no escalation rule pages this schedule; left out", doc["name"])


# -- the escalation -----------------------------------------------------------------------------


def _recipient(state: _Importer, rule: Doc, path: str) -> Recipient | None:
    where = f"{path}.recipient"
    ref = _mapping(rule.get("recipient"), where)
    kind = _text(ref, "type", where)
    if kind == "user":
        return _name(ref, where, ("username", "name", "id"))
    if kind == "team":
        return _name(ref, where, ("name", "id"))
    if kind == "schedule":
        key = state.schedule_key(ref, where)
        return None if key is None else OnCall(key)
    state.skip(where, f"a recipient of type {kind!r} cannot be paged; left out", dict(ref))
    return None


def _rules(state: _Importer, doc: Doc, root: str) -> list[tuple[int, EscalateIf, Recipient, str]]:
    """The rules with a recipient, by delay: (delay, condition, recipient, path)."""
    rules = _list(doc, "rules", root)
    found = []
    for i, value in enumerate(rules):
        path = f"{root}.rules[{i}]"
        rule = _mapping(value, path)
        condition = rule.get("condition", "if-not-acked")
        if condition not in CONDITIONS:
            raise _bad(f"{path}.condition", f"one of {list(CONDITIONS)}", condition)
        delay = _delay(rule, path)
        notify = rule.get("notifyType", "default")
        if notify != "default":
            state.skip(
                f"{path}.notifyType",
                f"notifyType {notify!r} needs the schedule's rotation state; the on-call "
                "users are notified (default)",
                notify,
            )
        recipient = _recipient(state, rule, path)
        if recipient is not None:
            found.append((delay, CONDITIONS[condition], recipient, path))
    if not found:
        raise PolicyError(
            f"{root}.rules has no rule with a recipient this library can page",
            where=f"{root}.rules",
            value=rules,
        )
    return sorted(found, key=lambda item: item[0])


def _levels(state: _Importer, doc: Doc, root: str, loop_after: int | None) -> list[Level]:
    rules = _rules(state, doc, root)
    if rules[0][0]:
        state.skip(
            f"{rules[0][3]}.delay",
            f"the first rule waits {rules[0][0]} minutes; the chain notifies it at once",
            rules[0][0],
        )
    steps: list[tuple[int, EscalateIf, list[Recipient]]] = []
    for delay, condition, recipient, path in rules:
        if steps and steps[-1][0] == delay and steps[-1][1] == condition:
            if recipient not in steps[-1][2]:
                steps[-1][2].append(recipient)  # rules at one delay page together
        elif steps and steps[-1][0] == delay:
            state.skip(path, "a rule at the delay of another with another condition", delay)
        else:
            steps.append((delay, condition, [recipient]))
    levels = []
    for i, (delay, condition, owners) in enumerate(steps):
        last = i == len(steps) - 1
        if not last:
            timeout: int | None = steps[i + 1][0]
        else:
            timeout = None if loop_after is None else delay + loop_after
        levels.append(
            Level(
                f"step-{i + 1}",
                f"Escalation rule {i + 1}",
                rank=i + 1,
                owner=owners,
                ack_timeout=None if timeout is None else timedelta(minutes=timeout),
                escalate_if=condition,
            )
        )
    return levels


def import_opsgenie(
    escalation_doc: Mapping[str, Any],
    *,
    schedules: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]] = (),
) -> Imported:
    """An Opsgenie escalation (REST API v2 JSON) as a `Policy`.

    Args:
        escalation_doc: the escalation, as ``GET /v2/escalations/{id}`` returns it
            (``{"data": {...}}``) or the object alone.
        schedules: the schedules its rules page, each as ``GET /v2/schedules/{id}`` returns
            it with its ``rotations`` (or the object alone): a list, or a JSON object by
            any key; a rule's schedule is found by its ``id``, else its ``name``.

    Returns:
        `Imported` with the policy (named as the escalation, its levels ``step-1``,
        ``step-2``, ...; one chain rule counting from the start) and what it leaves out,
        each with its path.

    Raises:
        PolicyError: a document of the wrong shape, naming the path and the bad value.
    """
    doc, root = _unwrap(escalation_doc, "escalation")
    name = _text(doc, "name", root)
    state = _Importer(schedules)
    repeat = doc.get("repeat")
    count, loop_after, close = 0, None, False
    if repeat is not None:
        where = f"{root}.repeat"
        repeat = _mapping(repeat, where)
        count = 0 if repeat.get("count") is None else _integer(repeat, "count", where, 0)
        if count > MAX_REPEAT:
            raise _bad(f"{where}.count", f"an integer from 0 to {MAX_REPEAT}", count)
        if count:
            loop_after = _integer(repeat, "waitInterval", where, 1)
        close = repeat.get("closeAlertAfterAll") is True
    levels = _levels(state, doc, root, loop_after)
    if isinstance(repeat, Mapping) and repeat.get("resetRecipientStates"):
        state.skip(
            f"{root}.repeat.resetRecipientStates",
            "recipient states are the host's; the policy does not reset them",
            repeat["resetRecipientStates"],
        )
    if close and not count:
        state.skip(f"{root}.repeat.closeAlertAfterAll", "closing needs a repeat count", True)
    state.leftovers()
    rule = chain(
        CHAIN_NAME,
        repeat=count,
        timeout_from="start",
        then={"set_status": "closed"} if close and count else None,
    )
    built = Policy(levels, [rule], schedules=state.schedules, name=name)
    return Imported(built, state.unsupported, source="opsgenie")
