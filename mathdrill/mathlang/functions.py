"""The function tables: which names may be called, with what arguments, building which sympy value.

Each entry is a :class:`FuncSpec`. Builders receive a :class:`CallEnv` (limits, and a way to refuse
with the call's span) followed by the walked arguments. Everything is built with sympy
constructors directly; nothing here ever turns text into code.

Representations chosen for the machine-learning functions (so derivatives and numeric evaluation
work with no special cases):

* ``sigmoid(x)`` / ``σ(x)`` → ``1/(1 + exp(-x))``
* ``relu(x)`` → ``Max(0, x)``
* ``softplus(x)`` → ``log(1 + exp(x))``
* ``softmax([a, b, c])`` → ``Sequence([exp(a)/S, exp(b)/S, exp(c)/S])`` with ``S`` the sum
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeGuard, TypeVar

import sympy

from mathdrill.mathlang.limits import Limits
from mathdrill.mathlang.values import MathValue, Sequence, SetLiteral

_V = TypeVar("_V")


class Refusal(Exception):
    """Raised by a builder to refuse a call; the walker turns it into a MathSyntaxError.

    Args:
        message: What is wrong.
        limit: True when a size limit was hit (becomes LimitExceededError).
    """

    def __init__(self, message: str, limit: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.limit = limit


@dataclass(frozen=True)
class CallEnv:
    """What a builder may know about the call.

    Attributes:
        name: The function name as typed.
        limits: Limits in force.
    """

    name: str
    limits: Limits

    def refuse(self, message: str) -> Refusal:
        """An error for this call."""
        return Refusal(message)

    def limit(self, message: str) -> Refusal:
        """A limit error for this call."""
        return Refusal(message, limit=True)


@dataclass(frozen=True)
class FuncSpec:
    """One callable name.

    Attributes:
        name: The canonical name.
        build: ``build(env, *args, **kwargs)`` → value.
        min_args: Fewest positional arguments.
        max_args: Most positional arguments (None: any number).
        doc: One line for the documentation table.
        exp_like: True when the function nests an exponential (counts toward max_exp_nesting).
        kwargs: True when keyword arguments are accepted.
    """

    name: str
    build: Callable[..., Any]
    min_args: int
    max_args: int | None
    doc: str
    exp_like: bool = False
    kwargs: bool = False

    def __call__(self, env: CallEnv, *args: Any, **kwargs: Any) -> MathValue:
        """Build the value (see ``build``)."""
        return self.build(env, *args, **kwargs)


def is_scalar(x: object) -> TypeGuard[sympy.Expr]:
    """True for a sympy expression (not a matrix, boolean or collection)."""
    return isinstance(x, sympy.Expr) and not isinstance(x, sympy.MatrixBase)


def scalar(env: CallEnv, x: Any) -> sympy.Expr | sympy.logic.boolalg.BooleanAtom:
    """Check that ``x`` is a scalar expression, refusing otherwise (a bool becomes sympy's)."""
    if isinstance(x, bool):
        return sympy.true if x else sympy.false
    if not is_scalar(x):
        raise env.refuse(f"{env.name} takes a number or an expression here, not {kind_of(x)}")
    return x


def kind_of(x: Any) -> str:
    """A word for the kind of a value, for error messages."""
    if isinstance(x, Sequence):
        return "a list" if x.bracket == "[" else "a tuple"
    if isinstance(x, SetLiteral):
        return "a set"
    if isinstance(x, sympy.MatrixBase):
        return "a matrix"
    if isinstance(x, sympy.logic.boolalg.Boolean):
        return "a condition"
    if isinstance(x, (sympy.Expr, int)):
        return "a number"
    return "this value"


def int_value(x: Any) -> int | None:
    """The Python int of an integer sympy number, else None."""
    if isinstance(x, sympy.Integer):
        return int(x)
    if isinstance(x, int) and not isinstance(x, bool):
        return x
    return None


def small_numbers(env: CallEnv, x: _V) -> _V:
    """Refuse an argument holding an exact number too long for functions to evaluate cheaply.

    sympy evaluates ``sqrt``, ``cos(pi·q)``, ``log`` … of exact numbers eagerly (perfect-power
    searches, reductions modulo 2π); with 1000-digit numbers that takes a noticeable time.
    """
    limit = env.limits.max_function_arg_digits
    if isinstance(x, sympy.Basic) and not x.is_Symbol and _longest_number(x) > limit:
        raise env.limit(
            f"numbers inside {env.name}(...) are limited to {limit} digits "
            "(function argument limit)"
        )
    return x


def _longest_number(x: Any) -> int:
    """Digits of the longest numerator or denominator among the exact numbers in ``x``."""
    return max(
        (max(digits_of(atom.p), digits_of(atom.q)) for atom in x.atoms(sympy.Rational)),
        default=0,
    )


def _unary(fn: Callable[[Any], Any]) -> Callable[..., Any]:
    def build(env: CallEnv, x: Any) -> Any:
        return fn(small_numbers(env, scalar(env, x)))

    return build


def _log(env: CallEnv, x: Any, base: Any = None) -> Any:
    x = small_numbers(env, scalar(env, x))
    if base is None:
        if isinstance(x, sympy.Rational) and x.p > 1:
            # A positive rational other than 1 and 1/q stays log(x) unevaluated; sympy only
            # finds that out after many assumption queries (is it I·something, algebraic…).
            return sympy.log(x, evaluate=False)
        return sympy.log(x)
    return sympy.log(x, small_numbers(env, scalar(env, base)))


def _root(env: CallEnv, x: Any, n: Any) -> Any:
    n = scalar(env, n)
    k = int_value(n)
    if k is None or k == 0 or abs(k) > env.limits.max_symbolic_exponent:
        raise env.refuse("the index of a root must be a nonzero integer of reasonable size")
    return sympy.root(small_numbers(env, scalar(env, x)), n)


def _flatten_args(env: CallEnv, args: tuple[Any, ...]) -> list[Any]:
    if len(args) == 1 and isinstance(args[0], (Sequence, SetLiteral)):
        args = args[0].items
    if not args:
        raise env.refuse(f"{env.name} needs at least one value")
    if len(args) > env.limits.max_function_args:
        raise env.limit(
            f"{env.name} takes at most {env.limits.max_function_args} values (argument limit)"
        )
    return [small_numbers(env, scalar(env, a)) for a in args]


def _max(env: CallEnv, *args: Any) -> Any:
    values = _flatten_args(env, args)
    if all(isinstance(v, sympy.Rational) for v in values):
        # Exact rationals compare directly; sympy.Max's general machinery (assumptions,
        # argument sorting) is far slower than comparing the numbers.
        return max(values)
    return sympy.Max(*values)


def _min(env: CallEnv, *args: Any) -> Any:
    values = _flatten_args(env, args)
    if all(isinstance(v, sympy.Rational) for v in values):
        return min(values)
    return sympy.Min(*values)


def _factorial(env: CallEnv, n: Any) -> Any:
    n = scalar(env, n)
    if n.is_number:
        if n.is_Rational and abs(n) > env.limits.max_factorial:
            raise env.limit(
                f"factorial of a number above {env.limits.max_factorial} is refused "
                "(argument limit)"
            )
        if not n.is_Rational:
            raise env.refuse("factorial needs an integer or a variable")
    return sympy.factorial(n)


def _binomial(env: CallEnv, n: Any, k: Any) -> Any:
    n = scalar(env, n)
    k = scalar(env, k)
    for v in (n, k):
        if v.is_number and (not v.is_Rational or abs(v) > env.limits.max_binomial):
            raise env.limit(
                f"binomial arguments must be integers up to {env.limits.max_binomial} "
                "(argument limit)"
            )
    return sympy.binomial(n, k)


def _sigmoid(env: CallEnv, x: Any) -> Any:
    return 1 / (1 + sympy.exp(-scalar(env, x)))


def _relu(env: CallEnv, x: Any) -> Any:
    return sympy.Max(sympy.Integer(0), scalar(env, x))


def _softplus(env: CallEnv, x: Any) -> Any:
    return sympy.log(1 + sympy.exp(scalar(env, x)))


def _softmax(env: CallEnv, *args: Any) -> Any:
    items = _flatten_args(env, args)
    exps = [sympy.exp(a) for a in items]
    total = sympy.Add(*exps)
    return Sequence(tuple(e / total for e in exps), "[")


def _abs(env: CallEnv, x: Any) -> Any:
    return sympy.Abs(scalar(env, x))


_LEARNER_SPECS: list[tuple[tuple[str, ...], Callable[..., Any], int, int | None, str, bool]] = [
    (("sin",), _unary(sympy.sin), 1, 1, "sine", False),
    (("cos",), _unary(sympy.cos), 1, 1, "cosine", False),
    (("tan",), _unary(sympy.tan), 1, 1, "tangent", False),
    (("cot",), _unary(sympy.cot), 1, 1, "cotangent", False),
    (("sec",), _unary(sympy.sec), 1, 1, "secant", False),
    (("csc",), _unary(sympy.csc), 1, 1, "cosecant", False),
    (("asin", "arcsin"), _unary(sympy.asin), 1, 1, "inverse sine", False),
    (("acos", "arccos"), _unary(sympy.acos), 1, 1, "inverse cosine", False),
    (("atan", "arctan"), _unary(sympy.atan), 1, 1, "inverse tangent", False),
    (("acot", "arccot"), _unary(sympy.acot), 1, 1, "inverse cotangent", False),
    (("sinh",), _unary(sympy.sinh), 1, 1, "hyperbolic sine", True),
    (("cosh",), _unary(sympy.cosh), 1, 1, "hyperbolic cosine", True),
    (("tanh",), _unary(sympy.tanh), 1, 1, "hyperbolic tangent", False),
    (("coth",), _unary(sympy.coth), 1, 1, "hyperbolic cotangent", False),
    (("sech",), _unary(sympy.sech), 1, 1, "hyperbolic secant", False),
    (("csch",), _unary(sympy.csch), 1, 1, "hyperbolic cosecant", False),
    (("asinh", "arsinh", "arcsinh"), _unary(sympy.asinh), 1, 1, "inverse sinh", False),
    (("acosh", "arcosh", "arccosh"), _unary(sympy.acosh), 1, 1, "inverse cosh", False),
    (("atanh", "artanh", "arctanh"), _unary(sympy.atanh), 1, 1, "inverse tanh", False),
    (("exp",), _unary(sympy.exp), 1, 1, "e to the power x", True),
    (("ln",), _unary(sympy.log), 1, 1, "natural logarithm", False),
    (("log",), _log, 1, 2, "natural logarithm; log(x, b) to base b", False),
    (("log2", "log_2"), _unary(lambda x: sympy.log(x, 2)), 1, 1, "log base 2", False),
    (("log10", "log_10"), _unary(lambda x: sympy.log(x, 10)), 1, 1, "log base 10", False),
    (("sqrt",), _unary(sympy.sqrt), 1, 1, "square root (also √x)", False),
    (("cbrt",), _unary(sympy.cbrt), 1, 1, "cube root", False),
    (("root",), _root, 2, 2, "root(x, n): n-th root", False),
    (("abs", "Abs"), _abs, 1, 1, "absolute value (also |x|)", False),
    (("sign", "sgn"), _unary(sympy.sign), 1, 1, "sign: -1, 0 or 1", False),
    (("re",), _unary(sympy.re), 1, 1, "real part", False),
    (("im",), _unary(sympy.im), 1, 1, "imaginary part", False),
    (("conjugate",), _unary(sympy.conjugate), 1, 1, "complex conjugate", False),
    (("floor",), _unary(sympy.floor), 1, 1, "round down", False),
    (("ceil", "ceiling"), _unary(sympy.ceiling), 1, 1, "round up", False),
    (("max", "Max"), _max, 1, None, "largest argument (or of one list)", False),
    (("min", "Min"), _min, 1, None, "smallest argument (or of one list)", False),
    (("factorial",), _factorial, 1, 1, "n! (argument limited)", False),
    (("binomial", "C", "choose"), _binomial, 2, 2, "binomial coefficient", False),
    (("sigmoid", "sigma", "logistic"), _sigmoid, 1, 1, "1/(1+exp(-x)) (also σ)", True),
    (("relu", "ReLU"), _relu, 1, 1, "Max(0, x)", False),
    (("softplus",), _softplus, 1, 1, "log(1+exp(x))", True),
    (("softmax",), _softmax, 1, None, "softmax of a list → list", True),
]


def _table(specs: list[Any]) -> dict[str, FuncSpec]:
    table: dict[str, FuncSpec] = {}
    for names, build, lo, hi, doc, exp_like in specs:
        for name in names:
            table[name] = FuncSpec(names[0], build, lo, hi, doc, exp_like)
    return table


# -- author table -------------------------------------------------------------------------------


def to_matrix(env: CallEnv, x: Any) -> sympy.ImmutableMatrix:
    """A sympy matrix from a matrix, a list of rows, or a flat list (a column), size-checked."""
    if isinstance(x, sympy.MatrixBase):
        m = x
    elif isinstance(x, Sequence):
        if x.items and all(isinstance(r, Sequence) for r in x.items):
            widths = {len(r.items) for r in x.items}
            if len(widths) != 1:
                raise env.refuse("matrix rows must all have the same length")
            rows = [[scalar(env, v) for v in r.items] for r in x.items]
        else:
            rows = [[scalar(env, v)] for v in x.items]
        dims = (len(rows), len(rows[0]) if rows else 0)
        if max(dims) > env.limits.max_matrix_dim:
            raise env.limit(f"matrices are limited to {env.limits.max_matrix_dim} rows/columns")
        m = sympy.ImmutableMatrix(rows) if rows else sympy.ImmutableMatrix(0, 0, [])
    else:
        raise env.refuse(f"{env.name} needs a matrix, not {kind_of(x)}")
    if max(m.shape) > env.limits.max_matrix_dim:
        raise env.limit(f"matrices are limited to {env.limits.max_matrix_dim} rows/columns")
    return sympy.ImmutableMatrix(m)


def to_vector(env: CallEnv, x: Any) -> list[sympy.Expr]:
    """Entries of a flat list or of a row/column matrix."""
    if isinstance(x, Sequence) and not any(isinstance(v, Sequence) for v in x.items):
        return [scalar(env, v) for v in x.items]
    if isinstance(x, sympy.MatrixBase) and 1 in x.shape:
        return list(x)
    raise env.refuse(f"{env.name} needs a vector, not {kind_of(x)}")


def from_matrix(m: Any) -> Sequence:
    """A matrix as a list of row lists."""
    return Sequence(tuple(Sequence(tuple(m.row(i)), "[") for i in range(m.rows)), "[")


def _square(env: CallEnv, x: Any) -> sympy.ImmutableMatrix:
    m = to_matrix(env, x)
    if not m.is_square:
        raise env.refuse(f"{env.name} needs a square matrix")
    return m


def _tupled(x: Any) -> Any:
    if isinstance(x, Sequence):
        return tuple(_tupled(v) for v in x.items)
    return x


def _diff(env: CallEnv, f: Any, *vs: Any) -> Any:
    return sympy.diff(scalar(env, f), *[scalar(env, v) for v in vs])


def _integrate(env: CallEnv, f: Any, *vs: Any) -> Any:
    return sympy.integrate(scalar(env, f), *[_tupled(v) for v in vs])


def _eigenvals(env: CallEnv, a: Any) -> Sequence:
    vals = _square(env, a).eigenvals()
    flat = [v for v, mult in vals.items() for _ in range(int(mult))]
    return Sequence(tuple(sorted(flat, key=sympy.default_sort_key)), "[")


def _eigenvects(env: CallEnv, a: Any) -> Sequence:
    out = []
    for val, mult, vecs in _square(env, a).eigenvects():
        out.append(
            Sequence(
                (val, sympy.Integer(mult), Sequence(tuple(Sequence(tuple(v), "[") for v in vecs))),
                "(",
            )
        )
    return Sequence(tuple(out), "[")


def _nullspace(env: CallEnv, a: Any) -> Sequence:
    return Sequence(tuple(Sequence(tuple(v), "[") for v in to_matrix(env, a).nullspace()), "[")


def _solve(env: CallEnv, eq: Any, *vs: Any) -> Sequence:
    sols = sympy.solve(eq, *[scalar(env, v) for v in vs], dict=False)
    if isinstance(sols, dict):
        sols = list(sols.values())
    return Sequence(tuple(_seqify(s) for s in sols), "[")


def _seqify(x: Any) -> Any:
    if isinstance(x, (tuple, list)):
        return Sequence(tuple(_seqify(v) for v in x), "(" if isinstance(x, tuple) else "[")
    return x


def _subs(env: CallEnv, f: Any, *pairs: Any) -> Any:
    if len(pairs) % 2:
        raise env.refuse("subs takes subs(expr, old, new, old2, new2, ...)")
    pairs_list = [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    if isinstance(f, Sequence):
        return Sequence(tuple(_subs(env, v, *pairs) for v in f.items), f.bracket)
    return f.subs(pairs_list)


def _limit(env: CallEnv, f: Any, x: Any, a: Any, direction: Any = None) -> Any:
    if direction is None:
        return sympy.limit(scalar(env, f), scalar(env, x), scalar(env, a))
    sign = "+" if direction == 1 else "-" if direction == -1 else None
    if sign is None:
        raise env.refuse("the direction of limit is 1 (from above) or -1 (from below)")
    return sympy.limit(scalar(env, f), scalar(env, x), scalar(env, a), sign)


def _rational(env: CallEnv, p: Any, q: Any = None) -> Any:
    p = scalar(env, p)
    if q is None:
        return sympy.Rational(p) if p.is_Rational else sympy.nsimplify(p)
    q = scalar(env, q)
    if not (p.is_Rational and q.is_Rational):
        raise env.refuse("Rational needs two rational numbers")
    return sympy.Rational(p) / sympy.Rational(q)


def _norm(env: CallEnv, v: Any, order: Any = None) -> Any:
    if isinstance(v, sympy.MatrixBase) and 1 not in v.shape:
        return v.norm() if order is None else v.norm(order)
    entries = to_vector(env, v)
    return (
        sympy.ImmutableMatrix(entries).norm()
        if order is None
        else sympy.ImmutableMatrix(entries).norm(order)
    )


def _dot(env: CallEnv, u: Any, v: Any) -> Any:
    a, b = to_vector(env, u), to_vector(env, v)
    if len(a) != len(b):
        raise env.refuse("dot needs two vectors of the same length")
    return sympy.Add(*[x * y for x, y in zip(a, b, strict=True)])


def _cross(env: CallEnv, u: Any, v: Any) -> Any:
    a, b = to_vector(env, u), to_vector(env, v)
    if len(a) != 3 or len(b) != 3:
        raise env.refuse("cross needs two vectors of length 3")
    m = sympy.ImmutableMatrix(a).cross(sympy.ImmutableMatrix(b))
    return Sequence(tuple(m), "[")


def _vars(env: CallEnv, vs: Any) -> list[Any]:
    return to_vector(env, vs)


def _hessian(env: CallEnv, f: Any, vs: Any) -> Any:
    return from_matrix(sympy.hessian(scalar(env, f), _vars(env, vs)))


def _jacobian(env: CallEnv, fs: Any, vs: Any) -> Any:
    return from_matrix(sympy.ImmutableMatrix(to_vector(env, fs)).jacobian(_vars(env, vs)))


def _gradient(env: CallEnv, f: Any, vs: Any) -> Any:
    f = scalar(env, f)
    return Sequence(tuple(sympy.diff(f, v) for v in _vars(env, vs)), "[")


def _piecewise(env: CallEnv, *pieces: Any) -> Any:
    pairs = []
    for p in pieces:
        if not (isinstance(p, Sequence) and len(p.items) == 2):
            raise env.refuse("Piecewise takes pairs (value, condition)")
        pairs.append(tuple(p.items))
    return sympy.Piecewise(*pairs)


def _sum(env: CallEnv, xs: Any) -> Any:
    if not isinstance(xs, (Sequence, SetLiteral)):
        raise env.refuse("sum takes a list")
    return sympy.Add(*[scalar(env, v) for v in xs.items])


def _prod(env: CallEnv, xs: Any) -> Any:
    if not isinstance(xs, (Sequence, SetLiteral)):
        raise env.refuse("prod takes a list")
    return sympy.Mul(*[scalar(env, v) for v in xs.items])


def _len(env: CallEnv, xs: Any) -> Any:
    if isinstance(xs, (Sequence, SetLiteral)):
        return sympy.Integer(len(xs.items))
    if isinstance(xs, sympy.MatrixBase):
        return sympy.Integer(xs.rows)
    raise env.refuse("len takes a list or a matrix")


def _round(env: CallEnv, x: Any, digits: Any = None) -> Any:
    x = scalar(env, x)
    if not x.is_number:
        raise env.refuse("round needs a number")
    n = 0 if digits is None else int_value(digits)
    if n is None or abs(n) > 50:
        raise env.refuse("round(x, n) needs an integer n between -50 and 50")
    scale = sympy.Integer(10) ** n
    return sympy.Rational(sympy.floor(x * scale + sympy.Rational(1, 2)), scale)


def _N(env: CallEnv, x: Any, digits: Any = None) -> Any:
    n = 15 if digits is None else int_value(digits)
    if n is None or not 1 <= n <= 50:
        raise env.refuse("N(x, n) needs 1 <= n <= 50 digits")
    return scalar(env, x).evalf(n)


def _dims(env: CallEnv, *ns: Any) -> list[int]:
    out = []
    for n in ns:
        k = int_value(n)
        if k is None or k < 0:
            raise env.refuse(f"{env.name} needs non-negative integer sizes")
        if k > env.limits.max_matrix_dim:
            raise env.limit(f"matrices are limited to {env.limits.max_matrix_dim} rows/columns")
        out.append(k)
    return out


def _matrix(env: CallEnv, x: Any) -> Any:
    return to_matrix(env, x)


def _shape(env: CallEnv, x: Any) -> Any:
    m = to_matrix(env, x)
    return Sequence((sympy.Integer(m.rows), sympy.Integer(m.cols)), "(")


def _mat_fn(fn: Callable[[Any], Any], square: bool = False) -> Callable[..., Any]:
    def build(env: CallEnv, a: Any) -> Any:
        m = _square(env, a) if square else to_matrix(env, a)
        return fn(m)

    return build


def _inv(m: Any) -> Any:
    if m.det() == 0:
        raise Refusal("the matrix is singular (determinant 0): it has no inverse")
    return m.inv()


def _simplify(env: CallEnv, x: Any) -> Any:
    if isinstance(x, Sequence):
        return Sequence(tuple(_simplify(env, v) for v in x.items), x.bracket)
    return sympy.simplify(x)


def _elementwise(fn: Callable[[Any], Any]) -> Callable[..., Any]:
    def build(env: CallEnv, x: Any) -> Any:
        if isinstance(x, Sequence):
            return Sequence(tuple(build(env, v) for v in x.items), x.bracket)
        if isinstance(x, sympy.MatrixBase):
            return x.applyfunc(fn)
        return fn(scalar(env, x))

    return build


_AUTHOR_SPECS: list[tuple[tuple[str, ...], Callable[..., Any], int, int | None, str, bool]] = [
    (("diff",), _diff, 1, None, "diff(f, x[, n]): derivative", False),
    (("integrate",), _integrate, 1, None, "integrate(f, x) or integrate(f, (x, a, b))", False),
    (("Matrix", "matrix"), _matrix, 1, 1, "Matrix([[a, b], [c, d]])", False),
    (("det",), _mat_fn(lambda m: m.det(), square=True), 1, 1, "determinant", False),
    (("inv", "inverse"), _mat_fn(_inv, square=True), 1, 1, "matrix inverse", False),
    (("transpose", "T"), _mat_fn(lambda m: m.T), 1, 1, "transpose", False),
    (("trace",), _mat_fn(lambda m: m.trace(), square=True), 1, 1, "trace", False),
    (("rank",), _mat_fn(lambda m: sympy.Integer(m.rank())), 1, 1, "rank", False),
    (("eigenvals",), _eigenvals, 1, 1, "eigenvalues with multiplicity, sorted → list", False),
    (("eigenvects",), _eigenvects, 1, 1, "[(value, multiplicity, [vectors]), ...]", False),
    (("nullspace",), _nullspace, 1, 1, "basis of the null space → list of vectors", False),
    (("shape",), _shape, 1, 1, "(rows, cols)", False),
    (("solve",), _solve, 1, None, "solve(expr, x): roots of expr = 0 → list", False),
    (("simplify",), _simplify, 1, 1, "simplify", False),
    (("expand",), _elementwise(sympy.expand), 1, 1, "expand products and powers", False),
    (("factor",), _elementwise(sympy.factor), 1, 1, "factor a polynomial", False),
    (("cancel",), _elementwise(sympy.cancel), 1, 1, "cancel a rational function", False),
    (("together",), _elementwise(sympy.together), 1, 1, "one fraction", False),
    (("apart",), _elementwise(sympy.apart), 1, 1, "partial fractions", False),
    (("subs",), _subs, 3, None, "subs(expr, old, new, ...)", False),
    (("limit",), _limit, 3, 4, "limit(f, x, a[, 1 or -1])", False),
    (("Rational",), _rational, 1, 2, "Rational(p, q)", False),
    (("norm",), _norm, 1, 2, "Euclidean norm (or norm(v, p))", False),
    (("dot",), _dot, 2, 2, "dot product", False),
    (("cross",), _cross, 2, 2, "cross product of 3-vectors", False),
    (("hessian",), _hessian, 2, 2, "hessian(f, [x, y]) → matrix (list of rows)", False),
    (("jacobian",), _jacobian, 2, 2, "jacobian([f, g], [x, y]) → matrix", False),
    (("gradient", "grad"), _gradient, 2, 2, "gradient(f, [x, y]) → list", False),
    (("Piecewise",), _piecewise, 1, None, "Piecewise((a, cond), (b, True))", False),
    (("Heaviside",), _unary(sympy.Heaviside), 1, 1, "unit step", False),
    (("sum",), _sum, 1, 1, "sum of a list", False),
    (("prod",), _prod, 1, 1, "product of a list", False),
    (("len",), _len, 1, 1, "length of a list / rows of a matrix", False),
    (("round",), _round, 1, 2, "round half up (to n decimals)", False),
    (("N",), _N, 1, 2, "decimal approximation", False),
    (("numer",), _unary(lambda x: sympy.fraction(x)[0]), 1, 1, "numerator", False),
    (("denom",), _unary(lambda x: sympy.fraction(x)[1]), 1, 1, "denominator", False),
    (("gcd",), lambda env, a, b: sympy.gcd(scalar(env, a), scalar(env, b)), 2, 2, "gcd", False),
    (("lcm",), lambda env, a, b: sympy.lcm(scalar(env, a), scalar(env, b)), 2, 2, "lcm", False),
    (("Mod", "mod"), lambda env, a, b: sympy.Mod(scalar(env, a), scalar(env, b)), 2, 2,
     "remainder", False),
    (("eye", "identity"), lambda env, n: sympy.ImmutableMatrix(sympy.eye(*_dims(env, n))), 1, 1,
     "identity matrix", False),
    (("zeros",), lambda env, m, n=None: sympy.ImmutableMatrix.zeros(*_dims(env, m, n or m)), 1,
     2, "zero matrix", False),
    (("ones",), lambda env, m, n=None: sympy.ImmutableMatrix.ones(*_dims(env, m, n or m)), 1, 2,
     "matrix of ones", False),
    (("diag",), lambda env, *xs: sympy.ImmutableMatrix(sympy.diag(*_flatten_args(env, xs))), 1,
     None, "diagonal matrix", False),
]  # fmt: skip

LEARNER_FUNCTIONS: Mapping[str, FuncSpec] = MappingProxyType(_table(_LEARNER_SPECS))
AUTHOR_FUNCTIONS: Mapping[str, FuncSpec] = MappingProxyType(
    {**_table(_LEARNER_SPECS), **_table(_AUTHOR_SPECS)}
)


def wrap_callable(name: str, fn: Callable[..., Any]) -> FuncSpec:
    """A FuncSpec for a deck-layer callable (a sampler such as ``integer(2, 9, nonzero)``).

    Args:
        name: The name it is called by.
        fn: Called with the walked positional and keyword arguments.

    Returns:
        A spec with any arity that accepts keyword arguments.
    """

    def build(env: CallEnv, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return FuncSpec(name, build, 0, None, "deck function", False, kwargs=True)


def digits_of(n: int) -> int:
    """Digits of ``|n|`` estimated from its bit length (cheap, within one)."""
    return int(abs(n).bit_length() * math.log10(2)) + 1
