"""Event logs as they come (issue 15): timestamp formats and zones per column, null markers
and defaults, value maps with ranges and patterns, columns that change over an issue's life,
a sort within each issue, unmapped values counted (or refused), extra columns, Parquet."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation_rules import EventKind, IssueError, PolicyError, Status
from escalation_rules._io.eventlog import LoggedIssue, read_log
from escalation_rules._io.log_times import TimeFormat
from escalation_rules._io.logmapping import LogMapping
from escalation_rules._io.value_map import ValueMap

COLUMNS = {"issue": "id", "timestamp": "when", "status": "state"}
STATUSES = {"open": ["New", "In Progress"], "pending": ["On Hold"], "resolved": ["Resolved"]}


def mapping(**changes: Any) -> LogMapping:
    columns = {**COLUMNS, **changes.pop("columns", {})}
    data = {"format": "csv", "columns": columns, "statuses": STATUSES, **changes}
    return LogMapping.from_dict(data)


def read(text: str, strict: bool = False, **changes: Any) -> list[LoggedIssue]:
    return list(read_log(io.StringIO(text), mapping(**changes), strict=strict))


def kinds(logged: LoggedIssue) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for e in logged.events[1:]:
        if e.kind is EventKind.FIELD_CHANGED:
            out.append((e.name or "", e.data["value"]))
        else:
            out.append((e.kind.value, e.status or e.level or e.team or e.priority))
    return out


# ------------------------------------------------------------------------ timestamps


def test_a_pattern_and_a_zone_per_column() -> None:
    text = "id,when,state\nINC1,29-02-2016 01:23,New\nINC1,29-02-2016 14:05,Resolved\n"
    stamp = {"column": "when", "format": "DD-MM-YYYY HH:mm", "timezone": "Europe/Amsterdam"}
    (logged,) = read(text, columns={"timestamp": stamp})
    assert logged.created_at == datetime(2016, 2, 29, 0, 23, tzinfo=UTC)  # +01:00 in winter
    assert logged.events[-1].at == datetime(2016, 2, 29, 13, 5, tzinfo=UTC)


def test_the_column_zone_wins_over_the_mapping_zone() -> None:
    text = "id,when,state\nA,2016-07-01 12:00,New\n"
    stamp = {"column": "when", "format": "YYYY-MM-DD HH:mm", "timezone": "America/New_York"}
    (logged,) = read(text, timezone="Europe/London", columns={"timestamp": stamp})
    assert logged.created_at == datetime(2016, 7, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        ("epoch_s", "1456708980", datetime(2016, 2, 29, 1, 23, tzinfo=UTC)),
        ("epoch_s", "1456708980.25", datetime(2016, 2, 29, 1, 23, 0, 250000, tzinfo=UTC)),
        ("epoch_ms", "1456708980123", datetime(2016, 2, 29, 1, 23, 0, 123000, tzinfo=UTC)),
        ("D/M/YYYY h:mm A", "29/2/2016 1:23 PM", datetime(2016, 2, 29, 13, 23, tzinfo=UTC)),
        ("D/M/YYYY h:mm A", "29/2/2016 12:05 AM", datetime(2016, 2, 29, 0, 5, tzinfo=UTC)),
        (
            "YYYY-MM-DD HH:mm:ss.SSS Z",
            "2016-02-29 01:23:00.120 +02:00",
            datetime(2016, 2, 28, 23, 23, 0, 120000, tzinfo=UTC),
        ),
        ("MMM D, YYYY HH:mm", "Feb 29, 2016 01:23", datetime(2016, 2, 29, 1, 23, tzinfo=UTC)),
        (
            "[on] YYYY-MM-DD [at] HH:mm",
            "on 2016-02-29 at 01:23",
            datetime(2016, 2, 29, 1, 23, tzinfo=UTC),
        ),
    ],
)
def test_timestamp_formats(fmt: str, text: str, expected: datetime) -> None:
    assert TimeFormat(fmt, UTC_ZONE, "test").parse(text) == expected


UTC_ZONE = __import__("zoneinfo").ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("HH:mm", "must name the year, the month and the day"),
        ("X", "write format = 'epoch_s' or 'epoch_ms'"),
        ("", "a timestamp format is 'iso'"),
    ],
)
def test_a_format_without_a_date_is_refused(fmt: str, message: str) -> None:
    stamp = {"column": "when", "format": fmt}
    with pytest.raises(PolicyError, match=message):
        mapping(columns={"timestamp": stamp})


def test_a_timestamp_not_in_the_format_names_the_line_and_the_format() -> None:
    stamp = {"column": "when", "format": "DD-MM-YYYY HH:mm", "timezone": "UTC"}
    with pytest.raises(IssueError) as info:
        read("id,when,state\nA,2016-02-29 01:23,New\n", columns={"timestamp": stamp})
    assert str(info.value) == (
        "<stream> line 2, column 'when': cannot read '2016-02-29 01:23': it is not in the "
        "format 'DD-MM-YYYY HH:mm'"
    )


# The fast reader of a pattern and pendulum's formatter agree on what pendulum writes.
FAST_FORMATS = [
    "DD-MM-YYYY HH:mm",
    "YYYY-MM-DD HH:mm:ss.SSSSSS",
    "D/M/YYYY h:mm:ss A",
    "M/D/YYYY hh:mm A",
    "YYYY-MM-DDTHH:mm:ssZ",
    "YYYY-MM-DD HH:mm:ss ZZ",
    "YYYY.MM.DD H:m:s",
]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(FAST_FORMATS),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31)),
    st.integers(-14 * 60, 14 * 60),
)
def test_the_fast_pattern_reader_agrees_with_pendulum(
    fmt: str, local: datetime, offset_minutes: int
) -> None:
    import pendulum

    from escalation_rules._io.log_times import _fast, _general

    zone = pendulum.FixedTimezone(offset_minutes * 60)
    text = pendulum.instance(local.replace(tzinfo=zone)).format(fmt)
    assert _fast(fmt)(text) == _general(fmt)(text)


def test_reading_a_pattern_reads_no_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    import pendulum

    def no_clock(*args: object, **kwargs: object) -> None:
        raise AssertionError("the clock was read")

    monkeypatch.setattr(pendulum, "now", no_clock)
    parse = TimeFormat("MMMM D, YYYY", UTC_ZONE, "test").parse  # pendulum's formatter
    assert parse("February 29, 2016") == datetime(2016, 2, 29, tzinfo=UTC)


# ------------------------------------------------------------------ nulls and defaults


def test_null_markers_and_defaults() -> None:
    text = (
        "id,when,state,prio,cat\n"
        "A,2026-03-02T09:00:00Z,New,?,NULL\n"
        "A,2026-03-02T10:00:00Z,?,2,net\n"
        "B,2026-03-02T09:00:00Z,New,,\n"
    )
    a, b = read(
        text,
        columns={"priority": "prio", "category": "cat"},
        null=["?", "NULL"],
        defaults={"priority": "4", "status": "New"},
    )
    assert a.priority == "4" and a.category == "net"  # the category first came on row 2
    assert kinds(a) == [("priority_changed", "2")]  # the '?' status read as the default: New
    assert b.priority == "4" and b.category is None


def test_a_default_for_an_unmapped_key_is_refused() -> None:
    with pytest.raises(PolicyError, match=r"unknown mapped column defaults.'priority'"):
        mapping(defaults={"priority": "4"})


# ------------------------------------------------------------------------- value maps


def test_value_maps_with_ranges_patterns_and_any() -> None:
    table = {"0": "L1", "1": "L2", "2..": "L3", "..-1": "bad", "re:^L\\d$": "LX", "*": "L1"}
    values = ValueMap(table, "test")
    got = {v: values.get(v) for v in ["0", "1", "2", "17", "2.5", "-3", "L9", "L10", "x"]}
    assert got == {
        "0": "L1",
        "1": "L2",
        "2": "L3",
        "17": "L3",
        "2.5": "L3",
        "-3": "bad",
        "L9": "LX",
        "L10": "L1",
        "x": "L1",
    }
    assert ValueMap({"a..b": "AB"}, "test").get("a..b") == "AB"  # not a range: exact
    assert ValueMap({"re:Crit": "P1"}, "test").get("1 - Critical") == "P1"  # found anywhere


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"3..1": "L"}, "the range '3..1' is empty"),
        ({"re:(": "L"}, "not a valid regular expression"),
        ({"re:" + "a" * 201: "L"}, "1 to 200 characters"),
    ],
)
def test_bad_value_map_keys_are_refused(table: dict[str, str], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        mapping(columns={"level": "n"}, levels=table)


def test_a_level_from_a_reassignment_count() -> None:
    text = (
        "id,when,state,n\n"
        "A,2026-03-02T09:00:00Z,New,0\n"
        "A,2026-03-02T10:00:00Z,In Progress,1\n"
        "A,2026-03-02T11:00:00Z,In Progress,2\n"
        "A,2026-03-02T12:00:00Z,In Progress,3\n"
    )
    (a,) = read(text, columns={"level": "n"}, levels={"0": "L1", "1": "L2", "2..": "L3"})
    assert a.level == "L1"
    assert kinds(a) == [("level_changed", "L2"), ("level_changed", "L3")]


# ------------------------------------------------------------ values that change: events


def test_columns_that_change_become_events() -> None:
    text = (
        "id,when,state,prio,cat,group,made_sla\n"
        "A,2026-03-02T09:00:00Z,New,3,network,desk,true\n"
        "A,2026-03-02T10:00:00Z,In Progress,3,network,desk,true\n"
        "A,2026-03-02T11:00:00Z,In Progress,1,hardware,net-ops,true\n"
        "A,2026-03-02T12:00:00Z,Resolved,1,hardware,net-ops,false\n"
    )
    (a,) = read(
        text,
        columns={
            "priority": "prio",
            "category": "cat",
            "team": "group",
            "attributes": {"made_sla": "made_sla"},
        },
    )
    assert (a.priority, a.category, a.team) == ("3", "network", "desk")
    assert dict(a.attributes) == {"made_sla": "true"}
    assert kinds(a) == [
        ("attributes.made_sla", "true"),  # at creation: recorded before the first change
        ("category", "network"),  # at creation, likewise
        ("priority_changed", "1"),  # New -> In Progress are both open: no status event
        ("category", "hardware"),
        ("reassigned", "net-ops"),
        ("status_changed", Status.RESOLVED),
        ("attributes.made_sla", "false"),
    ]
    assert a.events[0].priority == "3" and a.events[0].team == "desk"
    issue = a.issue()
    for event in a.events:
        issue = issue.with_event(event) if event.kind is not EventKind.CREATED else issue
    assert (issue.priority, issue.category, issue.team) == ("1", "hardware", "net-ops")
    assert issue.attributes["made_sla"] == "false"
    assert a.value("priority") == "1" and a.value("attributes.made_sla") == "false"
    assert a.value("category") == "hardware" and a.value("team") == "net-ops"


def test_an_attribute_with_a_format_is_an_instant() -> None:
    text = "id,when,state,opened\nA,2026-03-02T09:00:00Z,New,01-03-2026 08:00\n"
    opened = {"column": "opened", "format": "DD-MM-YYYY HH:mm", "timezone": "UTC"}
    (a,) = read(text, columns={"attributes": {"opened": opened}})
    assert a.attributes["opened"] == "2026-03-01T08:00:00+00:00"  # plain data, in UTC


def test_a_format_on_a_column_that_holds_no_instants_is_refused() -> None:
    with pytest.raises(PolicyError, match="only the timestamp and attributes are instants"):
        mapping(columns={"priority": {"column": "prio", "format": "YYYY-MM-DD"}})


# ---------------------------------------------------------------------------- sorting

OUT_OF_ORDER = (
    "id,when,state\n"
    "A,2026-03-02T11:00:00Z,Resolved\n"
    "A,2026-03-02T09:00:00Z,New\n"
    "A,2026-03-02T10:00:00Z,On Hold\n"
    "B,2026-03-02T09:00:00Z,New\n"
)


def test_rows_out_of_order_are_refused_unless_sorted() -> None:
    with pytest.raises(IssueError, match="or set sort = true in the mapping"):
        read(OUT_OF_ORDER)
    a, b = read(OUT_OF_ORDER, sort=True)
    assert a.created_at == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert kinds(a) == [("status_changed", Status.PENDING), ("status_changed", Status.RESOLVED)]
    assert a.lines == (3, 4, 2)  # each event names the line it came from
    assert b.id == "B"


def test_the_sort_is_stable() -> None:
    text = (
        "id,when,state,prio\n"
        "A,2026-03-02T10:00:00Z,New,2\n"
        "A,2026-03-02T09:00:00Z,New,4\n"
        "A,2026-03-02T10:00:00Z,New,1\n"
    )
    (a,) = read(text, sort=True, columns={"priority": "prio"})
    assert a.priority == "4"
    assert kinds(a) == [("priority_changed", "2"), ("priority_changed", "1")]


# ------------------------------------------------------------------- unmapped values

LOG_WITH_UNMAPPED = (
    "id,when,state,prio,n\n"
    "A,2026-03-02T09:00:00Z,New,P1,0\n"
    "A,2026-03-02T10:00:00Z,New,Critical,1\n"
    "A,2026-03-02T11:00:00Z,New,Critical,7\n"
    "B,2026-03-02T09:00:00Z,New,Critical,x\n"
)
UNMAPPED_MAPS: dict[str, Any] = {
    "columns": {"priority": "prio", "level": "n"},
    "priorities": {"P1": "P1", "P2": "P2"},
    "levels": {"0": "L1", "1..5": "L2"},
}


def test_unmapped_values_are_counted_and_reported() -> None:
    log = read_log(io.StringIO(LOG_WITH_UNMAPPED), mapping(**UNMAPPED_MAPS))
    a, b = list(log)
    assert a.priority == "P1" and b.priority is None  # an unmapped value reads as none
    assert a.value("level") == "L2" and b.level is None
    assert [(w.field, w.value, w.rows, w.line, w.counted_as) for w in log.warnings] == [
        ("priority", "Critical", 3, 3, "no value"),
        ("level", "7", 1, 4, "no value"),
        ("level", "x", 1, 5, "no value"),
    ]
    assert str(log.warnings[0]) == (
        "<stream> line 3, column 'prio': the priority 'Critical' (3 rows) is not in the "
        "mapping's [priorities] and was read as no value; add it (or a range, a pattern or "
        "'*')"
    )


def test_unmapped_values_are_refused_when_strict() -> None:
    with pytest.raises(IssueError) as info:
        read(LOG_WITH_UNMAPPED, strict=True, **UNMAPPED_MAPS)
    assert str(info.value) == (
        "<stream> line 3, column 'prio': the priority 'Critical' is not in the mapping's "
        "[priorities] (read strictly, it is refused rather than read as no value); add it "
        "(or a range, a pattern or '*')"
    )


# -------------------------------------------------------------- customer, tier, CSAT


def test_customer_tier_and_satisfaction() -> None:
    text = (
        "id,when,state,caller,tier,csat\n"
        "A,2026-03-02T09:00:00Z,New,acme,gold,\n"
        "A,2026-03-02T10:00:00Z,Resolved,acme,platinum,good\n"
        "B,2026-03-02T09:00:00Z,New,,,meh\n"
    )
    log = read_log(
        io.StringIO(text),
        mapping(
            columns={"customer": "caller", "tier": "tier", "satisfaction": "csat"},
            values={"satisfaction": {"good": "1", "bad": "0", "meh": "so-so"}},
        ),
    )
    a, b = list(log)
    assert (a.customer, a.tier, a.satisfaction) == ("acme", "gold", 1.0)
    assert a.issue().customer.id == "acme" and a.issue().customer.tier == "gold"
    assert b.satisfaction is None
    assert [(w.field, w.value) for w in log.warnings] == [("satisfaction", "meh")]


def test_unknown_mapping_keys_have_suggestions() -> None:
    with pytest.raises(
        PolicyError, match=r"unknown key columns\.'custmer'.*did you mean 'customer'"
    ):
        mapping(columns={"custmer": "c"})
    with pytest.raises(PolicyError, match=r"unknown key columns\.timestamp\.'zone'"):
        mapping(columns={"timestamp": {"column": "when", "zone": "UTC"}})
    with pytest.raises(
        PolicyError, match=r"values.priority: write the priority map as \[priorities\]"
    ):
        mapping(columns={"priority": "p"}, values={"priority": {"a": "b"}})


# ---------------------------------------------------------------------------- Parquet

RICH = (
    "id,when,state,prio,cat,caller,csat\n"
    "A,2026-03-02T09:00:00Z,New,3,network,acme,\n"
    "A,2026-03-02T10:00:00Z,On Hold,3,network,acme,\n"
    "A,2026-03-02T11:00:00Z,Resolved,1,hardware,acme,4\n"
    "B,2026-03-02T09:30:00Z,New,,,globex,\n"
)
RICH_COLUMNS = {"priority": "prio", "category": "cat", "customer": "caller", "satisfaction": "csat"}


def test_parquet_reads_as_the_csv_it_came_from(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    import pyarrow.csv as pv
    import pyarrow.parquet as pq

    source = tmp_path / "log.csv"
    source.write_text(RICH, encoding="utf-8")
    options = pv.ConvertOptions(column_types={"prio": pa.string(), "csat": pa.int64()})
    pq.write_table(pv.read_csv(source, convert_options=options), tmp_path / "log.parquet")
    m = LogMapping.from_dict({"columns": {**COLUMNS, **RICH_COLUMNS}, "statuses": STATUSES})
    from_csv = list(read_log(source, m))
    from_parquet = list(read_log(tmp_path / "log.parquet", m))
    assert from_parquet == from_csv
    assert [i.lines for i in from_parquet] == [i.lines for i in from_csv]
    assert from_parquet[0].satisfaction == 4.0


def test_parquet_errors_name_the_file(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet", encoding="utf-8")
    m = LogMapping.from_dict({"columns": COLUMNS})
    with pytest.raises(IssueError, match=r"bad.parquet: cannot read the Parquet log"):
        list(read_log(bad, m))
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({"id": ["A"], "when": ["2026-03-02T09:00:00Z"]}), tmp_path / "x.parquet"
    )
    with pytest.raises(
        PolicyError, match=r"column 'state' \(columns.status in the mapping\) is not"
    ):
        list(read_log(tmp_path / "x.parquet", m))


def test_a_parquet_timestamp_column_reads_as_an_instant(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    import pyarrow.parquet as pq

    at = datetime(2026, 3, 2, 9, tzinfo=timezone(timedelta(hours=1)))
    table = pa.table(
        {"id": ["A"], "when": pa.array([at], pa.timestamp("us", tz="+01:00")), "state": ["New"]}
    )
    pq.write_table(table, tmp_path / "t.parquet")
    (a,) = read_log(tmp_path / "t.parquet", LogMapping.from_dict({"columns": COLUMNS}))
    assert a.created_at == datetime(2026, 3, 2, 8, tzinfo=UTC)


def test_a_parquet_file_read_as_csv_says_to_set_the_format(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow", reason="the parquet extra is not installed")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["A"]}), tmp_path / "log.data")
    with pytest.raises(
        IssueError, match=r"log.data: this is a Parquet file; set format = 'parquet'"
    ):
        list(read_log(tmp_path / "log.data", mapping()))


def test_a_logged_issue_knows_its_values_at_creation_in_as_of() -> None:
    text = (
        "id,when,state,prio,cat,region\n"
        "A,2026-03-02T09:00:00Z,New,P3,billing,EU\n"
        "A,2026-03-02T10:00:00Z,New,P1,tech,US\n"
    )
    columns = {"priority": "prio", "category": "cat", "attributes": {"region": "region"}}
    (a,) = read(text, columns=columns)
    issue = a.issue().with_events(a.events)
    early = issue.as_of(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    assert (early.priority, early.category, dict(early.attributes)) == (
        "P3",
        "billing",
        {"region": "EU"},
    )
    assert (issue.priority, issue.category, dict(issue.attributes)) == (
        "P1",
        "tech",
        {"region": "US"},
    )


def test_sorting_keeps_a_log_in_order_across_the_repeated_hour() -> None:
    # New York, 1 November 2026: at 02:00 EDT the clocks go back to 01:00 EST.
    text = (
        "id,when,state,prio\n"
        "A,2026-11-01T01:30:00,New,a\n"  # EDT: 05:30 UTC
        "A,2026-11-01T01:10:00,New,b\n"  # before the row above: the second pass, 06:10
        "A,2026-11-01T01:40:00,New,c\n"  # 06:40
    )
    for sort in (False, True):
        (a,) = read(text, sort=sort, timezone="America/New_York", columns={"priority": "prio"})
        times = [e.at.strftime("%H:%M") for e in a.events]
        assert (a.priority, times) == ("a", ["05:30", "06:10", "06:40"]), sort


def test_a_values_table_for_an_unmapped_key_is_refused() -> None:
    with pytest.raises(PolicyError, match=r"values.'satisfacton'.*did you mean 'satisfaction'"):
        mapping(columns={"satisfaction": "csat"}, values={"satisfacton": {"good": "1"}})


def test_a_pattern_with_a_nested_repeat_is_refused_and_values_are_capped() -> None:
    with pytest.raises(PolicyError, match="repeats a group that itself repeats"):
        mapping(columns={"priority": "p"}, priorities={"re:^(a+)+$": "P1"})
    values = ValueMap({"re:b$": "B"}, "test")
    assert values.get("a" * 5000 + "b") is None  # only the first 1,000 characters are tried
    assert values.get("a" * 10 + "b") == "B"


def test_a_twelve_hour_clock_refuses_13() -> None:
    parse = TimeFormat("YYYY-MM-DD hh:mm", UTC_ZONE, "test").parse
    with pytest.raises(ValueError, match="not in the format"):
        parse("2026-03-02 13:00")


def test_a_field_change_holds_plain_data_only() -> None:
    from escalation_rules import Event

    at = datetime(2026, 3, 2, tzinfo=UTC)
    Event.field_changed(at, "attributes.tags", ["a", "b"])
    for bad in (float("nan"), object(), b"x", at):
        with pytest.raises(IssueError, match="plain data"):
            Event.field_changed(at, "attributes.x", bad)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"format": "csv"}, r"got dict \(LogMapping.from_dict\(...\) reads a dict\)"),
        ("mapping.toml", "got str$"),
    ],
)
def test_a_mapping_that_is_not_a_log_mapping_is_refused(mapping: Any, message: str) -> None:
    with pytest.raises(PolicyError, match=f"the log mapping must be a LogMapping, {message}"):
        read_log(io.StringIO("id\n"), mapping)
