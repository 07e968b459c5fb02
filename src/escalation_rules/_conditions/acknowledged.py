"""``acknowledged()``: the issue was acknowledged since it entered its current level.

``happened("acknowledged")`` (in ``_time.conditions``) asks whether an ``acknowledged``
event is anywhere in the history, so an acknowledgement at the first level would still count
after an escalation. ``acknowledged()`` asks what the on-call chain asks
(`Context.acknowledged`): is the latest ``acknowledged`` event later in the history than the
event that put the issue at its current level? "Remind the owner every hour until
acknowledged" is ``notify(..., every=hours(1), while_=~acknowledged())``, and a new level
starts a new wait for an acknowledgement.

It reads the history, not the instant, so it is decided on the issue alone (and it may appear
in an SLA policy's condition, which is decided again at every event).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from .._model.issue import Issue, summary_of
from .condition import Condition, Test

_NEVER: Final[tuple[int, datetime | None]] = (-1, None)


@attrs.frozen(repr=False)
class Acknowledged(Condition):
    """``acknowledged()``: an ``acknowledged`` event since the issue entered its level.

    The level is the issue's ``level``, or inside a policy the first level when it is
    ``None`` (the level an issue that never moved sits at); an issue that never entered
    its level by an event (an escalation, a ``level_changed``) entered it at its creation.
    """

    def compile(self, defaults: Mapping[str, Any] | None = None) -> Test:
        first = None if defaults is None else defaults.get("level")

        def test(issue: Issue) -> bool:
            summary = summary_of(issue)
            level = first if issue.level is None else issue.level
            entered = summary.level_entries.get(level, _NEVER)[0] if level is not None else -1
            return summary.anchors[0][0] > entered

        return test

    def __repr__(self) -> str:
        return "acknowledged()"

    def expr_text(self) -> str:
        return "acknowledged()"


def acknowledged() -> Condition:
    """The issue was acknowledged since it entered its current level: ``~acknowledged()``
    reads "not acknowledged yet at this level" (see `Acknowledged`)."""
    return Acknowledged()
