"""A backtest on several local processes: the issues partitioned by a hash of their id.

A log read from a path is read again by each worker, which decodes and replays only the
issues whose id hashes to its number (CRC-32 of the id, the same in every process and every
run, unlike Python's `hash`): no issue is copied between processes. Other issues are read
here and sent, in batches, to the worker their id hashes to.
Each worker replays its issues under every policy and sends back one `Metrics` per
policy; the parts merge (`Metrics.merge`) into exactly what one process computes. The
queues are bounded, so memory holds a few batches per worker however long the log. A
worker that fails sends back the issue it failed on, and the run stops with a
`WorkerError` naming it.

Workers fork from a ``forkserver`` that has imported the library (where the platform has
one), or are started with ``spawn``: either is safe whatever threads this process runs.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._exceptions import EscalationRulesError, WorkerError
from .._io.partition import partition_of
from .metrics import Metrics, merge_metrics

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._engine.versions import PolicySet
    from .._io.logged_issue import LoggedIssue

#: Issues sent to a worker at a time.
BATCH: Final = 200

#: Batches waiting per worker: the bound on what the reader runs ahead.
QUEUED: Final = 4

#: What a worker runs, imported once in the server the workers fork from (each worker
#: importing it again took about 40 ms on a run of two).
_PRELOAD: Final = (
    "escalation_rules._analysis.parallel",
    "escalation_rules._analysis.variant",
    "escalation_rules._io.eventlog",
)

#: Seconds between checks that the workers are still alive while waiting on them.
_POLL: Final = 1.0


def run_parallel(
    policies: Sequence[Policy | PolicySet],
    issues: Iterable[LoggedIssue],
    keys: tuple[str, ...],
    workers: int,
    on_progress: Callable[[int], None] | None,
) -> list[Metrics]:
    """One `Metrics` per policy, from *workers* processes (see the module docstring)."""
    context = _context()
    messages: Any = context.Queue()
    reread = _log_path(issues)
    inboxes = [None if reread else context.Queue(maxsize=QUEUED) for _ in range(workers)]
    processes = [
        context.Process(
            target=work,
            args=(k, list(policies), keys, inboxes[k], messages, reread and (*reread, k, workers)),
            daemon=True,
        )
        for k in range(workers)
    ]
    for process in processes:
        process.start()
    results = _Results(messages, processes, on_progress)
    try:
        if not reread:
            _feed(issues, inboxes, results)
        while len(results.parts) < workers:
            results.take(_POLL)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
        for inbox in inboxes:
            if inbox is not None:  # what a failed run left unsent is dropped, not waited on
                inbox.cancel_join_thread()
    parts = [results.parts[k] for k in range(workers)]
    # (each worker that read a part of the log put that part's warnings in its Metrics)
    return [merge_metrics(part[i] for part in parts) for i in range(len(policies))]


def _context() -> Any:
    """``forkserver`` where there is one (Linux, macOS): workers fork from a server process
    that has imported the library once, so each starts in milliseconds and none inherits
    this process's threads; ``spawn`` elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(_PRELOAD))
        return context
    return multiprocessing.get_context("spawn")


def _log_path(issues: Iterable[LoggedIssue]) -> tuple[Any, ...] | None:
    """For a whole log `read_log` reads from a path (and has not begun reading): what a
    worker needs to read its own part of it again (`EventLog.reread`)."""
    from .._io.eventlog import EventLog

    return issues.reread() if isinstance(issues, EventLog) else None


class _Results:
    """What the workers send back, read as it comes: each one's `Metrics` when it is done,
    its progress (passed on to *on_progress*), and a failure, raised at once."""

    def __init__(
        self, messages: Any, processes: list[Any], on_progress: Callable[[int], None] | None
    ) -> None:
        self.messages, self.processes, self.on_progress = messages, processes, on_progress
        self.parts: dict[int, list[Metrics]] = {}
        self.done = 0

    def take(self, wait: float) -> None:
        """Read every message waiting (after waiting up to *wait* seconds for the first);
        raise a worker's failure, or an error for a worker that died without a word."""
        try:
            message = self.messages.get(timeout=wait) if wait else self.messages.get_nowait()
        except queue.Empty:
            self._check_alive()
            return
        while True:
            self._read(message)
            try:
                message = self.messages.get_nowait()
            except queue.Empty:
                return

    def _read(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "error":
            _raise(message)
        elif kind == "progress":
            self.done += message[2]
            if self.on_progress is not None:
                self.on_progress(self.done)
        else:
            self.parts[message[1]] = message[2]

    def _check_alive(self) -> None:
        for k, process in enumerate(self.processes):
            if process.exitcode not in (None, 0) and k not in self.parts:
                raise WorkerError(
                    f"backtest worker {k} stopped (exit code {process.exitcode}) without a "
                    "result; its issues were not replayed",
                    value=None,
                )


def _feed(issues: Iterable[LoggedIssue], inboxes: list[Any], results: _Results) -> None:
    """Send every issue to its worker, in batches, reading what the workers send back
    meanwhile (progress, a failure); then tell each worker the log ended."""
    batches: list[list[LoggedIssue]] = [[] for _ in inboxes]
    for logged in issues:
        k = partition_of(logged.id, len(inboxes))
        batch = batches[k]
        batch.append(logged)
        if len(batch) >= BATCH:
            _put(inboxes[k], batch, results)
            batches[k] = []
    for k, inbox in enumerate(inboxes):
        if batches[k]:
            _put(inbox, batches[k], results)
        _put(inbox, None, results)


def _put(inbox: Any, item: object, results: _Results) -> None:
    """Queue *item* for a worker; read what the workers sent back while it waits, and after."""
    while True:
        try:
            inbox.put(item, timeout=_POLL)
            break
        except queue.Full:
            results.take(0)
    results.take(0)


def _raise(message: tuple[Any, ...]) -> None:
    _, k, issue_id, error = message
    if issue_id is None and isinstance(error, BaseException):
        raise error  # the log could not be read: the reader's own error
    if issue_id is None:
        raise WorkerError(f"backtest worker {k} failed reading the log: {error}", value=None)
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
    reread: tuple[Any, ...] | None = None,
) -> None:
    """A worker's loop: replay the batches from *inbox* until the end (or, with *reread*,
    the worker's part of the log, read here), then send back one `Metrics` per policy to
    *results*; on a failure, send back the issue and the error."""
    from .._io.eventlog import read_log
    from .variant import Variant

    variants = [Variant(policy, keys) for policy in policies]
    log = None
    if reread:
        path, mapping, strict, check_grouped, part, parts = reread
        log = read_log(
            path, mapping, strict=strict, check_grouped=check_grouped, part=(part, parts)
        )
        batches: Iterable[Any] = _batches(log)
    else:
        batches = iter(inbox.get, None)
    try:
        for batch in batches:
            if not _replay_batch(k, variants, batch, results):
                return
            results.put(("progress", k, len(batch)))
    except Exception as exc:  # reading the log failed: the error as it is
        results.put(("error", k, None, _picklable(exc)))
        return
    metrics = [variant.metrics() for variant in variants]
    if log is not None:
        metrics = [attrs.evolve(m, warnings=log.warnings) for m in metrics]
    results.put(("done", k, metrics))


def _batches(issues: Iterable[LoggedIssue]) -> Iterator[list[LoggedIssue]]:
    batch: list[LoggedIssue] = []
    for logged in issues:
        batch.append(logged)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _replay_batch(k: int, variants: list[Any], batch: list[LoggedIssue], results: Any) -> bool:
    """Replay *batch* under every variant; on a failure, report the issue and say so."""
    for logged in batch:
        try:
            for variant in variants:
                variant.add(logged)
        except Exception as exc:  # reported to the parent, which raises it
            results.put(("error", k, logged.id, _picklable(exc)))
            return False
    return True


def _picklable(exc: Exception) -> Exception | str:
    """*exc* itself if it pickles (the library's errors do), else its text."""
    import pickle

    try:
        pickle.dumps(exc)
    except Exception:
        return f"{type(exc).__name__}: {exc}"
    return exc
