"""The JSON Schema of a policy's dict form (what `to_dict` writes and `from_dict` reads).

The schema checks the shape; `from_dict` also checks every reference (levels,
calendars, clocks, fields), which a schema cannot express.
"""

from __future__ import annotations

import copy
from typing import Any, get_args

from .._model.anchors import Anchor
from .._model.clock_definitions import CONDITION_NAMES, Metric
from .._model.events import EventKind, Status
from .._rules.repeat import MAX_REPETITIONS
from .._time.calendar import BOUNDARY_PRESETS, Landing, Reversed, Zero
from .read_matrix import MATRIX_RULE_SCHEMA
from .schedule_file import SCHEDULES_SCHEMA

_DURATION = r"^([0-9]+[wdhms])+( business)?$"

_TARGET = r"^(([0-9]+[wdhms])+( business)?|[0-9]+ business days?)$"

_INTERVAL = r"^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?-[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?$"

_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, **extra}


def _duration(description: str) -> dict[str, Any]:
    return {"type": "string", "pattern": _DURATION, "description": description}


def _obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    return out


def policy_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the policy dict form."""
    target = {
        "type": "string",
        "pattern": _TARGET,
        "description": '"8h" (elapsed time), "8h business" (on the calendar in effect) or '
        '"2 business days" (the same local time two business days later)',
    }
    intervals = {"type": "array", "items": {"type": "string", "pattern": _INTERVAL}}
    condition = _string(description='a condition, e.g. priority in ["P1", "P2"]')
    one_recipient = {
        "oneOf": [
            _string(description="a team or a person"),
            _obj(
                {"schedule": _string(description="whoever is on call in this schedule")},
                ["schedule"],
            ),
        ]
    }
    recipients = {
        "oneOf": [one_recipient, {"type": "array", "minItems": 1, "items": one_recipient}],
        "description": "who is notified: a name, { schedule = NAME }, or a list of them",
    }
    triggers = {
        "type": "array",
        "items": _string(
            description="a clock trigger: an event kind (agent_reply...), created, reopened, "
            "resolved, team_changed, status:<status> or custom:<name>"
        ),
    }
    trigger = {
        "oneOf": [
            _obj(
                {
                    "after": _duration("time on the policy's clock, or on 'calendar'"),
                    "since": {"enum": [a.value for a in Anchor]},
                    "calendar": _string(
                        description="a calendar of the policy: 'after' counts its business time"
                    ),
                },
                ["after"],
            ),
            _obj(
                {
                    "sla": _string(description="an SLA clock name"),
                    "share": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?%$"},
                    "before": _duration("counted time before the share"),
                    "after": _duration("counted time after the share"),
                },
                ["sla"],
            ),
        ]
    }

    def rule(kind: str, props: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return _obj(
            {"name": _string(), "type": {"const": kind}, **props}, ["name", "type", *required]
        )

    rules_ref = {"type": "array", "items": {"$ref": "#/$defs/rule"}}
    targets = {
        "type": "object",
        "additionalProperties": {
            "oneOf": [target, {"type": "object", "additionalProperties": target}]
        },
    }
    field = _string(description="a dotted issue field, e.g. customer.attributes.region")
    return _with_parameters(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://escalation-rules.invalid/policy.schema.json",
            "title": "escalation_rules policy",
            "description": "The dict form of an escalation_rules Policy (to_dict / from_dict), "
            "and the shape of a policy TOML file.",
            "type": "object",
            "additionalProperties": False,
            "required": ["levels"],
            "properties": {
                "policy": _obj(
                    {
                        "name": _string(),
                        "match": {"enum": ["all", "first"]},
                        "supersede_warnings": {
                            "type": "boolean",
                            "description": "storm control (default true): false lets every "
                            "crossed SLA warning fire",
                        },
                        "calendar": _string(),
                        "calendar_field": field,
                        "calendar_fields": {
                            "type": "array",
                            "items": field,
                            "description": "fields tried in order; the first set names the "
                            "issue's calendar",
                        },
                        "zone_field": _string(
                            description="a dotted issue field holding an IANA zone name"
                        ),
                        "clock": _string(description='"wall" or a calendar name'),
                        "version": _string(
                            description="the policy's version (by default its name and a digest "
                            "of its content)"
                        ),
                    }
                ),
                "status_map": {
                    "type": "object",
                    "additionalProperties": {"enum": [s.value for s in Status]},
                },
                "calendars": {
                    "type": "object",
                    "additionalProperties": _obj(
                        {
                            "tz": _string(description="an IANA time zone"),
                            "hours": {"type": "object", "additionalProperties": intervals},
                            "holidays": {
                                "type": "array",
                                "items": {"type": "string", "pattern": _DATE},
                            },
                            "holidays_from": _obj(
                                {
                                    "country": _string(),
                                    "subdiv": _string(),
                                    "years": {"type": "array", "items": {"type": "integer"}},
                                },
                                ["country", "years"],
                            ),
                            "exceptions": {"type": "object", "additionalProperties": intervals},
                            "breaks": {"type": "object", "additionalProperties": intervals},
                            "boundaries": {
                                "oneOf": [
                                    {"enum": sorted(BOUNDARY_PRESETS)},
                                    _obj(
                                        {
                                            "landing": {"enum": list(get_args(Landing))},
                                            "zero": {"enum": list(get_args(Zero))},
                                            "reversed": {"enum": list(get_args(Reversed))},
                                        }
                                    ),
                                ]
                            },
                        },
                        ["tz", "hours"],
                    ),
                },
                "clocks": {
                    "type": "object",
                    "additionalProperties": _obj(
                        {
                            "metric": {"enum": [m.value for m in Metric]},
                            "pause_on": {
                                "type": "array",
                                "items": {
                                    "type": "string",
                                    "minLength": 1,
                                    "description": "open, pending, or a host status named in "
                                    "status_map",
                                },
                            },
                            "on_reopen": {"enum": ["resume", "restart"]},
                            "retroactive": {"type": "boolean"},
                            **dict.fromkeys(CONDITION_NAMES, triggers),
                        }
                    ),
                },
                "targets": targets,
                "schedules": copy.deepcopy(SCHEDULES_SCHEMA),
                "slas": {
                    "type": "array",
                    "items": _obj(
                        {
                            "name": _string(),
                            "when": _string(
                                description="a condition on the issue's fields; none: the "
                                "fallback, last"
                            ),
                            "calendar": _string(),
                            "targets": targets,
                        },
                        ["name"],
                    ),
                },
                "levels": {
                    "type": "array",
                    "minItems": 1,
                    "items": _obj(
                        {
                            "id": _string(),
                            "name": _string(),
                            "rank": {"type": "integer"},
                            "owner": recipients,
                            "ack_timeout": _duration("time on the policy's clock"),
                            "calendar": _string(),
                            "targets": targets,
                            "timeout_from": {"enum": ["previous", "start"]},
                            "escalate_if": {"enum": ["not_acknowledged", "not_closed"]},
                            "round_robin": _string(
                                description="a dotted issue field holding an integer: notify only "
                                "the recipient at that number modulo their count"
                            ),
                        },
                        ["id", "name", "rank", "owner"],
                    ),
                },
                "rules": rules_ref,
            },
            "$defs": {
                "rule": {
                    "oneOf": [
                        rule("route", {"when": condition, "to": _string()}, ["when", "to"]),
                        rule(
                            "escalate",
                            {
                                "when": condition,
                                "to": _string(description="a level id; the next level if absent"),
                                "on": {"enum": [k.value for k in EventKind]},
                                "at": trigger,
                            },
                            [],
                        ),
                        rule(
                            "notify",
                            {
                                "when": condition,
                                "to": recipients,
                                "at": trigger,
                            },
                            ["at"],
                        ),
                        rule(
                            "notify",
                            {
                                "when": condition,
                                "to": recipients,
                                "every": _duration(
                                    "a repetition every so long (positive) since 'since', on the "
                                    "policy's clock or business time on 'calendar'"
                                ),
                                "while": _string(
                                    description="a condition: repetitions are sent only while it "
                                    "holds, e.g. not acknowledged()"
                                ),
                                "since": {"enum": [a.value for a in Anchor]},
                                "first": _duration(
                                    "the first repetition's delay; 'every' if absent"
                                ),
                                "calendar": _string(
                                    description="a calendar of the policy: repetitions fall in its "
                                    "open hours"
                                ),
                                "limit": {
                                    "type": "integer",
                                    "minimum": 1,
                                    "maximum": MAX_REPETITIONS,
                                },
                            },
                            ["every"],
                        ),
                        rule(
                            "chain",
                            {
                                "repeat": {"type": "integer", "minimum": 0, "maximum": 20},
                                "wait": _duration("the wait before each repeat loop"),
                                "backoff": {"type": "number", "minimum": 1, "maximum": 10},
                                "retrigger_after": _duration(
                                    "acknowledged and still open this long: triggered again"
                                ),
                                "timeout_from": {"enum": ["previous", "start"]},
                                "escalate_if": {"enum": ["not_acknowledged", "not_closed"]},
                                "then": {
                                    "type": "object",
                                    "minProperties": 1,
                                    "maxProperties": 1,
                                    "additionalProperties": False,
                                    "properties": {
                                        "notify": recipients,
                                        "set_priority": _string(),
                                        "set_status": _string(),
                                    },
                                },
                            },
                            [],
                        ),
                        rule("set_priority", {"when": condition, "to": _string()}, ["when", "to"]),
                        rule("first_match", {"rules": rules_ref}, ["rules"]),
                        copy.deepcopy(MATRIX_RULE_SCHEMA),
                    ]
                }
            },
        }
    )


_REFERENCE = r"^\$[A-Za-z_][A-Za-z0-9_]{0,63}$"


def _with_parameters(schema: dict[str, Any]) -> dict[str, Any]:
    """*schema* with the top-level ``parameters`` table and each rule's ``enabled`` key.

    The other values are described as they are once substituted: a ``"$name"`` reference
    in their place is for the policy reader (`loads`), which checks the value it stands for.
    """
    scalar = {"type": ["string", "number", "boolean"]}
    schema["properties"] = {
        "parameters": {
            "type": "object",
            "description": 'names and default values; a string that is exactly "$name" '
            "elsewhere in the file stands for the value",
            "maxProperties": 100,
            "propertyNames": {"pattern": _REFERENCE.replace("\\$", "", 1)},
            "additionalProperties": scalar,
        },
        **schema["properties"],
    }
    enabled = {
        "oneOf": [{"type": "boolean"}, {"type": "string", "pattern": _REFERENCE}],
        "description": "false leaves the rule out of the policy (default true); or a "
        '"$name" reference to a boolean parameter',
    }
    for rule in schema["$defs"]["rule"]["oneOf"]:
        rule["properties"]["enabled"] = enabled
    return schema
