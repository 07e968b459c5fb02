"""L2, conditions: field paths, condition objects and the ``F`` DSL."""
