"""Hostile input: code injection is refused without side effects; resource bombs are refused.

A bomb must be refused by a limit before it is computed: the CPU time spent is bounded loosely
(0.5 s) only to catch a computation that a limit missed; latency numbers belong to the bench.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mathdrill.errors import LimitExceededError, MathSyntaxError
from mathdrill.mathlang import AUTHOR_LIMITS, parse, parse_author

INJECTIONS = [
    '__import__("os").system("touch {marker}")',
    "__import__('os').system('touch {marker}')",
    "().__class__.__bases__",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 0",
    "(lambda: 0)()",
    "[c for c in ()]",
    "[c for c in x]",
    "exec(\"open('{marker}', 'w')\")",
    'eval("1")',
    'open("/etc/passwd")',
    'open("{marker}", "w")',
    "x.__class__",
    "globals()",
    "__builtins__",
    "f'{{x}}'",
    "*x",
    "(y := 2)",
    "x if x else 0",
    "import os",
    "getattr(x, 'a')",
    "x[::-1]",
    "{{1: 2}}",
    "yield x",
    "\\input{{/etc/passwd}}",
    "\\def\\x{{1}}",
]


@pytest.mark.parametrize("template", INJECTIONS)
@pytest.mark.parametrize("reader", [parse, parse_author])
def test_injection_is_refused_without_side_effect(
    template: str, reader: object, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    text = template.format(marker=marker)
    with pytest.raises(MathSyntaxError):
        reader(text, symbols=("x",))  # type: ignore[operator]
    assert not marker.exists()


def test_injection_message_is_specific() -> None:
    with pytest.raises(MathSyntaxError, match="strings are not accepted"):
        parse('__import__("os")')
    with pytest.raises(MathSyntaxError, match="names starting with '_'"):
        parse("__import__(x)", symbols=("x",))
    with pytest.raises(MathSyntaxError, match="attribute"):
        parse("().__class__")


def _assert_refused_fast(text: str, reader: object = parse, **kwargs: object) -> LimitExceededError:
    start = time.process_time()
    with pytest.raises(LimitExceededError) as info:
        reader(text, **kwargs)  # type: ignore[operator]
    assert time.process_time() - start < 0.5, text[:40]
    return info.value


BOMBS = [
    ("9^9^9^9", "exponent limit"),
    ("9**9**9**9", "exponent limit"),
    ("factorial(10^8)", "argument limit"),
    ("(10^8)!", "argument limit"),
    ("(x+1)^(10^6)", "exponent limit"),
    ("x^(2^200)", "exponent limit"),
    ("2^(10^10)", "exponent limit"),
    ("(1/3)^(10^5)", "exponent limit"),
    ("2^(1/10^9)", "exponent limit"),
    ("e^(10^5)", "exponent limit"),
    ("1e999999", "limit ±300"),
    ("1e-999999", "limit ±300"),
    ("1" * 200, "digits"),
    ("binomial(10^6, 500000)", "argument limit"),
    ("exp(exp(exp(exp(exp(x)))))", "nesting limit"),
    ("e^e^e^e^e^x", "nesting limit"),
    ("sigmoid(sigmoid(sigmoid(sigmoid(sigmoid(x)))))", "nesting limit"),
    ("(" * 10_000 + "x" + ")" * 10_000, "characters"),
    ("(" * 60 + "x" + ")" * 60, "nesting limit"),
    ("[" * 60 + "1" + "]" * 60, "nesting limit"),
    ("|" * 120 + "x" + "|" * 120, "nesting limit"),
    ("x" + "+x" * 400, "size limit"),
    ("-" * 900 + "x", "nesting limit"),
    ("x" * 100_000, "characters"),
    ("(10^999)*(10^999)*(10^999)", "number size limit"),
    ("sqrt(10^999 + 1)", "function argument limit"),
    ("(10^999 + 1)^(1/3)", "function argument limit"),
    ("cos(pi*10^999/7)", "function argument limit"),
    ("max(" + ",".join(f"x+{i}" for i in range(100)) + ")", "argument limit"),
    ("softmax([" + ",".join(str(i) for i in range(100)) + "])", "argument limit"),
]


@pytest.mark.parametrize(("text", "message"), BOMBS)
def test_resource_bomb_is_refused_quickly(text: str, message: str) -> None:
    err = _assert_refused_fast(text, symbols=("x",))
    assert message in err.message


def test_length_limit_caret_points_past_the_limit() -> None:
    err = _assert_refused_fast("x" * 1001, symbols=("x",))
    assert (err.start, err.end) == (1000, 1001)
    assert "limit 1000 characters" in err.message


def test_author_limits_are_larger_but_still_enforced() -> None:
    # Allowed for authors, refused for learners.
    long_sum = "+".join(["x"] * 300)
    with pytest.raises(LimitExceededError):
        parse(long_sum, symbols=("x",))
    assert parse_author(long_sum, symbols=("x",)).value is not None
    _assert_refused_fast("9^9^9^9", parse_author)
    _assert_refused_fast("x" * (AUTHOR_LIMITS.max_length + 1), parse_author)
    _assert_refused_fast("Matrix([[1]*1]) ^ 1000", parse_author)


def test_latex_bombs_are_refused() -> None:
    _assert_refused_fast("{" * 100 + "x" + "}" * 100 + "\\cdot 1", symbols=("x",))
    _assert_refused_fast("\\frac{1}{2}^{10^{10}}")
    _assert_refused_fast("e^{e^{e^{e^{e^{x}}}}}", symbols=("x",))


def test_reasonable_powers_still_work() -> None:
    assert parse("2^100").value == 2**100
    assert parse("(x+1)^20", symbols=("x",)).value is not None
    assert parse("10^999").value == 10**999
    assert parse("factorial(20)").value == 2432902008176640000


@pytest.mark.parametrize("digits", [2, 3, 7])
def test_every_result_is_held_to_the_number_size_limit(digits: int) -> None:
    from mathdrill.mathlang.limits import Limits

    limits = Limits(max_number_digits=digits)
    # 10^(d-1) has d digits (and is estimated so); 10^d has d + 1.
    small = "1" + "0" * (digits - 1)
    assert parse(f"{small} - 1 + 1", limits=limits).value == 10 ** (digits - 1)
    ten = " + ".join([small] * 10)  # 10^d: refused from the sum's result, not its operands
    with pytest.raises(LimitExceededError, match="number size limit"):
        parse(ten, limits=limits)
    with pytest.raises(LimitExceededError, match="number size limit"):
        parse(f"-({ten})", limits=limits)


def _measured_plainly(tree, limits) -> str | None:
    """The size check written plainly (ast.iter_child_nodes), as the oracle for _measure."""
    import ast

    count = 0
    stack = [(tree, 0)]
    skipped = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    while stack:
        node, depth = stack.pop()
        if isinstance(node, skipped):
            continue
        count += 1
        if count > limits.max_nodes:
            return "nodes"
        if depth > limits.max_depth:
            return "depth"
        for child in ast.iter_child_nodes(node):
            chained = (
                isinstance(node, ast.BinOp)
                and not isinstance(node.op, ast.Pow)
                and child is node.left
                and isinstance(child, ast.BinOp)
                and not isinstance(child.op, ast.Pow)
            )
            stack.append((child, depth if chained else depth + 1))
    return None


def test_the_size_check_meets_the_first_limit_the_plain_walk_meets() -> None:
    import ast
    import random

    from mathdrill.mathlang import parser
    from mathdrill.mathlang.limits import Limits

    rng = random.Random(7)
    atoms = ["a", "f(a)", "g(a, b, c)", "[a, b]", "(a, b)", "a[b]", "(a < b < c)", "(not a)", "-a"]

    def grow(depth: int) -> str:
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(atoms)
        left, right = grow(depth - 1), grow(depth - 1)
        return rng.choice(
            [f"({left} ** {right})", f"{left} + {right} - a", f"f({left}, {right})", f"[{left}]"]
        )

    for _ in range(1500):
        tree = ast.parse(grow(rng.randint(1, 8)), mode="eval")
        limits = Limits(max_nodes=rng.randint(1, 60), max_depth=rng.randint(1, 12))
        try:
            parser._measure(tree, "t", limits)
            got = None
        except LimitExceededError as error:
            got = "nodes" if "parts" in error.message else "depth"
        assert got == _measured_plainly(tree, limits)
