"""Reading the BPI 2013 log as CSV, as XES and as Parquet: events per second side by side.

Run:  .venv/bin/python benchmarks/bench_log_formats.py [--log PATH] [--repeats 3]

The log is converted, in a temporary folder that is removed afterwards (never in the
repository), to an uncompressed CSV, to XES (IEEE 1849: one trace per incident, the case id
as the trace's ``concept:name``, each row an event with its columns as string attributes and
the timestamp as ``time:timestamp``) and to Parquet (pyarrow, the ``parquet`` extra). Each
is then read with `read_log` and the same mapping (only the key names differ for XES), and
the issues must be the same. Baseline in the same run: the gzipped CSV, as the repository's
benchmarks and tests read it, and a bare ``csv.reader`` pass over the plain CSV (parsing
alone, nothing grouped).

A second table times one timestamp read in each way a log mapping can write it: ISO 8601
(``datetime.fromisoformat``), a pattern of numeric tokens (the compiled expression), a
pattern pendulum's formatter reads (``MMM``), and epoch seconds.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import platform
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

import attrs

from escalation_rules._io.bpi2013 import bpi2013_mapping
from escalation_rules._io.eventlog import LoggedIssue, read_log
from escalation_rules._io.log_times import TimeFormat
from escalation_rules._io.logmapping import LogMapping

DEFAULT_LOG = Path(__file__).parents[2] / "shared" / "data" / "bpi2013-incidents.csv.gz"


def best(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def write_xes(rows: list[dict[str, str]], case: str, path: Path) -> None:
    """*rows* (grouped by *case*) as an XES document."""
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write('<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n')
        current = None
        for row in rows:
            if row[case] != current:
                if current is not None:
                    out.write("  </trace>\n")
                current = row[case]
                out.write(
                    f'  <trace>\n    <string key="concept:name" value={quoteattr(current)}/>\n'
                )
            out.write("    <event>\n")
            for key, value in row.items():
                if key == case:
                    continue
                tag = "date" if key == "Change Date+Time" else "string"
                name = "time:timestamp" if tag == "date" else key
                out.write(f"      <{tag} key={quoteattr(name)} value={quoteattr(value)}/>\n")
            out.write("    </event>\n")
        if current is not None:
            out.write("  </trace>\n")
        out.write("</log>\n")


def xes_mapping(mapping: LogMapping) -> LogMapping:
    columns = {
        key: (
            "case:concept:name" if key == "issue" else "time:timestamp" if key == "timestamp" else c
        )
        for key, c in mapping.columns().items()
    }
    return LogMapping(
        **columns,  # type: ignore[arg-type]
        format="xes",
        open=mapping.open,
        pending=mapping.pending,
        resolved=mapping.resolved,
        closed=mapping.closed,
        priorities=mapping.priorities,
        levels=mapping.levels,
    )


def read_all(path: Path, mapping: LogMapping) -> list[LoggedIssue]:
    return list(read_log(path, mapping))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not args.log.exists():
        print(f"no log at {args.log}; pass --log", file=sys.stderr)
        return 2
    try:
        import pyarrow as pa
        import pyarrow.csv as pv
        import pyarrow.parquet as pq
    except ImportError:
        print("this benchmark needs pyarrow: pip install -e '.[parquet]'", file=sys.stderr)
        return 2
    mapping = bpi2013_mapping()
    print(f"Python {platform.python_version()} on {platform.machine()}; log {args.log.name}")
    with tempfile.TemporaryDirectory(prefix="er-bench-formats-") as folder:
        tmp = Path(folder)
        plain = tmp / "bpi2013.csv"
        with gzip.open(args.log, "rt", encoding="utf-8", newline="") as src:
            plain.write_text(src.read(), encoding="utf-8")
        with plain.open(encoding="utf-8", newline="") as src:
            rows = list(csv.DictReader(src))
        write_xes(rows, "SR Number", tmp / "bpi2013.xes")
        strings = pv.ConvertOptions(column_types=dict.fromkeys(rows[0], pa.string()))
        pq.write_table(pv.read_csv(plain, convert_options=strings), tmp / "bpi2013.parquet")
        del rows
        expected = read_all(args.log, mapping)
        events = sum(len(i.events) for i in expected)
        cases = [
            ("csv.gz (baseline)", args.log, mapping),
            ("csv", plain, mapping),
            ("xes", tmp / "bpi2013.xes", xes_mapping(mapping)),
            ("parquet", tmp / "bpi2013.parquet", attrs.evolve(mapping, format="parquet")),
        ]
        print(f"{len(expected):,} issues, {events:,} events\n")
        print(f"{'source':<20} {'size MiB':>9} {'read s':>8} {'events/s':>10} {'vs csv.gz':>9}")

        def parse_only() -> None:
            with plain.open(encoding="utf-8", newline="") as src:
                for _ in csv.reader(src):
                    pass

        base = None
        for name, path, m in cases:
            got = read_all(path, m)
            assert got == expected, f"{name} reads other issues"
            seconds = best(lambda p=path, mm=m: read_all(p, mm), args.repeats)
            base = base or seconds
            size = path.stat().st_size / 2**20
            rate = f"{events / seconds:,.0f}"
            print(f"{name:<20} {size:>9.1f} {seconds:>8.3f} {rate:>10} {seconds / base:>8.2f}x")
        seconds = best(parse_only, args.repeats)
        size = plain.stat().st_size / 2**20
        print(
            f"{'csv.reader only':<20} {size:>9.1f} {seconds:>8.3f} {'':>10} {seconds / base:>8.2f}x"
        )

    print("\none timestamp read, microseconds:")
    utc = ZoneInfo("UTC")
    stamps = [
        ("iso", None, "2016-02-29T01:23:00+01:00"),
        ("pattern, compiled", "DD-MM-YYYY HH:mm", "29-02-2016 01:23"),
        ("pattern, pendulum", "MMM D, YYYY HH:mm", "Feb 29, 2016 01:23"),
        ("epoch_s", "epoch_s", "1456708980"),
    ]
    for label, fmt, text in stamps:
        parse = TimeFormat(fmt, utc, "bench").parse
        n = 20_000
        per = min(timeit.repeat(lambda p=parse, t=text: p(t), number=n, repeat=3)) / n * 1e6
        print(f"  {label:<20} {per:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
