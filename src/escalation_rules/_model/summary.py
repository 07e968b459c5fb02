"""The facts of an issue's history the engine reads, kept up to date event by event."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .events import (
    KIND_ACKNOWLEDGED,
    KIND_ACTION_TAKEN,
    KIND_AGENT_REPLY,
    KIND_CUSTOMER_MESSAGE,
    KIND_LEVEL_CHANGED,
    KIND_MANAGER_REQUESTED,
    KIND_STATUS_CHANGED,
    Event,
    EventKind,
)
from .history import AppendOnly


class HistorySummary:
    """Facts read off a history in one pass, for O(1) reads during evaluation.

    Instants are in UTC, so durations added to them are real elapsed time.

    Attributes:
        created: the issue's creation instant.
        last: the last ``(index, instant)`` of each event kind.
        anchors: the last ``(index, instant)`` of ACKNOWLEDGED, AGENT_REPLY,
            CUSTOMER_MESSAGE and MANAGER_REQUESTED, in that order (``(-1, None)``
            when there is none).
        level_entries: the last event that put the issue at each level.
        recorded: the last index at which each action key was recorded.
        statuses: every ``STATUS_CHANGED`` as ``(index, instant, host status)``.
        replies: every ``AGENT_REPLY`` as ``(index, instant)``.
        messages: every ``CUSTOMER_MESSAGE`` as ``(index, instant)``.
        times: the instant of every event, in history order (for bisection).
        latest: the later of the creation instant and the last event's.
        memo: facts derived from this history by the layers above (SLA clock state,
            which SLA applied), by key; never part of equality or pickling. See `derived`.
        base: the nearest earlier summary's memo and how many events it covered, so a
            derived fact is extended by the new events instead of rebuilt.
    """

    __slots__ = (
        "anchors",
        "base",
        "created",
        "last",
        "latest",
        "level_entries",
        "memo",
        "messages",
        "recorded",
        "replies",
        "statuses",
        "times",
    )

    def __init__(
        self,
        last: dict[EventKind, tuple[int, datetime]],
        level_entries: dict[str, tuple[int, datetime]],
        recorded: dict[str, int],
        created: datetime,
        statuses: AppendOnly[tuple[int, datetime, str]],
        replies: AppendOnly[tuple[int, datetime]],
        messages: AppendOnly[tuple[int, datetime]],
        times: AppendOnly[datetime],
        base: tuple[dict[object, object], int] | None = None,
        latest: datetime | None = None,
    ) -> None:
        self.created = created
        self.last = last
        self.level_entries = level_entries
        self.recorded = recorded
        self.statuses = statuses
        self.replies = replies
        self.messages = messages
        self.times = times
        self.memo: dict[object, object] = {}
        self.base = base
        # The earliest instant the issue can be evaluated at: nothing in its history
        # lies after it. (*latest*: the last instant, when the caller has it at hand.)
        if latest is None and times:
            latest = times[-1]
        self.latest = latest if latest is not None and latest > created else created
        get = last.get
        self.anchors = (
            get(KIND_ACKNOWLEDGED, _NONE),
            get(KIND_AGENT_REPLY, _NONE),
            get(KIND_CUSTOMER_MESSAGE, _NONE),
            get(KIND_MANAGER_REQUESTED, _NONE),
        )

    @classmethod
    def of(cls, history: Sequence[Event], created_at: datetime) -> HistorySummary:
        """Summarise *history* (already validated and in time order)."""
        empty: AppendOnly[Any] = AppendOnly()  # appending to an empty view copies: one each
        summary = cls({}, {}, {}, created_at.astimezone(UTC), empty, empty, empty, empty)
        return summary.extended(history, 0) if history else summary

    def extended(self, events: Sequence[Event], offset: int) -> HistorySummary:
        """This summary with *events* (history indices from *offset* on) added.

        Only what the new events touch is copied: a host appending one event to a
        long history pays for that event, not for the history.
        """
        last = dict(self.last)
        entries = self.level_entries
        recorded = self.recorded
        statuses: list[tuple[int, datetime, str]] = []
        replies: list[tuple[int, datetime]] = []
        messages: list[tuple[int, datetime]] = []
        times: list[datetime] = []
        taken, changed = KIND_ACTION_TAKEN, KIND_LEVEL_CHANGED
        i = offset - 1
        for event in events:
            i += 1
            kind = event.kind
            at = event.at
            if at.tzinfo is not UTC:
                at = at.astimezone(UTC)
            last[kind] = (i, at)
            times.append(at)
            if kind is taken:
                if event.action is not None:
                    if recorded is self.recorded:
                        recorded = dict(recorded)
                    recorded[event.action] = i
                if event.level is not None:
                    if entries is self.level_entries:
                        entries = dict(entries)
                    entries[event.level] = (i, at)
            elif kind is changed and event.level is not None:
                if entries is self.level_entries:
                    entries = dict(entries)
                entries[event.level] = (i, at)
            elif kind is KIND_AGENT_REPLY:
                replies.append((i, at))
            elif kind is KIND_CUSTOMER_MESSAGE:
                messages.append((i, at))
            elif kind is KIND_STATUS_CHANGED and event.status is not None:
                statuses.append((i, at, event.status))
        return HistorySummary(
            last,
            entries,
            recorded,
            self.created,
            self.statuses.appended(statuses) if statuses else self.statuses,
            self.replies.appended(replies) if replies else self.replies,
            self.messages.appended(messages) if messages else self.messages,
            self.times.appended(times),
            (self.memo, len(self.times)) if self.memo else self.base,
            times[-1] if times else None,
        )

    def derived(self, key: object) -> tuple[Any, int]:
        """A derived fact memoised under *key*, and how many events it covers.

        ``(fact, n)``: the fact as of the first *n* events of the history; the caller
        extends it by the events from *n* on and stores the result with
        ``summary.memo[key] = fact``. ``(None, 0)`` when nothing is memoised: build it
        from the whole history. A summary built by `extended` sees its parent's memo
        (or the nearest earlier one), so appending one event and evaluating again
        costs one event's work. The facts must be pure functions of the history and
        the key.
        """
        fact = self.memo.get(key)
        if fact is not None:
            return fact, len(self.times)
        base = self.base
        if base is not None:
            fact = base[0].get(key)
            if fact is not None:
                return fact, base[1]
        return None, 0

    def __reduce__(self) -> tuple[object, ...]:
        return (
            HistorySummary,
            (
                self.last,
                self.level_entries,
                self.recorded,
                self.created,
                self.statuses,
                self.replies,
                self.messages,
                self.times,
            ),
        )


_NONE: tuple[int, datetime | None] = (-1, None)
