"""Tests of escalation_rules._io: policy files, the schema, the bundled examples."""
