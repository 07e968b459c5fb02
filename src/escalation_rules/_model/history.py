"""An immutable sequence that appends in O(new items): an issue's history."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from operator import is_
from typing import Any, TypeVar, overload

T = TypeVar("T")


class AppendOnly(Sequence[T]):
    """An immutable sequence whose `appended` costs what the new items cost.

    Each value is a view, the first ``n`` items of a list that its values share.
    Appending to the newest view extends the shared list in place, which no
    existing view can see (each reads only its own first ``n`` items); appending
    to an older view, or losing a race with another thread appending to the same
    view, copies first. So a host that appends one event at a time to a history
    of a million events pays for one event, and every value it ever held still
    reads the same items.

    It equals (and hashes like) the tuple of its items; slicing gives a tuple.
    """

    __slots__ = ("_items", "_n")

    _items: list[T]
    _n: int

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._items = list(items)
        self._n = len(self._items)

    @classmethod
    def _view(cls, items: list[T], n: int) -> AppendOnly[T]:
        view: AppendOnly[T] = object.__new__(cls)
        view._items = items
        view._n = n
        return view

    def appended(self, new: Sequence[T]) -> AppendOnly[T]:
        """This sequence followed by *new*, without copying this sequence's items when it can."""
        items, n, k = self._items, self._n, len(new)
        if not k:
            return self
        if n and len(items) == n:  # (an empty view may be shared: it always copies)
            items.extend(new)  # atomic: a racing append lands wholly before or after this one
            if items[n] is new[0] if k == 1 else all(map(is_, islice(items, n, n + k), new)):
                copy = items
            else:
                copy = items[:n]
                copy.extend(new)
        else:
            copy = items[:n]
            copy.extend(new)
        view: AppendOnly[T] = object.__new__(AppendOnly)  # (as `_view`, without the call)
        view._items = copy
        view._n = n + k
        return view

    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            # Only the slice is copied, not the view first: a host's last few events of a
            # long history cost what they are.
            start, stop, step = index.indices(self._n)
            if step > 0:
                return tuple(self._items[start:stop:step])
            return tuple(self._items[: self._n][index])  # backwards: rare, copies the view
        n = self._n
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("history index out of range")
        return self._items[index]

    def __iter__(self) -> Iterator[T]:
        return islice(self._items, self._n)  # never the items appended after this view

    def __reversed__(self) -> Iterator[T]:
        return reversed(self._items[: self._n])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AppendOnly):
            if other._items is self._items:
                return other._n == self._n
            return other._n == self._n and all(a == b for a, b in zip(self, other, strict=True))
        if isinstance(other, tuple):
            return len(other) == self._n and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: Iterable[T]) -> tuple[T, ...]:
        return (*self, *other)

    def __radd__(self, other: Iterable[T]) -> tuple[T, ...]:
        return (*other, *self)

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (AppendOnly, (tuple(self),))
