"""No module of the package calls eval/exec/sympify/parse_expr/S/__import__ (by any spelling)."""

from __future__ import annotations

import ast
from pathlib import Path

import mathdrill

BANNED = {"eval", "exec", "sympify", "parse_expr", "S", "__import__"}
PACKAGE = Path(mathdrill.__file__).parent


def _called_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _violations(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and _called_name(node) in BANNED:
            found.append(f"{filename}:{node.lineno}: call of {_called_name(node)}")
    return found


def test_scanner_finds_each_banned_call() -> None:
    # The scanner itself must be able to fail.
    for name in sorted(BANNED):
        assert _violations(f"{name}('1')", "probe.py"), name
        assert _violations(f"sympy.{name}('1')", "probe.py"), name
    assert not _violations("sympy.Symbol('x')", "probe.py")


def test_package_has_no_eval_like_calls() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert any(f.name == "parser.py" for f in files)  # the scan really covers mathlang
    problems = []
    for path in files:
        problems += _violations(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    assert problems == []
