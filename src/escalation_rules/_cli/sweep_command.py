"""``escalation-rules sweep``: a policy's parameters varied over a grid, backtested on a log."""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .._exceptions import EscalationRulesError

if TYPE_CHECKING:
    from .._io.parameters import Scalar

_SCALAR: Final = re.compile(
    r"true|false|[+-]?[0-9][0-9_]*|[+-]?[0-9][0-9_]*(\.[0-9_]+)?([eE][+-]?[0-9_]+)?"
)
"""What a --grid value looks like when it is read as a TOML number or boolean."""


def add_sweep(sub: Any) -> None:
    """The ``sweep`` subcommand's arguments."""
    sw = sub.add_parser(
        "sweep",
        help="backtest every combination of a policy's parameter values on an event log",
        description="Load POLICY once per combination of the --grid values of its "
        "[parameters], replay LOG under every variant in one pass and print each variant's "
        "escalation rate, SLA breach rate and median time to resolution; '*' marks the "
        "Pareto front (no other variant is as good on all three and better on one).",
    )
    sw.add_argument(
        "policy",
        metavar="POLICY",
        help="a policy TOML file with [parameters], or the name of a bundled example",
    )
    sw.add_argument("log", metavar="LOG", help="the event log (.csv, .jsonl, .xes; .gz too)")
    sw.add_argument("--mapping", required=True, metavar="MAPPING.toml", help="the log mapping")
    sw.add_argument(
        "--grid",
        action="append",
        default=[],
        required=True,
        metavar="NAME=V1,V2,...",
        help="a parameter and the values to try (repeatable); numbers and true/false are "
        "read as such, anything else as a string",
    )
    sw.add_argument("--format", choices=["table", "json", "csv"], default="table")
    sw.add_argument("--plot", metavar="FILE.png", help="draw the trade-off (needs matplotlib)")
    sw.add_argument("--workers", type=int, default=1, metavar="N", help="local processes")
    sw.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on this Dask cluster (the 'dask' extra)"
    )
    sw.add_argument(
        "--dask-workers",
        type=int,
        metavar="N",
        help="run on a local Dask cluster of N worker processes (the 'dask' extra)",
    )
    sw.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="KEY",
        help="also group each variant's metrics by KEY (in --format json; repeatable)",
    )


def grid_value(text: str) -> Scalar:
    """A --grid value: a TOML number or boolean when it looks like one, else the string."""
    if _SCALAR.fullmatch(text):
        try:
            value: Scalar = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            return text
        return value
    return text


def parse_grid(options: list[str]) -> dict[str, list[Scalar]]:
    """The --grid options as a grid; `ValueError` with the message for a malformed one."""
    grid: dict[str, list[Scalar]] = {}
    for option in options:
        name, sep, values = option.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise ValueError(f"--grid takes NAME=V1,V2,..., got {option!r}")
        if name in grid:
            raise ValueError(f"--grid names {name!r} twice; give all its values at once")
        grid[name] = [grid_value(v.strip()) for v in values.split(",")]
    return grid


def run_sweep(args: argparse.Namespace) -> int:
    """Run the sweep and print it; the exit code (failures raise `CommandFailed`)."""
    from .commands import CommandFailed, check_plot, dask_client, load_mapping, write_plot

    check_plot(args.plot)
    try:
        grid = parse_grid(args.grid)
    except ValueError as exc:
        raise CommandFailed(f"error: {exc}", 2) from None
    policy = _policy_source(args.policy)
    mapping = load_mapping(args.mapping)
    if not Path(args.log).exists():
        raise CommandFailed(f"error: no event log {args.log!r}", 2)
    from .._analysis.sweep import sweep

    try:
        with dask_client(args) as client:
            result = sweep(
                policy,
                grid,
                args.log,
                by=args.by,
                workers=args.workers,
                mapping=mapping,
                client=client,
            )
    except EscalationRulesError as exc:
        raise CommandFailed(f"error: {exc}") from None
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    elif args.format == "csv":
        print(result.to_csv(), end="")
    else:
        print(result.to_table())
    for warning in result.variants[0].metrics.warnings if result.variants else ():
        print(f"warning: {warning}", file=sys.stderr)
    if args.plot:
        from .._analysis.plot import plot_sweep

        write_plot(lambda: plot_sweep(result, args.plot), args.plot)
    return 0


def _policy_source(spec: str) -> str | Path:
    """POLICY: a file's path, or the text of the bundled example of that name."""
    from .._io.examples import EXAMPLES, example_path
    from .._suggest import did_you_mean
    from .commands import CommandFailed

    path = Path(spec)
    if path.exists():
        return path
    if spec in EXAMPLES:  # its file, so that errors name it (its text where it is no file)
        bundled = example_path(spec)
        return bundled if isinstance(bundled, Path) else bundled.read_text(encoding="utf-8")
    hint = did_you_mean(spec, EXAMPLES)
    extra = f" (did you mean the bundled example {hint!r}?)" if hint else ""
    raise CommandFailed(
        f"error: no policy file {spec!r}{extra}; bundled examples: {', '.join(EXAMPLES)}", 2
    )
