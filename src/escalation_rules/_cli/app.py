"""The ``escalation-rules`` command line."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence
from typing import Final, TextIO

from .. import __version__
from .import_command import add_import
from .report_command import add_report
from .sweep_command import add_sweep

POLICY_HELP = "a policy TOML file, or the name of a bundled example (see 'examples')"


# Control characters from the input (an issue id, a rule name) must not reach the terminal
# as escape sequences: they are written as \x.. escapes. Newlines, tabs and the carriage
# return of the progress line pass.
_ESCAPES: Final = {
    code: f"\\x{code:02x}" for code in (*range(32), *range(127, 160)) if chr(code) not in "\n\t\r"
}


class _Escaped(io.TextIOBase):
    """A text stream that writes control characters as ``\\x..`` escapes."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        escaped = text.translate(_ESCAPES)
        try:
            self._stream.write(escaped)
        except UnicodeEncodeError:  # a terminal that cannot show it (PYTHONIOENCODING=ascii)
            encoding = getattr(self._stream, "encoding", None) or "ascii"
            self._stream.write(
                escaped.encode(encoding, "backslashreplace").decode(encoding, "replace")
            )
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    # Imported once a command is known: `--help` and usage errors load no more than argparse.
    from .commands import CommandFailed, run_command

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Escaped(out), _Escaped(err)
    try:
        if args.command == "sweep":  # its own module, as `import`'s arguments are
            from .sweep_command import run_sweep

            return run_sweep(args)
        if args.command == "report":  # its own module too
            from .report_command import run_report

            return run_report(args)
        return run_command(args)
    except CommandFailed as fail:
        print(str(fail), file=sys.stderr)
        return fail.code
    except BrokenPipeError:
        # The reader stopped reading (``| head``): what it wanted was written. Point the
        # standard output at nothing, so the interpreter's last flush has nowhere to fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        return 0
    finally:
        sys.stdout, sys.stderr = out, err


def build_parser() -> argparse.ArgumentParser:
    """The parser: one subcommand per command."""
    parser = argparse.ArgumentParser(
        prog="escalation-rules",
        description="Escalation rules engine: check, evaluate, forecast and backtest policies.",
        epilog="Exit codes: 0 success, 1 a problem with the policy or input, 2 a usage error.",
    )
    parser.add_argument("--version", action="version", version=f"escalation-rules {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "demo",
        help="evaluate the bundled example policy on the bundled issues",
        description="Run the bundled seeds-matrix policy over the bundled example "
        "issues, and the on-call chain on an unacknowledged page.",
    )
    check = sub.add_parser(
        "check",
        help="lint policy files: errors and warnings with their places",
        description="Load and lint each POLICY. Exit 0 when no errors (1 otherwise; with "
        "--strict, warnings count too).",
    )
    check.add_argument("policy", nargs="+", metavar="POLICY", help=POLICY_HELP)
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    add_import(sub)
    _add_evaluate(sub)
    fc = sub.add_parser(
        "forecast",
        help="every action the policy will take until an instant if nothing else happens",
    )
    fc.add_argument("policy", metavar="POLICY", help=POLICY_HELP)
    fc.add_argument("issue", metavar="ISSUE.json")
    fc.add_argument("--at", required=True, metavar="INSTANT")
    fc.add_argument("--until", required=True, metavar="INSTANT")
    fc.add_argument("--format", choices=["text", "json"], default="text")
    _add_backtest(sub)
    add_sweep(sub)
    add_report(sub)
    vf = sub.add_parser(
        "verify",
        help="search for histories that break the ready-made invariants",
        description="Search with Hypothesis for issue histories that break the ready-made "
        "invariants (never skips a level, a resolved issue never escalates, ...). Exit 1 "
        "with the smallest counterexample if one is found.",
    )
    vf.add_argument("policy", metavar="POLICY", help=POLICY_HELP)
    vf.add_argument("--format", choices=["text", "json"], default="text")
    ex = sub.add_parser("examples", help="list the bundled example policies, or print one")
    ex.add_argument("name", nargs="?", metavar="NAME")
    return parser


def _add_evaluate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ev = sub.add_parser(
        "evaluate",
        help="the decision for one issue at one instant",
        description="Evaluate ISSUE (a JSON file) under POLICY at --at and print the actions, "
        "their reasons and the next evaluation instant.",
    )
    ev.add_argument("policy", metavar="POLICY", help=POLICY_HELP)
    ev.add_argument("issue", metavar="ISSUE.json", help="the issue as JSON (see the guide)")
    ev.add_argument(
        "--at",
        required=True,
        metavar="INSTANT",
        help="ISO 8601 instant with an offset, e.g. 2026-03-02T11:00:00+01:00",
    )
    ev.add_argument("--format", choices=["text", "json"], default="text")
    ev.add_argument(
        "--explain",
        action="store_true",
        help="add the trace: every rule, every SLA clock, why the winner won",
    )


def _add_backtest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bt = sub.add_parser(
        "backtest",
        help="replay an event log under a policy and print the metrics",
        description="Replay every issue of LOG (CSV, JSON Lines, XES or Parquet, .gz "
        "allowed, grouped by issue) under POLICY, with the column mapping MAPPING (TOML), and "
        "print escalation, breach and resolution figures, overall and per priority and "
        "category (and per --by key).",
    )
    bt.add_argument("policy", metavar="POLICY", help=POLICY_HELP)
    bt.add_argument("log", metavar="LOG")
    bt.add_argument("--mapping", required=True, metavar="MAPPING.toml")
    bt.add_argument(
        "--version",
        dest="versions",
        action="append",
        default=[],
        metavar="POLICY@INSTANT",
        help="a later version of POLICY and the instant it came into force, e.g. "
        "new.toml@2026-06-01T00:00Z (repeatable, oldest first): each issue is replayed "
        "with the version in force at its creation",
    )
    bt.add_argument("--format", choices=["table", "json", "csv"], default="table")
    bt.add_argument(
        "--plot",
        metavar="FILE.png",
        help="also draw breach and escalation figures (needs the 'plot' extra)",
    )
    bt.add_argument(
        "--report",
        metavar="FILE.html",
        help="also write the metrics as a self-contained HTML page with bar charts",
    )
    bt.add_argument(
        "--strict",
        action="store_true",
        help="refuse a value the log mapping does not know: a status it lists nowhere, or a "
        "value a value map does not take (by default the status counts as open, the value "
        "as none, and each is reported as a warning)",
    )
    add_scale_options(bt)
    bt.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="KEY",
        help="also group the figures by KEY: customer, tier, team, level, satisfaction, or "
        "attributes.NAME of a column the mapping maps (repeatable)",
    )
    bt.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on stderr (default: when it is a terminal)",
    )


def add_scale_options(parser: argparse.ArgumentParser) -> None:
    """--workers, --scheduler and --dask-workers: where a backtest runs."""
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="replay on N local processes (issues partitioned by a hash of their id; the "
        "figures are the same as on one)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on the Dask cluster whose scheduler is at ADDRESS, e.g. "
        "tcp://10.0.0.5:8786 (needs the 'dask' extra)",
    )
    parser.add_argument(
        "--dask-workers",
        type=int,
        metavar="N",
        help="run on a local Dask cluster of N worker processes (needs the 'dask' extra)",
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
