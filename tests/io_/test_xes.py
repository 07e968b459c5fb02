"""Event logs in XES (issue 15): the same issues as the equivalent CSV, streamed, bounded."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

import pytest

from escalation_rules import IssueError, LogMapping, PolicyError, read_log
from escalation_rules._io import xes_rows as xes_module
from escalation_rules._io.logrows import format_of

NS = 'xmlns="http://www.xes-standard.org/"'

# (case, timestamp, status, level, priority) per row, grouped by case, in time order.
ROWS = [
    ("A", "2026-03-02T09:00:00+01:00", "New", "L1", "P2"),
    ("A", "2026-03-02T12:00:00+01:00", "Working", "L2", "P2"),
    ("A", "2026-03-02T13:00:00+01:00", "Done", "L2", "P2"),
    ("B", "2026-03-02T09:00:00+01:00", "New", "L1", "P3"),
    ("B", "2026-03-02T09:30:00+01:00", "Done", "L1", "P3"),
]

STATUSES = {"open": ["New", "Working"], "resolved": ["Done"]}

CSV_MAPPING = LogMapping.from_dict(
    {
        "format": "csv",
        "columns": {
            "issue": "id",
            "timestamp": "when",
            "status": "status",
            "level": "line",
            "priority": "prio",
        },
        "statuses": STATUSES,
    }
)


def xes_mapping(**extra: Any) -> LogMapping:
    return LogMapping.from_dict(
        {
            "columns": {
                "issue": "case:concept:name",
                "timestamp": "time:timestamp",
                "status": "lifecycle:transition",
                "level": "org:group",
                "priority": "case:priority",
            },
            "statuses": STATUSES,
            **extra,
        }
    )


def csv_text() -> str:
    lines = ["id,when,status,line,prio"] + [",".join(row) for row in ROWS]
    return "\n".join(lines) + "\n"


def xes_text(namespace: bool = True) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<log {NS if namespace else ''}>",
        '  <string key="concept:name" value="the log"/>',
    ]
    for case in ("A", "B"):
        rows = [row for row in ROWS if row[0] == case]
        out += [
            "  <trace>",
            f'    <string key="concept:name" value="{case}"/>',
            f'    <string key="priority" value="{rows[0][4]}"/>',
        ]
        for _, when, status, level, _ in rows:
            out += [
                "    <event>",
                f'      <date key="time:timestamp" value="{when}"/>',
                f'      <string key="lifecycle:transition" value="{status}"/>',
                f'      <string key="org:group" value="{level}"/>',
                '      <int key="cost" value="3"/>',
                "    </event>",
            ]
        out.append("  </trace>")
    out.append("</log>")
    return "\n".join(out) + "\n"


def test_format_of_names_xes() -> None:
    assert format_of("log.xes") == "xes"
    assert format_of("dir/BPI.XES.gz") == "xes"
    assert xes_mapping(format="xes").format == "xes"


@pytest.mark.parametrize("namespace", [True, False])
def test_xes_reads_as_the_equivalent_csv(namespace: bool) -> None:
    expected = list(read_log(io.StringIO(csv_text()), CSV_MAPPING))
    got = list(read_log(io.StringIO(xes_text(namespace)), xes_mapping(format="xes")))
    assert got == expected
    assert [issue.id for issue in got] == ["A", "B"]
    # the lines are the events' lines in the document
    assert got[0].lines[0] == 7
    assert got[0].where(0) == "<stream> line 7"


def test_xes_gz_path(tmp_path: Path) -> None:
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(xes_text().encode()))
    got = list(read_log(path, xes_mapping()))
    assert got == list(read_log(io.StringIO(csv_text()), CSV_MAPPING))
    assert got[1].source == str(path)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE log [<!ENTITY a "aaaaaaaaaa">]>',
        "<!DOCTYPE log SYSTEM 'http://example.com/x.dtd'>",
    ],
)
def test_a_doctype_is_refused(doctype: str) -> None:
    text = xes_text().replace("<log ", doctype + "\n<log ", 1)
    with pytest.raises(IssueError, match=r"<stream> line 2: .*document type declaration"):
        list(read_log(io.StringIO(text), xes_mapping(format="xes")))


def test_a_malformed_document_names_its_line() -> None:
    text = xes_text().replace("</event>", "</evnt>", 1)
    with pytest.raises(IssueError, match=r"<stream> line 12: not a well-formed XES"):
        list(read_log(io.StringIO(text), xes_mapping(format="xes")))


def test_a_missing_required_key_names_the_event() -> None:
    text = xes_text().replace('key="time:timestamp"', 'key="time:stamp"', 1)
    with pytest.raises(PolicyError, match="time:timestamp") as info:
        list(read_log(io.StringIO(text), xes_mapping(format="xes")))
    assert "line 7" in str(info.value)


def test_traces_are_cleared_as_they_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    roots: list[Any] = []

    def spy(source: Any, events: Any) -> Any:
        parser = iterparse(source, events=events)
        for kind, element in parser:
            if not roots:
                roots.append(element)
            yield kind, element

    monkeypatch.setattr(xes_module, "iterparse", spy)
    issues = list(read_log(io.StringIO(xes_text()), xes_mapping(format="xes")))
    assert len(issues) == 2
    (root,) = roots
    assert [child.tag.rsplit("}", 1)[-1] for child in root] == ["string"]
