"""Tests of escalation_rules._analysis: replay, backtest, metrics, the linter."""
