"""A part of a CSV log (``read_log(..., part=)``) reads the issues the whole log has in that
part, whatever the column order and quoting; a bad row in another part is refused alike."""

from __future__ import annotations

import csv
import io

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import EscalationRulesError, IssueError, LogMapping, read_log
from escalation_rules._io.partition import partition_of

_COLUMNS = ["id", "when", "state", "note"]


def _mapping() -> LogMapping:
    return LogMapping.from_dict(
        {
            "format": "csv",
            "columns": {
                "issue": "id",
                "timestamp": "when",
                "status": "state",
                "attributes": {"note": "note"},
            },
        }
    )


def _log(
    order: list[str],
    issues: list[tuple[str, list[tuple[str, str]]]],
    delimiter: str,
    ending: str,
) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=ending)
    writer.writerow(order)
    for issue, rows in issues:
        for minute, (state, note) in enumerate(rows):
            values = {"id": issue, "when": f"2026-03-02T09:{minute:02d}:00Z"}
            values |= {"state": state, "note": note}
            writer.writerow([values[c] for c in order])
    return out.getvalue()


def _seen(text: str, delimiter: str, part: tuple[int, int] | None = None) -> object:
    """The issues read (id, lines, events, issue), or the error's type and message."""
    mapping = attrs.evolve(_mapping(), delimiter=delimiter)
    try:
        return [
            (logged.id, tuple(logged.lines), tuple(logged.events), logged.issue())
            for logged in read_log(io.StringIO(text, newline=""), mapping, part=part)
        ]
    except EscalationRulesError as exc:
        return (type(exc).__name__, str(exc))


_NOTE = st.text(alphabet=["a", " ", ",", ";", "\t", '"', "\n", "\r", "é"], max_size=6)
# Ids that differ only by spaces or a carriage return sit side by side, and an empty one.
_ISSUE = st.text(alphabet=["A", "7", " ", ",", '"', "-", "\r"], max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    st.permutations(_COLUMNS),
    st.lists(
        st.tuples(
            _ISSUE,
            st.lists(
                st.tuples(st.sampled_from(["New", "Open", "Done", ""]), _NOTE),
                min_size=1,
                max_size=4,
            ),
        ),
        max_size=8,
    ),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.integers(2, 3),
)
def test_the_parts_of_a_log_are_the_whole(
    order: list[str],
    issues: list[tuple[str, list[tuple[str, str]]]],
    delimiter: str,
    ending: str,
    parts: int,
) -> None:
    """Any log, grouped or not (an id may come back), with empty statuses and ids: each
    part reads the whole's issues of that part, or refuses the log as the whole does when
    the whole's error is about every row (grouping) or the first issue of the part."""
    text = _log(order, issues, delimiter, ending)
    whole = _seen(text, delimiter)
    for k in range(parts):
        seen = _seen(text, delimiter, (k, parts))
        if isinstance(whole, list):
            assert seen == [item for item in whole if partition_of(str(item[0]), parts) == k]
        elif "appears again after other issues" in whole[1]:
            assert seen == whole
        elif isinstance(seen, tuple):  # an issue of this part is refused as in the whole
            assert seen[0] == whole[0]


@pytest.mark.parametrize("where", ["first", "later"])
def test_a_row_of_the_wrong_width_in_another_part_is_refused_in_every_part(where: str) -> None:
    ids = [f"I{i}" for i in range(50)]
    a = next(i for i in ids if partition_of(i, 2) == 0)
    b = next(i for i in ids if partition_of(i, 2) == 1)
    bad = f"{b},2026-03-02T09:05:00Z,Open\n"  # a field short
    rows = [f"{a},2026-03-02T09:00:00Z,New,x\n", f"{b},2026-03-02T09:01:00Z,New,x\n"]
    if where == "first":
        rows.insert(1, bad)
    else:
        rows.append(bad)
    text = "id,when,state,note\n" + "".join(rows)
    for k in range(2):
        with pytest.raises(
            IssueError,
            match="line 4: the row has 3 fields, the header has 4"
            if where == "later"
            else "line 3: the row has 3 fields",
        ):
            list(read_log(io.StringIO(text), _mapping(), part=(k, 2)))


@pytest.mark.parametrize("variant", [" {}", "{} ", "{}\r", "{}\t"])
def test_ids_that_differ_by_a_space_or_a_line_end_side_by_side(variant: str) -> None:
    # Two ids that differ only so, in different parts, one right after the other.
    first, second = next(
        (base, variant.format(base))
        for base in (f"I{i}" for i in range(100))
        if partition_of(base, 2) != partition_of(variant.format(base), 2)
    )
    rows = [(first, [("New", "a"), ("Open", "b")]), (second, [("New", "c"), ("Done", "d")])]
    for ids in (rows, rows[::-1]):
        text = _log(_COLUMNS, ids, ",", "\r\n")  # (an id with a carriage return is quoted)
        whole = _seen(text, ",")
        assert isinstance(whole, list)
        assert len(whole) == 2
        for k in range(2):
            assert _seen(text, ",", (k, 2)) == [
                item for item in whole if partition_of(str(item[0]), 2) == k
            ]
