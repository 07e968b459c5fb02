"""L1, the model: actions, events, the history summary, issues, anchors, SLA targets and levels.

Data and its validation only; nothing here evaluates a policy.
"""
