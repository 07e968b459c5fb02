"""The backtest over the BPI 2013 log: speed on one core, at scale, and on many.

Run:  .venv/bin/python benchmarks/bench_backtest.py [--log PATH] [--repeats 3]
          [--scales 1,10,50] [--skip-dask]

Prints, in one run:

1. One core, on the log as it is: the backtest's wall and CPU time and events per second,
   side by side with two baselines measured in the same run: ``parse`` (decompress the
   gzipped CSV and split it into fields with ``csv.reader``, nothing else) and ``read``
   (`read_log`: rows grouped into issues and events, nothing replayed); and the ratio of
   the backtest to ``parse``. And a floor: ``read`` plus the policy's evaluations alone
   (every ``evaluate(issue, instant)`` call a backtest makes, recorded once and timed
   again with each issue's clocks already folded): no design that evaluates the policy
   after every batch of events can take less than that.
2. Scale: the log replicated 1, 10 and 50 times (each copy's issue ids suffixed, the copies
   one after another, gzipped, written in a temporary folder that is removed afterwards):
   the backtest's time and events per second at each, and its peak memory (the maximum
   resident set size of a fresh process that runs only that backtest).
3. Many cores: the speed-up at 1, 2 and N workers (N = the machine's cores) with
   ``backtest(..., workers=n)``, and on a Dask `LocalCluster` of 1, 2 and N worker
   processes (``backtest_on_dask``; the cluster is started before the clock starts):
   the first run's time (it also starts the forkserver the local workers fork from, or
   imports the library in each Dask worker) and the best of ``--repeats``, whose ratio
   to the one-process time is the speed-up. Every run's metrics must equal the
   one-process metrics. Beside them, the machine's own speed-up on a pure-Python loop
   split over n processes: the ceiling for CPU-bound Python work on this machine.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Final

from escalation_rules import __version__ as version
from escalation_rules._analysis.backtest import backtest
from escalation_rules._analysis.replay import Replayer
from escalation_rules._io.bpi2013 import bpi2013_mapping, bpi2013_policy
from escalation_rules._io.eventlog import read_log
from escalation_rules._model.actions import Decision
from escalation_rules._model.issue import Issue

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


def parse_only(path: Path) -> int:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as file:
        return sum(1 for _ in csv.reader(file)) - 1


def replicate(source: Path, times: int, target: Path) -> None:
    """*source* (a gzipped CSV whose first column is the issue id) *times* over."""
    with gzip.open(target, "wt", encoding="utf-8", newline="", compresslevel=1) as out:
        writer = csv.writer(out)
        for copy in range(times):  # streamed: this process stays small
            suffix = f"-{copy}" if copy else ""
            with gzip.open(source, "rt", encoding="utf-8", newline="") as file:
                rows = csv.reader(file)
                header = next(rows)
                if not copy:
                    writer.writerow(header)
                writer.writerows([f"{row[0]}{suffix}", *row[1:]] for row in rows)


# The child reports its peak resident set from /proc (VmHWM, Linux): `ru_maxrss` would carry
# the high-water mark of the parent it was forked from across exec.
_CHILD = """
import sys, time, resource
from escalation_rules._analysis.backtest import backtest
from escalation_rules._io.bpi2013 import bpi2013_mapping, bpi2013_policy
from escalation_rules._io.eventlog import read_log
start = time.perf_counter()
metrics = backtest(bpi2013_policy(), read_log(sys.argv[1], bpi2013_mapping()))
wall = time.perf_counter() - start
try:
    with open("/proc/self/status") as status:
        peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(wall, metrics.overall.events, metrics.overall.issues, peak)
"""


def at_scale(path: Path) -> tuple[float, int, int, float]:
    """Wall seconds, events, issues and peak memory (MiB) of a backtest in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), int(out[1]), int(out[2]), float(out[3])


def evaluations(log: Path) -> list[tuple[Issue, datetime]]:
    """Every ``(issue, instant)`` the backtest of the BPI policy evaluates, in order."""
    policy = bpi2013_policy()
    calls: list[tuple[Issue, datetime]] = []
    replayer = Replayer(policy)

    def evaluate(issue: Issue, now: datetime) -> Decision:
        calls.append((issue, now))
        return policy.evaluate(issue, now)

    replayer.evaluate = evaluate
    for logged in read_log(log, bpi2013_mapping()):
        replayer.run(logged, None)
    return calls


def one_core(log: Path, repeats: int) -> float:
    policy, mapping = bpi2013_policy(), bpi2013_mapping()
    metrics = backtest(policy, read_log(log, mapping))
    events = metrics.overall.events
    rows = parse_only(log)
    calls = evaluations(log)
    evaluate = policy.evaluate
    for issue, now in calls:  # each issue's clocks folded and kept on its history summary
        evaluate(issue, now)

    def floor() -> None:
        list(read_log(log, mapping))
        for issue, now in calls:
            evaluate(issue, now)

    results = [
        ("parse (gzip + csv.reader)", *timed(lambda: parse_only(log), repeats)),
        ("read (read_log)", *timed(lambda: list(read_log(log, mapping)), repeats)),
        (f"floor: read + {len(calls):,} evals", *timed(floor, repeats)),
        ("backtest", *timed(lambda: backtest(policy, read_log(log, mapping)), repeats)),
    ]
    print(
        f"escalation_rules {version}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores; {log.name}: "
        f"{metrics.overall.issues:,} issues, {rows:,} rows, {events:,} events; policy "
        f"{policy.name!r}: {metrics.overall.policy_actions:,} actions; best of {repeats}\n"
    )
    print("1. One core")
    print(f"| {'run':<28} | {'wall s':>6} | {'CPU s':>6} | {'events/s':>9} | {'vs parse':>8} |")
    print(f"|{'-' * 30}|{'-' * 8}|{'-' * 8}|{'-' * 11}|{'-' * 10}|")
    parse = results[0][1]
    for label, wall, cpu in results:
        print(
            f"| {label:<28} | {wall:>6.2f} | {cpu:>6.2f} | {events / wall:>9,.0f} "
            f"| {wall / parse:>7.1f}x |"
        )
    return results[3][1]


def scaled(log: Path, scales: list[int], folder: Path) -> None:
    print("\n2. Scale (each in a fresh process)")
    print(
        f"| {'log':<6} | {'issues':>9} | {'events':>10} | {'wall s':>7} | {'events/s':>9} "
        f"| {'peak RSS MiB':>12} | {'vs 1x':>6} |"
    )
    print(f"|{'-' * 8}|{'-' * 11}|{'-' * 12}|{'-' * 9}|{'-' * 11}|{'-' * 14}|{'-' * 8}|")
    first: float | None = None
    for times in scales:
        path = log if times == 1 else folder / f"bpi-{times}x.csv.gz"
        if times != 1:
            replicate(log, times, path)
        wall, events, issues, rss = at_scale(path)
        first = first or rss
        print(
            f"| {times:>4}x | {issues:>9,} | {events:>10,} | {wall:>7.1f} | "
            f"{events / wall:>9,.0f} | {rss:>12.1f} | {rss / first:>5.2f}x |"
        )
        if times != 1:
            path.unlink()


def spin(n: int) -> int:
    """A pure-Python loop of *n* steps: CPU work with nothing to share."""
    total = 0
    for i in range(n):
        total += i * i
    return total


_SPIN: Final = 10_000_000


def machine(n: int, repeats: int) -> None:
    """The machine's own speed-up: a pure-Python loop split over *n* processes (started
    before the clock) against the whole loop in this one; the ceiling for any CPU-bound
    Python work here, the backtest included."""
    one = timed(lambda: spin(_SPIN), repeats)[0]
    with multiprocessing.get_context("spawn").Pool(n) as pool:
        pool.map(spin, [1] * n)  # started and warm
        split = timed(lambda: pool.map(spin, [_SPIN // n] * n), repeats)[0]
    label = f"machine: a loop on {n}"
    print(f"| {label:<26} | {'':>7} | {split:>6.2f} | {one / split:>7.2f}x |")


def many_cores(log: Path, serial: float, skip_dask: bool, repeats: int) -> None:
    policy, mapping = bpi2013_policy(), bpi2013_mapping()
    expected = backtest(policy, read_log(log, mapping))
    cores = os.cpu_count() or 1
    counts = sorted({1, 2, cores})
    print(f"\n3. Many cores (speed-up against one process, {serial:.2f} s; best of {repeats})")
    print(f"| {'run':<26} | {'first s':>7} | {'best s':>6} | {'speed-up':>8} |")
    print(f"|{'-' * 28}|{'-' * 9}|{'-' * 8}|{'-' * 10}|")

    def row(label: str, run: Callable[[], object], what: str) -> None:
        walls = []
        for _ in range(repeats):
            start = time.perf_counter()
            got = run()
            walls.append(time.perf_counter() - start)
            assert got == expected, f"{what} gave other figures"
        best = min(walls)
        print(f"| {label:<26} | {walls[0]:>7.2f} | {best:>6.2f} | {serial / best:>7.2f}x |")

    for n in counts:
        machine(n, repeats)
    for n in counts:
        row(
            f"workers={n} (local)",
            lambda n=n: backtest(policy, read_log(log, mapping), workers=n),
            f"{n} workers",
        )
    if skip_dask:
        return
    try:
        import distributed
    except ImportError:
        print("(Dask: the dask extra is not installed)")
        return
    from escalation_rules.distributed import backtest_on_dask

    for n in counts:
        cluster = distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        with cluster, distributed.Client(cluster) as client:
            client.wait_for_workers(n)
            row(
                f"LocalCluster of {n}",
                lambda c=client: backtest_on_dask(policy, log, mapping, client=c),
                f"a LocalCluster of {n}",
            )
    print(
        "\n(first: the first run, which starts the forkserver the local workers fork from, "
        "or imports the library in each Dask worker; best: the best run, once they have; "
        "machine: the same pure-Python loop whole in one process and split over n, the "
        "ceiling this machine gives any CPU-bound Python work)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scales", default="1,10,50")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    if not args.log.exists():
        print(f"no log at {args.log}; pass --log PATH", file=sys.stderr)
        return 1
    serial = one_core(args.log, args.repeats)
    with tempfile.TemporaryDirectory(prefix="er-bench-backtest-") as folder:
        scaled(args.log, [int(s) for s in args.scales.split(",")], Path(folder))
    many_cores(args.log, serial, args.skip_dask, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
