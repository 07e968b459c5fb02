"""A part of a CSV log (``read_log(..., part=)``) reads the issues the whole log has in that
part, whatever the column order and quoting; a bad row in another part is refused alike."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import IssueError, LogMapping, read_log
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


def _log(order: list[str], issues: list[tuple[str, list[tuple[str, str]]]], crlf: bool) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(order)
    for issue, rows in issues:
        for minute, (state, note) in enumerate(rows):
            values = {"id": issue, "when": f"2026-03-02T09:{minute:02d}:00Z"}
            values |= {"state": state, "note": note}
            writer.writerow([values[c] for c in order])
    return out.getvalue()


def _seen(text: str, part: tuple[int, int] | None = None) -> list[tuple[object, ...]]:
    return [
        (logged.id, tuple(logged.lines), tuple(logged.events), logged.issue())
        for logged in read_log(io.StringIO(text, newline=""), _mapping(), part=part)
    ]


_NOTE = st.text(alphabet=["a", " ", ",", '"', "\n", "é"], max_size=6)
_ISSUE = st.text(alphabet=["A", "7", " ", ",", '"', "-"], min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(
    st.permutations(_COLUMNS),
    st.lists(
        st.tuples(
            _ISSUE,
            st.lists(
                st.tuples(st.sampled_from(["New", "Open", "Done"]), _NOTE), min_size=1, max_size=4
            ),
        ),
        max_size=8,
        unique_by=lambda item: item[0].strip(),
    ),
    st.booleans(),
    st.integers(2, 3),
)
def test_the_parts_of_a_log_are_the_whole(
    order: list[str], issues: list[tuple[str, list[tuple[str, str]]]], crlf: bool, parts: int
) -> None:
    text = _log(order, issues, crlf)
    whole = _seen(text)
    for k in range(parts):
        assert _seen(text, (k, parts)) == [
            item for item in whole if partition_of(str(item[0]), parts) == k
        ]


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
