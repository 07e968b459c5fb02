"""L6, the condition language: functions, tokens, the parser and the formatter."""
