"""A backtest on several local processes: the issues partitioned by a hash of their id.

This process reads the log and sends each issue, in batches, to the worker its id hashes
to (CRC-32 of the id, the same in every process and every run, unlike Python's `hash`).
Each worker replays its issues under every policy and sends back one `Metrics` per
policy; the parts merge (`Metrics.merge`) into exactly what one process computes. The
queues are bounded, so memory holds a few batches per worker however long the log. A
worker that fails sends back the issue it failed on, and the run stops with a
`WorkerError` naming it.

Workers are started with ``spawn`` (a fresh interpreter that imports the library), which
is safe whatever threads this process runs, and the same on every platform.
"""

from __future__ import annotations

import multiprocessing
import queue
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from .._exceptions import EscalationRulesError, WorkerError
from .metrics import Metrics, merge_metrics

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._engine.versions import PolicySet
    from .._io.logged_issue import LoggedIssue

#: Issues sent to a worker at a time.
BATCH: Final = 200

#: Batches waiting per worker: the bound on what the reader runs ahead.
QUEUED: Final = 4

#: Seconds between checks that the workers are still alive while waiting on them.
_POLL: Final = 1.0


def partition_of(issue_id: str, parts: int) -> int:
    """The part (0 to *parts* - 1) an issue goes to: a stable hash of its id."""
    return zlib.crc32(issue_id.encode("utf-8", "surrogatepass")) % parts


def run_parallel(
    policies: Sequence[Policy | PolicySet],
    issues: Iterable[LoggedIssue],
    keys: tuple[str, ...],
    workers: int,
    on_progress: Callable[[int], None] | None,
) -> list[Metrics]:
    """One `Metrics` per policy, from *workers* processes (see the module docstring)."""
    context = multiprocessing.get_context("spawn")
    results: Any = context.Queue()
    inboxes = [context.Queue(maxsize=QUEUED) for _ in range(workers)]
    processes = [
        context.Process(
            target=work, args=(k, list(policies), keys, inboxes[k], results), daemon=True
        )
        for k in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        _feed(issues, inboxes, processes, results, on_progress)
        parts = _collect(workers, processes, results, on_progress)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
    return [merge_metrics(part[i] for part in parts) for i in range(len(policies))]


def _feed(
    issues: Iterable[LoggedIssue],
    inboxes: list[Any],
    processes: list[Any],
    results: Any,
    on_progress: Callable[[int], None] | None,
) -> None:
    """Send every issue to its worker, in batches; then tell each worker the log ended."""
    batches: list[list[LoggedIssue]] = [[] for _ in inboxes]
    for logged in issues:
        k = partition_of(logged.id, len(inboxes))
        batch = batches[k]
        batch.append(logged)
        if len(batch) >= BATCH:
            _put(inboxes[k], batch, processes, results)
            batches[k] = []
    for k, inbox in enumerate(inboxes):
        if batches[k]:
            _put(inbox, batches[k], processes, results)
        _put(inbox, None, processes, results)


def _put(inbox: Any, item: object, processes: list[Any], results: Any) -> None:
    """Queue *item* for a worker, checking meanwhile that no worker has failed."""
    while True:
        try:
            inbox.put(item, timeout=_POLL)
            return
        except queue.Full:
            _check(processes, results)


def _check(processes: list[Any], results: Any) -> None:
    """Raise the failure a worker reported, or an error if one died without a word."""
    try:
        message = results.get_nowait()
    except queue.Empty:
        message = None
    if message is not None:
        if message[0] == "error":
            _raise(message)
        results.put(message)  # not a failure: leave it for `_collect`
    for k, process in enumerate(processes):
        if process.exitcode not in (None, 0):
            raise WorkerError(
                f"backtest worker {k} stopped (exit code {process.exitcode}) without a "
                "result; its issues were not replayed",
                value=None,
            )


def _collect(
    workers: int,
    processes: list[Any],
    results: Any,
    on_progress: Callable[[int], None] | None,
) -> list[list[Metrics]]:
    """The Metrics each worker sends back, in worker order; progress as it comes."""
    parts: dict[int, list[Metrics]] = {}
    done = 0
    while len(parts) < workers:
        try:
            message = results.get(timeout=_POLL)
        except queue.Empty:
            _check(processes, results)
            continue
        kind = message[0]
        if kind == "error":
            _raise(message)
        elif kind == "progress":
            done += message[2]
            if on_progress is not None:
                on_progress(done)
        else:
            parts[message[1]] = message[2]
    return [parts[k] for k in range(workers)]


def _raise(message: tuple[Any, ...]) -> None:
    _, k, issue_id, error = message
    if isinstance(error, EscalationRulesError):
        raise WorkerError(
            f"backtest worker {k} failed on issue {issue_id!r}: {error}", value=issue_id
        ) from error
    raise WorkerError(f"backtest worker {k} failed on issue {issue_id!r}: {error}", value=issue_id)


def work(
    k: int,
    policies: list[Policy | PolicySet],
    keys: tuple[str, ...],
    inbox: Any,
    results: Any,
) -> None:
    """A worker's loop: replay the batches from *inbox* until the end, then send back one
    `Metrics` per policy to *results*; on a failure, send back the issue and the error."""
    from .variant import Variant

    variants = [Variant(policy, keys) for policy in policies]
    while True:
        batch = inbox.get()
        if batch is None:
            break
        for logged in batch:
            try:
                for variant in variants:
                    variant.add(logged)
            except Exception as exc:  # reported to the parent, which raises it
                results.put(("error", k, logged.id, _picklable(exc)))
                return
        results.put(("progress", k, len(batch)))
    results.put(("done", k, [variant.metrics() for variant in variants]))


def _picklable(exc: Exception) -> Exception | str:
    """*exc* itself if it pickles (the library's errors do), else its text."""
    import pickle

    try:
        pickle.dumps(exc)
    except Exception:
        return f"{type(exc).__name__}: {exc}"
    return exc
