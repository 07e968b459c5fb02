"""The backtest over the whole BPI 2013 log: events per second, wall time and peak memory.

Run:  .venv/bin/python benchmarks/bench_backtest.py [--log PATH] [--repeats 3] [--passes 2]

Next to the backtest, in the same run, two baselines:

* ``read``: reading the log and grouping its rows into issues and events, nothing evaluated;
* ``engine floor``: for each real event, ``issue.with_event(event)`` and one
  ``policy.evaluate(issue, event.at)``: the least any replay does with the engine as it is
  (no jumps to ``next_evaluation_at``, no what-if, no SLA check, no metrics).

Times are the best of ``--repeats`` runs (wall and CPU). Peak memory is measured in a separate
run under tracemalloc (Python allocations), over the log once and over the log read
``--passes`` times in a row: a flat peak shows that memory does not grow with the length of
the log. The process's maximum resident set size is printed too.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import itertools
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path

from escalation_rules import __version__ as version
from escalation_rules._analysis.backtest import backtest
from escalation_rules._io.bpi2013 import bpi2013_mapping, bpi2013_policy
from escalation_rules._io.eventlog import LoggedIssue, read_log

DEFAULT_LOG = Path(__file__).parents[2] / "shared" / "data" / "bpi2013-incidents.csv.gz"


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best wall and best CPU seconds of *repeats* runs of *fn*."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args()
    if not args.log.exists():
        print(f"no log at {args.log}; pass --log PATH", file=sys.stderr)
        return 1

    policy, mapping = bpi2013_policy(), bpi2013_mapping()

    def issues(passes: int = 1) -> Iterable[LoggedIssue]:
        if passes == 1:
            return read_log(args.log, mapping)  # an EventLog: the backtest gets its warnings
        return itertools.chain.from_iterable(read_log(args.log, mapping) for _ in range(passes))

    logged = list(issues())
    n_issues = len(logged)
    n_events = sum(len(i.events) for i in logged)
    del logged
    opener = gzip.open if args.log.name.endswith(".gz") else open
    with opener(args.log, "rt", encoding="utf-8", newline="") as file:
        rows = sum(1 for _ in csv.reader(file)) - 1

    def read_only() -> None:
        for _ in issues():
            pass

    def engine_floor() -> None:
        for one in issues():
            issue = one.issue()
            for event in one.events:
                issue = issue.with_event(event)
                policy.evaluate(issue, event.at)

    def full() -> None:
        backtest(policy, issues())

    metrics = backtest(policy, issues())
    results = [
        ("read the log", *timed(read_only, args.repeats)),
        ("engine floor (with_event + evaluate)", *timed(engine_floor, args.repeats)),
        ("backtest", *timed(full, args.repeats)),
    ]
    once = peak_mib(full)
    many = peak_mib(lambda: backtest(policy, issues(args.passes)))
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print(
        f"escalation_rules {version}, Python {platform.python_version()}, {platform.machine()}; "
        f"{args.log.name}: {n_issues:,} issues, {rows:,} rows, {n_events:,} events (rows that "
        f"change status, level or team, and creations); policy {policy.name!r}: "
        f"{metrics.overall.policy_actions:,} actions; best of {args.repeats}"
    )
    warnings = getattr(metrics, "warnings", ())  # none before 0.2: run against old trees too
    if warnings:
        unlisted = sum(w.rows for w in warnings)
        print(
            f"(the mapping lists {len(warnings)} of the log's statuses nowhere: "
            f"{unlisted:,} rows read as open, each counted)"
        )
    print()
    print(f"| {'run':<38} | {'wall s':>6} | {'CPU s':>6} | {'events/s':>9} | {'rows/s':>9} |")
    print(f"|{'-' * 40}|{'-' * 8}|{'-' * 8}|{'-' * 11}|{'-' * 11}|")
    for label, wall, cpu in results:
        print(
            f"| {label:<38} | {wall:>6.2f} | {cpu:>6.2f} | {n_events / wall:>9,.0f} "
            f"| {rows / wall:>9,.0f} |"
        )
    print()
    print(
        f"peak Python memory (tracemalloc) of the backtest: {once:.1f} MiB over the log once, "
        f"{many:.1f} MiB over it {args.passes} times in a row; process max RSS {maxrss:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
