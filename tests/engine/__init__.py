"""Tests of escalation_rules._engine: evaluation, context, explain/forecast, policy laws."""
