"""A shared sequence with a few items overlaid, and making them permanent."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

from .._model.history import AppendOnly

T = TypeVar("T")


def append(view: Sequence[T], new: list[T]) -> Sequence[T]:
    assert isinstance(view, AppendOnly)
    return view.appended(new) if new else view


class Chained(Sequence[T]):
    """A shared sequence followed by a few more items, without appending to it.

    The last instant's events are folded onto a copy this way, so that the memoised
    fold's sequences stay at the tip of their storage and the next event appends
    in place.
    """

    __slots__ = ("_extra", "_head", "_n")

    def __init__(self, head: Sequence[T], extra: list[T]) -> None:
        self._head, self._extra, self._n = head, extra, len(head)

    @property
    def head(self) -> Sequence[T]:
        """The shared sequence."""
        return self._head

    @property
    def extra(self) -> list[T]:
        """The items after it (never changed once the fold is finished)."""
        return self._extra

    def __len__(self) -> int:
        return self._n + len(self._extra)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return tuple(self)[index]
        if index < 0:
            index += len(self)
        if index < self._n:
            return self._head[index]
        if index >= len(self):
            raise IndexError(index)
        return self._extra[index - self._n]

    def __iter__(self) -> Iterator[T]:
        yield from self._head
        yield from self._extra


def commit(view: Sequence[T]) -> Sequence[T]:
    if isinstance(view, Chained):
        return append(view.head, view.extra)
    return view
