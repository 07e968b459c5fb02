"""The commands of the ``escalation-rules`` command line.

Each command imports the parts of the library it needs when it runs, so that the
command line starts fast and a command loads only what it uses.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import EscalationRulesError
from .._extras import needs
from .._instants import local
from .._suggest import did_you_mean

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._engine.versions import PolicySet
    from .._model.actions import Decision
    from .._model.issue import Issue

_OFFSETS = (1.0, 1.5, 2.0, 8.0, 10.0)


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%a %H:%M UTC")


def _run_host(policy: Policy, issue: Issue, instants: Sequence[datetime]) -> Issue:
    """Evaluate at each instant like a host would, carrying out every action."""
    for now in instants:
        decision = policy.evaluate(issue, now)
        while decision.actions:
            for action in decision.actions:
                print(f"  {_iso(now)}  {action.kind:<8} {action.reason}")
                issue = issue.record(action, now)
            decision = policy.evaluate(issue, now)
        nxt = decision.next_evaluation_at
        later = f"next check {_iso(nxt)}" if nxt else "no further check"
        print(f"  {_iso(now)}  at level {issue.level or policy.levels[0].id}, {later}")
    return issue


def _demo() -> int:
    from .._io.examples import START, example_issues, example_policy, oncall_policy
    from .._model.events import Event, EventKind
    from .._model.issue import Issue

    policy = example_policy()
    print(
        f"Policy {policy.name!r}: "
        + ", ".join(
            f"{lvl.id} {lvl.name} (time at level {lvl.target('time_at_level', None)})"
            for lvl in policy.levels
        )
    )
    print(
        f"Every issue opens {_iso(START)}; the host evaluates it at "
        + ", ".join(f"+{h:g}h" for h in _OFFSETS)
        + " and carries out each action it is given.\n"
    )
    for issue in example_issues():
        print(
            f"{issue.id}  priority={issue.priority} category={issue.category} "
            f"status={issue.status} customer tier={issue.customer.tier}"
        )
        _run_host(policy, issue, [START + timedelta(hours=h) for h in _OFFSETS])
        print()
    oncall = oncall_policy()
    print(
        f"Policy {oncall.name!r}: nobody acknowledges; the host wakes exactly at "
        "next_evaluation_at."
    )
    issue = Issue("PAGE-1", START, priority="P1", history=[Event(EventKind.CREATED, START)])
    print(f"{issue.id}  priority={issue.priority}")
    now: datetime | None = START
    while now is not None:
        issue = _run_host(oncall, issue, [now])
        now = oncall.evaluate(issue, now).next_evaluation_at
    return 0


class CommandFailed(Exception):
    """A user-facing failure: print the message, exit with the code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _policy(spec: str) -> Policy:
    """A policy file path, or the name of a bundled example."""
    from .._io.examples import EXAMPLES, bundled_policy
    from .._io.reader import load

    path = Path(spec)
    if not path.exists() and spec in EXAMPLES:
        return bundled_policy(spec)
    if not path.exists():
        hint = did_you_mean(spec, EXAMPLES)
        extra = f" (did you mean the bundled example {hint!r}?)" if hint else ""
        raise CommandFailed(
            f"error: no policy file {spec!r}{extra}; bundled examples: {', '.join(EXAMPLES)}", 2
        )
    try:
        return load(path)
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {exc}") from None


def _instant(text: str, what: str) -> datetime:
    from .._instants import parse_instant

    try:
        return parse_instant(text)
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {what}: {exc}", 2) from None


def _issue(path_text: str) -> Issue:
    from .._io.issuejson import read_issue_file

    if not Path(path_text).exists():
        raise CommandFailed(f"error: no issue file {path_text!r}", 2)
    try:
        return read_issue_file(path_text)
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {exc}") from None


def _check(args: argparse.Namespace) -> int:
    from .._analysis.lint import lint_file, lint_text
    from .._io.examples import EXAMPLES, example_path

    codes = []
    for spec in args.policy:
        if not Path(spec).exists() and spec in EXAMPLES:
            report = lint_text(example_path(spec).read_text(encoding="utf-8"), source=spec)
        elif not Path(spec).exists():  # a usage error, as in every other command
            hint = did_you_mean(spec, EXAMPLES)
            extra = f" (did you mean the bundled example {hint!r}?)" if hint else ""
            print(f"error: no policy file {spec!r}{extra}", file=sys.stderr)
            codes.append(2)
            continue
        else:
            report = lint_file(spec)
        print(report.to_json() if args.format == "json" else report.render())
        codes.append(report.exit_code(strict=args.strict))
    return max(codes)


def _evaluate(args: argparse.Namespace) -> int:
    policy = _policy(args.policy)
    issue = _issue(args.issue)
    now = _instant(args.at, "--at")
    try:
        if args.explain:
            explanation = policy.explain(issue, now)
            if args.format == "json":
                print(json.dumps(explanation.to_dict(), indent=2))
            else:
                print(explanation.render())
            return 0
        decision = policy.evaluate(issue, now)
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {exc}") from None
    if args.format == "json":
        print(json.dumps(_decision_dict(decision), indent=2))
        return 0
    print(f"Issue {issue.id} at {local(now)}: {decision.reason}")
    for action in decision.actions:
        print(f"  {action.kind:<8} {action.target:<20} rule {action.rule!r}: {action.reason}")
    nxt = decision.next_evaluation_at
    shown = local(nxt, now.tzinfo) if nxt else "none (nothing more will happen)"
    print(f"Next evaluation: {shown}")
    return 0


def _decision_dict(decision: Decision) -> dict[str, object]:
    from .._model.actions import action_dict

    nxt = decision.next_evaluation_at
    return {
        "actions": [action_dict(a) for a in decision.actions],
        "reason": decision.reason,
        "next_evaluation_at": nxt.isoformat() if nxt else None,
    }


def _forecast(args: argparse.Namespace) -> int:
    from .._engine.forecast import forecast

    policy = _policy(args.policy)
    issue = _issue(args.issue)
    now, until = _instant(args.at, "--at"), _instant(args.until, "--until")
    try:
        steps = forecast(policy, issue, now, until)
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {exc}") from None
    if args.format == "json":
        print(json.dumps([s.to_dict() for s in steps], indent=2))
        return 0
    print(
        f"Issue {issue.id} from {local(now)} to {local(until, now.tzinfo)}, "
        "if nothing else happens:"
    )
    for step in steps:
        print(
            f"  {local(step.at, now.tzinfo)}  at {step.level:<10} {step.action.kind:<8} "
            f"{step.action.target}: {step.action.reason}"
        )
    if not steps:
        print("  nothing")
    return 0


def _versions(spec: str, versions: Sequence[str]) -> Policy | PolicySet:
    """POLICY alone; with ``--version FILE@INSTANT`` options, a `PolicySet`: POLICY in force
    from the start, each later version from its instant."""
    first = _policy(spec)
    if not versions:
        return first
    from .._engine.versions import PolicySet

    pairs = [(datetime.min.replace(tzinfo=UTC), first)]
    for version in versions:
        path, at, instant = version.rpartition("@")
        if not at or not path:
            raise CommandFailed(f"error: --version: expected POLICY@INSTANT, got {version!r}", 2)
        pairs.append((_instant(instant, f"--version {version}"), _policy(path)))
    try:
        return PolicySet(pairs)
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: --version: {exc}") from None


def _run_backtest(policy: Any, log: Any, args: argparse.Namespace, mapping: Any, tick: Any) -> Any:
    """The backtest the options ask for: here, on local processes, or on Dask."""
    from .._analysis.backtest import backtest

    with dask_client(args) as client:
        if client is None:
            return backtest(policy, log, by=args.by, workers=args.workers, on_progress=tick)
        from .._analysis.dask_run import backtest_on_dask

        if args.progress:  # asked for: say why there is none
            print("(a Dask run shows no progress here; its dashboard does)", file=sys.stderr)
        return backtest_on_dask(
            policy, args.log, mapping, client=client, by=args.by, strict=args.strict
        )


@contextlib.contextmanager
def dask_client(args: argparse.Namespace) -> Iterator[Any]:
    """The Dask client --scheduler or --dask-workers ask for (a local cluster is started and
    both are closed after the run), or ``None`` to run here."""
    if not args.scheduler and args.dask_workers is None:
        yield None
        return
    from .._analysis.backtest import MAX_WORKERS

    if args.dask_workers is not None and not 1 <= args.dask_workers <= MAX_WORKERS:
        raise CommandFailed(
            f"error: --dask-workers must be a whole number from 1 to {MAX_WORKERS}, got "
            f"{args.dask_workers}",
            2,
        )
    if args.workers != 1:
        raise CommandFailed("error: --workers runs locally; with Dask use --dask-workers", 2)
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        what = needs("--scheduler and --dask-workers", "dask and distributed", "dask")
        raise CommandFailed(f"error: {what}") from None
    if args.scheduler:
        try:
            client = distributed.Client(args.scheduler, timeout=10)
        except (OSError, TimeoutError, ValueError) as exc:  # ValueError: not an address
            raise CommandFailed(
                f"error: --scheduler: cannot reach {args.scheduler!r}: {exc}"
            ) from None
        with client:
            yield client
        return
    cluster = distributed.LocalCluster(
        n_workers=args.dask_workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


class _Progress:
    """Issues replayed so far, on standard error: a tqdm bar (the 'progress' extra) when
    it is installed, else a plain count."""

    def __init__(self, shown: bool) -> None:
        self.shown = shown
        self.bar: Any = None
        self.done = 0

    def __enter__(self) -> _Progress:
        if self.shown:
            try:
                tqdm: Any = importlib.import_module("tqdm")
                self.bar = tqdm.tqdm(unit=" issues", file=sys.stderr, mininterval=0.5)
            except ImportError:
                self.bar = None
        return self

    def update(self, done: int) -> None:
        if not self.shown:
            return
        if self.bar is not None:
            self.bar.update(done - self.done)
        else:
            print(f"\r  {done:,} issues replayed", end="", file=sys.stderr, flush=True)
        self.done = done

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.shown and self.done:
            print(file=sys.stderr)


def _backtest(args: argparse.Namespace) -> int:
    from .._io.eventlog import read_log

    check_output(args.report, "--report")
    check_plot(args.plot)
    policy = _versions(args.policy, args.versions)
    mapping = load_mapping(args.mapping)
    if not Path(args.log).exists():
        raise CommandFailed(f"error: no event log {args.log!r}", 2)
    progress = args.progress if args.progress is not None else sys.stderr.isatty()
    try:
        log = read_log(args.log, mapping, strict=args.strict)
        with _Progress(progress) as bar:
            metrics = _run_backtest(policy, log, args, mapping, bar.update)
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {exc}") from None
    if args.format == "json":
        print(json.dumps(metrics.to_dict(), indent=2))
    elif args.format == "csv":
        print(metrics.to_csv(), end="")
    else:
        print(metrics.to_table())  # the table lists the warnings itself
    if args.format != "table":
        for warning in metrics.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    if args.report:
        from .._analysis.html_report import write_backtest_report

        try:
            write_backtest_report(metrics, args.report)
        except OSError as exc:
            raise CommandFailed(f"error: --report: cannot write {args.report!r}: {exc}") from None
        print(f"report written to {args.report}", file=sys.stderr)
    if args.plot:
        from .._analysis.plot import plot_metrics

        write_plot(lambda: plot_metrics(metrics, args.plot), args.plot)
    return 0


def load_mapping(path: str) -> Any:
    """The `LogMapping` of the file *path*, or the command's error for it."""
    from .._io.logmapping import LogMapping

    try:
        return LogMapping.load(path)
    except OSError as exc:
        raise CommandFailed(f"error: cannot read the mapping {path!r}: {exc.strerror}", 2) from None
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {exc}") from None


def check_output(path: str | None, option: str) -> None:
    """Refuse an output file *path* in no folder, or naming a folder: before the work."""
    if not path:
        return
    if not Path(path).resolve().parent.is_dir():
        raise CommandFailed(f"error: {option}: no folder for {path!r}", 2)
    if Path(path).is_dir():
        raise CommandFailed(f"error: {option}: {path!r} is a folder; name a file", 2)


def check_plot(path: str | None) -> None:
    """Refuse a --plot path that cannot be drawn to, before the work, not after it."""
    if path:
        from .._analysis.plot import check_plot_path

        try:
            check_plot_path(path)
        except (EscalationRulesError, ImportError) as exc:
            raise CommandFailed(f"error: --plot: {exc}", 2) from None


def write_plot(draw: Callable[[], object], path: str) -> None:
    """Draw the --plot (the command's error if it cannot) and say where it went."""
    try:
        draw()
    except (EscalationRulesError, ImportError) as exc:
        raise CommandFailed(f"error: {exc}") from None
    print(f"plot written to {path}", file=sys.stderr)


def _verify(args: argparse.Namespace) -> int:
    try:
        from .._analysis.verify import run_verify_command
    except ImportError:
        raise CommandFailed(f"error: {needs('verify', 'Hypothesis', 'testing')}") from None
    code, report = run_verify_command(_policy(args.policy), fmt=args.format)
    print(report)
    return code


def _examples(args: argparse.Namespace) -> int:
    from .._io.examples import EXAMPLES, example_path

    if args.name is None:
        for name in EXAMPLES:
            print(name)
        return 0
    if args.name not in EXAMPLES:
        hint = did_you_mean(args.name, EXAMPLES)
        raise CommandFailed(
            f"error: no bundled example {args.name!r}"
            + (f" (did you mean {hint!r}?)" if hint else ""),
            2,
        )
    print(example_path(args.name).read_text(encoding="utf-8"), end="")
    return 0


def _import(args: argparse.Namespace) -> int:
    from .import_command import ImportFailed, run_import

    try:
        return run_import(args)
    except ImportFailed as fail:
        raise CommandFailed(str(fail), fail.code) from None


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": lambda _args: _demo(),
    "check": _check,
    "evaluate": _evaluate,
    "forecast": _forecast,
    "backtest": _backtest,
    "verify": _verify,
    "examples": _examples,
    "import": _import,
}


def run_command(args: argparse.Namespace) -> int:
    """Run the command *args* names; its exit code."""
    return int(_COMMANDS[args.command](args))
