"""Backtests at any size on Dask: partitions of issues replayed where they lie, the partial
`Metrics` merged into exactly the figures of one process.

Needs the ``dask`` extra (``pip install 'escalation_rules[dask]'``: dask and distributed).

- `backtest_on_dask`: one policy over a source: a list of log paths (one partition each,
  read on the workers), a Dask bag of `LoggedIssue`, a Dask dataframe of log rows
  partitioned by issue, or one log path (each worker reads its part: the issues whose ids hash
  to its number).
- `backtest_many_on_dask`: several policies over the same source, each partition read
  once (what a policy sweep runs).

Both run on the ``distributed.Client`` passed in, or on a `LocalCluster` of processes
started and closed for the run.
"""

from __future__ import annotations

from ._analysis.dask_run import backtest_many_on_dask, backtest_on_dask
from ._publish import publish_all

__all__ = ["backtest_many_on_dask", "backtest_on_dask"]

publish_all(globals(), __all__, __name__)
