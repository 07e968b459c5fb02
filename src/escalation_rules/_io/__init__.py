"""L7, input and output: policy files, the JSON Schema, issue JSON, event logs, bundled examples."""
