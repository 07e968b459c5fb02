"""L8, analysis: words for what happened, replay, metrics, reports, backtest, lint, verify."""
