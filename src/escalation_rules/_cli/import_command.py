"""``escalation-rules import``: another product's documents in, a policy file out."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Final

from .._exceptions import EscalationRulesError

MAX_DOCUMENT: Final = 16 * 1024 * 1024
"""The most bytes read from one document (a FIFO or a device ends with an error)."""

SOURCES: Final = ("opsgenie", "pagerduty", "zendesk")


class ImportFailed(Exception):
    """A user-facing failure of the import command: the message and the exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def add_import(sub: Any) -> None:
    """The ``import`` subcommand's arguments."""
    imp = sub.add_parser(
        "import",
        help="import an Opsgenie, PagerDuty or Zendesk policy as a policy file",
        description="Read SOURCE's documents (JSON, as its API returns them) and print the "
        "policy as TOML. What the policy cannot express is listed on stderr, one line each.",
    )
    imp.add_argument("source", choices=SOURCES, metavar="SOURCE", help=" or ".join(SOURCES))
    imp.add_argument("document", metavar="DOCUMENT.json", help="the escalation or SLA policies")
    imp.add_argument(
        "--schedule",
        action="append",
        default=[],
        metavar="FILE.json",
        help="opsgenie, pagerduty: a schedule the escalation pages (repeatable)",
    )
    imp.add_argument(
        "--overrides",
        action="append",
        default=[],
        metavar="SCHEDULE_ID=FILE.json",
        help="pagerduty: a schedule's overrides (repeatable)",
    )
    imp.add_argument(
        "--ack-timeout",
        type=int,
        metavar="SECONDS",
        help="pagerduty: the service's acknowledgement timeout",
    )
    imp.add_argument(
        "--business-hours", metavar="FILE.json", help="zendesk: the business-hours schedules"
    )
    imp.add_argument(
        "--holidays",
        action="append",
        default=[],
        metavar="SCHEDULE_ID=FILE.json",
        help="zendesk: a schedule's holidays (repeatable)",
    )


def _document(path_text: str) -> Any:
    path = Path(path_text)
    if not path.is_file():
        raise ImportFailed(f"error: no document {path_text!r}", 2)
    with path.open("rb") as file:
        raw = file.read(MAX_DOCUMENT + 1)
    if len(raw) > MAX_DOCUMENT:
        raise ImportFailed(f"error: {path_text}: more than {MAX_DOCUMENT:,} bytes")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed(f"error: {path_text}: not JSON: {exc}") from None


def _keyed(pairs: list[str], option: str) -> dict[Any, Any]:
    out: dict[Any, Any] = {}  # document ids to parsed JSON
    for pair in pairs:
        key, sep, path = pair.partition("=")
        if not sep or not key or not path:
            raise ImportFailed(f"error: {option} takes ID=FILE.json, got {pair!r}", 2)
        out[key] = _document(path)
    return out


def run_import(args: argparse.Namespace) -> int:
    """Import, print the policy file, list what was left out on stderr; the exit code."""
    import sys

    from .._io.import_opsgenie import import_opsgenie
    from .._io.import_pagerduty import import_pagerduty
    from .._io.import_zendesk import import_zendesk
    from .._io.writer import dump

    document = _document(args.document)
    try:
        if args.source == "opsgenie":
            imported = import_opsgenie(document, schedules=[_document(p) for p in args.schedule])
        elif args.source == "pagerduty":
            imported = import_pagerduty(
                document,
                schedules=[_document(p) for p in args.schedule],
                overrides=_keyed(args.overrides, "--overrides") or None,
                acknowledgement_timeout=args.ack_timeout,
            )
        else:
            hours = None if args.business_hours is None else _document(args.business_hours)
            imported = import_zendesk(
                document, business_hours=hours, holidays=_keyed(args.holidays, "--holidays") or None
            )
        text = dump(imported.policy)
    except EscalationRulesError as exc:
        raise ImportFailed(f"error: {args.document}: {exc}") from None
    print(text, end="")
    for item in imported.unsupported:
        print(f"unsupported: {item}", file=sys.stderr)
    return 0
