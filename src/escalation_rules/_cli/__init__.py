"""L9, the ``escalation-rules`` command line."""
