"""Exact arithmetic on rational values, for deck expressions read again with new values.

Most ``where:`` constraints and many ``let:`` bindings are arithmetic and comparisons on the
drawn integers and fractions (``a != abs(b)``, ``ra/(ra + ba)``). Building every intermediate
result as a sympy number costs far more than the arithmetic: sympy's Add and Mul flatten,
normalise and consult assumptions for each one. When every value an expression touches is an
exact rational (or a true/false), this module computes it with Python's
:class:`fractions.Fraction` over the same syntax tree the walker reads, and returns the sympy
number (or ``sympy.true``/``sympy.false``) the walker would have built — exact arithmetic on
rationals has one answer, and sympy stores it in canonical form.

Anything else — a symbol, a float, a matrix, a function other than ``abs``/``min``/``max``,
division by zero, a non-integer power, a number large enough to meet a size limit — makes
:func:`evaluate_exact` return None, and the walker reads the expression as it always does (with
its own errors and limits).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy

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


def evaluate_exact(tree: ast.Expression, refs: Sequence[Any], data: Sequence[Any]) -> Any:
    """Compute an expression over exact rationals, or return None to leave it to the walker.

    Args:
        tree: The parsed (rewritten) expression (see :func:`eligible`).
        refs: The tokens its placeholder names ``_t<k>`` stand for.
        data: The value of each reference for this call (bound values already coerced).

    Returns:
        A sympy ``Integer``/``Rational``, ``sympy.true``/``sympy.false``, or None.
    """
    try:
        result = _Exact(refs, data).compute(tree.body)
    except (_NotExact, ZeroDivisionError, OverflowError, ValueError, RecursionError):
        return None
    if isinstance(result, bool):
        return sympy.true if result else sympy.false
    return sympy.Rational(result.numerator, result.denominator)


def _fraction(value: Any) -> Fraction | bool:
    if isinstance(value, sympy.Rational):
        return Fraction(int(value.p), int(value.q))
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


def _number(value: Any) -> Fraction:
    """A value that arithmetic may use (true/false may not: the walker refuses them)."""
    if isinstance(value, bool):
        raise _NotExact
    return value


def _digits(value: Fraction) -> int:
    """Digits of the longer of numerator and denominator, as the walker estimates them."""
    bits = max(abs(value.numerator).bit_length(), value.denominator.bit_length())
    return int(bits * math.log10(2)) + 1


def _checked(value: Fraction) -> Fraction:
    if value.numerator.bit_length() > MAX_BITS or value.denominator.bit_length() > MAX_BITS:
        raise _NotExact
    return value


class _Exact:
    def __init__(self, refs: Sequence[Any], data: Sequence[Any]) -> None:
        self.refs = refs
        self.data = data
        self.factor_digits = 0

    def factors(self, *values: Fraction) -> None:
        """Count the digits of multiplied or divided values against :data:`MAX_DIGITS`."""
        self.factor_digits += sum(_digits(v) for v in values)
        if self.factor_digits > MAX_DIGITS:
            raise _NotExact

    def index(self, node: ast.Name) -> int:
        ident = node.id
        if not (ident.startswith("_t") and ident[2:].isdigit()):
            raise _NotExact
        k = int(ident[2:])
        if k >= len(self.refs):
            raise _NotExact
        return k

    def compute(self, node: ast.AST) -> Fraction | bool:
        if isinstance(node, ast.Name):
            k = self.index(node)
            tok = self.refs[k]
            if tok.kind == "num":
                return _checked(_number(_fraction(tok.data.value)))
            if tok.kind in ("value", "const"):
                value = _fraction(self.data[k])
                return value if isinstance(value, bool) else _checked(value)
            raise _NotExact
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            operand = self.compute(node.operand)
            if isinstance(node.op, ast.Not):
                if not isinstance(operand, bool):
                    raise _NotExact
                return not operand
            value = _number(operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            values = [self.compute(v) for v in node.values]
            if not all(isinstance(v, bool) for v in values):
                raise _NotExact
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        raise _NotExact

    def subscript(self, node: ast.Subscript) -> Fraction | bool:
        """``v[i]``, ``A[i, j]``: an entry of a bound matrix or list, by constant indices."""
        if not isinstance(node.value, ast.Name):
            raise _NotExact
        k = self.index(node.value)
        if self.refs[k].kind != "value":
            raise _NotExact
        target = self.data[k]
        index_nodes = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        indices = []
        for index_node in index_nodes:
            value = _number(self.compute(index_node))
            if value.denominator != 1:
                raise _NotExact
            indices.append(value.numerator)
        entry = _entry(target, indices)
        value = _fraction(entry)
        return value if isinstance(value, bool) else _checked(value)

    def binop(self, node: ast.BinOp) -> Fraction:
        left = _number(self.compute(node.left))
        right = _number(self.compute(node.right))
        op = node.op
        if isinstance(op, ast.Add):
            return _checked(left + right)
        if isinstance(op, ast.Sub):
            return _checked(left - right)
        if isinstance(op, ast.Mult):
            self.factors(left, right)
            return _checked(left * right)
        if isinstance(op, ast.Div):
            if right == 0:
                raise _NotExact  # sympy makes zoo (or refuses): the walker's business
            self.factors(left, right)
            return _checked(left / right)
        if isinstance(op, ast.Pow):
            if right.denominator != 1 or abs(right.numerator) > MAX_EXPONENT:
                raise _NotExact
            if left == 0 and right < 0:
                raise _NotExact
            if abs(right.numerator) * _digits(left) > MAX_DIGITS:
                raise _NotExact
            return _checked(left**right.numerator)
        raise _NotExact

    def compare(self, node: ast.Compare) -> bool:
        values = [self.compute(node.left), *(self.compute(c) for c in node.comparators)]
        truth = True
        for op, a, b in zip(node.ops, values, values[1:], strict=False):
            if isinstance(op, ast.Eq | ast.NotEq):
                if isinstance(a, bool) != isinstance(b, bool):
                    raise _NotExact  # a number against a condition: the walker decides
                same = a == b
                truth = truth and (same if isinstance(op, ast.Eq) else not same)
                continue
            a, b = _number(a), _number(b)
            if isinstance(op, ast.Lt):
                truth = truth and a < b
            elif isinstance(op, ast.LtE):
                truth = truth and a <= b
            elif isinstance(op, ast.Gt):
                truth = truth and a > b
            elif isinstance(op, ast.GtE):
                truth = truth and a >= b
            else:
                raise _NotExact
        return truth

    def call(self, node: ast.Call) -> Fraction:
        if not isinstance(node.func, ast.Name):
            raise _NotExact
        k = self.index(node.func)
        tok = self.refs[k]
        name = getattr(self.data[k], "name", None)
        if tok.kind != "func" or name not in _FUNCTIONS or not node.args:
            raise _NotExact
        args = [_number(self.compute(a)) for a in node.args]
        if name == "abs":
            if len(args) != 1:
                raise _NotExact
            return abs(args[0])
        return max(args) if name == "max" else min(args)
