"""The values of sympy expressions as mpmath numbers, at a chosen number of digits.

Evaluation walks the sympy tree itself and applies mpmath functions (it never re-simplifies,
unlike ``evalf`` with ``subs``); heads it does not know fall back to ``evalf``.
:func:`compile_expr` walks the tree once into closures, so an expression evaluated at many test
points pays for the walk once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, TypeAlias

import mpmath
import sympy

#: A number evaluation gives: a real ``mpf`` or a complex ``mpc`` (mpmath ships no types, so to
#: mypy this is ``Any``; the alias says what is meant).
MpNumber: TypeAlias = "mpmath.mpf | mpmath.mpc"


class Undefined(ArithmeticError):
    """The expression has no finite value at the point (division by zero, log 0, oo …)."""


def to_mp(value: Any, dps: int) -> MpNumber:
    """Convert a sympy Rational/Integer/Float (or Python number) to an mpmath number.

    Anything else is evaluated at ``dps`` digits.
    """
    if isinstance(value, int | float):
        return mpmath.mpf(value)
    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    if isinstance(value, sympy.Float):
        return mpmath.mpf(value._mpf_)
    if isinstance(value, sympy.Rational):
        return mpmath.mpf(int(value.p)) / int(value.q)
    return evaluate(value, {}, dps)


_HALF = sympy.Rational(1, 2)

_UNARY: dict[type, Callable[[Any], Any]] = {
    sympy.exp: mpmath.exp,
    sympy.log: mpmath.log,
    sympy.sin: mpmath.sin,
    sympy.cos: mpmath.cos,
    sympy.tan: mpmath.tan,
    sympy.cot: mpmath.cot,
    sympy.sec: mpmath.sec,
    sympy.csc: mpmath.csc,
    sympy.asin: mpmath.asin,
    sympy.acos: mpmath.acos,
    sympy.atan: mpmath.atan,
    sympy.sinh: mpmath.sinh,
    sympy.cosh: mpmath.cosh,
    sympy.tanh: mpmath.tanh,
    sympy.asinh: mpmath.asinh,
    sympy.acosh: mpmath.acosh,
    sympy.atanh: mpmath.atanh,
    sympy.Abs: abs,
    sympy.erf: mpmath.erf,
    sympy.gamma: mpmath.gamma,
    sympy.loggamma: mpmath.loggamma,
    sympy.re: mpmath.re,
    sympy.im: mpmath.im,
    sympy.conjugate: mpmath.conj,
    sympy.sech: mpmath.sech,
    sympy.csch: mpmath.csch,
    sympy.coth: mpmath.coth,
    sympy.acot: mpmath.acot,
    sympy.factorial: mpmath.factorial,
}
#: Integer-valued steps: evaluated on the real part only (they are not analytic).
_STEPS: dict[type, Callable[[Any], Any]] = {
    sympy.floor: mpmath.floor,
    sympy.ceiling: mpmath.ceil,
}


def _check(value: Any) -> Any:
    if not mpmath.isfinite(value):
        raise Undefined("not finite")
    return value


def evaluate(expr: Any, env: Mapping[str, Any], dps: int) -> MpNumber:
    """Evaluate a sympy expression to an mpmath number at ``dps`` digits.

    Args:
        expr: A sympy expression whose free symbols all appear in ``env`` (by name).
        env: Symbol name → mpmath number.
        dps: Decimal digits of working precision.

    Returns:
        An ``mpf`` or ``mpc`` (finite).

    Raises:
        Undefined: When the value is not finite or the expression has no value at the point.
    """
    with mpmath.workdps(dps):
        try:
            return _check(_eval(expr, env, dps))
        except (ZeroDivisionError, OverflowError, ValueError) as exc:
            raise Undefined(str(exc)) from None


def _eval(expr: Any, env: Mapping[str, Any], dps: int) -> Any:
    if expr.is_Number:
        if expr.is_Integer:
            return mpmath.mpf(int(expr.p))
        if expr.is_Rational:
            return mpmath.mpf(int(expr.p)) / int(expr.q)
        if expr.is_Float:
            return mpmath.mpf(expr._mpf_)
        raise Undefined("not a finite number")  # oo, -oo, zoo, nan
    if expr.is_Symbol:
        try:
            return env[expr.name]
        except KeyError:
            raise Undefined(f"no value for {expr.name}") from None
    if expr.is_Add:
        total = mpmath.mpf(0)
        for arg in expr.args:
            total += _eval(arg, env, dps)
        return total
    if expr.is_Mul:
        product = mpmath.mpf(1)
        for arg in expr.args:
            product *= _eval(arg, env, dps)
        return product
    if expr.is_Pow:
        base, exponent = expr.args
        b = _eval(base, env, dps)
        if exponent.is_Integer:
            n = int(exponent.p)
            if n < 0 and b == 0:
                raise Undefined("division by zero")
            return mpmath.power(b, n)
        if exponent == _HALF:
            return mpmath.sqrt(b)
        e = _eval(exponent, env, dps)
        if b == 0 and mpmath.re(e) <= 0:
            raise Undefined("zero to a non-positive power")
        return mpmath.power(b, e)
    if expr is sympy.pi:
        return +mpmath.pi
    if expr is sympy.E:
        return +mpmath.e
    if expr is sympy.I:
        return mpmath.mpc(0, 1)
    func = expr.func
    fn = _UNARY.get(func)
    if fn is not None and len(expr.args) == 1:
        return fn(_eval(expr.args[0], env, dps))
    step = _STEPS.get(func)
    if step is not None and len(expr.args) == 1:
        v = _eval(expr.args[0], env, dps)
        if mpmath.im(v):
            raise Undefined("floor/ceiling of a complex number")
        return step(mpmath.re(v))
    if func is sympy.binomial and len(expr.args) == 2:
        return mpmath.binomial(_eval(expr.args[0], env, dps), _eval(expr.args[1], env, dps))
    if func is sympy.sign:
        return mpmath.sign(_eval(expr.args[0], env, dps))
    if func is sympy.Heaviside:
        v = _eval(expr.args[0], env, dps)
        if mpmath.im(v):
            raise Undefined("Heaviside of a complex number")
        return mpmath.mpf(1) if v > 0 else (mpmath.mpf(0) if v < 0 else mpmath.mpf(0.5))
    if func in (sympy.Max, sympy.Min):
        values = [_eval(a, env, dps) for a in expr.args]
        if any(mpmath.im(v) for v in values):
            raise Undefined("max/min of complex numbers")
        return max(values) if func is sympy.Max else min(values)
    return _fallback(expr, env, dps)


Compiled = Callable[[Mapping[str, Any]], Any]


def compile_expr(expr: Any, dps: int) -> Compiled:
    """Turn a sympy expression into nested closures that evaluate it with mpmath.

    Same semantics as :func:`evaluate`, but the tree is walked once: evaluating the result at
    each of the test points then costs only the arithmetic.

    Args:
        expr: A sympy expression.
        dps: Working precision the constants are prepared at (and the caller evaluates at).

    Returns:
        A function of ``env`` (symbol name → mpmath number) returning an mpmath number; call it
        through :func:`run_compiled`.
    """
    with mpmath.workdps(dps):
        return _compile(expr, dps)


def run_compiled(fn: Compiled, env: Mapping[str, Any], dps: int) -> MpNumber:
    """Evaluate a :func:`compile_expr` result at ``env``.

    Args:
        fn: The compiled expression.
        env: Symbol name → mpmath number.
        dps: Working precision (the one ``fn`` was compiled for).

    Returns:
        A finite ``mpf`` or ``mpc``.

    Raises:
        Undefined: As :func:`evaluate`.
    """
    with mpmath.workdps(dps):
        try:
            return _check(fn(env))
        except (ZeroDivisionError, OverflowError, ValueError) as exc:
            raise Undefined(str(exc)) from None


def _constant(value: Any) -> Compiled:
    return lambda env: value


def _undefined(reason: str) -> Compiled:
    def fail(env: Mapping[str, Any]) -> Any:
        raise Undefined(reason)

    return fail


def _compile(expr: Any, dps: int) -> Compiled:
    if expr.is_Number or expr in (sympy.pi, sympy.E, sympy.I):
        try:
            return _constant(_eval(expr, {}, dps))
        except Undefined as error:
            return _undefined(str(error))
    if expr.is_Symbol:
        name = expr.name

        def symbol(env: Mapping[str, Any]) -> Any:
            try:
                return env[name]
            except KeyError:
                raise Undefined(f"no value for {name}") from None

        return symbol
    if expr.is_Add or expr.is_Mul:
        parts = [_compile(arg, dps) for arg in expr.args]
        if expr.is_Add:

            def add(env: Mapping[str, Any]) -> Any:
                total = parts[0](env)
                for part in parts[1:]:
                    total += part(env)
                return total

            return add

        def mul(env: Mapping[str, Any]) -> Any:
            product = parts[0](env)
            for part in parts[1:]:
                product *= part(env)
            return product

        return mul
    if expr.is_Pow:
        base_expr, exponent = expr.args
        base = _compile(base_expr, dps)
        if exponent.is_Integer:
            n = int(exponent.p)

            def int_power(env: Mapping[str, Any]) -> Any:
                b = base(env)
                if n < 0 and b == 0:
                    raise Undefined("division by zero")
                return mpmath.power(b, n)

            return int_power
        if exponent == _HALF:
            return lambda env: mpmath.sqrt(base(env))
        power = _compile(exponent, dps)

        def real_power(env: Mapping[str, Any]) -> Any:
            b, e = base(env), power(env)
            if b == 0 and mpmath.re(e) <= 0:
                raise Undefined("zero to a non-positive power")
            return mpmath.power(b, e)

        return real_power
    fn = _UNARY.get(expr.func)
    if fn is not None and len(expr.args) == 1:
        inner = _compile(expr.args[0], dps)
        return lambda env: fn(inner(env))
    # Rare heads (steps, sign, Max/Min, Heaviside, anything else): the tree walker.
    return lambda env: _eval(expr, env, dps)


def _fallback(expr: Any, env: Mapping[str, Any], dps: int) -> Any:
    """Evaluate a head the walker does not know with sympy's own ``evalf``."""
    subs = {}
    for symbol in expr.free_symbols:
        if symbol.name not in env:
            raise Undefined(f"no value for {symbol.name}")
        value = env[symbol.name]
        subs[symbol] = (
            sympy.Float(value, dps)
            if not isinstance(value, mpmath.mpc)
            else sympy.Float(value.real, dps) + sympy.I * sympy.Float(value.imag, dps)
        )
    result = expr.evalf(dps, subs=subs) if subs else expr.evalf(dps)
    real, imag = result.as_real_imag()
    if not (real.is_Number and imag.is_Number):
        raise Undefined("could not evaluate to a number")
    if real.is_infinite or imag.is_infinite or real is sympy.nan or imag is sympy.nan:
        raise Undefined("not finite")
    r = mpmath.mpf(real._mpf_) if real.is_Float else to_mp(real, dps)
    i = mpmath.mpf(imag._mpf_) if imag.is_Float else to_mp(imag, dps)
    return mpmath.mpc(r, i) if i else r


def is_real(value: Any, dps: int) -> bool:
    """Return True when ``value`` is real up to rounding at ``dps`` digits."""
    imag = mpmath.im(value)
    if not imag:
        return True
    return abs(imag) <= mpmath.mpf(10) ** (5 - dps) * max(1, abs(mpmath.re(value)))


def realify(value: Any, dps: int) -> MpNumber:
    """Drop a rounding-level imaginary part; keep a genuine one."""
    return mpmath.re(value) if is_real(value, dps) else value
