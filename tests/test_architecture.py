"""The shape of the code (docs/architecture.md): no import loop, small modules, public names.

The layer rule itself (imports point down) is import-linter's contract in pyproject.toml,
run by CI as ``lint-imports``; these tests need nothing beyond the standard library.
"""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest

import escalation_rules
import escalation_rules.distributed
import escalation_rules.host
import escalation_rules.importers
import escalation_rules.strategies
import escalation_rules.testing
import escalation_rules.verification

SRC = Path(escalation_rules.__file__).parent

MODULE_LINES = 520  # "about 500"
FUNCTION_LINES = 60
# Allowed exceptions, with the reason.
LONG_MODULES: dict[str, str] = {}
LONG_FUNCTIONS = {
    "_io/schema.py:policy_json_schema": "one literal: the JSON Schema of the policy format",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _runtime_imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The escalation_rules modules *module* imports when it runs: at the top or in a function,
    not under ``if TYPE_CHECKING:``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _is_type_checking(node):
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                name = f"{target}.{alias.name}"
                found.add(name if name in known else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    # A package's __init__ that holds only a docstring imports nothing; the root
    # package is the public face, imported first by Python itself.
    return {m for m in found if m in known and m != module and m != "escalation_rules"}


def test_no_module_imports_itself_back_through_a_chain_of_runtime_imports() -> None:
    modules = _modules()
    graph = {m: _runtime_imports(m, p, set(modules)) for m, p in modules.items()}
    # Depth-first search for a back edge; report the loop it closes.
    state: dict[str, int] = {}
    stack: list[str] = []
    loops: list[list[str]] = []

    def dfs(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                loops.append([*stack[stack.index(n) :], n])
            elif n not in state:
                dfs(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            dfs(m)
    assert loops == []


def test_the_walker_sees_runtime_imports_and_not_type_checking_ones(tmp_path: Path) -> None:
    # The loop test is only as good as its import reader.
    pkg = tmp_path / "escalation_rules" / "_x"
    pkg.mkdir(parents=True)
    source = pkg / "a.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from .b import thing\n"
        "if TYPE_CHECKING:\n"
        "    from .c import Other\n"
        "def f():\n"
        "    from ..d import late\n",
        encoding="utf-8",
    )
    known = {"escalation_rules._x.b", "escalation_rules._x.c", "escalation_rules.d"}
    assert _runtime_imports("escalation_rules._x.a", source, known) == {
        "escalation_rules._x.b",
        "escalation_rules.d",
    }


@pytest.mark.parametrize("name", sorted(_modules()))
def test_a_module_holds_about_500_lines_at_most(name: str) -> None:
    path = _modules()[name]
    relative = path.relative_to(SRC).as_posix()
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MODULE_LINES or relative in LONG_MODULES, f"{relative}: {lines} lines"


def test_no_function_is_longer_than_60_lines() -> None:
    long = []
    for path in _modules().values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                where = f"{path.relative_to(SRC).as_posix()}:{node.name}"
                if length > FUNCTION_LINES and where not in LONG_FUNCTIONS:
                    long.append(f"{where} ({length} lines)")
    assert long == []


@pytest.mark.parametrize(
    "module",
    [
        escalation_rules,
        escalation_rules.distributed,
        escalation_rules.host,
        escalation_rules.importers,
        escalation_rules.testing,
        escalation_rules.strategies,
        escalation_rules.verification,
    ],
    ids=lambda m: m.__name__,
)
def test_public_objects_name_the_module_users_import_them_from(module: types.ModuleType) -> None:
    wrong = []
    for name in module.__all__:
        obj = getattr(module, name)
        is_definition = isinstance(obj, type) or (callable(obj) and hasattr(obj, "__code__"))
        if is_definition and obj.__module__ not in ("escalation_rules", module.__name__):
            wrong.append(f"{name}: {obj.__module__}")
    assert wrong == []


def test_private_modules_declare_no_all() -> None:
    # Private modules are reached by their importers' explicit names; an __all__ there
    # would be one more list to keep true.
    declared = [
        path.relative_to(SRC).as_posix()
        for name, path in _modules().items()
        if name.rpartition(".")[2].startswith("_")
        or any(part.startswith("_") and part != "__init__" for part in name.split(".")[1:])
        if "__all__" in path.read_text(encoding="utf-8")
    ]
    assert declared == []
