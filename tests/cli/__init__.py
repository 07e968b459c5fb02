"""Tests of escalation_rules._cli: the console script, run as a user would."""
