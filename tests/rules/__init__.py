"""Tests of escalation_rules._rules: each rule type on its own."""
