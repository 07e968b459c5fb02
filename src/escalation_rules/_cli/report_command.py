"""``escalation-rules report``: a self-contained HTML page of a forecast, a replay or a
backtest."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

from .._exceptions import EscalationRulesError

_DEFAULT_SPAN = timedelta(days=7)


def add_report(sub: Any) -> None:
    """The ``report`` subcommand's arguments."""
    rp = sub.add_parser(
        "report",
        help="write an HTML page of what a policy does: to one issue, or over a log",
        description="Write a self-contained HTML page (inline CSS and SVG, no script): the "
        "forecast of ISSUE.json from --at (to --until, by default 7 days later); with "
        "--replay LOG --mapping MAPPING.toml --issue ID, the replay of that issue of the "
        "log; with --backtest POLICY LOG --mapping MAPPING.toml, the backtest's escalation "
        "rates per level and per priority.",
    )
    rp.add_argument(
        "policy",
        metavar="POLICY",
        help="a policy TOML file, or the name of a bundled example (see 'examples')",
    )
    rp.add_argument(
        "source",
        nargs="?",
        metavar="ISSUE.json|LOG",
        help="the issue (or, with --backtest, the event log)",
    )
    rp.add_argument("--at", metavar="INSTANT", help="forecast from this instant")
    rp.add_argument("--until", metavar="INSTANT", help="forecast or replay up to this instant")
    rp.add_argument("--replay", metavar="LOG", help="replay one issue of this event log")
    rp.add_argument("--issue", metavar="ID", help="the issue of --replay's log")
    rp.add_argument("--mapping", metavar="MAPPING.toml", help="the log mapping")
    rp.add_argument("--backtest", action="store_true", help="report a backtest of LOG")
    rp.add_argument("-o", "--output", required=True, metavar="FILE.html", help="the page")


def run_report(args: argparse.Namespace) -> int:
    """Run ``report``; the exit code (a `CommandFailed` for a user-facing failure)."""
    from .commands import CommandFailed, check_output

    check_output(args.output, "--output")
    if args.backtest:
        text = _backtest(args)
    elif args.replay is not None:
        text = _replay(args)
    else:
        text = _forecast(args)
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandFailed(f"error: cannot write {args.output!r}: {exc.strerror}", 1) from None
    print(f"report written to {args.output}")
    return 0


def _usage(message: str) -> Exception:
    from .commands import CommandFailed

    return CommandFailed(f"error: {message}", 2)


def _forecast(args: argparse.Namespace) -> str:
    from .._analysis.html_report import forecast_report
    from .commands import CommandFailed, _instant, _issue, _policy

    if args.source is None or args.at is None:
        raise _usage("report needs ISSUE.json and --at (or --replay, or --backtest)")
    if args.mapping or args.issue:
        raise _usage("--mapping and --issue go with --replay or --backtest")
    policy = _policy(args.policy)
    issue = _issue(args.source)
    now = _instant(args.at, "--at")
    until = _instant(args.until, "--until") if args.until else now + _DEFAULT_SPAN
    if until < now:
        raise _usage("--until is before --at")
    try:
        return forecast_report(policy, issue, now, until)
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {exc}") from None


def _mapping(args: argparse.Namespace, log: str) -> Any:
    from .commands import CommandFailed, load_mapping

    if args.mapping is None:
        raise _usage("--mapping MAPPING.toml is needed to read a log")
    if not Path(log).exists():
        raise CommandFailed(f"error: no event log {log!r}", 2)
    return load_mapping(args.mapping)


def _replay(args: argparse.Namespace) -> str:
    from .._analysis.html_report import replay_report
    from .._analysis.replay import replay
    from .._io.eventlog import read_log
    from .commands import CommandFailed, _instant, _policy

    if args.source is not None or args.at is not None:
        raise _usage("--replay takes no ISSUE.json and no --at")
    if args.issue is None:
        raise _usage("--replay needs --issue ID")
    policy = _policy(args.policy)
    mapping = _mapping(args, args.replay)
    until = _instant(args.until, "--until") if args.until else None
    try:
        for logged in read_log(args.replay, mapping):
            if logged.id == args.issue:
                return replay_report(policy, replay(policy, logged, until=until))
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {exc}") from None
    raise CommandFailed(f"error: no issue {args.issue!r} in the log {args.replay!r}")


def _backtest(args: argparse.Namespace) -> str:
    from .._analysis.backtest import backtest
    from .._analysis.html_report import backtest_report
    from .._io.eventlog import read_log
    from .commands import CommandFailed, _policy

    if args.source is None:
        raise _usage("report --backtest needs POLICY LOG --mapping MAPPING.toml")
    if args.at or args.replay or args.issue:
        raise _usage("--backtest takes no --at, --replay or --issue")
    policy = _policy(args.policy)
    mapping = _mapping(args, args.source)
    try:
        return backtest_report(backtest(policy, read_log(args.source, mapping)))
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {exc}") from None
