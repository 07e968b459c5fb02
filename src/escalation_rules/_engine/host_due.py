"""`DueIndex`: many issues by the instant each is next due, for a host's scheduler."""

from __future__ import annotations

import heapq
from datetime import datetime

from .._instants import require_aware


class DueIndex:
    """An index over many issues by their next due instant (`Decision.next_evaluation_at`).

    ``set(issue_id, at)`` files an issue (``None`` takes it out: nothing more is due),
    ``earliest()`` is the instant the host's scheduler should wake at, and ``due(now)`` the
    issues to evaluate then, in due order (ties by id). A heap with lazy deletion: an update
    costs O(log n), ``due(now)`` O(k log k) for the k issues due; the index reads no clock.

    Raises:
        NaiveDatetimeError: an instant without a time zone.
    """

    __slots__ = ("_due", "_heap", "_seq")

    def __init__(self) -> None:
        self._due: dict[str, tuple[datetime, int]] = {}
        self._heap: list[tuple[datetime, str, int]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._due)

    def __contains__(self, issue_id: object) -> bool:
        return issue_id in self._due

    def __repr__(self) -> str:
        return f"DueIndex({len(self)} issues, earliest={self.earliest()!r})"

    def get(self, issue_id: str) -> datetime | None:
        """The instant *issue_id* is due at (``None``: not in the index)."""
        entry = self._due.get(issue_id)
        return None if entry is None else entry[0]

    def set(self, issue_id: str, at: datetime | None) -> None:
        """File *issue_id* as due at *at*, replacing its previous instant (``None``: remove)."""
        if at is None:
            self.remove(issue_id)
            return
        at = require_aware(at, "at")
        self._seq += 1
        self._due[issue_id] = (at, self._seq)
        heapq.heappush(self._heap, (at, issue_id, self._seq))
        if len(self._heap) > 2 * len(self._due) + 16:
            self._compact()

    def remove(self, issue_id: str) -> None:
        """Take *issue_id* out of the index (nothing happens if it is not in it)."""
        self._due.pop(issue_id, None)

    def earliest(self) -> datetime | None:
        """The earliest due instant (``None``: the index is empty)."""
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def due(self, now: datetime) -> list[str]:
        """The issues due at or before *now*, earliest first, ties by id; they stay in the
        index until `set` or `remove` files them again."""
        now = require_aware(now, "now")
        self._drop_stale()
        heap, found = self._heap, []
        stack = [0] if heap else []
        while stack:  # the heap's nodes at or before now form a subtree at its root
            i = stack.pop()
            entry = heap[i]
            if entry[0] > now:
                continue
            if self._live(entry):
                found.append(entry[:2])
            stack.extend(j for j in (2 * i + 1, 2 * i + 2) if j < len(heap))
        found.sort()
        return [issue_id for _, issue_id in found]

    def _live(self, entry: tuple[datetime, str, int]) -> bool:
        current = self._due.get(entry[1])
        return current is not None and current[1] == entry[2]

    def _drop_stale(self) -> None:
        heap = self._heap
        while heap and not self._live(heap[0]):
            heapq.heappop(heap)

    def _compact(self) -> None:
        self._heap = [(at, issue_id, seq) for issue_id, (at, seq) in self._due.items()]
        heapq.heapify(self._heap)
