"""Tests of escalation_rules._conditions: field paths, conditions, comparisons, the F DSL."""
