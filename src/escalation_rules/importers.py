"""Bring what you have: policies from other products, as `Policy` objects.

Each importer takes the product's documents as its API returns them (parsed JSON) and gives an
`Imported`: the policy, and what the source had that the policy cannot express, item by item,
each with its path in the document (never dropped silently). The policy lints clean, and
``escalation_rules.dump(imported.policy)`` writes it as a policy file.

- `import_pagerduty`: an escalation policy with its schedules and overrides (and the
  service's acknowledgement timeout), as levels, on-call schedules and a `chain`.
- `import_opsgenie`: an escalation (rules with their conditions and delays from the start,
  repeat) with the schedules it notifies, as levels and a `chain`.
- `import_zendesk`: SLA policies with business-hours schedules and holidays, as SLA policies
  chosen by condition, targets by clock and priority, and calendars.

Ticket adapters turn the payloads a host holds into an `Issue` whose history replays the
ticket's audit trail, with an `AdaptedTicket` saying what could not be mapped; a
`TicketMapping` maps the host's statuses, priorities, groups and custom fields:

- `zendesk_ticket`: a Zendesk ticket with its audits.
- `jira_issue`: a Jira issue with its changelog (and comments).
- `servicenow_incident`: a ServiceNow incident with its ``sys_audit`` rows.

A document that is not the shape the product publishes raises `PolicyError` naming the path
in the document and the bad value.
"""

from __future__ import annotations

from ._io.import_opsgenie import import_opsgenie
from ._io.import_pagerduty import import_pagerduty
from ._io.import_report import Imported, Unsupported
from ._io.import_zendesk import import_zendesk
from ._io.ticket_adapter import AdaptedTicket, TicketMapping
from ._io.ticket_jira import jira_issue
from ._io.ticket_servicenow import servicenow_incident
from ._io.ticket_zendesk import zendesk_ticket
from ._publish import publish_all

__all__ = [
    "AdaptedTicket",
    "Imported",
    "TicketMapping",
    "Unsupported",
    "import_opsgenie",
    "import_pagerduty",
    "import_zendesk",
    "jira_issue",
    "servicenow_incident",
    "zendesk_ticket",
]

publish_all(globals(), __all__, __name__)
