"""Event logs, replay and backtest: a hand-written log with known answers, bad input, real data."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from escalation_rules import (
    EscalationRulesError,
    EventKind,
    F,
    IssueError,
    Level,
    Policy,
    PolicyError,
    Status,
    escalate,
    hours,
    notify,
    sla,
)
from escalation_rules._analysis import distribution
from escalation_rules._analysis.backtest import backtest
from escalation_rules._analysis.metrics import Metrics
from escalation_rules._analysis.replay import Replay, replay
from escalation_rules._engine.sla_policies import SlaPeriod, SlaPolicy
from escalation_rules._io.bpi2013 import bpi2013_mapping, bpi2013_policy
from escalation_rules._io.eventlog import LoggedIssue, read_log
from escalation_rules._io.logmapping import LogMapping

DATA = Path(__file__).parents[3] / "shared" / "data"
BPI_LOG = DATA / "bpi2013-incidents.csv.gz"
EXAMPLES = Path(__file__).parents[2] / "src" / "escalation_rules" / "examples"

# Three issues, times in +01:00 (08:00Z is 09:00 here). See the expectations below.
LOG = """\
id,when,status,line,prio,cat,team
A,2026-03-02T09:00:00+01:00,New,L1,P2,billing,desk
A,2026-03-02T12:00:00+01:00,Working,L2,P2,billing,billing-2nd
A,2026-03-02T13:00:00+01:00,Done,L2,P2,billing,billing-2nd
B,2026-03-02T09:00:00+01:00,New,L1,P3,network,desk
B,2026-03-02T09:30:00+01:00,Waiting,L1,P3,network,desk
B,2026-03-02T11:30:00+01:00,Working,L1,P3,network,desk
B,2026-03-02T11:45:00+01:00,Working,L2,P3,network,desk
B,2026-03-02T16:45:00+01:00,Working,L1,P3,network,desk
B,2026-03-02T18:00:00+01:00,Working,L2,P3,network,desk
B,2026-03-02T19:00:00+01:00,Done,L2,P3,network,desk
C,2026-03-02T09:00:00+01:00,New,L1,P4,billing,desk
C,2026-03-02T09:30:00+01:00,Done,L1,P4,billing,desk
"""

MAPPING = {
    "format": "csv",
    "columns": {
        "issue": "id",
        "timestamp": "when",
        "status": "status",
        "level": "line",
        "priority": "prio",
        "category": "cat",
        "team": "team",
    },
    "statuses": {"pending": ["Waiting"], "resolved": ["Done"]},
}
COLUMNS: dict[str, str] = MAPPING["columns"]  # type: ignore[assignment]


def z(h: float, m: float = 0) -> datetime:
    """2 March 2026 at h:m UTC."""
    return datetime(2026, 3, 2, tzinfo=UTC) + timedelta(hours=h, minutes=m)


def policy() -> Policy:
    """L1 2 h, L2 8 h at a level (warn at half), resolution 3 h everywhere; pending pauses."""
    return Policy(
        [
            Level(
                "L1",
                "Desk",
                rank=1,
                owner="desk",
                targets={"time_at_level": hours(2), "resolution": hours(3)},
            ),
            Level(
                "L2",
                "Second",
                rank=2,
                owner="second",
                targets={"time_at_level": hours(8), "resolution": hours(3)},
            ),
            Level("L3", "Third", rank=3, owner="third", targets={"resolution": hours(3)}),
        ],
        [
            notify("warn", at=sla("time_at_level", 0.5)),
            escalate("limit", at=sla("time_at_level")),
        ],
        name="hand",
    )


def mapping(**changes: object) -> LogMapping:
    return LogMapping.from_dict({**MAPPING, **changes})


def issues(
    text: str = LOG, *, check_grouped: bool = True, strict: bool = False, **changes: object
) -> list[LoggedIssue]:
    """The issues of *text*, read with `MAPPING` (only the columns its header has) + *changes*."""
    header = text.split("\n", 1)[0].split(",")
    columns = {key: column for key, column in COLUMNS.items() if column in header}
    m = mapping(**{"columns": columns, **changes})
    return list(read_log(io.StringIO(text), m, check_grouped=check_grouped, strict=strict))


def by_id(text: str = LOG) -> dict[str, Replay]:
    return {logged.id: replay(policy(), logged) for logged in issues(text)}


def timeline(result: Replay) -> list[tuple[datetime, str, str]]:
    out = []
    for entry in result.timeline:
        if entry.action is not None:
            out.append((entry.at, "policy", entry.action.key))
        else:
            assert entry.event is not None
            e = entry.event
            detail = e.status or e.level or e.team or ""
            out.append((entry.at, "real", f"{e.kind.value} {detail}".strip()))
    return out


# ---------------------------------------------------------------------------- the reader


def test_reader_builds_events_from_changes_only() -> None:
    a, b, c = issues()
    assert (a.id, a.created_at, a.priority, a.category, a.level, a.team) == (
        "A",
        z(8),
        "P2",
        "billing",
        "L1",
        "desk",
    )
    assert [(e.kind, e.at, e.status or e.level or e.team) for e in a.events] == [
        (EventKind.CREATED, z(8), "desk"),  # the creation carries the team (and priority)
        (EventKind.LEVEL_CHANGED, z(11), "L2"),
        (EventKind.REASSIGNED, z(11), "billing-2nd"),
        (EventKind.STATUS_CHANGED, z(12), "resolved"),
    ]
    assert a.lines == (2, 3, 3, 4)
    assert a.events[-1].data["raw"] == "Done"
    assert [(e.kind.value, e.status or e.level) for e in b.events] == [
        ("created", None),
        ("status_changed", "pending"),
        ("status_changed", "open"),
        ("level_changed", "L2"),
        ("level_changed", "L1"),
        ("level_changed", "L2"),
        ("status_changed", "resolved"),
    ]
    assert [e.kind.value for e in c.events] == ["created", "status_changed"]
    assert all(e.at.tzinfo is UTC for i in (a, b, c) for e in i.events)


def test_first_row_not_open_becomes_a_status_change_at_creation() -> None:
    log = "id,when,status,line\nX,2026-03-02T09:00:00+01:00,Waiting,L1\n"
    (x,) = issues(log)
    assert [(e.kind.value, e.at, e.status) for e in x.events] == [
        ("created", z(8), None),
        ("status_changed", z(8), "pending"),
    ]
    assert x.issue().status == "open" and x.priority is None and x.category is None


def test_sub_status_and_value_maps() -> None:
    log = (
        "SR,At,Status,Sub,Impact,Line\n"
        "1,2026-03-02T08:00:00Z,Accepted,In Progress,Major,L1\n"
        "1,2026-03-02T09:00:00Z,Accepted,Wait - User,Major,L2/L3\n"
        "1,2026-03-02T10:00:00Z,Completed,Anything,Major,L2/L3\n"
    )
    m = LogMapping.from_dict(
        {
            "columns": {
                "issue": "SR",
                "timestamp": "At",
                "status": "Status",
                "sub_status": "Sub",
                "priority": "Impact",
                "level": "Line",
            },
            # "Completed" alone covers every sub-status of Completed
            "statuses": {"pending": ["Accepted/Wait - User"], "closed": ["Completed"]},
            "priorities": {"Major": "P1", "Low": "P4"},
            "levels": {"L1": "L1", "L2/L3": "L2"},
            "format": "csv",
        }
    )
    (one,) = read_log(io.StringIO(log), m)
    assert one.priority == "P1"
    assert [(e.kind.value, e.status or e.level) for e in one.events] == [
        ("created", None),
        ("status_changed", "pending"),
        ("level_changed", "L2"),
        ("status_changed", "closed"),
    ]
    assert one.events[1].data["raw"] == "Accepted/Wait - User"
    assert m.status_of("Accepted/In Progress") is Status.OPEN
    assert m.status_of("Completed/Resolved") is Status.CLOSED


def test_naive_timestamps_need_the_mapping_timezone() -> None:
    log = "id,when,status\nX,2026-07-01T10:00:00,New\n"
    (x,) = issues(log, timezone="Europe/Stockholm")
    assert x.created_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # CEST is +02:00
    with pytest.raises(IssueError, match=r"line 2, column 'when'.*no UTC offset.*timezone"):
        issues(log)


def test_jsonl_gzip_and_file_objects_read_the_same(tmp_path: Path) -> None:
    expected = issues()
    rows = list(csv.DictReader(io.StringIO(LOG)))
    jsonl = "".join(json.dumps(row) + "\n" for row in rows)
    (tmp_path / "log.jsonl").write_text(jsonl)
    (tmp_path / "log.csv").write_text(LOG)
    (tmp_path / "log.csv.gz").write_bytes(gzip.compress(LOG.encode()))
    (tmp_path / "log.jsonl.gz").write_bytes(gzip.compress(jsonl.encode()))
    m = LogMapping.from_dict({k: v for k, v in MAPPING.items() if k != "format"})
    assert list(read_log(tmp_path / "log.csv", m)) == expected
    assert list(read_log(tmp_path / "log.jsonl", m)) == expected
    assert list(read_log(tmp_path / "log.csv.gz", m)) == expected
    assert list(read_log(str(tmp_path / "log.jsonl.gz"), m)) == expected
    stream = io.BytesIO(gzip.compress(LOG.encode()))
    assert list(read_log(stream, mapping())) == expected
    assert not stream.closed  # a file the caller passed in stays open
    with open(tmp_path / "log.csv.gz", "rb") as file:
        assert list(read_log(file, m)) == expected


def test_reader_is_lazy() -> None:
    """Rows are read as issues are asked for: a bad row after the first issue is not
    reached until the second issue is."""
    bad = LOG.replace("B,2026-03-02T09:30:00+01:00", "B,yesterday")
    stream = read_log(io.StringIO(bad), mapping())
    assert next(stream).id == "A"
    with pytest.raises(IssueError, match="yesterday"):
        next(stream)


def test_ungrouped_log_is_refused_unless_the_check_is_off() -> None:
    log = (
        "id,when,status\n"
        "A,2026-03-02T08:00:00Z,New\n"
        "B,2026-03-02T08:10:00Z,New\n"
        "A,2026-03-02T08:20:00Z,Done\n"
    )
    with pytest.raises(IssueError) as info:
        issues(log)
    message = str(info.value)
    assert "<stream> line 4: issue 'A' appears again" in message
    assert "began at line 2" in message and "stable sort" in message
    relaxed = issues(log, check_grouped=False)
    assert [i.id for i in relaxed] == ["A", "B", "A"]


def test_mapping_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        'format = "csv"\n[columns]\nissue = "id"\ntimestamp = "when"\nstatus = "status"\n'
        '[statuses]\npending = ["Waiting"]\nresolved = ["Done"]\n'
    )
    loaded = LogMapping.load(path)
    assert loaded == LogMapping(
        issue="id",
        timestamp="when",
        status="status",
        format="csv",
        pending=["Waiting"],
        resolved=["Done"],
    )
    assert loaded.source == str(path)


def test_shipped_bpi_mapping_loads() -> None:
    shipped = bpi2013_mapping()
    assert shipped == LogMapping.load(EXAMPLES / "bpi2013-mapping.toml")
    assert shipped.priorities["Major"] == "P1" and shipped.levels["L2/L3"] == "L2"
    assert shipped.status_of("Accepted/Wait - User") is Status.PENDING
    assert shipped.status_of("Completed/In Call") is Status.RESOLVED
    assert shipped.status_of("Accepted/Wait - Vendor") is Status.OPEN


# ---------------------------------------------------------------------------- bad input

MAPPING_ERRORS: list[tuple[str, Callable[[], object], str]] = [
    (
        "unknown-top-key",
        lambda: LogMapping.from_dict({**MAPPING, "colums": {}}),
        r"unknown key 'colums'.*did you mean 'columns'\?",
    ),
    (
        "unknown-column-key",
        lambda: LogMapping.from_dict({"columns": {**COLUMNS, "isue": "x"}}),
        r"unknown key columns\.'isue'.*did you mean 'issue'\?",
    ),
    (
        "missing-required-column",
        lambda: LogMapping.from_dict({"columns": {"issue": "id", "status": "s"}}),
        r"columns\.timestamp is required",
    ),
    (
        "no-columns-table",
        lambda: LogMapping.from_dict({"format": "csv"}),
        r"\[columns\] table is missing",
    ),
    (
        "bad-format",
        lambda: mapping(format="cvs"),
        r"format must be one of \['csv', 'jsonl', 'xes', 'parquet'\], got 'cvs' "
        r"\(did you mean 'csv'\?\)",
    ),
    (
        "bad-zone",
        lambda: mapping(timezone="Europe/Stokholm"),
        r"unknown time zone 'Europe/Stokholm'.*did you mean 'Europe/Stockholm'\?",
    ),
    (
        "status-twice",
        lambda: mapping(statuses={"pending": ["Done"], "resolved": ["Done"]}),
        r"'Done' is listed both as pending and as resolved",
    ),
    (
        "status-list-is-a-string",
        lambda: mapping(statuses={"pending": "Waiting"}),
        r"statuses\.pending must be a list",
    ),
    (
        "unknown-status-key",
        lambda: mapping(statuses={"resolve": ["Done"]}),
        r"unknown key statuses\.'resolve'.*did you mean 'resolved'\?",
    ),
    (
        "status-open-and-resolved",
        lambda: mapping(statuses={"open": ["Done"], "resolved": ["Done"]}),
        r"'Done' is listed both as open and as resolved",
    ),
    (
        "open-is-a-string",
        lambda: mapping(statuses={"open": "New"}),
        r"statuses\.open must be a list",
    ),
    ("long-delimiter", lambda: mapping(delimiter=";;"), r"delimiter must be one character"),
    (
        "empty-column-name",
        lambda: LogMapping.from_dict({"columns": {**COLUMNS, "level": ""}}),
        r"columns\.level must name a column",
    ),
]


@pytest.mark.parametrize(
    ("build", "pattern"), [r[1:] for r in MAPPING_ERRORS], ids=[r[0] for r in MAPPING_ERRORS]
)
def test_bad_mappings_are_refused(build: Callable[[], object], pattern: str) -> None:
    with pytest.raises(PolicyError, match=pattern) as info:
        build()
    assert isinstance(info.value, EscalationRulesError) and isinstance(info.value, ValueError)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[columns\nissue = 1\n")
    with pytest.raises(PolicyError, match=rf"^{re.escape(str(path))}: not valid TOML"):
        LogMapping.load(path)


OPEN: dict[str, object] = {
    "statuses": {"open": ["New", "Working"], "pending": ["Waiting"], "resolved": ["Done"]}
}


def _with_row(row: str) -> str:
    return LOG + row


READER_ERRORS: list[tuple[str, Callable[[], object], type[Exception], str]] = [
    (
        "column-not-in-header",
        lambda: issues(columns={**COLUMNS, "status": "Staus"}),
        PolicyError,
        r"^<stream> line 1: column 'Staus' \(columns\.status in the mapping\) is not in the "
        r"header.*did you mean 'status'\?",
    ),
    (
        "bad-timestamp",
        lambda: issues(_with_row("D,tomorrow,New,L1,P2,billing,desk\n")),
        IssueError,
        r"<stream> line 14, column 'when': cannot read 'tomorrow': it is not an ISO 8601",
    ),
    (
        "time-order-within-an-issue",
        lambda: issues(LOG.replace("C,2026-03-02T09:30:00+01:00", "C,2026-03-02T08:30:00+01:00")),
        IssueError,
        r"<stream> line 13, column 'when': '2026-03-02T08:30:00\+01:00' is earlier than the "
        r"issue's previous row",
    ),
    (
        "unmapped-priority",
        lambda: issues(priorities={"p2": "P2", "p3": "P3", "p4": "P4"}, strict=True, **OPEN),
        IssueError,
        r"^<stream> line 2, column 'prio': the priority 'P2' is not in the mapping's "
        r"\[priorities\] \(read strictly, it is refused rather than read as no value\); add "
        r"it \(or a range, a pattern or '\*'\) \(did you mean 'p2'\?\)$",
    ),
    (
        "unmapped-level",
        lambda: issues(levels={"L1": "L1", "L3": "L3"}, strict=True, **OPEN),
        IssueError,
        r"<stream> line 3, column 'line': the level 'L2' is not in the mapping's \[levels\]",
    ),
    (
        "short-row",
        lambda: issues(_with_row("D,2026-03-02T09:00:00+01:00,New\n")),
        IssueError,
        r"<stream> line 14: the row has 3 fields, the header has 7",
    ),
]


@pytest.mark.parametrize(
    ("build", "error", "pattern"),
    [r[1:] for r in READER_ERRORS],
    ids=[r[0] for r in READER_ERRORS],
)
def test_bad_logs_are_refused(
    build: Callable[[], object], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        build()


def test_format_unknown_from_the_name(tmp_path: Path) -> None:
    path = tmp_path / "log.xml"
    path.write_text(LOG)
    no_format = LogMapping.from_dict({k: v for k, v in MAPPING.items() if k != "format"})
    with pytest.raises(PolicyError, match=r"cannot tell the format of .*log\.xml.*format ="):
        list(read_log(path, no_format))
    assert len(list(read_log(path, mapping(format="csv")))) == 3


def test_jsonl_missing_key_names_the_line() -> None:
    minimal = {"issue": "id", "timestamp": "when", "status": "status"}
    text = (
        '{"id": "A", "when": "2026-03-02T08:00:00Z", "status": "New"}\n{"id": "A", "wehn": "x"}\n'
    )
    with pytest.raises(PolicyError, match=r"^<stream> line 2: the key 'when'.*did you mean 'wehn'"):
        issues(text, format="jsonl", columns=minimal)
    with pytest.raises(IssueError, match=r"<stream> line 1: not valid JSON"):
        issues("{oops\n", format="jsonl", columns=minimal)


def test_replay_refuses_a_level_the_policy_lacks() -> None:
    log = LOG.replace(
        "A,2026-03-02T12:00:00+01:00,Working,L2", "A,2026-03-02T12:00:00+01:00,Working,L4"
    )
    with pytest.raises(IssueError, match=r"<stream> line 3: issue 'A' moves to level 'L4'.*"):
        by_id(log)


# ---------------------------------------------------------------------------- replay


def test_replay_of_an_issue_the_policy_escalates_first() -> None:
    a = by_id()["A"]
    assert timeline(a) == [
        (z(8), "real", "created desk"),
        (z(9), "policy", "warn:notify"),  # half of L1's 2 h
        (z(10), "policy", "limit:escalate"),  # L1's 2 h: the policy escalates to L2
        (z(11), "real", "level_changed L2"),  # the real escalation, an hour later
        (z(11), "real", "reassigned billing-2nd"),
        (z(12), "real", "status_changed resolved"),
    ]
    (l2, l3) = a.levels
    assert (l2.level, l2.real_at, l2.policy_at, l2.what_if) == ("L2", z(11), z(10), False)
    assert l2.delta == timedelta(hours=-1)
    assert (l3.level, l3.real_at, l3.policy_at) == ("L3", None, None)
    assert (a.resolved_at, a.resolved_level, a.resolution_time) == (z(12), "L2", hours(4))
    assert dict(a.entries) == {"L2": 1} and not a.recurring
    # SLA: 3 h at L1 breached its 2 h; resolution took 4 h of a 3 h target
    assert dict(a.sla_breached) == {"time_at_level": True, "resolution": True}
    # the policy's escalation is in the history, without a level: the real one moved it
    taken = [e for e in a.issue.history if e.kind is EventKind.ACTION_TAKEN]
    assert [(e.action, e.level) for e in taken] == [("warn:notify", None), ("limit:escalate", None)]
    assert a.issue.level == "L2" and a.issue.team == "billing-2nd"
    assert [(p.at, p.action.key) for p in a.actions] == [
        (z(9), "warn:notify"),
        (z(10), "limit:escalate"),
    ]
    assert a.actions[1].reason.endswith("escalate to the next level, L2")


def test_replay_with_a_pause_a_what_if_and_a_recurring_escalation() -> None:
    b = by_id()["B"]
    assert timeline(b) == [
        (z(8), "real", "created desk"),
        (z(8, 30), "real", "status_changed pending"),  # the clock pauses for 2 h
        (z(10, 30), "real", "status_changed open"),
        (z(10, 45), "real", "level_changed L2"),  # after 45 min of counted time at L1
        (z(14, 45), "policy", "warn:notify"),  # half of L2's 8 h
        (z(15, 45), "real", "level_changed L1"),  # back down: a new L1 stay
        (z(16, 45), "policy", "warn:notify"),
        (z(17), "real", "level_changed L2"),  # up again: L2 entered twice
        (z(18), "real", "status_changed resolved"),
    ]
    (l2, l3) = b.levels
    # The real team was first; alone, the policy would have escalated at 2 h of counted
    # time: 30 min before the pause and 1 h 30 after it, at 12:00.
    assert (l2.real_at, l2.policy_at, l2.what_if) == (z(10, 45), z(12), True)
    assert l2.delta == timedelta(hours=1, minutes=15)
    assert (l3.real_at, l3.policy_at) == (None, None)
    assert dict(b.entries) == {"L2": 2} and b.recurring
    assert b.resolution_time == hours(10)
    assert dict(b.sla_breached) == {"time_at_level": False, "resolution": True}


def test_replay_of_an_issue_resolved_at_the_first_level() -> None:
    c = by_id()["C"]
    assert timeline(c) == [
        (z(8), "real", "created desk"),
        (z(8, 30), "real", "status_changed resolved"),
    ]
    assert c.actions == () and c.resolved_level == "L1" and not c.entries
    assert dict(c.sla_breached) == {"time_at_level": False, "resolution": False}


def test_replay_until_keeps_evaluating_after_the_last_event() -> None:
    log = "id,when,status,line\nX,2026-03-02T08:00:00Z,New,L1\n"
    (x,) = issues(log)
    assert replay(policy(), x).actions == ()
    later = replay(policy(), x, until=z(20))
    assert [(p.at, p.action.key) for p in later.actions] == [
        (z(9), "warn:notify"),
        (z(10), "limit:escalate"),
    ]
    assert later.levels[0].policy_at == z(10) and later.levels[0].real_at is None


def test_replay_is_deterministic_and_leaves_its_input_alone() -> None:
    logged = issues()[1]
    before = (logged.events, logged.lines)
    assert replay(policy(), logged) == replay(policy(), logged)
    assert (logged.events, logged.lines) == before


def test_what_if_applies_the_policys_own_earlier_escalation() -> None:
    """The policy moved the issue to L2 at 10:00 (recorded without a level); the real
    history jumps from L1 straight to L3 at 13:00. Alone, the policy would have been at L2
    since 10:00, so it reaches L3 after L2's 8 h: at 18:00."""
    log = (
        "id,when,status,line\n"
        "X,2026-03-02T08:00:00Z,New,L1\n"
        "X,2026-03-02T13:00:00Z,Working,L3\n"
        "X,2026-03-02T14:00:00Z,Done,L3\n"
    )
    (x,) = issues(log)
    result = replay(policy(), x)
    l2, l3 = result.levels
    assert (l2.real_at, l2.policy_at, l2.what_if) == (z(13), z(10), False)
    assert (l3.real_at, l3.policy_at, l3.what_if) == (z(13), z(18), True)


def test_timeline_text() -> None:
    text = by_id()["A"].to_text()
    assert text.splitlines()[0] == "issue A (P2, billing)"
    assert "Mon 2 Mar 2026 10:00 UTC    policy  escalate to L2: " in text
    assert "Mon 2 Mar 2026 11:00 UTC  real    level_changed L2" in text
    assert "Mon 2 Mar 2026 12:00 UTC  real    status_changed resolved (Done)" in text
    assert " sla " not in text and by_id()["A"].slas == ()  # no SLA policies: as before


def sla_policy() -> Policy:
    """`policy`, with SLA policies: second-line issues get 8 h to resolve, the rest 3 h."""
    base = policy()
    return Policy(
        base.levels,
        base.rules,
        name="hand-slas",
        slas=[
            SlaPolicy("second-line", when=F.level == "L2", targets={"resolution": hours(8)}),
            SlaPolicy("standard", targets={"resolution": hours(3)}),
        ],
    )


def test_a_replay_shows_which_sla_policy_applied_and_since_when() -> None:
    a = next(r for r in (replay(sla_policy(), x) for x in issues()) if r.logged.id == "A")
    assert a.slas == (SlaPeriod(z(8), "standard"), SlaPeriod(z(11), "second-line"))
    assert a.sla == "second-line"
    lines = a.to_text().splitlines()
    # after the real events of that instant, before the policy's actions
    assert lines[1:3] == [
        "Mon 2 Mar 2026 08:00 UTC  real    created desk",
        "Mon 2 Mar 2026 08:00 UTC    sla     standard",
    ]
    switch = lines.index("Mon 2 Mar 2026 11:00 UTC    sla     second-line")
    assert lines[switch - 1] == "Mon 2 Mar 2026 11:00 UTC  real    reassigned billing-2nd"
    c = replay(sla_policy(), issues()[2])
    assert (c.slas, c.sla) == ((SlaPeriod(z(8), "standard"),), "standard")


def test_a_backtest_hands_each_replay_with_its_sla_policies() -> None:
    seen: dict[str, tuple[str | None, ...]] = {}
    backtest(
        sla_policy(),
        issues(),
        on_replay=lambda r: seen.update({r.logged.id: tuple(p.sla for p in r.slas)}),
    )
    assert seen == {
        "A": ("standard", "second-line"),
        "B": ("standard", "second-line", "standard", "second-line"),
        "C": ("standard",),
    }


def test_backtest_metrics_are_grouped_by_the_sla_policy_that_applied_last() -> None:
    metrics = backtest(sla_policy(), issues())
    assert {k: g.issues for k, g in metrics.by_sla.items()} == {"second-line": 2, "standard": 1}
    assert set(metrics.to_dict()["by_sla"]) == {"second-line", "standard"}
    assert metrics.csv_rows()[-1][:2] == ["sla", "standard"]
    assert "By SLA policy (the one that applied last):" in metrics.to_table()
    assert backtest(policy(), issues()).by_sla == {}  # no SLA policies: no such group


# ---------------------------------------------------------------------------- backtest


def hand_metrics() -> Metrics:
    return backtest(policy(), read_log(io.StringIO(LOG), mapping()))


def test_backtest_metrics_on_the_hand_log() -> None:
    metrics = hand_metrics()
    overall = metrics.overall
    assert (metrics.policy, metrics.level_ids) == ("hand", ("L1", "L2", "L3"))
    assert (overall.issues, overall.events, overall.policy_actions) == (3, 13, 4)
    l2 = overall.level("L2")
    assert (l2.eligible, l2.real, l2.also_earlier, l2.also_later, l2.never, l2.policy_only) == (
        3,
        2,
        1,
        1,
        0,
        0,
    )
    assert l2.policy == 1 and l2.real_rate == pytest.approx(2 / 3)
    # nearest-rank median of [-1 h, +1 h 15]: the lower middle
    assert l2.median_delta == timedelta(hours=-1)
    assert (l2.median_earlier, l2.median_later) == (hours(1), timedelta(hours=1, minutes=15))
    l3 = overall.level("L3")
    assert (l3.eligible, l3.real, l3.policy, l3.median_delta) == (3, 0, 0, None)
    assert overall.resolved == 3
    # resolution times 4 h, 10 h and 30 min
    assert (overall.median_resolution, overall.p90_resolution) == (hours(4), hours(10))
    assert overall.resolved_at_first_level == 1 and overall.recurring == 1
    assert dict(overall.sla_breach_rate) == {
        "time_at_level": pytest.approx(1 / 3),
        "resolution": pytest.approx(2 / 3),
    }
    assert list(metrics.by_priority) == ["P2", "P3", "P4"]
    assert metrics.by_priority["P3"].level("L2").also_later == 1
    assert metrics.by_priority["P3"].level("L2").median_later == timedelta(minutes=75)
    assert {k: v.issues for k, v in metrics.by_category.items()} == {"billing": 2, "network": 1}
    assert metrics.by_category["billing"].median_resolution == timedelta(minutes=30)


def test_backtest_outputs() -> None:
    metrics = hand_metrics()
    data = json.loads(json.dumps(metrics.to_dict()))
    assert data["overall"]["levels"]["L2"] == {
        "eligible": 3,
        "real": 2,
        "policy": 1,
        "real_rate": pytest.approx(2 / 3),
        "policy_rate": pytest.approx(1 / 3),
        "also_earlier": 1,
        "also_later": 1,
        "never": 0,
        "policy_only": 0,
        "median_delta_s": -3600.0,
        "median_earlier_s": 3600.0,
        "median_later_s": 4500.0,
    }
    assert data["by_priority"]["P4"]["median_resolution_s"] == 1800.0
    rows = metrics.csv_rows()
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:3] == ["scope", "group", "issues"]
    assert [r[:2] for r in rows[1:]] == [
        ["all", "all"],
        ["priority", "P2"],
        ["priority", "P3"],
        ["priority", "P4"],
        ["category", "billing"],
        ["category", "network"],
    ]
    assert first["L2_also_later"] == "1" and first["L3_median_delta_s"] == ""
    assert first["sla_resolution_breach_rate"] == str(2 / 3)
    assert metrics.to_csv().splitlines()[0] == ",".join(header)
    table = metrics.to_table()
    assert table.startswith("Backtest of policy 'hand' on 3 issues (13 real events)")
    lines = table.splitlines()
    assert re.search(
        r"^escalated to L2: real\s+2 \(67%\)\s+1 \(100%\)\s+1 \(100%\)\s+0 \(0%\)$", table, re.M
    )
    assert any(
        re.fullmatch(r"  median policy - real\s+-1 h\s+-1 h\s+\+1 h 15 min\s+-", ln) for ln in lines
    )
    assert "By category (2 largest of 2):" in table


def test_backtest_calls_back_and_keeps_nothing_else() -> None:
    seen: list[str] = []
    backtest(policy(), issues(), on_replay=lambda r: seen.append(r.logged.id))
    assert seen == ["A", "B", "C"]


def test_quantiles_are_exact_then_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    small = distribution.Quantiles()
    for v in (5.0, 1.0, 3.0, 2.0):
        small.add(v)
    assert (small.quantile(0.5), small.quantile(0.9), small.quantile(1.0)) == (2.0, 5.0, 5.0)
    monkeypatch.setattr(distribution, "EXACT_LIMIT", 100)
    big = distribution.Quantiles()
    values = [float(v) for v in range(-500, 1500)]
    for v in values:
        big.add(v)
    assert big._exact is None and len(big._buckets) < len(values)
    assert big.count == 2000
    for q in (0.1, 0.5, 0.9):
        exact = sorted(values)[math.ceil(q * len(values)) - 1]
        assert big.quantile(q) == pytest.approx(exact, rel=0.011)
    assert distribution.Quantiles().quantile(0.5) is None


# ---------------------------------------------------------------------------- the real log


@pytest.mark.skipif(
    not BPI_LOG.exists(),
    reason=f"the BPI 2013 log is not at {BPI_LOG} (it lives in ../shared/data next to the repo)",
)
def test_backtest_on_the_real_bpi_2013_log() -> None:
    metrics = backtest(bpi2013_policy(), read_log(BPI_LOG, bpi2013_mapping()))
    overall = metrics.overall
    # Facts of the log (and the mapping), whatever the policy: the README's counts.
    assert overall.issues == 7_554
    assert overall.events == 42_897  # rows that change status, level or team, and creations
    l2, l3 = overall.level("L2"), overall.level("L3")
    # 704 incidents start at L2 and 148 at L3; 540 reach L3, 148 of them from the start.
    assert (l2.eligible, l3.eligible) == (7_554 - 704 - 148, 7_554 - 148)
    assert l3.real == 540 - 148
    assert overall.resolved_at_first_level + l2.real <= l2.eligible
    assert {k: v.issues for k, v in metrics.by_priority.items()} == {
        "P1": 3,
        "P2": 261,
        "P3": 4_045,
        "P4": 3_245,
    }
    # Every real escalation is made first, made later or never made, by the policy.
    for level in (l2, l3):
        assert level.also_earlier + level.also_later + level.never == level.real
        assert level.median_earlier is not None and level.median_earlier > timedelta(0)
    # The policy sends every Major incident to L2 at once: before the real teams did.
    p1 = metrics.by_priority["P1"].level("L2")
    assert (p1.real, p1.also_earlier) == (3, 3)
    assert set(overall.sla_breach_rate) == {"time_at_level", "resolution"}


# ------------------------------------------- damaged logs (issue 12, item 6, the file part)


def _damaged(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """A damaged log of each kind, and the start of the message it gets."""
    header, *rows = LOG.splitlines(keepends=True)
    big = header + "".join(
        row.replace(row[0], f"{row[0]}{n}", 1) for n in range(500) for row in rows
    )
    whole = gzip.compress(big.encode())
    files = {
        "truncated gzip": (whole[: len(whole) // 2], ": cannot read the log after line "),
        "junk after gzip": (
            gzip.compress(LOG.encode()) + b"junk",
            ": cannot read the log after line ",
        ),
        "not UTF-8": (
            LOG.replace("desk", "d\u00e9sk").encode("latin-1"),
            ": cannot read the log from its start: its bytes are not UTF-8",
        ),
        "a field over 128 KiB": (
            (header + '"' + "x" * 140_000 + '",a,b,c,d,e,f\n').encode(),
            " line 2: cannot read the log: field larger than field limit",
        ),
    }
    out = {}
    for name, (data, start) in files.items():
        path = tmp_path / (name.replace(" ", "-") + (".csv.gz" if "gzip" in name else ".csv"))
        path.write_bytes(data)
        out[name] = (path, start)
    return out


@pytest.mark.parametrize(
    "kind", ["truncated gzip", "junk after gzip", "not UTF-8", "a field over 128 KiB"]
)
def test_a_damaged_log_is_an_issue_error_naming_the_file_and_line(
    tmp_path: Path, kind: str
) -> None:
    path, start = _damaged(tmp_path)[kind]
    with pytest.raises(IssueError) as info:
        list(read_log(path, mapping(format=None)))
    assert str(info.value).startswith(f"{path}{start}")


@pytest.mark.parametrize("kind", ["a directory", "a missing file"])
def test_a_log_that_cannot_be_opened_is_an_issue_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "log.csv"
    if kind == "a directory":
        path.mkdir()
    with pytest.raises(IssueError) as info:
        list(read_log(path, mapping()))
    reason = "Is a directory" if kind == "a directory" else "No such file or directory"
    assert str(info.value) == f"{path}: cannot open the log: {reason}"
