"""Start-up cost: `import escalation_rules` and `escalation-rules --help` next to `python -c pass`.

Run:  .venv/bin/python benchmarks/bench_startup.py [--runs 15] [--baseline-src DIR]

Each command runs in a fresh interpreter; the figure is the median wall time of
``--runs`` runs, interleaved so that machine noise falls on every command alike,
and its ratio to the bare interpreter (``python -c pass``). With ``--baseline-src``
the same commands also run against another checkout's ``src`` directory (for a
before/after comparison in one run), put first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import escalation_rules": ["-c", "import escalation_rules"],
    "escalation-rules --help": [
        "-c",
        # what the console script does (an older checkout has the entry point in _cli)
        "import sys; sys.argv = ['escalation-rules', '--help']\n"
        "try:\n    from escalation_rules._cli.app import main\n"
        "except ImportError:\n    from escalation_rules._cli import main\n"
        "sys.exit(main())",
    ],
    "python -m escalation_rules --help": ["-m", "escalation_rules", "--help"],
    "modules after import": [
        "-c",
        "import sys, escalation_rules;"
        "print(sum(m.startswith('escalation_rules') for m in sys.modules))",
    ],
}


def _run(args: list[str], src: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "0"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - start, done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src/ to compare")
    args = parser.parse_args()
    trees = {"this tree": SRC}
    if args.baseline_src:
        trees = {"baseline": args.baseline_src.resolve(), **trees}
    times: dict[tuple[str, str], list[float]] = {}
    counts: dict[str, str] = {}
    for tree, src in trees.items():  # warm the bytecode caches
        for name, cmd in COMMANDS.items():
            _, out = _run(cmd, src)
            if name == "modules after import":
                counts[tree] = out
    for _ in range(args.runs):
        for tree, src in trees.items():
            for name, cmd in COMMANDS.items():
                if name != "modules after import":
                    times.setdefault((tree, name), []).append(_run(cmd, src)[0])
    print(f"Python {sys.version.split()[0]}, median of {args.runs} runs, interleaved")
    print(f"{'tree':<10} {'command':<34} {'ms':>8} {'x bare':>8}")
    for tree in trees:
        bare = statistics.median(times[(tree, "python -c pass")])
        for name in COMMANDS:
            if name == "modules after import":
                continue
            median = statistics.median(times[(tree, name)])
            print(f"{tree:<10} {name:<34} {median * 1000:8.1f} {median / bare:8.1f}")
        print(f"{tree:<10} {'escalation_rules modules':<34} {counts[tree]:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
