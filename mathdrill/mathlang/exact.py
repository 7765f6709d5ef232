"""Exact arithmetic on rational values, for deck expressions read again with new values.

Most ``where:`` constraints and many ``let:`` bindings are arithmetic and comparisons on the
drawn integers and fractions (``a != abs(b)``, ``ra/(ra + ba)``). Building every intermediate
result as a sympy number costs far more than the arithmetic: sympy's Add and Mul flatten,
normalise and consult assumptions for each one. When every value an expression touches is an
exact rational (or a true/false), this module computes it with Python integers and
:class:`fractions.Fraction` over the same syntax tree the walker reads (turned into closures
once per text by :func:`compile_exact`), and returns the sympy number (or
``sympy.true``/``sympy.false``) the walker would have built — exact arithmetic on rationals has
one answer, and sympy stores it in canonical form.

Anything else — a symbol, a float, a matrix, a function other than the built-in
``abs``/``min``/``max`` (a deck callable of that name is called by the walker),
division by zero, a non-integer power, a number large enough to meet a size limit — makes
:func:`evaluate_exact` return None, and the walker reads the expression as it always does (with
its own errors and limits).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import sympy

from mathdrill.mathlang.functions import AUTHOR_FUNCTIONS, LEARNER_FUNCTIONS
from mathdrill.mathlang.values import Sequence as ListValue

#: Numerators and denominators are kept below this many bits (about 300 digits); larger ones
#: are left to the walker and its size limits.
MAX_BITS = 1000
#: Integer exponents up to this size are computed here.
MAX_EXPONENT = 64
#: Digits of all the factors multiplied or divided in one expression, and of a power's result,
#: at most: far inside the walker's limits (2000 digits for a product run or a power, learner
#: and author alike), so nothing it would refuse is computed here.
MAX_DIGITS = 1000

_EXACT_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.BoolOp,
    ast.Name,
    ast.Call,
    ast.Subscript,
    ast.Tuple,
    ast.Load,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.And,
    ast.Or,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
)
_FUNCTIONS = frozenset({"abs", "min", "max"})


class _NotExact(Exception):
    """This expression or these values are for the walker."""


def eligible(tree: ast.Expression, refs: Sequence[Any]) -> bool:
    """Return True when the tree could be computed here for some values.

    Only the node types above, no keyword arguments, and references that are numbers, bound
    values, the constants true/false, or the functions ``abs``, ``min`` and ``max``.

    Args:
        tree: The parsed (rewritten) expression.
        refs: The tokens its placeholder names stand for.

    Returns:
        Whether :func:`evaluate_exact` is worth trying.
    """
    for node in ast.walk(tree):
        if not isinstance(node, _EXACT_NODES):
            return False
        if isinstance(node, ast.Call) and (node.keywords or not isinstance(node.func, ast.Name)):
            return False
    for tok in refs:
        if tok.kind in ("num", "value"):
            continue
        if tok.kind == "const" and isinstance(tok.data, sympy.logic.boolalg.BooleanAtom):
            continue
        if tok.kind == "func" and getattr(tok.data, "name", None) in _FUNCTIONS:
            continue
        return False
    return True


#: What :func:`compile_exact` makes: ``program(data, digits)`` → ``int``, ``Fraction`` or
#: ``bool``, with ``data`` the value of each reference and ``digits`` a one-item list counting
#: the digits of the factors multiplied or divided so far.
Program = Callable[[Sequence[Any], list[int]], Any]

#: The built-in ``abs``/``min``/``max`` (by identity): a deck callable of the same name shadows
#: them and must be called, not replaced by Python's.
_BUILT_IN: dict[int, str] = {
    id(table[name]): name for table in (AUTHOR_FUNCTIONS, LEARNER_FUNCTIONS) for name in _FUNCTIONS
}

_FAILED = (_NotExact, ZeroDivisionError, OverflowError, ValueError, RecursionError)


def compile_exact(tree: ast.Expression, refs: Sequence[Any]) -> Program | None:
    """Turn an eligible tree into nested closures over exact rationals, once per text.

    Reading a tree again for every instance spent most of its time deciding what each node
    is; the closures decide it once. Every node of the tree is computed on every run (no
    operator short-circuits), so a node that can never be exact — a decimal literal that is
    not a rational, a bare function name — makes the whole tree ineligible here.

    Args:
        tree: The parsed (rewritten) expression.
        refs: The tokens its placeholder names ``_t<k>`` stand for.

    Returns:
        The program for :func:`evaluate_exact`, or None when the tree is never exact.
    """
    if not eligible(tree, refs):
        return None
    try:
        return _Compiler(refs).node(tree.body)
    except _FAILED:
        return None


def evaluate_exact(program: Program, data: Sequence[Any]) -> Any:
    """Compute a compiled expression over exact rationals, or return None for the walker.

    Args:
        program: From :func:`compile_exact`.
        data: The value of each reference for this call (bound values already coerced).

    Returns:
        A sympy ``Integer``/``Rational``, ``sympy.true``/``sympy.false``, or None.
    """
    try:
        result = program(data, [0])
    except _FAILED:
        return None
    if result.__class__ is bool:
        return sympy.true if result else sympy.false
    if result.__class__ is int:
        return sympy.Integer(result)
    return sympy.Rational(result.numerator, result.denominator)


def _exact_value(value: Any) -> int | Fraction | bool:
    """A referenced value as a Python number (an ``int`` when whole) or a bool, size-checked."""
    if isinstance(value, sympy.Integer):
        n = int(value.p)
        if n.bit_length() > MAX_BITS:
            raise _NotExact
        return n
    if isinstance(value, sympy.Rational):
        return _checked(Fraction(int(value.p), int(value.q)))
    if isinstance(value, sympy.logic.boolalg.BooleanAtom):
        return bool(value)
    raise _NotExact


def _entry(target: Any, indices: list[int]) -> Any:
    """The entry the walker's indexing would give, or :class:`_NotExact` for anything else."""
    if isinstance(target, sympy.MatrixBase):
        rows, cols = target.shape
        if len(indices) == 1 and cols == 1:
            indices = [indices[0], 0]
        if len(indices) != 2:
            raise _NotExact  # a whole row, or too many indices
        i, j = indices
        if not (-rows <= i < rows and -cols <= j < cols):
            raise _NotExact
        i, j = i % rows, j % cols
        if isinstance(target, sympy.ImmutableDenseMatrix):
            # Its args keep the entries; indexing converts one from the internal form again.
            return target.args[2][i * cols + j]
        return target[i, j]
    value = target
    for k in indices:
        if not isinstance(value, ListValue) or not -len(value.items) <= k < len(value.items):
            raise _NotExact  # the walker indexes lists only (and matrices, above)
        value = value.items[k]
    return value


def _number(value: Any) -> Any:
    """A value that arithmetic may use (true/false may not: the walker refuses them)."""
    if value.__class__ is bool:
        raise _NotExact
    return value


_LOG10_2 = math.log10(2)


def _digits(value: int | Fraction) -> int:
    """Digits of the longer of numerator and denominator, as the walker estimates them."""
    if value.__class__ is int:
        return int(max(value.bit_length(), 1) * _LOG10_2) + 1
    bits = max(value.numerator.bit_length(), value.denominator.bit_length())
    return int(bits * _LOG10_2) + 1


def _checked(value: Any) -> Any:
    if value.__class__ is int:
        if value.bit_length() > MAX_BITS:
            raise _NotExact
        return value
    if value.numerator.bit_length() > MAX_BITS or value.denominator.bit_length() > MAX_BITS:
        raise _NotExact
    return value


def _factors(digits: list[int], left: Any, right: Any) -> None:
    """Count the digits of multiplied or divided values against :data:`MAX_DIGITS`."""
    digits[0] += _digits(left) + _digits(right)
    if digits[0] > MAX_DIGITS:
        raise _NotExact


def _divide(left: Any, right: Any) -> Any:
    if right == 0:
        raise _NotExact  # sympy makes zoo (or refuses): the walker's business
    if left.__class__ is int and right.__class__ is int:
        whole, rest = divmod(left, right)
        return whole if not rest else Fraction(left, right)
    return left / right


def _power(left: Any, right: Any) -> Any:
    if right.denominator != 1 or abs(right.numerator) > MAX_EXPONENT:
        raise _NotExact
    n = right.numerator
    if left == 0 and n < 0:
        raise _NotExact
    if abs(n) * _digits(left) > MAX_DIGITS:
        raise _NotExact
    if left.__class__ is int and n < 0:
        return Fraction(1, left**-n)
    return left**n


class _Compiler:
    """Build the closures of one tree; the checks that never depend on the data run here."""

    def __init__(self, refs: Sequence[Any]) -> None:
        self.refs = refs

    def index(self, node: ast.Name) -> int:
        ident = node.id
        if not (ident.startswith("_t") and ident[2:].isdigit()):
            raise _NotExact
        k = int(ident[2:])
        if k >= len(self.refs):
            raise _NotExact
        return k

    def node(self, node: ast.AST) -> Program:
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        raise _NotExact

    def name(self, node: ast.Name) -> Program:
        k = self.index(node)
        tok = self.refs[k]
        if tok.kind == "num":
            constant = _checked(_number(_exact_value(tok.data.value)))
            return lambda data, digits: constant
        if tok.kind in ("value", "const"):
            return lambda data, digits: _exact_value(data[k])
        raise _NotExact

    def binop(self, node: ast.BinOp) -> Program:
        left, right, op = self.node(node.left), self.node(node.right), node.op
        if isinstance(op, ast.Add):

            def add(data: Sequence[Any], digits: list[int]) -> Any:
                return _checked(_number(left(data, digits)) + _number(right(data, digits)))

            return add
        if isinstance(op, ast.Sub):

            def sub(data: Sequence[Any], digits: list[int]) -> Any:
                return _checked(_number(left(data, digits)) - _number(right(data, digits)))

            return sub
        if isinstance(op, ast.Mult):

            def mul(data: Sequence[Any], digits: list[int]) -> Any:
                a, b = _number(left(data, digits)), _number(right(data, digits))
                _factors(digits, a, b)
                return _checked(a * b)

            return mul
        if isinstance(op, ast.Div):

            def div(data: Sequence[Any], digits: list[int]) -> Any:
                a, b = _number(left(data, digits)), _number(right(data, digits))
                if b == 0:
                    raise _NotExact
                _factors(digits, a, b)
                return _checked(_divide(a, b))

            return div
        if isinstance(op, ast.Pow):

            def power(data: Sequence[Any], digits: list[int]) -> Any:
                a, b = _number(left(data, digits)), _number(right(data, digits))
                return _checked(_power(a, b))

            return power
        raise _NotExact

    def unary(self, node: ast.UnaryOp) -> Program:
        operand, op = self.node(node.operand), node.op
        if isinstance(op, ast.Not):

            def negation(data: Sequence[Any], digits: list[int]) -> Any:
                value = operand(data, digits)
                if value.__class__ is not bool:
                    raise _NotExact
                return not value

            return negation
        if isinstance(op, ast.USub):
            return lambda data, digits: -_number(operand(data, digits))
        return lambda data, digits: _number(operand(data, digits))

    def compare(self, node: ast.Compare) -> Program:
        parts = [self.node(node.left), *(self.node(c) for c in node.comparators)]
        ops = []
        for op in node.ops:
            if isinstance(op, ast.Eq | ast.NotEq | ast.Lt | ast.LtE | ast.Gt | ast.GtE):
                ops.append(type(op))
            else:
                raise _NotExact  # never exact, whatever the values

        def compare(data: Sequence[Any], digits: list[int]) -> bool:
            values = [part(data, digits) for part in parts]
            truth = True
            for op, a, b in zip(ops, values, values[1:], strict=False):
                if op is ast.Eq or op is ast.NotEq:
                    if (a.__class__ is bool) != (b.__class__ is bool):
                        raise _NotExact  # a number against a condition: the walker decides
                    same = a == b
                    truth = truth and (same if op is ast.Eq else not same)
                    continue
                a, b = _number(a), _number(b)
                if op is ast.Lt:
                    truth = truth and a < b
                elif op is ast.LtE:
                    truth = truth and a <= b
                elif op is ast.Gt:
                    truth = truth and a > b
                else:
                    truth = truth and a >= b
            return truth

        return compare

    def boolop(self, node: ast.BoolOp) -> Program:
        parts = [self.node(v) for v in node.values]
        conjunction = isinstance(node.op, ast.And)

        def boolop(data: Sequence[Any], digits: list[int]) -> bool:
            values = [part(data, digits) for part in parts]
            if not all(v.__class__ is bool for v in values):
                raise _NotExact
            return all(values) if conjunction else any(values)

        return boolop

    def call(self, node: ast.Call) -> Program:
        if not isinstance(node.func, ast.Name):
            raise _NotExact
        k = self.index(node.func)
        if self.refs[k].kind != "func" or not node.args:
            raise _NotExact
        args = [self.node(a) for a in node.args]
        single = len(args) == 1

        def call(data: Sequence[Any], digits: list[int]) -> Any:
            name = _BUILT_IN.get(id(data[k]))
            if name is None:
                raise _NotExact  # a deck callable (or another function): the walker calls it
            values = [_number(arg(data, digits)) for arg in args]
            if name == "abs":
                if not single:
                    raise _NotExact
                return abs(values[0])
            return max(values) if name == "max" else min(values)

        return call

    def subscript(self, node: ast.Subscript) -> Program:
        """``v[i]``, ``A[i, j]``: an entry of a bound matrix or list, by computed indices."""
        if not isinstance(node.value, ast.Name):
            raise _NotExact
        k = self.index(node.value)
        if self.refs[k].kind != "value":
            raise _NotExact
        index_nodes = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        parts = [self.node(index_node) for index_node in index_nodes]

        def subscript(data: Sequence[Any], digits: list[int]) -> Any:
            indices = []
            for part in parts:
                value = _number(part(data, digits))
                if value.denominator != 1:
                    raise _NotExact
                indices.append(value.numerator)
            return _exact_value(_entry(data[k], indices))

        return subscript
