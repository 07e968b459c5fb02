"""A backtest on Dask: each partition of issues replayed where it lies, the parts merged.

The source is partitioned by issue (every issue's rows in one partition) and each
partition is read and replayed on a worker; only the partial `Metrics` travel back, and
they merge (`Metrics.merge`) into exactly the figures of one process. Sources:

* a list of paths of event logs, one partition each (say a log split by issue ranges, or a
  month per file, each issue in one file): each is read on a worker with `read_log`, so a
  log too big for one machine is never in one place;
* a Dask bag of `LoggedIssue`;
* a Dask dataframe of log rows whose partitions each hold whole issues, rows in log
  order (``dd.read_csv(files, blocksize=None)`` for one partition per file): each
  partition is read with the mapping as a file would be;
* a single path: read again on each worker, which keeps the issues whose id hashes to
  its part (as `backtest(..., workers=N)` does).

Dask runs on the ``distributed.Client`` passed in, or on a `LocalCluster` of processes
started (and closed) for the run. A worker that fails raises `WorkerError` naming the issue.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Sequence
from os import PathLike, fspath
from typing import TYPE_CHECKING, Any

import attrs

from .._exceptions import PolicyError, WorkerError
from .._extras import needs
from .._io.eventlog import read_log, read_rows
from .._io.parquet_rows import cell_text
from .backtest import check_keys
from .metrics import Metrics, merge_metrics
from .variant import Variant

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._engine.versions import PolicySet
    from .._io.logmapping import LogMapping


def backtest_on_dask(
    policy: Policy | PolicySet,
    source: Any,
    mapping: LogMapping | None = None,
    *,
    client: Any = None,
    by: Sequence[str] = (),
    workers: int = 2,
    strict: bool = False,
) -> Metrics:
    """`backtest` of *policy* over *source* on Dask (see the module docstring).

    Args:
        policy: the policy, or a `PolicySet`.
        source: a list of log paths, a Dask bag of `LoggedIssue`, a Dask dataframe of
            log rows partitioned by issue, or one log path.
        mapping: the `LogMapping` of the logs (not needed for a bag).
        client: a ``distributed.Client``; by default a `LocalCluster` of *workers*
            processes is started for the run and closed after it.
        by: more keys to group by, as `backtest`'s.
        workers: the processes of the default cluster.
        strict: read the logs as ``read_log(..., strict=True)`` does: refuse a value the
            mapping does not know instead of counting it and warning.

    Raises:
        PolicyError: the ``dask`` extra is not installed, or the source or mapping is not
            one of those.
        WorkerError: a worker failed on an issue (it names the issue).
    """
    return backtest_many_on_dask(
        [policy], source, mapping, client=client, by=by, workers=workers, strict=strict
    )[0]


def backtest_many_on_dask(
    policies: Sequence[Policy | PolicySet],
    source: Any,
    mapping: LogMapping | None = None,
    *,
    client: Any = None,
    by: Sequence[str] = (),
    workers: int = 2,
    strict: bool = False,
) -> list[Metrics]:
    """`backtest_on_dask` of each of *policies*, reading each partition once: what
    `backtest_many` does in one process. One `Metrics` per policy, in their order."""
    db, dd = _dask()
    keys = check_keys(by, ())
    policies = list(policies)
    if client is None:
        dist: Any = importlib.import_module("distributed")  # untyped: used as Any
        cluster = dist.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)
        with cluster, dist.Client(cluster) as own:
            return _run(policies, source, (mapping, strict), own, keys, db, dd, workers)
    return _run(policies, source, (mapping, strict), client, keys, db, dd, workers)


def _run(
    policies: list[Policy | PolicySet],
    source: Any,
    reading: tuple[LogMapping | None, bool],
    client: Any,
    keys: tuple[str, ...],
    db: Any,
    dd: Any,
    workers: int,
) -> list[Metrics]:
    """*reading*: the log mapping, and whether to read strictly."""
    threads = sum(client.nthreads().values()) or workers
    bag = _bag(source, reading, db, dd, threads)
    parts = bag.map_partitions(_replay_partition, policies, keys)
    partials = client.compute(parts.to_delayed(), sync=True)
    results = [part[0] for part in partials if part]
    if not results:  # no issue: the figures of none, as `backtest` gives them
        return [Variant(policy, keys).metrics() for policy in policies]
    return [merge_metrics(part[i] for part in results) for i in range(len(policies))]


def _bag(
    source: Any, reading: tuple[LogMapping | None, bool], db: Any, dd: Any, workers: int
) -> Any:
    """The source as a Dask bag whose partitions are read on the workers and replayed."""
    if isinstance(source, db.Bag):
        return source
    mapping, strict = reading
    if isinstance(source, dd.DataFrame):
        mapping = _needs(mapping, "a Dask dataframe")
        parts = [
            _frame_part(part, mapping, n, strict) for n, part in enumerate(source.to_delayed())
        ]
        return db.from_delayed(parts)
    if isinstance(source, str | PathLike):  # one file: a part per worker, by issue id
        reads: list[tuple[str, tuple[int, int] | None]] = [
            (fspath(source), (k, workers)) for k in range(workers)
        ]
    elif (
        isinstance(source, list | tuple)
        and source
        and all(isinstance(p, str | PathLike) for p in source)
    ):  # a file per partition, read whole
        reads = [(fspath(p), None) for p in source]
    else:
        raise PolicyError(
            "a Dask backtest reads a list of log paths, a Dask bag of LoggedIssue, a Dask "
            f"dataframe of log rows or one log path, got {type(source).__name__}",
            value=type(source).__name__,
        )
    bag = db.from_sequence(reads, npartitions=len(reads))
    return bag.map_partitions(_read, _needs(mapping, "a log path"), strict)


def _needs(mapping: LogMapping | None, what: str) -> LogMapping:
    if mapping is None:
        raise PolicyError(f"reading {what} needs the log mapping", value=None)
    return mapping


@attrs.frozen
class _Warned:
    """A marker in a partition: merge these warnings into its metrics."""

    warnings: tuple[Any, ...]


def _read(
    reads: Iterable[tuple[str, tuple[int, int] | None]], mapping: LogMapping, strict: bool
) -> Iterator[Any]:
    """A partition of (path, part) pairs, read on the worker: the issues of each (of that
    part of it, a hash of their id, when a part is given), then its warnings. Streamed to
    `_replay_partition` (the two are one task), so a worker holds one issue at a time."""
    for path, part in reads:
        log = read_log(path, mapping, part=part, strict=strict)
        yield from log
        yield _Warned(log.warnings)


def _frame_part(part: Any, mapping: LogMapping, number: int, strict: bool) -> Any:
    from dask.delayed import delayed

    return delayed(_frame_issues)(part, mapping, number, strict)


def _frame_issues(frame: Any, mapping: LogMapping, number: int, strict: bool) -> list[Any]:
    """A dataframe partition's rows read as a log: its issues, then its warnings."""
    columns = mapping.columns()
    missing = [c for c in columns.values() if c not in frame.columns]
    if missing:
        raise PolicyError(
            f"the dataframe lacks the mapped columns {missing}; its columns are "
            f"{list(frame.columns)}",
            value=missing,
        )
    keys = mapping.row_keys()
    values = [
        [cell_text(v) for v in frame[columns[key]].tolist()] if key in columns else None
        for key in keys
    ]
    empty = [""] * len(frame)
    rows = (
        (line, *row) for line, row in enumerate(zip(*(v or empty for v in values), strict=True), 2)
    )
    log = read_rows(rows, mapping, name=f"partition {number}", strict=strict)
    return [*log, _Warned(log.warnings)]


def _replay_partition(
    items: Iterable[Any], policies: list[Policy | PolicySet], keys: tuple[str, ...]
) -> list[list[Metrics]]:
    """Replay a partition's issues under every policy: one list of Metrics per policy (in
    a one-element list: a bag partition is a list)."""
    variants = [Variant(policy, keys) for policy in policies]
    warnings: list[Any] = []
    count = 0
    for item in items:
        if isinstance(item, _Warned):
            warnings.extend(item.warnings)
            continue
        count += 1
        try:
            for variant in variants:
                variant.add(item)
        except Exception as exc:
            raise WorkerError(
                f"a Dask worker failed on issue {item.id!r}: {exc}", value=item.id
            ) from exc
    if not count and not warnings:
        return []
    metrics = [variant.metrics() for variant in variants]
    if warnings:
        metrics = [attrs.evolve(m, warnings=tuple(warnings)) for m in metrics]
    return [metrics]


def _dask() -> tuple[Any, Any]:
    try:
        import dask.bag as db
        import dask.dataframe as dd
        import distributed  # noqa: F401  (the scheduler the run needs)
    except ImportError:
        raise PolicyError(
            needs("a Dask backtest", "dask and distributed", "dask"),
            value=None,
        ) from None
    return db, dd
