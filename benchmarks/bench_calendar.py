"""Microseconds per business-time call: BusinessCalendar next to businesstimedelta.

Run:  .venv/bin/python benchmarks/bench_calendar.py [--number 20000] [--repeats 7] [--timer cpu]
      (businesstimedelta comes with ``pip install -e '.[bench]'``)

Both libraries get the same calendar: Monday to Friday 09:00-17:00 in Europe/Berlin, with
five fixed holidays a year for 2024-2032. The cases: adding 8 business hours, adding
10,000 business hours (about five years), and the business time between two instants a
month apart. Before timing, the two libraries are checked to agree on the timed inputs
and on a sweep of other starts.

The timed loops run with warm caches: a BusinessCalendar lists a block of open intervals
the first time a call needs it (a week while the calendar is new, 52 weeks once it has
listed a dozen) and keeps the last 32 it listed (and the totals of blocks it only counted).
That first-call cost is measured separately, on fresh instances, and printed too.
businesstimedelta keeps no cache; it walks working day by working day.

Cold start: a host with a calendar per customer builds calendars often. Each iteration
builds a new, distinct calendar (its closing minute and name change, so that nothing one
iteration computed could help the next) and adds 8 business hours once; the same is timed
with the strategy before short blocks (the first call lists 52 weeks), next to a
hand-written wall-clock add as a baseline of the machine's speed.

Long spans come last, each on fresh calendars next to a one-year span of the same calendar
measured in the same run: an issue created in year 1, two thousand years of a zone that
changes its clocks twice a year, the densest calendar allowed (96 intervals a day; 720 are
refused), and a zone without changes; ``between`` over the span, and ``add`` of its
business time. For each: the time of the call, the peak memory it
allocates (``tracemalloc``, in a separate call, since tracing slows allocation) and what the
calendar keeps afterwards, with their ratios to the one-year span.

``--timer wall`` (the default) times with ``time.perf_counter``; on a shared machine other
processes inflate it, so ``--timer cpu`` times the CPU this process uses
(``time.process_time``) instead. The header prints the timer and the load average.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from importlib import metadata
from typing import Any
from zoneinfo import ZoneInfo

from escalation_rules import __version__ as version
from escalation_rules._exceptions import CalendarError
from escalation_rules._time.calendar import BusinessCalendar

TZ = "Europe/Berlin"
ZONE = ZoneInfo(TZ)
HOLIDAYS = sorted(
    date(year, month, day)
    for year in range(2024, 2033)
    for month, day in ((1, 1), (5, 1), (10, 3), (12, 25), (12, 26))
)
START = datetime(2025, 3, 4, 10, 30, tzinfo=ZONE)  # a Tuesday morning
MONTH_LATER = datetime(2025, 4, 4, 10, 30, tzinfo=ZONE)  # across the spring DST change
EIGHT, TEN_THOUSAND = timedelta(hours=8), timedelta(hours=10_000)


def make_calendar() -> BusinessCalendar:
    return BusinessCalendar(TZ, {"mon-fri": [("09:00", "17:00")]}, holidays=HOLIDAYS)


def make_rules() -> Any:
    """The same calendar in businesstimedelta, or None if it is not installed."""
    try:
        import businesstimedelta as btd
        import pytz
    except ImportError:
        return None
    zone = pytz.timezone(TZ)
    work = btd.WorkDayRule(
        start_time=wall_time(9),
        end_time=wall_time(17),
        working_days=[0, 1, 2, 3, 4],
        tz=zone,
    )
    return btd.Rules([work, btd.HolidayRule(set(HOLIDAYS), tz=zone)])


clock: Callable[[], float] = time.perf_counter  # --timer cpu: time.process_time


def per_call_us(fn: Callable[[], object], number: int, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        start = clock()
        for _ in range(number):
            fn()
        timings.append((clock() - start) / number * 1e6)
    return statistics.median(timings)


def calls_for(fn: Callable[[], object], number: int, budget: float = 0.2) -> int:
    """At most *number* calls, fewer if that would take longer than *budget* seconds."""
    start = clock()
    fn()
    once = clock() - start
    return max(3, min(number, int(budget / max(once, 1e-9))))


def cold_us(fn: Callable[[BusinessCalendar], object], repeats: int) -> float:
    """Median microseconds of *fn*'s first call on a fresh calendar (empty block cache)."""
    timings = []
    for _ in range(max(repeats, 15)):
        cal = make_calendar()
        start = clock()
        fn(cal)
        timings.append((clock() - start) * 1e6)
    return statistics.median(timings)


def utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def check_agreement(cal: BusinessCalendar, rules: Any) -> tuple[bool, str]:
    """Do both libraries give the same instants and durations? Returns (ok, summary)."""
    import businesstimedelta as btd

    def theirs_add(t: datetime, d: timedelta) -> datetime:
        result: datetime = utc(t) + btd.BusinessTimeDelta(rules, timedelta=d)
        return result

    def theirs_between(a: datetime, b: datetime) -> timedelta:
        delta: timedelta = rules.difference(utc(a), utc(b)).timedelta
        return delta

    # The timed inputs first, then starts every 7 h 15 min over five weeks (open and
    # closed, weekends, a holiday, the DST change).
    starts = [START] + [
        datetime(2025, 3, 3, tzinfo=UTC) + timedelta(minutes=435 * i) for i in range(116)
    ]
    checked = 0
    for i, t in enumerate(starts):
        durations = (EIGHT, TEN_THOUSAND) if i == 0 or i % 23 == 0 else (EIGHT,)
        for d in durations:
            ours, theirs = utc(cal.add(t, d)), utc(theirs_add(t, d))
            if ours != theirs:
                return False, f"add({t.isoformat()}, {d}): {ours} here, {theirs} there"
            checked += 1
        b = t + timedelta(days=31)
        ours_d, theirs_d = cal.between(t, b), theirs_between(t, b)
        if ours_d != theirs_d:
            return False, f"between({t.isoformat()}, {b.isoformat()}): {ours_d} vs {theirs_d}"
        checked += 1
    return True, f"identical results on the 3 timed inputs and {checked - 3} more calls"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--timer", choices=("wall", "cpu"), default="wall")
    args = parser.parse_args()
    global clock
    clock = time.process_time if args.timer == "cpu" else time.perf_counter

    cal, rules = make_calendar(), make_rules()
    cases: list[tuple[str, Callable[[], object], Callable[[], object] | None]] = [
        ("add 8 business hours", lambda: cal.add(START, EIGHT), None),
        ("add 10,000 business hours", lambda: cal.add(START, TEN_THOUSAND), None),
        ("between, a month apart", lambda: cal.between(START, MONTH_LATER), None),
    ]
    if rules is not None:
        import businesstimedelta as btd

        start_utc, later_utc = utc(START), utc(MONTH_LATER)
        eight = btd.BusinessTimeDelta(rules, timedelta=EIGHT)
        ten_thousand = btd.BusinessTimeDelta(rules, timedelta=TEN_THOUSAND)
        theirs = [
            lambda: start_utc + eight,
            lambda: start_utc + ten_thousand,
            lambda: rules.difference(start_utc, later_utc),
        ]
        cases = [
            (label, ours, other) for (label, ours, _), other in zip(cases, theirs, strict=True)
        ]
        ok, summary = check_agreement(cal, rules)
        if not ok:
            print(f"disagreement: {summary}", file=sys.stderr)
            return 1
    else:
        summary = "businesstimedelta is not installed (pip install -e '.[bench]'): ours only"

    rows = []
    for label, ours, other in cases:
        ours()  # warm the block cache
        lib = per_call_us(ours, args.number, args.repeats)
        base = None
        calls = 0
        if other is not None:
            calls = calls_for(other, args.number)
            base = per_call_us(other, calls, args.repeats)
        rows.append((label, lib, base, calls))

    def blocks(call: Callable[[BusinessCalendar], object]) -> int:
        fresh = make_calendar()
        call(fresh)
        return len(fresh._index.blocks)

    cold = []
    for label, call in (
        ("first add 8 h", lambda c: c.add(START, EIGHT)),
        ("first add 10,000 h", lambda c: c.add(START, TEN_THOUSAND)),
        ("first between, a month", lambda c: c.between(START, MONTH_LATER)),
    ):
        built = blocks(call)
        cold.append(
            (f"{label} ({built} block{'s' * (built != 1)} built)", cold_us(call, args.repeats))
        )
    cold.insert(0, ("building the calendar itself", build_us()))

    btd_version = "not installed"
    if rules is not None:
        btd_version = metadata.version("businesstimedelta")
    print(
        f"escalation_rules {version}, businesstimedelta {btd_version}, Python "
        f"{platform.python_version()}, {platform.machine()}; Mon-Fri 09:00-17:00 {TZ}, "
        f"{len(HOLIDAYS)} holidays; median of {args.repeats} repeats, warm caches; "
        f"{args.timer} time, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"agreement: {summary}")
    print()
    print(
        f"| {'case':<26} | {'escalation_rules us':>19} | {'businesstimedelta us':>20} | "
        f"{'ratio':>7} |"
    )
    print(f"|{'-' * 28}|{'-' * 21}|{'-' * 22}|{'-' * 9}|")
    for label, lib, base, _ in rows:
        base_text = f"{base:>20.1f}" if base is not None else f"{'n/a':>20}"
        ratio = f"{base / lib:>6.0f}x" if base is not None else f"{'n/a':>7}"
        print(f"| {label:<26} | {lib:>19.2f} | {base_text} | {ratio} |")
    print()
    counts = ", ".join(f"{label}: {n}" for label, _, base, n in rows if base is not None)
    print(f"Calls per repeat: {args.number} for escalation_rules; businesstimedelta {counts}.")
    print()
    print("Cold costs of escalation_rules (fresh instance, empty block cache; median):")
    print()
    print(f"| {'first call':<40} | {'us':>8} |")
    print(f"|{'-' * 42}|{'-' * 10}|")
    for label, us in cold:
        print(f"| {label:<40} | {us:>8.0f} |")
    print()
    add8, add10k = rows[0][1], rows[1][1]
    aims = [
        ("at most 5 us per add", max(add8, add10k) <= 5.0),
        ("10,000 h add within 2x of the 8 h add", add10k <= 2 * add8),
    ]
    if all(base is not None for _, _, base, _ in rows):
        slowest = min(base / lib for _, lib, base, _ in rows if base is not None)
        aims.append(
            (f"at least 10x faster than businesstimedelta (least: {slowest:.0f}x)", slowest >= 10)
        )
    starts = print_cold_start(args.repeats)
    aims.append(("a new calendar plus one add in at most 50 us", starts <= 50.0))
    for text, met in aims:
        print(f"aim: {text}: {'met' if met else 'MISSED'}")
    print()
    print_long_spans(args.repeats)
    return 0


def distinct_calendar(i: int) -> BusinessCalendar:
    """Calendar number *i*: the benchmark's, closing at 17:00 plus *i* % 60 minutes, named."""
    return BusinessCalendar(
        TZ, {"mon-fri": [("09:00", f"17:{i % 60:02d}")]}, holidays=HOLIDAYS, name=f"customer-{i}"
    )


def long_blocks_first(cal: BusinessCalendar) -> BusinessCalendar:
    """*cal*, made to list 52-week blocks from its first call (the strategy before)."""
    object.__setattr__(cal, "_index", cal._index.grown())
    return cal


def per_iteration_us(step: Callable[[int], object], iterations: int, repeats: int) -> float:
    """Median over *repeats* of the mean microseconds of ``step(i)`` for *iterations* i."""
    timings = []
    offset = 0
    for _ in range(repeats):
        begin = clock()
        for i in range(offset, offset + iterations):
            step(i)
        timings.append((clock() - begin) / iterations * 1e6)
        offset += iterations
    return statistics.median(timings)


def print_cold_start(repeats: int) -> float:
    """Print the cold-start table; return the microseconds of a new calendar plus one add."""
    start_utc = utc(START)
    cases: list[tuple[str, Callable[[int], object], int]] = [
        ("new calendar, no call", distinct_calendar, 2000),
        (
            "new calendar + add 8 h (short blocks first)",
            lambda i: distinct_calendar(i).add(START, EIGHT),
            2000,
        ),
        (
            "new calendar + add 8 h (52 weeks first, before)",
            lambda i: long_blocks_first(distinct_calendar(i)).add(START, EIGHT),
            200,
        ),
        (
            "baseline: wall-clock add, by hand",
            lambda i: (start_utc + EIGHT).astimezone(ZONE),
            20000,
        ),
    ]
    rows = [(label, per_iteration_us(step, n, repeats)) for label, step, n in cases]
    print("Cold start: a new, distinct calendar each iteration (mean per iteration, median of")
    print(f"{repeats} repeats):")
    print()
    print(f"| {'case':<48} | {'us':>8} |")
    print(f"|{'-' * 50}|{'-' * 10}|")
    for label, us in rows:
        print(f"| {label:<48} | {us:>8.1f} |")
    print()
    return rows[1][1]


def build_us(samples: int = 200) -> float:
    """Median microseconds to build the calendar (validation and lookup tables)."""
    timings = []
    for _ in range(samples):
        start = clock()
        make_calendar()
        timings.append((clock() - start) * 1e6)
    return statistics.median(timings)


def dense_hours(per_day: int) -> dict[str, list[tuple[str, str]]]:
    """*per_day* intervals every day, each open for the first half of its slot."""
    step = 1440 // per_day

    def hhmm(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"

    return {"mon-sun": [(hhmm(m), hhmm(m + step // 2)) for m in range(0, 1440, step)]}


def long_span_cases() -> list[tuple[str, Callable[[], BusinessCalendar], datetime, int]]:
    """(label, a calendar maker, the start, years spanned); the first of each group of
    equal labels spans one year, the baseline of the others. A label starting with "add"
    adds the business time of the span instead of measuring it."""
    office = make_calendar
    dense = dense_hours(96)
    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    year_one = datetime(1, 1, 10, 10, tzinfo=UTC)
    return [
        ("office, Berlin", office, now - timedelta(days=365), 1),
        ("office, Berlin", office, year_one, 2025),
        ("office, Berlin", office, now, 2000),
        ("add: office, Berlin", office, now - timedelta(days=365), 1),
        ("add: office, Berlin", office, year_one, 2025),
        ("add: office, Berlin", office, now, 2000),
        ("96 a day, Berlin", lambda: BusinessCalendar(TZ, dense), now, 1),
        ("96 a day, Berlin", lambda: BusinessCalendar(TZ, dense), now, 2000),
        ("add: 96 a day, Berlin", lambda: BusinessCalendar(TZ, dense), now, 1),
        ("add: 96 a day, Berlin", lambda: BusinessCalendar(TZ, dense), now, 2000),
        ("office, UTC", lambda: BusinessCalendar("UTC", OFFICE), now, 1),
        ("office, UTC", lambda: BusinessCalendar("UTC", OFFICE), now, 2000),
    ]


OFFICE = {"mon-fri": [("09:00", "17:00")]}


def cache_bytes(cal: BusinessCalendar) -> int:
    """What a calendar keeps: its listed blocks, block totals and counted stretches."""
    index = cal._index
    size = sys.getsizeof(index.totals) + sys.getsizeof(index.arounds)
    size += sum(sys.getsizeof(v) for v in (*index.totals.values(), *index.arounds.values()))
    for block in index.blocks.values():
        size += sum(sys.getsizeof(part) for part in block[:3])
        size += sum(sys.getsizeof(x) for part in block[:3] for x in part)
    return size + sys.getsizeof(index.blocks)


def measure_span(
    label: str, make: Callable[[], BusinessCalendar], start: datetime, years: int, repeats: int
) -> tuple[float, int, int]:
    """Median ms of ``between`` (or ``add``) over *years* on fresh calendars, its peak
    allocation and the bytes the calendar keeps afterwards."""
    end = start.replace(year=start.year + years)
    business = make().between(start, end)  # also the first use: the zone's changes read

    def call(cal: BusinessCalendar) -> object:
        return cal.add(start, business) if label.startswith("add") else cal.between(start, end)

    timings = []
    for _ in range(max(3, repeats // 2)):
        cal = make()
        begin = clock()
        call(cal)
        timings.append((clock() - begin) * 1e3)
    cal = make()
    tracemalloc.start()
    call(cal)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(timings), peak, cache_bytes(cal)


def print_long_spans(repeats: int) -> None:
    try:
        BusinessCalendar(TZ, dense_hours(720))
        refused = "accepted (no limit on intervals a day)"
    except CalendarError as err:
        refused = f"refused: {err}"
    print(f"Long spans, fresh calendars, median of {max(3, repeats // 2)}; 720 a day: {refused}")
    if not hasattr(make_calendar(), "_index"):
        print("(skipped: this tree lists every block and keeps them all; 2,000 years would take")
        print("minutes and gigabytes)")
        return
    print()
    print(
        f"| {'between (or add) over the span':<32} | {'years':>5} | {'ms':>8} | {'x 1 yr':>6} | "
        f"{'peak KiB':>8} | {'x 1 yr':>6} | {'kept KiB':>8} |"
    )
    print(f"|{'-' * 34}|{'-' * 7}|{'-' * 10}|{'-' * 8}|{'-' * 10}|{'-' * 8}|{'-' * 10}|")
    base: tuple[float, int] = (1.0, 1)
    for label, make, start, years in long_span_cases():
        ms, peak, kept = measure_span(label, make, start, years, repeats)
        if years == 1:
            base = (ms, peak)
        case = f"{label}, from {start.year}"
        print(
            f"| {case:<32} | {years:>5} | {ms:>8.2f} | {ms / base[0]:>6.1f} | "
            f"{peak / 1024:>8.0f} | {peak / base[1]:>6.1f} | {kept / 1024:>8.0f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
