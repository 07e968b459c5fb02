"""Write the bundled sample event log, in the format of the BPI Challenge 2013 incident log.

Run:  .venv/bin/python tools/make_sample_log.py [--incidents 300] [--out PATH]

The log is synthetic: no row of the real log is copied. It has the real log's columns and
vocabulary (statuses and sub-statuses, support lines L1 to L3, impact Low to Major, support
teams, products) so that `examples/bpi2013-mapping.toml` and the `bpi2013` policy read it as
they read the real one, and the README's backtest runs from a clone alone. Incidents follow
simple random paths (queued, accepted, sometimes waiting on the user, sometimes passed to a
higher line, resolved, closed) drawn from a seeded generator, so the same command writes the
same bytes. The real log is published by 4TU.ResearchData: BPI Challenge 2013, incidents,
https://doi.org/10.4121/uuid:500573e6-accc-4b0c-9576-aa5468b10cee.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

COLUMNS = [
    "SR Number", "Change Date+Time", "Status", "Sub Status", "Activity", "Activity Level",
    "Involved ST Function Div", "Involved Org line 3", "Involved ST", "Involved ST 2",
    "ST Level", "SR Latest Impact", "Product", "Country", "Owner Country", "Owner First Name",
    "Resource",
]  # fmt: skip

OUT = Path(__file__).parents[1] / "src" / "escalation_rules" / "examples" / "bpi2013-sample.csv.gz"
ZONE = timezone(timedelta(hours=1))
IMPACTS = [("Low", 30), ("Medium", 60), ("High", 9), ("Major", 1)]
TEAMS = {"L1": ["V30", "V5", "G97", "G92"], "L2": ["N15", "G96", "D8"], "L3": ["V37", "S42"]}
PEOPLE = [("fr", "France", "Frederic"), ("se", "Sweden", "Anna"), ("be", "Belgium", "Pieter"),
          ("br", "Brazil", "Marcos"), ("in", "India", "Priya"), ("us", "USA", "Mary")]  # fmt: skip


def incident(rng: random.Random, number: int, opened: datetime) -> list[list[str]]:
    """The rows of one incident, in time order."""
    impact = rng.choices([i for i, _ in IMPACTS], [w for _, w in IMPACTS])[0]
    product = f"PROD{rng.randrange(1, 120)}"
    country, owner_country, owner = rng.choice(PEOPLE)
    at, level = opened, "L1"
    team = rng.choice(TEAMS[level])
    rows: list[list[str]] = []

    def row(status: str, sub: str) -> None:
        activity = f"{status}-{sub}"
        rows.append([
            f"1-{364285768 + number * 7}", at.isoformat(), status, sub, activity,
            f"{activity}-{level}", f"{team[0]}2_{len(team)}", f"Org line {team[0]}2", team, team,
            level, impact, product, country, owner_country, owner, f"{country}-{owner}",
        ])  # fmt: skip

    def wait(hours: float) -> None:
        nonlocal at
        at += timedelta(minutes=max(1, round(rng.expovariate(1 / hours) * 60)))

    row("Queued", "Awaiting Assignment")
    wait(0.5)
    row("Accepted", "In Progress")
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        move = rng.random()
        wait(6)
        if move < 0.3:
            row("Accepted", "Wait - User")
            wait(20)
            row("Accepted", "In Progress")
        elif move < 0.55 and level != "L3":
            level = "L2" if level == "L1" else "L3"
            team = rng.choice(TEAMS[level])
            row("Queued", "Awaiting Assignment")
            wait(2)
            row("Accepted", "In Progress")
        else:
            row("Accepted", "Assigned")
    wait(10)
    row("Completed", "Resolved")
    if rng.random() < 0.8:
        wait(24)
        row("Completed", "Closed")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=300)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rng = random.Random(2013)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    opened = datetime(2012, 1, 2, 8, 0, tzinfo=ZONE)
    for number in range(args.incidents):
        opened += timedelta(minutes=rng.randrange(5, 90))
        writer.writerows(incident(rng, number, opened))
    with open(args.out, "wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as out:
        out.write(text.getvalue().encode("utf-8"))
    print(f"wrote {args.out} ({args.incidents} incidents)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
