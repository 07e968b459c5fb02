"""Mutation-test one module of escalation_rules against that module's own tests.

Usage (from the repository root, in the dev virtual environment, `pip install -e '.[mutation]'`)::

    python tools/mutation.py _conditions.compare         # mutate, run, print the score
    python tools/mutation.py _time.sla_clock --survivors # also print each surviving mutant's diff
    python tools/mutation.py _engine.policy --sample 100 # a seeded random sample of the mutants
    python tools/mutation.py _rules.chain --tests tests/engine/test_engine.py  # other test files
    python tools/mutation.py _time.sla_clock --workdir /tmp/m-sla --rerun  # survivors again
    python tools/mutation.py _conditions                 # every module of a package at once

MODULE is a module of ``src/escalation_rules`` written as a dotted name relative to the package
(``_time.calendar``; ``_time/calendar.py`` and ``escalation_rules._time.calendar`` also work), or
a subpackage (``_conditions``): then every module in it is mutated, against the test files of
all of them.

Each run works in a fresh copy of the repository (under the system temp folder, or
``--workdir``), so several modules can run side by side and nothing is written to the
working tree. The copy's ``[tool.mutmut]`` table is the one in ``pyproject.toml`` with
``only_mutate`` set to the module (or the package's modules) and the test selection set to its
test files.

mutmut runs in ``forkserver`` mode. The fork server imports only third-party packages
(``tools/mutation-preload.txt``); the library and the test modules are imported afresh in every
mutant's process *after* the mutant is switched on. In mutmut's default ``fork`` mode (or with the
``collect`` warm-up) they are imported once, unmutated: conditions built in ``parametrize`` lists
and the library's import-time defaults then use the original code and show false survivors.

The score counts error messages and error attributes as behaviour. Mutants that cannot change
behaviour are listed, one line each with the reason, in ``tools/mutation-equivalent.txt``; they are
reported apart and left out of the score.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "src/escalation_rules"
EQUIVALENT = ROOT / "tools" / "mutation-equivalent.txt"
PRELOAD = ROOT / "tools" / "mutation-preload.txt"

_CONDITIONS = ["tests/conditions/test_conditions.py"]
_CALENDAR = [
    "tests/time_/test_calendar.py",
    "tests/time_/test_calendar_properties.py",
    "tests/time_/test_calendar_differential.py",
    "tests/time_/test_calendar_bounds.py",
    "tests/time_/test_calendar_conventions.py",
    "tests/time_/test_calendar_conventions_laws.py",
]
_SLA = [
    "tests/time_/test_sla.py",
    "tests/time_/test_sla_properties.py",
    "tests/time_/test_clock_definitions.py",
]
_SLA_POLICIES = ["tests/engine/test_sla_policies.py", "tests/io_/test_sla_policies_toml.py"]
_CONTEXT = [
    "tests/engine/test_context.py",
    "tests/engine/test_engine.py",
    "tests/time_/test_timed.py",
]
_POLICY = ["tests/engine/test_engine.py", "tests/engine/test_policy_validation.py"]
_RULES = [
    "tests/rules/test_rules.py",
    "tests/rules/test_storm_control.py",
    "tests/rules/test_after_calendar.py",
    *_POLICY,
]
_LANGUAGE = ["tests/language/test_expr.py"]
_ONCALL = ["tests/rules/test_oncall_chain.py"]
_SCHEDULES = ["tests/time_/test_oncall.py", "tests/io_/test_schedule_file.py"]

#: Each module of the engine's core (a dotted name under escalation_rules) and the test files
#: that own its behaviour. A package on the command line takes the files of all its modules.
TESTS: dict[str, list[str]] = {
    "_model.anchors": _CONTEXT,
    "_model.levels": [*_POLICY, *_ONCALL],
    "_model.schedules": _SCHEDULES,
    "_model.restrictions": _SCHEDULES,
    "_model.targets": _SLA,
    "_model.clock_definitions": _SLA,
    "_conditions.paths": _CONDITIONS,
    "_conditions.condition": _CONDITIONS,
    "_conditions.compare": _CONDITIONS,
    "_conditions.dsl": _CONDITIONS,
    "_conditions.acknowledged": [
        "tests/conditions/test_acknowledged.py",
        "tests/rules/test_repeat.py",
    ],
    "_time.calendar_spec": _CALENDAR,
    "_time.calendar": _CALENDAR,
    "_time.calendar_arithmetic": _CALENDAR,
    "_time.calendar_index": _CALENDAR,
    "_time.calendar_zone": _CALENDAR,
    "_time.holidays": ["tests/time_/test_calendar.py"],
    "_time.clocks": [
        "tests/engine/test_context.py",
        "tests/time_/test_calendar.py",
        "tests/time_/test_sla.py",
    ],
    "_time.sla_clock": _SLA,
    "_time.clock_fold": _SLA,
    "_time.overlay": _SLA,
    "_time.switched_measure": _SLA_POLICIES,
    "_time.conditions": ["tests/time_/test_timed.py", "tests/conditions/test_is_open.py"],
    "_time.oncall": _SCHEDULES,
    "_time.oncall_plan": _SCHEDULES,
    "_rules.base": _RULES,
    "_rules.functional": _RULES,
    "_rules.hierarchical": _RULES,
    "_rules.timed": _RULES,
    "_rules.chain": [*_ONCALL, *_RULES],
    "_rules.chain_steps": [*_ONCALL, *_RULES],
    "_rules.recipients": [
        "tests/rules/test_recipients.py",
        *_ONCALL,
        "tests/rules/test_repeat.py",
    ],
    "_rules.priority": _ONCALL,
    "_rules.storm": ["tests/rules/test_storm_control.py"],
    "_rules.matrix": ["tests/rules/test_matrix.py", "tests/io_/test_matrix_toml.py"],
    "_rules.repeat": [
        "tests/rules/test_repeat.py",
        "tests/rules/test_repeat_properties.py",
        "tests/io_/test_repeat_toml.py",
    ],
    "_rules.first_match": _RULES,
    "_engine.context": _CONTEXT,
    "_engine.plan": [*_POLICY, "tests/rules/test_storm_control.py"],
    "_engine.sla_select": [*_SLA_POLICIES, *_SLA],
    "_engine.sla_policies": _SLA_POLICIES,
    "_engine.policy": _POLICY,
    "_engine.policy_fields": _POLICY,
    "_engine.versions": ["tests/engine/test_versions.py"],
    "_engine.fingerprint": ["tests/engine/test_versions.py"],
    "_engine.explain": ["tests/engine/test_explain.py"],
    "_engine.forecast": ["tests/engine/test_explain.py"],
    "_durations": [*_LANGUAGE, "tests/test_durations_business.py"],
    "_language.lexer": _LANGUAGE,
    "_language.parser": _LANGUAGE,
    "_language.functions": [*_LANGUAGE, "tests/language/test_is_open_text.py"],
    "_language.formatter": _LANGUAGE,
}

_STATUS = re.compile(r"^\s*(?P<name>\S+): (?P<status>[a-z ]+?)\s*$")


def _equivalents(module: str) -> dict[str, str]:
    """The listed equivalent mutants of *module*: name -> reason."""
    found: dict[str, str] = {}
    if not EQUIVALENT.exists():
        return found
    for raw in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if name.startswith(f"escalation_rules.{module}."):
            found[name] = reason.strip(" -")
    return found


def _modules(name: str) -> tuple[str, list[str]]:
    """*name* as a dotted name, and the modules it stands for (itself, or a package's modules).

    Raises ValueError when *name* is neither a module nor a package of the library.
    """
    dotted = name.removesuffix(".py").replace("/", ".").removeprefix("escalation_rules.")
    path = ROOT / PACKAGE / dotted.replace(".", "/")
    if path.with_suffix(".py").is_file():
        return dotted, [dotted]
    if (path / "__init__.py").is_file():
        inside = sorted(f.stem for f in path.glob("*.py") if f.stem != "__init__")
        return dotted, [f"{dotted}.{stem}" for stem in inside]
    raise ValueError(f"no module {PACKAGE}/{dotted.replace('.', '/')}.py and no such package")


def _tests_for(modules: list[str]) -> list[str]:
    """The test files of *modules*, each once, in the order of TESTS."""
    found: list[str] = []
    for module in modules:
        found += [t for t in TESTS.get(module, []) if t not in found]
    return found


def _source(module: str) -> str:
    return f"{PACKAGE}/{module.replace('.', '/')}.py"


def _prepare(modules: list[str], tests: list[str], workdir: Path) -> None:
    """Copy (or bring up to date) the working tree and set the mutmut table in *workdir*."""
    for part in ("src", "tests", "docs"):  # some tests read the docs (their examples)
        shutil.copytree(
            ROOT / part,
            workdir / part,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    shutil.copy(PRELOAD, workdir / "mutation-preload.txt")
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    table = dict(tomllib.loads(text)["tool"]["mutmut"])
    table["only_mutate"] = [_source(module) for module in modules]
    table["pytest_add_cli_args_test_selection"] = tests
    table["preload_modules_file"] = "mutation-preload.txt"
    lines = ["[tool.mutmut]"] + [f"{key} = {_toml(value)}" for key, value in table.items()]
    # The copy keeps the pytest settings; the mutmut table is replaced.
    kept = re.sub(r"(?ms)^\[tool\.mutmut\]$.*?(?=^\[|\Z)", "", text)
    (workdir / "pyproject.toml").write_text(kept + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def _mutmut(workdir: Path, *args: str, capture: bool = False, check: bool = True) -> str:
    env = dict(os.environ)
    env.pop("MUTANT_UNDER_TEST", None)
    done = subprocess.run(
        [sys.executable, "-m", "mutmut", *args],
        cwd=workdir,
        env=env,
        check=check,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return done.stdout or ""


def _all_mutants(workdir: Path) -> dict[str, str]:
    statuses: dict[str, str] = {}
    for line in _mutmut(workdir, "results", "--all", "true", capture=True).splitlines():
        match = _STATUS.match(line)
        if match:
            statuses[match["name"]] = match["status"]
    return statuses


def _verify_timeout(workdir: Path, name: str) -> str:
    """Run a "timeout" mutant's tests directly in a fresh process: "killed" or "survived".

    mutmut reports a mutant whose tests fail to import (a collection error) as a timeout in
    forkserver mode; a real hang also ends here, and counts as killed.
    """
    tests = _mutmut(workdir, "tests-for-mutant", name, capture=True).split()
    env = dict(os.environ, MUTANT_UNDER_TEST=name, PYTHONPATH="src")
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(
            command, cwd=workdir / "mutants", env=env, capture_output=True, timeout=300
        )
    except subprocess.TimeoutExpired:
        return "killed"
    return "survived" if done.returncode == 0 else "killed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "module",
        help="a module of src/escalation_rules (_time.calendar) or a package (_conditions)",
    )
    parser.add_argument("--tests", nargs="+", help="test files (default: the module's own)")
    parser.add_argument("--sample", type=int, help="run a seeded random sample of N mutants")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--survivors", action="store_true", help="print each survivor's diff")
    parser.add_argument("--workdir", type=Path, help="work here instead of a temp folder")
    parser.add_argument(
        "--rerun",
        action="store_true",
        help="with the --workdir of an earlier run: rerun its survivors against the current tests",
    )
    parser.add_argument(
        "--report", action="store_true", help="only print the results of the --workdir's last run"
    )
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    try:
        module, modules = _modules(args.module)
    except ValueError as exc:
        parser.error(str(exc))
    tests = args.tests or _tests_for(modules)
    if not tests:
        parser.error(f"no test files known for {module}; pass --tests")
    tests = [t for t in tests if (ROOT / t).exists()]

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix=f"mutation-{module}-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if not args.report:
        _prepare(modules, tests, workdir)
    sources = " ".join(_source(m) for m in modules)
    print(f"mutating {sources} against {' '.join(tests)} in {workdir}", flush=True)

    names: list[str] = []
    if args.rerun:
        if not (workdir / "mutants").exists():
            parser.error("--rerun needs the --workdir of an earlier run")
        not_killed = ("survived", "no tests")
        listed = _equivalents(module)
        names = sorted(
            n for n, s in _all_mutants(workdir).items() if s in not_killed and n not in listed
        )
        if not names:
            print("nothing to rerun: no survivors")
    elif args.sample:
        # Generate the mutants and the test map first, then run only the sample.
        # mutmut generates every mutant, then refuses the filter that matches none: enough.
        _mutmut(workdir, "run", "--max-children", "1", "no-such-mutant", check=False)
        every = sorted(_all_mutants(workdir))
        names = sorted(random.Random(args.seed).sample(every, min(args.sample, len(every))))
    if not args.report and (names or not args.rerun):
        _mutmut(workdir, "run", "--max-children", str(args.max_children), *names)

    statuses = _all_mutants(workdir)
    total = len(statuses)
    if not (args.report or args.sample) and "not checked" in statuses.values():
        # mutmut drops every result when the test selection changes: run what it dropped.
        _mutmut(workdir, "run", "--max-children", str(args.max_children))
        statuses = _all_mutants(workdir)
    if names and not args.rerun:
        statuses = {n: s for n, s in statuses.items() if n in set(names)}
    for name, status in statuses.items():
        if status == "timeout":
            statuses[name] = _verify_timeout(workdir, name)
    equivalent = _equivalents(module)
    counts: dict[str, int] = {}
    survivors: list[str] = []
    listed: list[str] = []
    for name, status in sorted(statuses.items()):
        if status in ("survived", "no tests") and name in equivalent:
            listed.append(name)
            continue
        counts[status] = counts.get(status, 0) + 1
        if status in ("survived", "no tests"):
            survivors.append(name)
    stale = sorted(n for n in equivalent if statuses.get(n) == "killed")

    # A mutant that no selected test reaches ("no tests") is not killed: it counts against the
    # score like a survivor. A timeout or a crash is a kill.
    killed = sum(counts.get(s, 0) for s in ("killed", "timeout", "segfault", "suspicious"))
    survived = counts.get("survived", 0) + counts.get("no tests", 0)
    decided = killed + survived
    score = 100.0 * killed / decided if decided else 100.0
    if args.sample:
        print(f"\n{module}: a sample of {len(statuses)} of {total} mutants (seed {args.seed})")
    else:
        print(f"\n{module}: {len(statuses)} mutants")
    for status, count in sorted(counts.items()):
        print(f"  {status:>14}: {count}")
    print(f"  {'equivalent':>14}: {len(listed)} (listed in {EQUIVALENT.relative_to(ROOT)})")
    print(f"  score: {score:.1f} % ({killed} killed / {decided} killed + survived + no tests)")
    if stale:
        print("  listed as equivalent but not surviving (remove from the list):")
        for name in stale:
            print(f"    {name}")
    if survivors:
        print("  survivors:")
        for name in survivors:
            print(f"    {name} ({statuses[name]})")
            if args.survivors:
                print(_mutmut(workdir, "show", name, capture=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
