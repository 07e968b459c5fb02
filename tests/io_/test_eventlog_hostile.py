"""Event logs as untrusted input (issue 12, items 6 and 11).

Each reproduction from the issue is a test here: JSON that Python cannot read (a huge
number, deep nesting, a huge line), timestamps near year 1 or 9999, the ``encoding`` key,
statuses the mapping does not know (warnings, or an error when strict), JSON ids of two
types, empty ids and statuses, naive local times across the autumn repeated hour, bad zone
names. Then a fuzz test: only the library's own errors escape `read_log` and `backtest`.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation_rules import (
    EscalationRulesError,
    Event,
    EventKind,
    IssueError,
    Level,
    Policy,
    PolicyError,
    Status,
    escalate,
    hours,
    sla,
)
from escalation_rules._analysis.backtest import backtest
from escalation_rules._analysis.replay import Replayer, replay
from escalation_rules._io import log_unmapped
from escalation_rules._io.bpi2013 import bpi2013_policy
from escalation_rules._io.eventlog import EventLog, LoggedIssue, read_log
from escalation_rules._io.logmapping import LogMapping, UnmappedValue

from ..analysis.test_backtest import BPI_LOG, EXAMPLES

COLUMNS = {"issue": "id", "timestamp": "when", "status": "status"}


def mapping(fmt: str = "csv", **changes: Any) -> LogMapping:
    data: dict[str, Any] = {
        "format": fmt,
        "columns": COLUMNS,
        "statuses": {"open": ["New"], "resolved": ["Done"]},
    }
    return LogMapping.from_dict({**data, **changes})


def read(text: str, fmt: str = "csv", **changes: Any) -> list[LoggedIssue]:
    return list(read_log(io.StringIO(text), mapping(fmt, **changes)))


def jsonl(*rows: str) -> str:
    return "".join(row + "\n" for row in rows)


GOOD = '{"id": "A", "when": "2026-03-02T08:00:00Z", "status": "New"}'


def raw_row(status: str, id_: str = '"A"', extra: str = "") -> str:
    """A JSON row written by hand: *status* and *id_* are JSON text, *extra* more keys."""
    return '{"id": ' + id_ + ', "when": "2026-03-02T09:00:00Z", "status": ' + status + extra + "}"


def policy() -> Policy:
    return Policy(
        [
            Level("L1", "One", rank=1, owner="a", targets={"time_at_level": hours(2)}),
            Level("L2", "Two", rank=2, owner="b"),
        ],
        [escalate("limit", at=sla("time_at_level"))],
        name="two",
    )


def _message(build: Callable[[], object]) -> str:
    with pytest.raises(IssueError) as info:
        build()
    return str(info.value)


# ----------------------------------------------------------- JSON that Python cannot read


def test_a_5000_digit_json_number_is_a_located_error() -> None:
    text = jsonl(GOOD, raw_row("7" * 5000))
    message = _message(lambda: read(text, "jsonl"))
    assert message.startswith("<stream> line 2: not valid JSON (a number has more digits")


def test_json_nested_100000_deep_is_a_located_error() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    text = jsonl(GOOD, raw_row('"New"', extra=', "x": ' + deep))
    message = _message(lambda: read(text, "jsonl"))
    assert message.startswith("<stream> line 2: the JSON is nested too deeply to read")


def test_a_huge_json_line_is_a_located_error_read_in_bounded_pieces(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    huge = raw_row('"' + "x" * 3_000_000 + '"')
    path.write_text(jsonl(GOOD, huge))
    with pytest.raises(IssueError) as info:
        list(read_log(path, mapping(None)))
    assert str(info.value).startswith(
        f"{path} line 2: the line is longer than 1,048,576 characters"
    )


@pytest.mark.parametrize(
    ("value", "kind"), [('["New"]', "an array"), ('{"s": "New"}', "an object")]
)
def test_a_json_array_or_object_as_a_value_is_a_located_error(value: str, kind: str) -> None:
    text = jsonl(GOOD, raw_row(value))
    message = _message(lambda: read(text, "jsonl"))
    assert message == f"<stream> line 2, key 'status': expected a string or a number, got {kind}"


def test_json_numbers_and_booleans_read_as_their_json_text() -> None:
    text = jsonl('{"id": 7, "when": "2026-03-02T08:00:00Z", "status": "New", "p": true}')
    (one,) = read(text, "jsonl", columns={**COLUMNS, "priority": "p"})
    assert (one.id, one.priority) == ("7", "true")


# ---------------------------------------------------------------------- JSON ids, empties


def test_json_ids_1_and_quoted_1_do_not_merge() -> None:
    """Refused, not kept apart: an `Issue` id is text, so 1 and "1" would both be "1"."""
    text = jsonl(
        '{"id": 1, "when": "2026-03-02T08:00:00Z", "status": "New"}',
        '{"id": 2, "when": "2026-03-02T08:00:00Z", "status": "New"}',
        '{"id": "1", "when": "2026-03-02T09:00:00Z", "status": "Done"}',
    )
    message = _message(lambda: read(text, "jsonl"))
    assert message.startswith(
        "<stream> line 3, key 'id': the issue id '1' is a JSON string, but the ids before it "
        "are numbers (from line 1)"
    )
    same_type = text.replace('"id": "1"', '"id": 3')
    assert [i.id for i in read(same_type, "jsonl")] == ["1", "2", "3"]


@pytest.mark.parametrize("value", ["1.5", "true", "null"])
def test_a_json_id_that_is_not_a_string_or_whole_number_is_refused(value: str) -> None:
    text = jsonl(raw_row('"New"', id_=value))
    message = _message(lambda: read(text, "jsonl"))
    if value == "null":
        assert message == "<stream> line 1, column 'id': the issue id is empty; every row needs one"
    else:
        assert message.startswith("<stream> line 1, key 'id': an issue id must be a string or")
        assert message.endswith(f"got {value}")


@pytest.mark.parametrize(
    ("text", "fmt", "what"),
    [
        (
            "id,when,status\nA,2026-03-02T08:00:00Z,New\n,2026-03-02T09:00:00Z,New\n",
            "csv",
            "issue id",
        ),
        ("id,when,status\nA,2026-03-02T08:00:00Z,New\nA,2026-03-02T09:00:00Z,\n", "csv", "status"),
        (
            jsonl(GOOD, '{"id": "", "when": "2026-03-02T09:00:00Z", "status": "New"}'),
            "jsonl",
            "issue id",
        ),
        (
            jsonl(GOOD, '{"id": "A", "when": "2026-03-02T09:00:00Z", "status": null}'),
            "jsonl",
            "status",
        ),
    ],
    ids=["csv-id", "csv-status", "json-id", "json-null-status"],
)
def test_an_empty_id_or_status_is_a_located_error(text: str, fmt: str, what: str) -> None:
    column = "id" if what == "issue id" else "status"
    line = 3 if fmt == "csv" else 2  # the second row, after the header of a CSV
    message = _message(lambda: read(text, fmt))
    assert (
        message
        == f"<stream> line {line}, column {column!r}: the {what} is empty; every row needs one"
    )


def test_an_empty_status_with_a_sub_status_is_refused_too() -> None:
    text = "id,when,status,sub\nA,2026-03-02T08:00:00Z,,Waiting\n"
    columns = {**COLUMNS, "sub_status": "sub"}
    message = _message(lambda: read(text, columns=columns))
    assert message.startswith("<stream> line 2, column 'status': the status is empty")


def test_an_empty_timestamp_says_so() -> None:
    message = _message(lambda: read("id,when,status\nA,,New\n"))
    assert message == "<stream> line 2, column 'when': the timestamp is empty"


# ------------------------------------------------------------- timestamps near year 1, 9999

EDGES = [
    ("year 1", "0001-01-01T00:00:00Z", {}),
    ("year 1, pushed out by its offset", "0001-01-01T00:30:00+01:00", {}),
    ("year 9999, pushed out by its offset", "9999-12-31T23:30:00-01:00", {}),
    ("year 9999", "9999-12-31T22:00:00+00:00", {}),
    ("year 1, naive in a zone", "0001-01-01T00:00:00", {"timezone": "Europe/Amsterdam"}),
    ("year 9999, naive in a zone", "9999-12-31T23:59:59", {"timezone": "America/New_York"}),
    ("year 999", "0999-12-31T23:59:59Z", {}),
    ("year 9000", "9000-01-01T00:00:00Z", {}),
]


@pytest.mark.parametrize(("stamp", "changes"), [e[1:] for e in EDGES], ids=[e[0] for e in EDGES])
def test_a_timestamp_near_year_1_or_9999_names_the_file_line_and_value(
    tmp_path: Path, stamp: str, changes: dict[str, Any]
) -> None:
    path = tmp_path / "log.csv"
    path.write_text(f"id,when,status\nA,2026-03-02T08:00:00Z,New\nB,{stamp},New\n")
    with pytest.raises(IssueError) as info:
        list(read_log(path, mapping(**changes)))
    assert str(info.value).startswith(
        f"{path} line 3, column 'when': cannot read {stamp!r}: it lies outside the years "
        "1000 to 8999 (in UTC)"
    )
    assert info.value.value == stamp


def test_a_late_timestamp_after_an_issues_first_row_is_refused_at_its_last_row() -> None:
    """Rows are in time order, so the reader checks an issue's first and last rows only:
    the error names the last (out of range too), and comes before the issue is yielded."""
    text = (
        "id,when,status\n"
        "A,2026-03-02T08:00:00Z,New\n"
        "A,9999-12-31T22:00:00Z,New\n"
        "A,9999-12-31T23:00:00Z,Done\n"
        "B,2026-03-02T08:00:00Z,New\n"
    )
    log = read_log(io.StringIO(text), mapping())
    with pytest.raises(IssueError) as info:
        next(log)
    assert str(info.value).startswith(
        "<stream> line 4, column 'when': cannot read '9999-12-31T23:00:00Z': it lies outside"
    )
    shorter = text.replace("A,9999-12-31T23:00:00Z,Done\n", "")
    assert _message(lambda: read(shorter)).startswith(
        "<stream> line 3, column 'when': cannot read '9999-12-31T22:00:00Z': it lies outside"
    )


def test_timestamps_at_the_edges_of_the_range_are_read_and_replayed() -> None:
    text = "id,when,status\nA,1000-01-01T00:00:00Z,New\nB,8999-12-31T23:00:00Z,New\n"
    a, b = read(text)
    assert (a.created_at.year, b.created_at.year) == (1000, 8999)
    assert backtest(policy(), [a, b]).overall.issues == 2


def test_a_replay_whose_deadlines_overflow_is_an_issue_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An issue built by hand, past the reader's range: the replay raises an IssueError
    (the engine's own, or the replay's for an OverflowError from anywhere inside it)."""
    late = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
    logged = LoggedIssue("X", late, events=[Event(EventKind.CREATED, late)], source="log.csv")
    with pytest.raises(IssueError, match=r"issue 'X'.*years 1 to 9999"):
        replay(policy(), logged)

    def overflow(*_args: object) -> object:
        raise OverflowError("date value out of range")

    replayer = Replayer(policy())
    monkeypatch.setattr(replayer, "evaluate", overflow)
    with pytest.raises(IssueError) as info:
        replayer.run(attrs.evolve(logged, lines=[7]), None)
    assert str(info.value) == (
        "log.csv line 7: issue 'X' (created 9999-12-31T23:00:00+00:00): the policy's "
        "deadlines for it fall outside the years 1 to 9999"
    )


# -------------------------------------------------------------------------- the encoding

TEXT = (
    "id,when,status,team\n"
    "A,2026-03-02T08:00:00Z,New,d\u00e9sk\n"
    "A,2026-03-02T09:00:00Z,Done,\u00e9quipe\n"
)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "cp1252", "utf-8-sig"])
def test_the_encoding_key_reads_a_log_in_that_encoding(tmp_path: Path, encoding: str) -> None:
    data = TEXT.encode(encoding)
    plain, packed = tmp_path / "log.csv", tmp_path / "log.csv.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data))
    m = mapping(columns={**COLUMNS, "team": "team"}, encoding=encoding)
    expected = read(TEXT, columns={**COLUMNS, "team": "team"})
    assert [i.team for i in expected] == ["d\u00e9sk"]
    for source in (plain, packed, io.BytesIO(data)):
        assert list(read_log(source, m)) == expected


def test_a_utf16_log_without_the_encoding_key_says_to_set_it(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(TEXT.encode("utf-16"))
    with pytest.raises(IssueError) as info:
        list(read_log(path, mapping()))
    assert str(info.value) == (
        f"{path}: cannot read the log from its start: its bytes are not UTF-8: it starts "
        "with a UTF-16 byte-order mark (set encoding = 'utf-16' in the log mapping)"
    )


def test_utf16_without_a_byte_order_mark_says_how_to_read_it(tmp_path: Path) -> None:
    """Found by the fuzz test: Python's utf-16 raises UnicodeError, not a decode error."""
    path = tmp_path / "log.csv"
    path.write_bytes(TEXT.encode("utf-16-le"))
    with pytest.raises(IssueError) as info:
        list(read_log(path, mapping(encoding="utf-16")))
    assert str(info.value) == (
        f"{path}: cannot read the log from its start: its bytes are not utf-16 (UTF-16 "
        "stream does not start with BOM; check encoding in the log mapping; 'utf-16-le' or "
        "'utf-16-be' read a file without a byte-order mark)"
    )
    assert len(list(read_log(path, mapping(encoding="utf-16-le")))) == 1


def test_bytes_wrong_for_the_named_encoding_say_which(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(TEXT.encode("utf-8"))
    with pytest.raises(IssueError, match=r"its bytes are not ascii \(ordinal not in range"):
        list(read_log(path, mapping(encoding="ascii", columns={**COLUMNS, "team": "team"})))


@pytest.mark.parametrize(
    ("encoding", "pattern"),
    [
        ("latin-l", r"unknown encoding 'latin-l'.*\(did you mean 'latin-1'\?\)$"),
        ("utf-61", r"unknown encoding 'utf-61'.*\(did you mean 'utf-16'\?\)$"),
        ("hex", r"encoding 'hex' is not a text encoding"),
        ("", r"encoding must name a text encoding"),
        (8, r"encoding must name a text encoding .*got 8"),
        ("u" * 10_000, r"encoding must name a text encoding .*got 'u{64}\.\.\.'$"),
    ],
    ids=["misspelt", "misspelt-utf16", "bytes-codec", "empty", "not-text", "long"],
)
def test_a_bad_encoding_is_a_policy_error_with_a_suggestion(encoding: object, pattern: str) -> None:
    with pytest.raises(PolicyError, match=pattern) as info:
        mapping(encoding=encoding)
    assert info.value.where == "log mapping"


def test_the_encoding_round_trips_through_toml(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        'encoding = "latin-1"\n[columns]\nissue = "id"\ntimestamp = "when"\nstatus = "status"\n'
    )
    assert LogMapping.load(path).encoding == "latin-1"
    assert LogMapping(issue="i", timestamp="t", status="s").encoding == "utf-8"


# ------------------------------------------------------------------- unmapped statuses

TYPO = (
    "id,when,status\n"
    "A,2026-03-02T08:00:00Z,New\n"
    "A,2026-03-02T09:00:00Z,Done\n"
    "B,2026-03-02T08:00:00Z,New\n"
    "B,2026-03-02T08:30:00Z,Waiting\n"
    "B,2026-03-02T10:00:00Z,Done\n"
)
TYPO_STATUSES = {"open": ["New"], "resolved": ["done"]}  # "done" for the log's "Done"


def test_an_unmapped_status_is_counted_as_open_and_reported() -> None:
    log = read_log(io.StringIO(TYPO), mapping(statuses=TYPO_STATUSES))
    assert isinstance(log, EventLog) and log.warnings == ()
    issues = list(log)
    assert all(e.status in (None, Status.OPEN) for i in issues for e in i.events)
    done, waiting = log.warnings
    assert done == UnmappedValue(
        field="status",
        column="status",
        value="Done",
        rows=2,
        source="<stream>",
        line=3,
        counted_as="open",
        suggestion="done",
    )
    assert (waiting.value, waiting.rows, waiting.where, waiting.suggestion) == (
        "Waiting",
        1,
        "<stream> line 5",
        None,
    )
    assert str(done) == (
        "<stream> line 3, column 'status': the status 'Done' (2 rows) is listed nowhere in "
        "the mapping's [statuses] and was counted as open; list it under statuses.open, "
        "pending, resolved or closed (did you mean 'done'?)"
    )
    assert json.loads(json.dumps(done.to_dict()))["message"] == str(done)


def test_a_mapping_that_lists_every_status_has_no_warnings() -> None:
    statuses = {"open": ["New"], "pending": ["Waiting"], "resolved": ["Done"]}
    log = read_log(io.StringIO(TYPO), mapping(statuses=statuses))
    assert len(list(log)) == 2 and log.warnings == ()


def test_strict_refuses_the_first_unmapped_status() -> None:
    log = read_log(io.StringIO(TYPO), mapping(statuses=TYPO_STATUSES), strict=True)
    with pytest.raises(IssueError) as info:
        list(log)
    assert str(info.value) == (
        "<stream> line 3, column 'status': the status 'Done' is listed nowhere in the "
        "mapping's [statuses] (read strictly, it is refused rather than counted as open); "
        "list it under statuses.open, pending, resolved or closed (did you mean 'done'?)"
    )


def test_sub_statuses_are_reported_whole_and_covered_by_their_status() -> None:
    text = (
        "id,when,status,sub\n"
        "A,2026-03-02T08:00:00Z,Accepted,In Progress\n"
        "A,2026-03-02T09:00:00Z,Completed,Resolved\n"
        "A,2026-03-02T10:00:00Z,Completed,Closd\n"
    )
    statuses = {
        "open": ["Accepted"],
        "resolved": ["Completed/Resolved"],
        "closed": ["Completed/Closed"],
    }
    log = read_log(
        io.StringIO(text), mapping(columns={**COLUMNS, "sub_status": "sub"}, statuses=statuses)
    )
    list(log)
    (closd,) = log.warnings
    assert (closd.column, closd.value, closd.line, closd.suggestion) == (
        "status/sub",
        "Completed/Closd",
        4,
        "Completed/Closed",
    )


def test_backtest_carries_the_warnings_into_its_metrics() -> None:
    metrics = backtest(policy(), read_log(io.StringIO(TYPO), mapping(statuses=TYPO_STATUSES)))
    assert [(w.value, w.rows) for w in metrics.warnings] == [("Done", 2), ("Waiting", 1)]
    data = json.loads(json.dumps(metrics.to_dict()))
    assert [w["value"] for w in data["warnings"]] == ["Done", "Waiting"]
    table = metrics.to_table()
    assert "Warning: 3 rows have a status the log mapping lists nowhere" in table
    assert "  <stream> line 3, column 'status': the status 'Done' (2 rows)" in table
    clean = backtest(
        policy(), read(TYPO, statuses={"open": ["New", "Waiting"], "resolved": ["Done"]})
    )
    assert clean.warnings == () and "Warning" not in clean.to_table()
    assert clean.to_dict()["warnings"] == []


def test_too_many_different_unmapped_statuses_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log_unmapped, "MAX_UNMAPPED", 3)
    rows = "".join(f"A,2026-03-02T0{n}:00:00Z,S{n}\n" for n in range(5))
    message = _message(lambda: read("id,when,status\n" + rows))
    assert message.startswith(
        "<stream> line 5, column 'status': more than 3 different values are not in the "
        "mapping; is columns.status ('status') the right column?"
    )


@pytest.mark.skipif(not BPI_LOG.exists(), reason=f"the BPI 2013 log is not at {BPI_LOG}")
def test_the_bpi_log_with_its_open_statuses_listed_has_no_warnings() -> None:
    import tomllib

    data = tomllib.loads((EXAMPLES / "bpi2013-mapping.toml").read_text(encoding="utf-8"))
    data["statuses"].setdefault("open", ["Accepted", "Queued", "Unmatched"])
    metrics = backtest(bpi2013_policy(), read_log(BPI_LOG, LogMapping.from_dict(data)))
    assert metrics.overall.issues == 7_554 and metrics.warnings == ()


# -------------------------------------------------- naive local times: the repeated hour

# Europe/Amsterdam, 30 October 2016: at 03:00 CEST (+02:00) the clocks go back to 02:00
# CET (+01:00), so the local times from 02:00 to 03:00 happen twice.
AUTUMN = (
    "id,when,status\n"
    "A,2016-10-30T01:50:00,New\n"  # 23:50 UTC
    "A,2016-10-30T02:10:00,New\n"  # first pass: 00:10 UTC
    "A,2016-10-30T02:50:00,New\n"  # 00:50 UTC
    "A,2016-10-30T02:10:00,Waiting\n"  # second pass: 01:10 UTC
    "A,2016-10-30T02:30:00,New\n"  # 01:30 UTC
    "A,2016-10-30T02:30:00,Done\n"  # the same instant again: 01:30 UTC
    "A,2016-10-30T03:10:00,New\n"  # 02:10 UTC
)


def test_a_sorted_log_of_naive_times_across_the_repeated_hour_reads_in_order() -> None:
    statuses = {"open": ["New"], "pending": ["Waiting"], "resolved": ["Done"]}
    (a,) = read(AUTUMN, timezone="Europe/Amsterdam", statuses=statuses)
    utc = [e.at for e in a.events]
    base = datetime(2016, 10, 30, tzinfo=UTC)
    assert utc == [
        base - timedelta(minutes=10),  # created
        base + timedelta(hours=1, minutes=10),  # pending (second pass)
        base + timedelta(hours=1, minutes=30),  # open
        base + timedelta(hours=1, minutes=30),  # resolved, the same instant
        base + timedelta(hours=2, minutes=10),  # open again
    ]


def test_going_back_within_the_second_pass_is_still_unsorted() -> None:
    unsorted = AUTUMN.replace("A,2016-10-30T02:30:00,Done", "A,2016-10-30T02:20:00,Done")
    message = _message(lambda: read(unsorted, timezone="Europe/Amsterdam"))
    assert message.startswith(
        "<stream> line 7, column 'when': '2016-10-30T02:20:00' is earlier than the issue's "
        "previous row (2016-10-30T01:30:00+00:00)"
    )


def test_rows_with_an_offset_get_no_second_reading() -> None:
    text = "id,when,status\nA,2016-10-30T02:50:00+02:00,New\nA,2016-10-30T02:10:00+02:00,New\n"
    message = _message(lambda: read(text, timezone="Europe/Amsterdam"))
    assert "line 3, column 'when': '2016-10-30T02:10:00+02:00' is earlier" in message


# --------------------------------------------------------------------------- zone names


@pytest.mark.parametrize(
    ("zone", "pattern"),
    [
        ("Europe", r"unknown time zone 'Europe'"),
        (
            "Europe/Amsterdan",
            r"unknown time zone 'Europe/Amsterdan'.*did you mean 'Europe/Amsterdam'",
        ),
        ("E" * 100_000, r"unknown time zone 'E{64}\.\.\.'"),
        ("../../etc/passwd", r"unknown time zone '\.\./\.\./etc/passwd'"),
        (5, r"timezone must be an IANA zone name, got 5"),
    ],
    ids=["a-tzdata-folder", "misspelt", "long", "a-path", "not-text"],
)
def test_a_bad_zone_is_a_policy_error(zone: object, pattern: str) -> None:
    with pytest.raises(PolicyError, match=pattern):
        mapping(timezone=zone)


# ------------------------------------------------------------------------------ fuzzing

_FUZZ_RUNS: list[int] = []

_HEADER = ["id", "when", "status", "sub", "line", "prio"]


def _mostly(good: st.SearchStrategy[str], bad: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """*good* but one time in 40, so that a log of a few rows is often read through."""
    return st.integers(0, 39).flatmap(lambda n: bad if n == 0 else good)


_IDS = _mostly(st.sampled_from(["A", "B", "C", "1"]), st.just("") | st.text(max_size=6))
_STAMPS = _mostly(
    st.datetimes(
        min_value=datetime(2026, 3, 2), max_value=datetime(2026, 3, 4), timezones=st.just(UTC)
    ).map(datetime.isoformat),
    st.sampled_from(
        [
            "2016-10-30T01:50:00",  # naive: read in Europe/Amsterdam when the mapping says so
            "2016-10-30T02:30:00",  # the repeated hour
            "2016-10-30T02:10:00",
            "2016-10-30T03:10:00",
            "2016-03-27T02:30:00",  # a local time that does not exist
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59-12:00",
            "9999-12-31T23:59:59",
            "2026-02-30T00:00:00Z",
            "yesterday",
            "",
        ]
    ),
)
_STATUSES = _mostly(
    st.sampled_from(["New", "Done", "Waiting", "done", "Closed"]),
    st.sampled_from(["done", "a", "a/b", ""]) | st.text(max_size=5),
)
_LEVELS = st.sampled_from(["L1", "L2", "L1", "L2", "L9", ""])
_PRIORITIES = st.sampled_from(["P1", "Px", "", "P1"])
_NOISE = st.text(max_size=12) | st.sampled_from(["\x00", '"', "\r\n", "\u00e9", "x" * 200])
_SUBS = st.sampled_from(["", "", "x"]) | _STATUSES
_SHAPED_ROW = st.tuples(_IDS, _STAMPS, _STATUSES, _SUBS, _LEVELS, _PRIORITIES).map(list)


def _row(draw: st.DrawFn, width: int) -> list[str]:
    """A row shaped like a log's (sometimes damaged), or noise."""
    row = draw(_SHAPED_ROW) if draw(st.integers(0, 29)) else draw(st.lists(_NOISE, max_size=8))
    if row and not draw(st.integers(0, 29)):
        row[draw(st.integers(0, len(row) - 1))] = draw(_NOISE)
    return row[:width] if draw(st.integers(0, 29)) else row


@st.composite
def _csv_bytes(draw: st.DrawFn) -> tuple[str, bytes]:
    header = _HEADER if draw(st.integers(0, 5)) else draw(st.permutations(_HEADER))
    if not draw(st.integers(0, 9)):
        header = draw(st.lists(st.sampled_from([*_HEADER, "x", ""]), max_size=6))
    rows = [_row(draw, len(header)) for _ in range(draw(st.integers(0, 10)))]
    if rows and draw(st.booleans()):  # group and sort like a good log, so that more is read
        rows.sort(key=lambda r: (r[0], r[1]) if len(r) > 1 else ("", ""))

    def cell(value: str) -> str:
        quote = any(c in value for c in ',"\r\n') or not draw(st.integers(0, 9))
        return '"' + value.replace('"', '""') + '"' if quote else value

    text = "\n".join(",".join(cell(v) for v in row) for row in [header, *rows])
    return "csv", text.encode("utf-8", "surrogatepass")


_JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _NOISE,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def _jsonl_bytes(draw: st.DrawFn) -> tuple[str, bytes]:
    rows: list[dict[str, object]] = []
    for _ in range(draw(st.integers(0, 10))):
        row: dict[str, object] = dict(zip(_HEADER, _row(draw, len(_HEADER)), strict=False))
        if not draw(st.integers(0, 4)):
            key = draw(st.sampled_from([*_HEADER, "x"]))
            row[key] = draw(_JSON_VALUE | st.integers())
        rows.append(row)
    if draw(st.booleans()):
        rows.sort(key=lambda r: (str(r.get("id")), str(r.get("when"))))
    lines = [json.dumps(row) for row in rows]
    if lines and not draw(st.integers(0, 3)):  # damage one line
        i = draw(st.integers(0, len(lines) - 1))
        cut = draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:cut] + draw(st.sampled_from(["", "{", "]", "7" * 5000, "[" * 3000]))
    return "jsonl", "\n".join(lines).encode("utf-8", "surrogatepass")


@st.composite
def _logs(draw: st.DrawFn) -> tuple[LogMapping, bytes]:
    fmt, data = draw(_csv_bytes() | _jsonl_bytes())
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "utf-16"]))
    if encoding != "utf-8" and draw(st.integers(0, 4)):
        data = data.decode("utf-8", "replace").encode(encoding, "replace")
    if not draw(st.integers(0, 3)):
        data = gzip.compress(data)
        if draw(st.booleans()):
            data = data[: draw(st.integers(0, len(data)))]
    elif not draw(st.integers(0, 5)):
        data = data + draw(st.binary(max_size=8))
    sub = draw(st.booleans())
    columns = {
        **COLUMNS,
        "level": "line",
        "priority": "prio",
        **({"sub_status": "sub"} if sub else {}),
    }
    m = LogMapping.from_dict(
        {
            "format": fmt,
            "encoding": encoding,
            "timezone": draw(st.sampled_from([None, "Europe/Amsterdam"])),
            "columns": columns,
            "statuses": {"open": ["New"], "pending": ["Waiting"], "resolved": ["Done", "a"]},
            "levels": draw(st.sampled_from([{}, {"L1": "L1", "L2": "L2"}])),
            "priorities": draw(st.sampled_from([{}, {"P1": "P1", "Px": "P2"}])),
        }
    )
    return m, data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_logs(), st.booleans())
def test_fuzz_only_escalation_rules_errors_escape_read_log_and_backtest(
    log: tuple[LogMapping, bytes], strict: bool
) -> None:
    """Whatever the bytes, `read_log` and `backtest` raise only the library's errors; what
    they accept is sane: ids and statuses not empty, instants in UTC, in range and order."""
    _FUZZ_RUNS.append(1)
    m, data = log
    try:
        events = read_log(io.BytesIO(data), m, strict=strict)
        issues = list(events)
        metrics = backtest(policy(), issues)
    except EscalationRulesError:
        return
    assert metrics.overall.issues == len(issues)
    for issue in issues:
        assert issue.id and issue.events[0].kind is EventKind.CREATED
        instants = [e.at for e in issue.events]
        assert instants == sorted(instants)
        assert all(e.at.tzinfo is UTC and 1000 <= e.at.year < 9000 for e in issue.events)
        assert all(e.data["raw"] for e in issue.events if e.kind is EventKind.STATUS_CHANGED)
    warnings = events.warnings
    assert not (strict and warnings)
    assert all(isinstance(w, UnmappedValue) and w.rows >= 1 and w.value for w in warnings)
