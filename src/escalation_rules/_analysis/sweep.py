"""Policy sweeps: one policy file's parameters varied over a grid, every variant backtested
over the same log in one pass, and the trade-off between them summarised.

A sweep takes a policy with a ``[parameters]`` table and a grid (parameter name -> values
to try). Every combination of values is a variant: the policy loaded with those values
(``loads(text, parameters=combo)``). All variants are replayed over the log in one pass
(`backtest_many`), and each variant's `Metrics` is summed up in three figures to minimise:

* the **escalation rate**: of the issues that started at the policy's first level, the
  share the policy escalated to any level above it (`LevelMetrics.policy_rate` of the level
  above the first; per level in ``escalation_rates``: to that level or above, of the issues
  that started below it);
* the **breach rate**: over all SLA clocks, the measured breaches over the measured
  targets (per clock in ``breach_rates``: `GroupMetrics.sla_breach_rate`);
* the **median time to resolution**, in seconds, over the resolved issues.

A variant is on the **Pareto front** when no other variant is at least as good on all three
figures and better on one (a figure that is missing, such as the breach rate of a policy
without targets, counts as worse than any value). Two variants with the same figures are
both on the front, or both off it.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from os import PathLike
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._durations import words
from .._exceptions import PolicyError
from .._frozendict import FrozenDict
from .._io.parameters import Scalar, is_policy_text, unknown_parameter
from .._io.reader import loads, policy_parameters, read_policy_text
from .backtest import backtest_many
from .metrics import LevelMetrics, Metrics

if TYPE_CHECKING:
    from .._engine.policy import Policy
    from .._io.eventlog import LoggedIssue
    from .._io.logmapping import LogMapping

MAX_VARIANTS: Final = 1_000
"""The most variants (combinations of the grid's values) one sweep tries."""

Figures = tuple[float | None, float | None, float | None]


def _values(value: Mapping[str, Scalar]) -> FrozenDict[Scalar]:
    return FrozenDict(value)


def _rates(value: Mapping[str, float | None]) -> FrozenDict[float | None]:
    return FrozenDict(value)


def _shares(value: Mapping[str, float]) -> FrozenDict[float]:
    return FrozenDict(value)


def _grid(value: Mapping[str, Sequence[Scalar]]) -> FrozenDict[tuple[Scalar, ...]]:
    return FrozenDict({k: tuple(v) for k, v in value.items()})


@attrs.frozen
class SweepVariant:
    """One variant of a sweep: its parameter values, its `Metrics` and its figures.

    Attributes:
        parameters: the values the grid gave the swept parameters (the others keep the
            file's values).
        metrics: the variant's backtest.
        escalation_rate: of the issues that started at the first level, the share the
            policy escalated to any level above it; ``None`` without such issues.
        escalation_rates: per level above the first, the share of the issues that started
            below it that the policy escalated to it or above.
        breach_rate: breaches over measured targets, summed over all SLA clocks; ``None``
            when no target was measured.
        breach_rates: per SLA clock, its breaches over its measured targets.
        median_resolution: the median time from creation to resolution, in seconds, over
            the resolved issues; ``None`` when none was resolved. (A backtest replays the
            real history, so this is the log's own and the same for every variant; it
            differs between sweeps over other logs.)
        caught: of the real escalations from the first level, the share the policy made
            itself at or before the real one (what a higher escalation rate buys); not
            one of the front's figures.
        pareto: whether the variant is on the Pareto front of its sweep.
    """

    parameters: Mapping[str, Scalar] = attrs.field(converter=_values)
    metrics: Metrics
    escalation_rate: float | None
    escalation_rates: Mapping[str, float | None] = attrs.field(converter=_rates)
    breach_rate: float | None
    breach_rates: Mapping[str, float] = attrs.field(converter=_shares)
    median_resolution: float | None
    caught: float | None = None
    pareto: bool = False

    @property
    def figures(self) -> Figures:
        """``(escalation_rate, breach_rate, median_resolution)``: what the front minimises."""
        return (self.escalation_rate, self.breach_rate, self.median_resolution)

    def label(self) -> str:
        """The parameter values as ``name=value, ...``."""
        return ", ".join(f"{k}={_text(v)}" for k, v in self.parameters.items())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict: the parameters, the figures, the front flag and the metrics."""
        return {
            "parameters": dict(self.parameters),
            "escalation_rate": self.escalation_rate,
            "escalation_rates": dict(self.escalation_rates),
            "breach_rate": self.breach_rate,
            "breach_rates": dict(self.breach_rates),
            "median_resolution_s": self.median_resolution,
            "caught": self.caught,
            "pareto": self.pareto,
            "metrics": self.metrics.to_dict(),
        }


def variant_of(parameters: Mapping[str, Scalar], metrics: Metrics) -> SweepVariant:
    """The `SweepVariant` of *metrics* (not yet placed on a front)."""
    overall = metrics.overall
    sla = overall.sla
    measured = sum(n for _, n in sla.values())
    breached = sum(b for b, _ in sla.values())
    median = overall.median_resolution
    return SweepVariant(
        parameters=parameters,
        metrics=metrics,
        escalation_rate=overall.levels[0].policy_rate if overall.levels else None,
        escalation_rates={m.level: m.policy_rate for m in overall.levels},
        breach_rate=breached / measured if measured else None,
        breach_rates=overall.sla_breach_rate,
        median_resolution=None if median is None else median.total_seconds(),
        caught=_caught(overall.levels[0]) if overall.levels else None,
    )


def _caught(level: LevelMetrics) -> float | None:
    return level.also_earlier / level.real if level.real else None


def pareto_front(points: Sequence[Sequence[float | None]]) -> tuple[bool, ...]:
    """For each point, whether no other point is ``<=`` on every figure and ``<`` on one
    (all figures minimised; ``None`` counts as worse than any number)."""
    keyed = [tuple(math.inf if x is None else x for x in p) for p in points]
    out = []
    for p in keyed:
        dominated = False
        for q in keyed:
            if q != p and all(b <= a for a, b in zip(p, q, strict=True)):
                dominated = True
                break
        out.append(not dominated)
    return tuple(out)


@attrs.frozen
class Sweep:
    """The result of `sweep`: every variant of the grid, in the grid's order (the last
    parameter varying fastest), with its figures and whether it is on the Pareto front.

    Attributes:
        grid: the parameters swept and the values tried.
        variants: one `SweepVariant` per combination of values.
    """

    grid: Mapping[str, tuple[Scalar, ...]] = attrs.field(converter=_grid)
    variants: tuple[SweepVariant, ...]

    @property
    def pareto(self) -> tuple[bool, ...]:
        """Per variant, whether it is on the Pareto front."""
        return tuple(v.pareto for v in self.variants)

    @property
    def front(self) -> tuple[SweepVariant, ...]:
        """The variants on the Pareto front."""
        return tuple(v for v in self.variants if v.pareto)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict: the grid, and each variant's `SweepVariant.to_dict`."""
        return {
            "grid": {k: list(v) for k, v in self.grid.items()},
            "variants": [v.to_dict() for v in self.variants],
        }

    def csv_rows(self) -> list[list[str]]:
        """A header, then one row per variant: its parameters, its figures (rates as
        shares, the median in seconds; empty where there is none) and ``pareto``."""
        levels = list(dict.fromkeys(k for v in self.variants for k in v.escalation_rates))
        clocks = sorted({k for v in self.variants for k in v.breach_rates})
        header = [
            *self.grid,
            "escalation_rate",
            *(f"escalation_rate_{level}" for level in levels),
            "breach_rate",
            *(f"breach_rate_{clock}" for clock in clocks),
            "median_resolution_s",
            "caught",
            "pareto",
        ]
        rows = [header]
        for v in self.variants:
            row: list[object] = [
                *(_text(v.parameters[k]) for k in self.grid),
                v.escalation_rate,
                *(v.escalation_rates.get(level) for level in levels),
                v.breach_rate,
                *(v.breach_rates.get(clock) for clock in clocks),
                v.median_resolution,
                v.caught,
                "true" if v.pareto else "false",
            ]
            rows.append(["" if x is None else str(x) for x in row])
        return rows

    def to_csv(self) -> str:
        """`csv_rows` as CSV text."""
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(self.csv_rows())
        return out.getvalue()

    def to_table(self) -> str:
        """A readable text table, one line per variant; ``*`` marks the Pareto front."""
        header = ["", *self.grid, "escalated", "breached", "median resolution", "caught"]
        lines = [header]
        for v in self.variants:
            lines.append(
                [
                    "*" if v.pareto else "",
                    *(_text(v.parameters[k]) for k in self.grid),
                    _percent(v.escalation_rate),
                    _percent(v.breach_rate),
                    _duration(v.median_resolution),
                    _percent(v.caught),
                ]
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        body = [
            "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            for line in lines
        ]
        issues = self.variants[0].metrics.overall.issues if self.variants else 0
        intro = f"Sweep of {len(self.variants):,} variants over {issues:,} issues."
        notes = [
            "",
            "Escalated: of the issues that started at the first level, the share the policy",
            "escalated above it. Breached: breaches over measured SLA targets, all clocks.",
            "Caught: of the real escalations from the first level, the share the policy made",
            "at or before the real one.",
            "* on the Pareto front: no other variant is as good on all three and better on one.",
        ]
        return "\n".join([intro, "", *body, *notes])


def _text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return words(timedelta(seconds=seconds))


def combinations(
    grid: Mapping[str, Sequence[Scalar]], declared: Mapping[str, Scalar]
) -> list[dict[str, Scalar]]:
    """Every combination of the *grid*'s values, the last name varying fastest.

    Raises:
        PolicyError: a name the policy does not declare, an empty list of values, a value
            that is not a string, number or boolean, or more than `MAX_VARIANTS` variants.
    """
    if not isinstance(grid, Mapping) or not grid:
        raise PolicyError("the grid must map at least one parameter name to its values")
    count = 1
    for name, options in grid.items():
        if name not in declared:
            raise unknown_parameter(name, declared, "the policy", "grid")
        if isinstance(options, str | bytes) or not isinstance(options, Sequence) or not options:
            raise PolicyError(
                f"the grid gives {name!r} {options!r}; give a non-empty list of values",
                where="grid",
                value=options,
            )
        for value in options:
            if not isinstance(value, str | int | float | bool):
                raise PolicyError(
                    f"a value of {name!r} must be a string, a number or a boolean, got {value!r}",
                    where="grid",
                    value=value,
                )
        count *= len(options)
    if count > MAX_VARIANTS:
        raise PolicyError(
            f"the grid makes {count:,} variants; a sweep tries at most {MAX_VARIANTS:,}",
            where="grid",
            value=count,
        )
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]


IssuesSource = Iterable["LoggedIssue"] | Callable[[], Iterable["LoggedIssue"]] | str | PathLike[str]


def sweep(
    policy_text_or_path: str | PathLike[str],
    grid: Mapping[str, Sequence[Scalar]],
    issues_factory_or_source: IssuesSource,
    *,
    by: Sequence[str] = (),
    workers: int = 1,
    client: object = None,
    mapping: LogMapping | str | PathLike[str] | None = None,
) -> Sweep:
    """Backtest every combination of *grid*'s parameter values, in one pass over the log.

    Args:
        policy_text_or_path: policy text (a str with a newline or an ``=``) or a path to a
            policy file with a ``[parameters]`` table.
        grid: parameter name -> the values to try; every combination is a variant (at most
            `MAX_VARIANTS`). Parameters not in the grid keep the file's values.
        issues_factory_or_source: the issues (e.g. ``read_log(path, mapping)``), a
            function that returns them, or, with *mapping*, the path of an event log.
        by: more keys to group each variant's `Metrics` by (see `backtest`).
        workers: local processes to replay in (see `backtest`).
        client: a ``dask.distributed`` client: replay on its cluster instead, with
            `backtest_many_on_dask` of ``escalation_rules.distributed`` (which takes log paths
            with *mapping*, a Dask bag of issues or a dataframe of log rows; *workers* is
            not used).
        mapping: the `LogMapping` (or the path of its TOML file) of a log given by path.

    Returns:
        The `Sweep`: each variant's parameters, `Metrics`, figures and Pareto flag.

    Raises:
        PolicyError: the policy or a variant is invalid, or the grid is (see
            `combinations`); as `backtest` for *by* and *workers*.
        IssueError: as `backtest`, for a bad log.
    """
    if is_policy_text(policy_text_or_path):
        text, source = str(policy_text_or_path), "<string>"
    else:
        text, source = read_policy_text(policy_text_or_path), str(policy_text_or_path)
    combos = combinations(grid, policy_parameters(text))
    policies: list[Policy] = [loads(text, source=source, parameters=c) for c in combos]
    if client is not None:  # the sources the Dask runner takes: paths, a bag, a dataframe
        from .dask_run import backtest_many_on_dask

        log = None if mapping is None else _mapping(mapping)
        results = backtest_many_on_dask(
            policies, issues_factory_or_source, log, client=client, by=by
        )
    else:
        results = backtest_many(
            policies, _issues(issues_factory_or_source, mapping), by=by, workers=workers
        )
    variants = [variant_of(c, m) for c, m in zip(combos, results, strict=True)]
    front = pareto_front([v.figures for v in variants])
    return Sweep(
        grid=grid,
        variants=tuple(attrs.evolve(v, pareto=p) for v, p in zip(variants, front, strict=True)),
    )


def _mapping(mapping: LogMapping | str | PathLike[str]) -> LogMapping:
    from .._io.logmapping import LogMapping

    if isinstance(mapping, LogMapping):
        return mapping
    try:
        return LogMapping.load(mapping)
    except OSError as exc:
        raise PolicyError(
            f"cannot read the log mapping {str(mapping)!r}: {exc.strerror or exc}",
            value=str(mapping),
        ) from None


def _issues(
    issues: IssuesSource, mapping: LogMapping | str | PathLike[str] | None
) -> Iterable[LoggedIssue]:
    if isinstance(issues, str | PathLike):
        if mapping is None:
            raise PolicyError(
                f"the issues are the path {str(issues)!r}; give the log's mapping too",
                value=str(issues),
            )
        from .._io.eventlog import read_log

        return read_log(issues, _mapping(mapping))
    if callable(issues):
        return issues()
    return issues
