"""Tests of escalation_rules._language: the condition language."""
