"""Which groups of a backtest keep figures of their own when a grouping has too many.

A grouping (per category, per customer, per any key of ``by``) keeps at most `MAX_GROUPS`
groups, so memory stays bounded however many values a key has; the issues of the other
values count under `OTHER`. The groups kept are not the first met but those whose names
rank lowest by a stable hash (CRC-32 of the name, then the name): a choice that does not
depend on the order of the issues, so the parts of a split log, merged and capped again
(`capped`), keep exactly the groups a single pass keeps, with the same figures.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from .._frozendict import FrozenDict

if TYPE_CHECKING:
    from .metrics import GroupMetrics

#: The most groups a grouping keeps figures for; the rest count under `OTHER`.
MAX_GROUPS: Final = 10_000

#: The group of the issues whose value is not among those kept.
OTHER: Final = "(other)"


class Rank:
    """A group name's place in the order that decides which groups are kept: by CRC-32 of
    the name, then by the name (the same in every process and every run)."""

    __slots__ = ("key", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.key = (zlib.crc32(name.encode("utf-8", "surrogatepass")), name)

    def __lt__(self, other: Rank) -> bool:
        # Reversed: a heap of ranks (`heapq`, smallest first) has the highest rank on top.
        return self.key > other.key


def capped(groups: Mapping[str, GroupMetrics]) -> FrozenDict[GroupMetrics]:
    """*groups* (merged from parts) with at most `MAX_GROUPS` groups besides `OTHER`: those
    whose names rank lowest; the others merged into `OTHER`. Sorted by name."""
    limit = MAX_GROUPS
    names = [name for name in groups if name != OTHER]
    kept = groups
    if len(names) > limit:
        names.sort(key=lambda name: Rank(name).key)
        kept = {name: groups[name] for name in names[:limit]}
        other = groups.get(OTHER)
        for name in names[limit:]:
            other = groups[name] if other is None else other.merge(groups[name])
        if other is not None:
            kept[OTHER] = other
    return FrozenDict({name: kept[name] for name in sorted(kept)})
