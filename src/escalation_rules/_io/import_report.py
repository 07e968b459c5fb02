"""What an importer returns: the policy it built, and what the source had that it could not
express, item by item (never dropped silently)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .._engine.policy import Policy


@attrs.frozen
class Unsupported:
    """One thing in the source document that the policy cannot express.

    Attributes:
        where: the path of the item in the source document, e.g.
            ``"escalation_policy.escalation_rules[1].targets[0]"``.
        what: what it is and why it was left out, in one sentence.
        value: the item as the source had it (plain JSON data).
    """

    where: str
    what: str
    value: Any = None

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _items(value: Iterable[Unsupported]) -> tuple[Unsupported, ...]:
    return tuple(value)


@attrs.frozen
class Imported:
    """The result of an importer: the `Policy`, and the items it could not express.

    Attributes:
        policy: the policy built from the source (it lints clean).
        unsupported: what the source had that the policy leaves out, in document order.
        source: the product the document came from (``"pagerduty"``, ``"zendesk"``, ...).
    """

    policy: Policy
    unsupported: tuple[Unsupported, ...] = attrs.field(converter=_items, default=())
    source: str = ""

    def report(self) -> str:
        """The unsupported items as text, one a line (empty when everything was imported)."""
        return "\n".join(str(item) for item in self.unsupported)
