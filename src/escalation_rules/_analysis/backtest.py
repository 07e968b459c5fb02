"""Replay and backtest: what a policy would have done to real issues, and how that compares.

`replay` feeds one issue's real events to a policy in time order. It evaluates after each
event and at each ``next_evaluation_at`` in between (jumping from one to the next, never
stepping through time), and collects the actions the policy decides as a timeline, side by
side with the real events. Events at the same instant (one row of a log) are applied
together and evaluated once; a ``next_evaluation_at`` that falls exactly on an event's
instant is evaluated before the event is applied.

The real history drives the issue: its level, status and team change as they really did. The
policy's actions are recorded in the issue's history as ``ACTION_TAKEN`` events *without* a
level or team, so the policy does not decide them again, but they do not move the issue
either. So the policy can only escalate an issue from the level where it really was.

To say how much *later* than the real escalation the policy would have escalated (it cannot
in the replay itself, as the real escalation comes first and the engine never escalates to
the level the issue is already at), `replay` asks a what-if question at each real escalation
the policy had not made yet: starting from the issue just before that event, with the
policy's own earlier escalations applied and no new event arriving, when would the policy
have escalated it that far? The answer is ``None`` when it never would have (for example
because the issue was waiting on the customer and the policy's clock was paused).

`backtest` streams many issues through `replay` and aggregates `Metrics`, overall, per
priority and per category (and per any mapped key it is asked to group by), without keeping
any issue once it is counted.

Given a `PolicySet` instead of a policy, both replay each issue with the version in force at
its creation: what a host that pins each issue to that version (``move="never"``) did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Final

import attrs

from .._engine.versions import PolicySet
from .._exceptions import PolicyError
from .._io.eventlog import EventLog
from .._io.logged_issue import VALUE_KEYS
from .._io.logmapping import ATTRIBUTES
from .._suggest import did_you_mean
from .metrics import Metrics
from .variant import Variant

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._io.eventlog import LoggedIssue
    from .replay import Replay


def backtest(
    policy: Policy | PolicySet,
    issues: Iterable[LoggedIssue],
    *,
    on_replay: Callable[[Replay], None] | None = None,
    by: Sequence[str] = (),
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
) -> Metrics:
    """Replay every issue under *policy* and aggregate the `Metrics`, streaming.

    Each issue is replayed, counted into the overall, priority and category tallies (and
    those of *by*), and dropped: memory holds one issue at a time plus the tallies (whose
    quantiles are bounded, see `GroupMetrics`), however many issues there are.

    Args:
        policy: the policy to try, or a `PolicySet`: each issue is then replayed with the
            version in force at its creation; the levels counted are the newest version's,
            and each level only an older version has where that version puts it.
        issues: the issues, e.g. ``read_log(path, mapping)``.
        on_replay: called with each issue's `Replay` as it is done (to keep the timelines
            of some issues); only with ``workers=1``.
        by: more keys to group by (`Metrics.by`): ``"customer"``, ``"tier"``, ``"team"``,
            ``"level"``, ``"satisfaction"``, ``"priority"``, ``"category"`` or
            ``"attributes.NAME"``; an issue counts under its last value of the key
            (`LoggedIssue.value`).
        workers: replay in this many local processes: the issues are partitioned by a hash
            of their id, each process replays its part, and the parts' `Metrics` merge
            into exactly the figures of one process (`Metrics.merge`).
        on_progress: called now and then with the number of issues replayed so far (for
            a progress bar).

    Returns:
        The `Metrics`; when *issues* is an `EventLog` (what `read_log` returns), its
        ``warnings`` are the log's (values the mapping does not know).

    Raises:
        PolicyError: a key of *by* is not one of those, or (for an `EventLog`) the log
            mapping does not map it; *workers* is not a whole number from 1 to 256, or
            comes with *on_replay*.
        IssueError: as `replay`, and as the reader for a bad log (and, with
            ``read_log(..., strict=True)``, for a value the mapping does not know).
        WorkerError: a worker process failed on an issue (it names the issue).
    """
    if on_replay is not None and workers != 1:
        raise PolicyError(
            "on_replay sees each Replay in this process, so it needs workers=1; use "
            "on_progress to follow a run on several workers",
            value=workers,
        )
    return backtest_many(
        [policy], issues, by=by, workers=workers, on_progress=on_progress, on_replay=on_replay
    )[0]


def backtest_many(
    policies: Sequence[Policy | PolicySet],
    issues: Iterable[LoggedIssue],
    *,
    by: Sequence[str] = (),
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
    on_replay: Callable[[Replay], None] | None = None,
) -> list[Metrics]:
    """`backtest` of each of *policies* over the same issues, reading them once: each
    issue is replayed under every policy in turn. The arguments are `backtest`'s.

    Returns:
        One `Metrics` per policy, in their order.
    """
    check_workers(workers)
    keys = check_keys(by, issues)
    if workers > 1:
        from .parallel import run_parallel

        results = run_parallel(policies, issues, keys, workers, on_progress)
    else:
        variants = [Variant(p, keys) for p in policies]
        done = 0
        for done, logged in enumerate(issues, 1):
            for variant in variants:
                result = variant.add(logged)
                if on_replay is not None:
                    on_replay(result)
            if on_progress is not None and done % PROGRESS_EVERY == 0:
                on_progress(done)
        if on_progress is not None and done % PROGRESS_EVERY:
            on_progress(done)  # the last count
        results = [variant.metrics() for variant in variants]
    if not isinstance(issues, EventLog) or issues.fresh:  # (fresh: the workers read it)
        return results
    return [attrs.evolve(m, warnings=issues.warnings) for m in results]  # read to its end


#: `on_progress` hears of every this many issues.
PROGRESS_EVERY: Final = 250

#: The most worker processes `backtest` starts.
MAX_WORKERS: Final = 256


def check_workers(workers: object) -> None:
    """Refuse a number of workers that is not a whole number from 1 to `MAX_WORKERS`."""
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise PolicyError(
            f"workers must be a whole number from 1 to {MAX_WORKERS}, got {workers!r}",
            value=workers,
        )


def check_keys(by: Sequence[str], issues: Iterable[LoggedIssue]) -> tuple[str, ...]:
    if isinstance(by, str):
        raise PolicyError(f"by must be a list of keys, got the string {by!r}; write [{by!r}]")
    mapped = issues.mapping.columns() if isinstance(issues, EventLog) else None
    known = [*VALUE_KEYS, *(k for k in mapped or () if k.startswith(ATTRIBUTES))]
    for key in by:
        if not isinstance(key, str) or not (
            key in VALUE_KEYS or (key.startswith(ATTRIBUTES) and len(key) > len(ATTRIBUTES))
        ):
            raise PolicyError(
                f"cannot group a backtest by {key!r}; group by one of {list(VALUE_KEYS)} or "
                "'attributes.NAME'",
                value=key,
                suggestion=did_you_mean(str(key), known),
            )
        if mapped is not None and key not in mapped:
            raise PolicyError(
                f"cannot group by {key!r}: the log mapping maps no column to it (its keys "
                f"are {list(mapped)})",
                value=key,
                suggestion=did_you_mean(key, list(mapped)),
            )
    return tuple(dict.fromkeys(by))
