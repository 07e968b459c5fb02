"""L4, rules: one rule type per module, on a shared base."""
