"""Lint checks on escalation matrices (ER111 to ER114).

Each finding is placed at the matrix's part in the dict form: ``rules[0].rows.billing.L2``
for a keyed row's cell, ``rules[0].rows_when[1].cells.L1`` for a condition row's.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from .._rules.first_match import walk
from .._rules.matrix import Matrix, Row
from .findings import Finding

if TYPE_CHECKING:
    from .._engine.policy import Policy


def matrices(policy: Policy) -> list[tuple[Matrix, str]]:
    """Every matrix of *policy* (inside groups too), with its place: ``rules[2].rules[0]``."""
    return [
        (rule, ".".join(f"rules[{i}]" for i in place))
        for rule, _group, place in walk(policy.rules)
        if isinstance(rule, Matrix)
    ]


def _row_places(matrix: Matrix, where: str) -> list[tuple[Row, str]]:
    """Each row with the place of its cells."""
    out = []
    conditions = 0
    for one in matrix.rows:
        if isinstance(one.key, str):
            out.append((one, f"{where}.rows.{one.key}"))
        else:
            out.append((one, f"{where}.rows_when[{conditions}].cells"))
            conditions += 1
    return out


def _cells_in_order(one: Row, policy: Policy) -> list[tuple[int, str]]:
    """The row's levels as (position, id), lowest first."""
    return sorted((policy.level_positions[level], level) for level in one.cells)


def no_default_row(policy: Policy) -> list[Finding]:
    """ER111: a matrix without a default row: some issues get no cell at all."""
    out = []
    for matrix, where in matrices(policy):
        if matrix.default is not None:
            continue
        keyed = [one.key for one in matrix.rows if isinstance(one.key, str)]
        conditions = [one.label for one in matrix.rows if not isinstance(one.key, str)]
        rest = f"whose {matrix.by} is none of {keyed}" if keyed else "of any other kind"
        if conditions:
            rest += f" (and that meet none of the conditions {conditions})"
        out.append(
            Finding(
                "ER111",
                "warning",
                f"matrix {matrix.name!r} has no default row '*': issues {rest} get no cell, "
                "so it neither routes nor moves them on",
                f"{where}.rows",
            )
        )
    return out


def shrinking_windows(policy: Policy) -> list[Finding]:
    """ER112: a row whose window is shorter at a level than at the level below it."""
    out = []
    for matrix, where in matrices(policy):
        for one, place in _row_places(matrix, where):
            windows = [
                (level, window)
                for _pos, level in _cells_in_order(one, policy)
                if (window := one.cells[level].window) is not None
            ]
            for (low, below), (high, above) in pairwise(windows):
                if above < below:
                    out.append(
                        Finding(
                            "ER112",
                            "warning",
                            f"matrix {matrix.name!r}, row {one.label}: the window shrinks from "
                            f"{below} at {low!r} to {above} at {high!r}",
                            f"{place}.{high}",
                        )
                    )
    return out


def gaps(policy: Policy) -> list[Finding]:
    """ER113: a cell without an owner, or a row that skips a level between two it has."""
    out = []
    ids = [lvl.id for lvl in policy.levels]
    for matrix, where in matrices(policy):
        for one, place in _row_places(matrix, where):
            levels = _cells_in_order(one, policy)
            for _pos, level in levels:
                if one.cells[level].owner is None:
                    out.append(
                        Finding(
                            "ER113",
                            "warning",
                            f"matrix {matrix.name!r}, row {one.label}: the cell at {level!r} "
                            "has no owner: nobody is routed the issue at that level",
                            f"{place}.{level}",
                        )
                    )
            for (lo, lo_id), (hi, hi_id) in pairwise(levels):
                if hi > lo + 1:
                    skipped = ids[lo + 1 : hi]
                    out.append(
                        Finding(
                            "ER113",
                            "warning",
                            f"matrix {matrix.name!r}, row {one.label} skips {skipped} between "
                            f"{lo_id!r} and {hi_id!r}: there the matrix neither routes the "
                            "issue nor moves it on",
                            place,
                        )
                    )
    return out


def windows_at_the_top(policy: Policy) -> list[Finding]:
    """ER114: a window at the policy's top level, where there is nothing to move on to."""
    out = []
    top = policy.levels[-1].id
    for matrix, where in matrices(policy):
        for one, place in _row_places(matrix, where):
            found = one.cells.get(top)
            if found is not None and found.window is not None:
                out.append(
                    Finding(
                        "ER114",
                        "warning",
                        f"matrix {matrix.name!r}, row {one.label}: the window {found.window} "
                        f"at the top level {top!r} has nowhere to move the issue on to",
                        f"{place}.{top}.window",
                    )
                )
    return out


MATRIX_CHECKS = (no_default_row, shrinking_windows, gaps, windows_at_the_top)
"""The matrix checks, in the order of their codes."""
