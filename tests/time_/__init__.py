"""Tests of escalation_rules._time: calendars, clocks, SLA clocks, time conditions."""
