"""Adversarial policy text at 1, 4 and 16 KB next to a plain policy of the same size.

Run:  .venv/bin/python benchmarks/bench_hostile.py [--repeats 5]

Each shape is timed through `loads` (and `lint_text`, which loads and then locates its
findings) at three sizes; the plain policy is the same size made of ordinary rules. A cost
that grows linearly keeps each shape's ratio to the plain policy flat as the size grows; a
ratio that grows fourfold from one size to the next is quadratic. A shape the library
refuses is timed up to its error: refusing must be cheap too.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import sys
import time
from collections.abc import Callable

from escalation_rules import EscalationRulesError, lint_text, loads
from escalation_rules import __version__ as version
from escalation_rules._io.issuejson import read_issue_text

LEVEL = '[[levels]]\nid = "L1"\nname = "One"\nrank = 1\nowner = "frontline"\n'
SIZES = (1024, 4096, 16384)


def plain(size: int) -> str:
    """Ordinary routing rules up to *size* characters."""
    text, i = LEVEL, 0
    while len(text) < size:
        text += (
            f'[[rules]]\ntype = "route"\nname = "r{i}"\nwhen = "category == \'c{i}\'"\nto = "t"\n'
        )
        i += 1
    return text


SHAPES: dict[str, Callable[[int], str]] = {
    "plain policy": plain,
    "one long inline string": lambda n: 'policy = { name = "' + "a" * n + '" }\n' + LEVEL,
    "a long string, then a mistake": (
        lambda n: 'policy = { name = "' + "a" * n + '", match = "frist" }\n' + LEVEL
    ),
    "dotted key a.a.a...": lambda n: "a." * (n // 2) + "a = 1\n" + LEVEL,
    "table header [a.a.a...]": lambda n: "[" + "a." * (n // 2) + "a]\n" + LEVEL,
    "one long condition": (
        lambda n: (
            LEVEL
            + '[[rules]]\ntype = "route"\nname = "r"\nto = "t"\nwhen = "'
            + " or ".join(f"category == 'c{i}'" for i in range(n // 20))
            + '"\n'
        )
    ),
}


def plain_issue(size: int) -> str:
    """An issue JSON with ordinary events up to *size* characters."""
    events, i = [], 0
    text = ""
    while len(text) < size:
        events.append(f'{{"kind": "agent_reply", "at": "2026-03-02T09:{i % 60:02d}:00Z"}}')
        text = ISSUE_HEAD + ", ".join(events) + "]}"
        i += 1
    return text


ISSUE_HEAD = '{"id": "H-1", "created_at": "2026-03-02T09:00:00Z", "history": ['
ISSUE_SHAPES: dict[str, Callable[[int], str]] = {
    "plain issue": plain_issue,
    "one long id": lambda n: '{"id": "' + "a" * n + '", "created_at": "2026-03-02T09:00:00Z"}',
    "attributes nested deep": (
        lambda n: ISSUE_HEAD + '], "attributes": {"x": ' + "[" * (n // 2) + "]" * (n // 2) + "}}"
    ),
    "a number of n digits": (
        lambda n: (
            '{"id": "X", "created_at": "2026-03-02T09:00:00Z", "attributes": {"x": '
            + "9" * n
            + "}}"
        )
    ),
    "many attributes": (
        lambda n: (
            ISSUE_HEAD
            + '], "attributes": {'
            + ", ".join(f'"k{i}": {i}' for i in range(n // 12))
            + "}}"
        )
    ),
}


def best_ms(text: str, call: Callable[[str], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        with contextlib.suppress(EscalationRulesError):
            call(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def table(
    label: str, call: Callable[[str], object], shapes: dict[str, Callable[[int], str]], repeats: int
) -> None:
    """Each shape at each size, in ms and as a ratio to the first (plain) shape of that size."""
    print(f"\n{label}:")
    head = "".join(f" | {size // 1024:>2} KB ms | ratio" for size in SIZES)
    print(f"{'shape':<32}{head}")
    plain_shape = next(iter(shapes.values()))
    base = {size: best_ms(plain_shape(size), call, repeats) for size in SIZES}
    worst_per_kb = 0.0
    for name, make in shapes.items():
        row = f"{name:<32}"
        for size in SIZES:
            ms = best_ms(make(size), call, repeats)
            worst_per_kb = max(worst_per_kb, ms / (size / 1024))
            row += f" | {ms:8.2f} | {ms / base[size]:5.1f}"
        print(row)
    print(f"worst time per KB ({label}): {worst_per_kb:.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(
        f"escalation_rules {version}, Python {platform.python_version()}, {platform.machine()}; "
        f"best of {args.repeats}; ms, and the ratio to the plain policy of the same size"
    )
    tables: list[tuple[str, Callable[[str], object], dict[str, Callable[[int], str]]]] = [
        ("loads", loads, SHAPES),
        ("lint_text", lint_text, SHAPES),
        ("issue JSON (read_issue_text)", read_issue_text, ISSUE_SHAPES),
    ]
    for label, call, shapes in tables:
        table(label, call, shapes, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
