"""L5, the engine: the evaluation context, the compiled plan, explain, forecast and `Policy`."""
