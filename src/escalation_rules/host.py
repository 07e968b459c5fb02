"""The host kit: what a support tool that embeds escalation_rules needs around `evaluate`.

docs/host.md shows the loop: build the issue from your rows, `settle` it at the instant you
trust, carry out the actions, store the issue, and wake at its ``next_evaluation_at``.

- `settle`: one step of that loop for one issue: evaluate, record every action decided,
  evaluate again until nothing new is due (bounded: `SettleError`); a `Settled` says what
  was carried out and when to come back. Settling again at the same instant does nothing.
- `DueIndex`: many issues by the instant each is next due, for the scheduler: ``earliest()``
  to wake at, ``due(now)`` for the issues to settle then.
- `event_to_dict` and `event_from_dict`: an `Event` as plain JSON-able data, for storing a
  history row by row (``escalation_rules.issue_to_dict`` and ``issue_from_dict`` do a
  whole issue).
"""

from __future__ import annotations

from ._engine.host_due import DueIndex
from ._engine.host_settle import Settled, SettleError, settle
from ._io.issuejson import event_from_dict, event_to_dict
from ._publish import publish_all

__all__ = [
    "DueIndex",
    "SettleError",
    "Settled",
    "event_from_dict",
    "event_to_dict",
    "settle",
]

publish_all(globals(), __all__, __name__)
