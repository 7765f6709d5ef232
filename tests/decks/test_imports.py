"""How the deck modules import each other: light modules stay light, and no import cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import mathdrill

PACKAGE = Path(mathdrill.__file__).parent


@pytest.mark.parametrize(
    "module", ["mathdrill.decks", "mathdrill.decks.library", "mathdrill.decks.catalog"]
)
def test_light_deck_modules_do_not_import_sympy_or_numpy(module: str) -> None:
    # `mathdrill stats` reads deck titles and tags through decks.catalog; sympy and numpy cost
    # about half a second.
    script = (
        f"import sys, {module}\n"
        "print(sorted(m for m in ('sympy', 'numpy', 'mpmath') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["mathdrill", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def import_graph() -> dict[str, set[str]]:
    """Every mathdrill module → the mathdrill modules it imports, inside functions too."""
    names = _module_names()
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, path in names.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                # `from package import module` imports the module; a name imports its module.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in names else base
                    for alias in node.names
                ]
            for target in targets:
                while target and target not in names:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others."""
    reaches = {name: _reachable(graph, name) for name in graph}
    found: list[list[str]] = []
    seen: set[str] = set()
    for name in sorted(graph):
        if name in seen:
            continue
        group = sorted(other for other in reaches[name] if name in reaches[other])
        if group:
            found.append(group)
            seen.update(group)
    return found


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    found: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(graph[name])
    return found


def test_the_graph_sees_imports_inside_functions_and_finds_cycles() -> None:
    graph = import_graph()
    # decks.library imports the loader inside a function (finding files must stay light).
    assert "mathdrill.decks.loader" in graph["mathdrill.decks.library"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_deck_module_is_part_of_an_import_cycle() -> None:
    ours = ("mathdrill.decks", "mathdrill.usecases.authoring", "mathdrill.cli.deck_cmd")
    involved = [
        group
        for group in cycles(import_graph())
        if any(name == prefix or name.startswith(prefix + ".") for name in group for prefix in ours)
    ]
    assert involved == []
