"""Tests of escalation_rules._model: the issue, its events and history helpers."""
