"""The fixed vocabulary of parameter samplers a deck may use.

A deck never runs Python: ``params:`` entries are calls such as ``integer(-6, 6, nonzero)`` whose
name must be one of :data:`SAMPLERS`. Each sampler draws from a seeded
:class:`numpy.random.Generator` handed in by the generator, and only ever asks it for integers
(``Generator.integers``), whose stream is the same on every platform — so an instance is a pure
function of (template, seed) on every machine.

Values come back as sympy objects: ``Integer``/``Rational``/``Float`` scalars,
``ImmutableMatrix`` for vectors (n×1 columns) and matrices, and
:class:`mathdrill.mathlang.values.Sequence` for permutations.

One module although it is long: it is the whole vocabulary, a table an author reads in one
place, and its samplers share the argument readers at the top.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from mathdrill.errors import DeckError
from mathdrill.mathlang.values import MathValue, Sequence

MAX_DIMENSION = 8
"""Vectors and matrices have at most this many rows and columns."""

MAX_MAGNITUDE = 10**12
"""Bounds given to samplers must stay within ±this."""

MAX_TRIES = 1000
"""Samplers that resample internally (invertible, rank_k …) give up after this many draws."""


class SamplerError(DeckError):
    """A sampler was called with arguments it cannot use, or could not draw a value.

    A :class:`~mathdrill.errors.MathdrillError`, so the math language passes it through
    unchanged; the generator adds the parameter's name and line.
    """


@dataclass(frozen=True)
class Flag:
    """A bare word passed to a sampler, such as ``nonzero`` in ``integer(-5, 5, nonzero)``.

    Attributes:
        name: The word.
    """

    name: str

    def __str__(self) -> str:
        return self.name


FLAGS: dict[str, Flag] = {
    name: Flag(name) for name in ("nonzero", "distinct", "noninteger", "positive", "column")
}
"""The bare words samplers understand; see each sampler for which ones apply."""


@dataclass(frozen=True)
class Sampler:
    """One entry of the vocabulary.

    Attributes:
        name: The name used in deck files.
        signature: How it is called, for documentation and error messages.
        summary: What it draws.
        draw: ``draw(rng, *args, **kwargs)`` returning a sympy value.
        flags: The bare words it accepts.
    """

    name: str
    signature: str
    summary: str
    draw: Callable[..., MathValue]
    flags: frozenset[str] = frozenset()


# ----------------------------------------------------------------------------- argument helpers


def _int(value: Any, what: str) -> int:
    """Read an integer argument (a Python int, a sympy Integer or an integral float)."""
    if isinstance(value, bool | Flag):
        raise SamplerError(f"{what} must be an integer, not {value}")
    integral = (
        isinstance(value, int | np.integer)
        or (isinstance(value, sympy.Basic) and value.is_Integer)
        or (isinstance(value, sympy.Basic) and value.is_Float and value == int(value))
        or (isinstance(value, float) and value.is_integer())
    )
    if integral:
        number = int(value)
    else:
        raise SamplerError(f"{what} must be an integer, not {value}")
    if abs(number) > MAX_MAGNITUDE:
        raise SamplerError(f"{what} must lie within ±{MAX_MAGNITUDE:g}")
    return number


def _rational(value: Any, what: str) -> sympy.Rational:
    """Read an exact rational bound (ints, sympy Rationals, floats read as written decimals)."""
    if isinstance(value, bool | Flag):
        raise SamplerError(f"{what} must be a number, not {value}")
    if isinstance(value, int | np.integer):
        result = sympy.Integer(int(value))
    elif isinstance(value, float):
        result = sympy.Rational(repr(value))
    elif isinstance(value, sympy.Basic) and value.is_Rational:
        result = value
    elif isinstance(value, sympy.Basic) and value.is_Float:
        result = sympy.Rational(str(value))
    else:
        raise SamplerError(f"{what} must be a number, not {value}")
    if abs(result) > MAX_MAGNITUDE:
        raise SamplerError(f"{what} must lie within ±{MAX_MAGNITUDE:g}")
    return result


def _dimension(value: Any, what: str, low: int = 1) -> int:
    number = _int(value, what)
    if not low <= number <= MAX_DIMENSION:
        raise SamplerError(f"{what} must be between {low} and {MAX_DIMENSION}, not {number}")
    return number


def _items(value: Any, what: str) -> list[Any]:
    """Read a list argument (``[1, 2]`` arrives as a Sequence; a Matrix counts as its entries)."""
    if isinstance(value, Sequence):
        return list(value.items)
    if isinstance(value, sympy.MatrixBase):
        return list(value)
    if isinstance(value, list | tuple | sympy.Tuple):
        return list(value)
    raise SamplerError(f"{what} must be a list such as [1, 2, 3], not {value}")


def _split_flags(args: tuple[Any, ...], sampler: str, allowed: set[str]) -> tuple[list, set[str]]:
    """Separate bare-word flags from positional arguments, refusing flags that do not apply."""
    positional: list[Any] = []
    flags: set[str] = set()
    for arg in args:
        if isinstance(arg, Flag):
            if arg.name not in allowed:
                known = ", ".join(sorted(allowed)) or "none"
                raise SamplerError(f"{sampler}() does not take '{arg.name}' (flags: {known})")
            flags.add(arg.name)
        else:
            positional.append(arg)
    return positional, flags


def _bool_kw(kwargs: dict[str, Any], name: str) -> bool:
    value = kwargs.pop(name, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, sympy.logic.boolalg.BooleanAtom):
        return bool(value)
    raise SamplerError(f"{name}= must be true or false")


def _no_more(sampler: str, positional: list[Any], limit: int, kwargs: dict[str, Any]) -> None:
    if len(positional) > limit:
        raise SamplerError(f"{sampler}() takes at most {limit} numbers, got {len(positional)}")
    if kwargs:
        raise SamplerError(f"{sampler}() has no option {', '.join(sorted(kwargs))}=")


def _draw(rng: np.random.Generator, low: int, high: int) -> int:
    """Draw an integer uniformly from [low, high] (inclusive) using integer draws only."""
    return int(rng.integers(low, high + 1))


def _matrix(rows: list[list[Any]]) -> sympy.ImmutableMatrix:
    return sympy.ImmutableMatrix(rows)


# ----------------------------------------------------------------------------- scalar samplers


def integer(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.Integer:
    """Draw an integer from ``lo..hi`` inclusive.

    Args:
        rng: The instance's generator.
        *args: ``lo, hi`` and optionally the flag ``nonzero``.
        **kwargs: ``exclude=[...]`` values never drawn.

    Returns:
        A sympy Integer.

    Raises:
        SamplerError: Bad bounds, or every value in the range is excluded.
    """
    positional, flags = _split_flags(args, "integer", {"nonzero"})
    exclude_given = kwargs.pop("exclude", None)
    nonzero = "nonzero" in flags or _bool_kw(kwargs, "nonzero")
    _no_more("integer", positional, 2, kwargs)
    if len(positional) != 2:
        raise SamplerError("integer() needs two bounds: integer(lo, hi)")
    low, high = _int(positional[0], "lo"), _int(positional[1], "hi")
    if low > high:
        raise SamplerError(f"integer(): lo {low} is greater than hi {high}")
    excluded = set()
    if exclude_given is not None:
        excluded = {_int(v, "an excluded value") for v in _items(exclude_given, "exclude")}
    if nonzero:
        excluded.add(0)
    skipped = sorted(v for v in excluded if low <= v <= high)
    count = high - low + 1 - len(skipped)
    if count <= 0:
        raise SamplerError(f"integer({low}, {high}) excludes every value in its range")
    # Map an index in the allowed values to the value, stepping over the excluded ones: one draw,
    # no rejection loop, so the stream position never depends on luck.
    value = low + _draw(rng, 0, count - 1)
    for gap in skipped:
        if gap <= value:
            value += 1
        else:
            break
    return sympy.Integer(value)


def choice(rng: np.random.Generator, *args: Any, **kwargs: Any) -> MathValue:
    """Pick one of the arguments (or one item of a single list argument) uniformly.

    Args:
        rng: The instance's generator.
        *args: The options, e.g. ``choice(2, 3, 5)`` or ``choice([sin, cos])``-style lists.
        **kwargs: None accepted.

    Returns:
        The chosen option, unchanged.

    Raises:
        SamplerError: No options.
    """
    _no_more("choice", [], 0, kwargs)
    options = list(args)
    if len(options) == 1 and isinstance(options[0], Sequence | list | tuple):
        options = _items(options[0], "choice")
    if not options:
        raise SamplerError("choice() needs at least one option")
    return options[_draw(rng, 0, len(options) - 1)]


def sign(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.Integer:
    """Draw -1 or 1 with equal probability.

    Args:
        rng: The instance's generator.
        *args: None accepted.
        **kwargs: None accepted.

    Returns:
        ``Integer(-1)`` or ``Integer(1)``.

    Raises:
        SamplerError: Any argument was given.
    """
    _no_more("sign", list(args), 0, kwargs)
    return sympy.Integer(1 if _draw(rng, 0, 1) else -1)


def rational(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.Rational:
    """Draw a fraction p/q with lo ≤ p/q ≤ hi and q ≤ den (default 6).

    Args:
        rng: The instance's generator.
        *args: ``lo, hi`` and the flags ``nonzero`` and ``noninteger``.
        **kwargs: ``den=`` the largest denominator (2 … 1000).

    Returns:
        A reduced sympy Rational.

    Raises:
        SamplerError: Bad bounds, or no fraction fits.
    """
    positional, flags = _split_flags(args, "rational", {"nonzero", "noninteger"})
    den = _int(kwargs.pop("den", 6), "den")
    _no_more("rational", positional, 2, kwargs)
    if len(positional) != 2:
        raise SamplerError("rational() needs two bounds: rational(lo, hi)")
    if not 1 <= den <= 1000:
        raise SamplerError("rational(): den must be between 1 and 1000")
    low, high = _rational(positional[0], "lo"), _rational(positional[1], "hi")
    if low > high:
        raise SamplerError(f"rational(): lo {low} is greater than hi {high}")
    first = 2 if "noninteger" in flags else 1
    for _ in range(MAX_TRIES):
        q = _draw(rng, first, max(first, den))
        p_low, p_high = math.ceil(low * q), math.floor(high * q)
        if p_low > p_high:
            continue
        p = _draw(rng, p_low, p_high)
        value = sympy.Rational(p, q)
        if "nonzero" in flags and value == 0:
            continue
        if "noninteger" in flags and value.is_integer:
            continue
        return value
    raise SamplerError(f"rational({low}, {high}, den={den}) found no fraction that fits")


def decimal(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.Float:
    """Draw a decimal with a fixed number of places between lo and hi.

    Args:
        rng: The instance's generator.
        *args: ``lo, hi, places`` (places defaults to 1, at most 6) and the flag ``nonzero``.
        **kwargs: ``places=`` instead of the third number.

    Returns:
        A sympy Float equal to the written decimal (e.g. 0.25).

    Raises:
        SamplerError: Bad bounds or places.
    """
    positional, flags = _split_flags(args, "decimal", {"nonzero"})
    places_given = kwargs.pop("places", positional.pop(2) if len(positional) > 2 else 1)
    _no_more("decimal", positional, 2, kwargs)
    if len(positional) != 2:
        raise SamplerError("decimal() needs two bounds: decimal(lo, hi, places)")
    places = _int(places_given, "places")
    if not 0 <= places <= 6:
        raise SamplerError("decimal(): places must be between 0 and 6")
    scale = 10**places
    low, high = _rational(positional[0], "lo"), _rational(positional[1], "hi")
    k_low, k_high = math.ceil(low * scale), math.floor(high * scale)
    excluded = 0 if "nonzero" in flags and k_low <= 0 <= k_high else None
    count = k_high - k_low + 1 - (excluded is not None)
    if count <= 0:
        raise SamplerError(f"decimal({low}, {high}, {places}) has no value to draw")
    k = k_low + _draw(rng, 0, count - 1)
    if excluded is not None and k >= 0:
        k += 1
    return sympy.Float(sympy.Rational(k, scale), 15)


def probability(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.Rational:
    """Draw a "nice" probability strictly between 0 and 1, such as 1/4, 2/3 or 3/10.

    Args:
        rng: The instance's generator.
        *args: None accepted.
        **kwargs: ``denominators=[...]`` (default ``[2, 3, 4, 5, 6, 8, 10]``).

    Returns:
        A reduced sympy Rational in (0, 1).

    Raises:
        SamplerError: Bad denominators.
    """
    given = kwargs.pop("denominators", None)
    _no_more("probability", list(args), 0, kwargs)
    denominators = [2, 3, 4, 5, 6, 8, 10]
    if given is not None:
        denominators = [_int(v, "a denominator") for v in _items(given, "denominators")]
    if not denominators or any(not 2 <= d <= 1000 for d in denominators):
        raise SamplerError("probability(): denominators must be integers from 2 to 1000")
    q = denominators[_draw(rng, 0, len(denominators) - 1)]
    return sympy.Rational(_draw(rng, 1, q - 1), q)


def permutation(rng: np.random.Generator, *args: Any, **kwargs: Any) -> Sequence:
    """Draw a permutation of 0 … n−1 (Fisher–Yates with integer draws).

    Args:
        rng: The instance's generator.
        *args: ``n`` (1 … 8).
        **kwargs: None accepted.

    Returns:
        A :class:`Sequence` of sympy Integers in parentheses.

    Raises:
        SamplerError: Bad n.
    """
    _no_more("permutation", list(args), 1, kwargs)
    if len(args) != 1:
        raise SamplerError("permutation() needs n: permutation(4)")
    n = _dimension(args[0], "n")
    items = list(range(n))
    for i in range(n - 1, 0, -1):
        j = _draw(rng, 0, i)
        items[i], items[j] = items[j], items[i]
    return Sequence(tuple(sympy.Integer(v) for v in items), "(")


# ----------------------------------------------------------------------------- vectors and matrices


def _bounds(positional: list[Any], sampler: str, default: tuple[int, int]) -> tuple[int, int]:
    low = _int(positional[0], "lo") if len(positional) > 0 else default[0]
    high = _int(positional[1], "hi") if len(positional) > 1 else default[1]
    if low > high:
        raise SamplerError(f"{sampler}(): lo {low} is greater than hi {high}")
    if max(abs(low), abs(high)) > 10**6:
        raise SamplerError(f"{sampler}(): entries must stay within ±1000000")
    return low, high


def _grid(rng: np.random.Generator, rows: int, cols: int, low: int, high: int) -> list[list[int]]:
    return [[_draw(rng, low, high) for _ in range(cols)] for _ in range(rows)]


def vector(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.ImmutableMatrix:
    """Draw an integer column vector with entries in lo..hi.

    Args:
        rng: The instance's generator.
        *args: ``n, lo, hi`` (default −5, 5) and the flag ``nonzero`` (never the zero vector).
        **kwargs: None accepted.

    Returns:
        An n×1 ImmutableMatrix.

    Raises:
        SamplerError: Bad arguments.
    """
    positional, flags = _split_flags(args, "vector", {"nonzero"})
    _no_more("vector", positional, 3, kwargs)
    if not positional:
        raise SamplerError("vector() needs its length: vector(n, lo, hi)")
    n = _dimension(positional[0], "n")
    low, high = _bounds(positional[1:], "vector", (-5, 5))
    if "nonzero" in flags and low == high == 0:
        raise SamplerError("vector(): a nonzero vector needs a range other than 0..0")
    for _ in range(MAX_TRIES):
        entries = [_draw(rng, low, high) for _ in range(n)]
        if "nonzero" not in flags or any(entries):
            return _matrix([[v] for v in entries])
    raise SamplerError("vector(): could not draw a nonzero vector")


def matrix(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.ImmutableMatrix:
    """Draw an m×n integer matrix with entries in lo..hi.

    Args:
        rng: The instance's generator.
        *args: ``m, n, lo, hi`` (default −5, 5) and the flag ``nonzero`` (no zero entries).
        **kwargs: None accepted.

    Returns:
        An ImmutableMatrix.

    Raises:
        SamplerError: Bad arguments.
    """
    positional, flags = _split_flags(args, "matrix", {"nonzero"})
    _no_more("matrix", positional, 4, kwargs)
    if len(positional) < 2:
        raise SamplerError("matrix() needs its shape: matrix(m, n, lo, hi)")
    rows, cols = _dimension(positional[0], "m"), _dimension(positional[1], "n")
    low, high = _bounds(positional[2:], "matrix", (-5, 5))
    if "nonzero" in flags:
        span = [v for v in range(low, high + 1) if v != 0]
        if not span:
            raise SamplerError("matrix(): nonzero entries need a range other than 0..0")
        return _matrix(
            [[span[_draw(rng, 0, len(span) - 1)] for _ in range(cols)] for _ in range(rows)]
        )
    return _matrix(_grid(rng, rows, cols, low, high))


def symmetric(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.ImmutableMatrix:
    """Draw a symmetric n×n integer matrix with entries in lo..hi.

    Args:
        rng: The instance's generator.
        *args: ``n, lo, hi`` (default −5, 5).
        **kwargs: None accepted.

    Returns:
        An ImmutableMatrix equal to its transpose.

    Raises:
        SamplerError: Bad arguments.
    """
    _no_more("symmetric", list(args), 3, kwargs)
    if not args:
        raise SamplerError("symmetric() needs its size: symmetric(n, lo, hi)")
    n = _dimension(args[0], "n")
    low, high = _bounds(list(args[1:]), "symmetric", (-5, 5))
    rows = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            rows[i][j] = rows[j][i] = _draw(rng, low, high)
    return _matrix(rows)


def invertible(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.ImmutableMatrix:
    """Draw an invertible n×n integer matrix with entries in lo..hi (resampled until det ≠ 0).

    Args:
        rng: The instance's generator.
        *args: ``n, lo, hi`` (default −5, 5).
        **kwargs: None accepted.

    Returns:
        An ImmutableMatrix with nonzero determinant.

    Raises:
        SamplerError: Bad arguments, or no invertible matrix found in the range.
    """
    _no_more("invertible", list(args), 3, kwargs)
    if not args:
        raise SamplerError("invertible() needs its size: invertible(n, lo, hi)")
    n = _dimension(args[0], "n")
    low, high = _bounds(list(args[1:]), "invertible", (-5, 5))
    for _ in range(MAX_TRIES):
        candidate = _matrix(_grid(rng, n, n, low, high))
        if candidate.det() != 0:
            return candidate
    raise SamplerError(f"invertible(): no invertible matrix with entries in {low}..{high}")


def _unimodular(rng: np.random.Generator, n: int, size: int) -> sympy.ImmutableMatrix:
    """A product of a unit lower and a unit upper triangular matrix: det 1, integer inverse."""

    # Off-diagonal entries are never 0, so the result is never triangular (a triangular P·D·P⁻¹
    # would show its eigenvalues on the diagonal).
    def entry() -> int:
        value = _draw(rng, 1, size)
        return value if _draw(rng, 0, 1) else -value

    lower = [[1 if i == j else (entry() if i > j else 0) for j in range(n)] for i in range(n)]
    upper = [[1 if i == j else (entry() if i < j else 0) for j in range(n)] for i in range(n)]
    return _matrix(lower) * _matrix(upper)


def unimodular(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.ImmutableMatrix:
    """Draw an integer matrix with determinant 1 (so its inverse is an integer matrix too).

    Args:
        rng: The instance's generator.
        *args: ``n`` and optionally ``size`` (1 … 3, default 1), the bound of the triangular
            factors' entries: the result is L·U with unit triangular L, U.
        **kwargs: None accepted.

    Returns:
        An ImmutableMatrix with det 1.

    Raises:
        SamplerError: Bad arguments.
    """
    _no_more("unimodular", list(args), 2, kwargs)
    if not args:
        raise SamplerError("unimodular() needs its size: unimodular(n)")
    n = _dimension(args[0], "n")
    size = _int(args[1], "size") if len(args) > 1 else 1
    if not 1 <= size <= 3:
        raise SamplerError("unimodular(): size must be 1, 2 or 3")
    return _unimodular(rng, n, size)


_TRIPLES = ((3, 4, 5), (5, 12, 13), (8, 15, 17), (7, 24, 25))


def _signed_permutation(rng: np.random.Generator, n: int) -> sympy.ImmutableMatrix:
    order = permutation(rng, n).items
    rows = [[0] * n for _ in range(n)]
    for i, j in enumerate(order):
        rows[i][int(j)] = 1 if _draw(rng, 0, 1) else -1
    return _matrix(rows)


def orthogonal(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.ImmutableMatrix:
    """Draw an orthogonal n×n matrix with rational entries (QᵀQ = I exactly).

    Signed permutation matrices, or (for n ≥ 2, unless ``integer=true``) a rotation by an angle
    with a Pythagorean-triple cosine (3/5, 5/13, 8/17, 7/25) in a random plane, composed with
    signed permutations.

    Args:
        rng: The instance's generator.
        *args: ``n``.
        **kwargs: ``integer=true`` for signed permutations only.

    Returns:
        An orthogonal ImmutableMatrix.

    Raises:
        SamplerError: Bad arguments.
    """
    integer_only = _bool_kw(kwargs, "integer")
    _no_more("orthogonal", list(args), 1, kwargs)
    if len(args) != 1:
        raise SamplerError("orthogonal() needs its size: orthogonal(n)")
    n = _dimension(args[0], "n")
    first = _signed_permutation(rng, n)
    if integer_only or n == 1:
        return first
    a, b, c = _TRIPLES[_draw(rng, 0, len(_TRIPLES) - 1)]
    rotation = [[sympy.Integer(1 if i == j else 0) for j in range(n)] for i in range(n)]
    cos, sin = sympy.Rational(a, c), sympy.Rational(b, c)
    rotation[0][0], rotation[0][1], rotation[1][0], rotation[1][1] = cos, -sin, sin, cos
    return _matrix((first * _matrix(rotation) * _signed_permutation(rng, n)).tolist())


def positive_definite(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.ImmutableMatrix:
    """Draw a symmetric positive definite integer matrix L·Lᵀ.

    L is lower triangular with diagonal entries in 1..hi and the others in lo..hi, so the
    result is positive definite by construction and its entries stay small.

    Args:
        rng: The instance's generator.
        *args: ``n, lo, hi`` (default −2, 2; hi ≥ 1).
        **kwargs: None accepted.

    Returns:
        An ImmutableMatrix.

    Raises:
        SamplerError: Bad arguments.
    """
    _no_more("positive_definite", list(args), 3, kwargs)
    if not args:
        raise SamplerError("positive_definite() needs its size: positive_definite(n, lo, hi)")
    n = _dimension(args[0], "n")
    low, high = _bounds(list(args[1:]), "positive_definite", (-2, 2))
    if high < 1:
        raise SamplerError("positive_definite(): hi must be at least 1")
    factor = [
        [
            _draw(rng, 1, high) if i == j else (_draw(rng, low, high) if i > j else 0)
            for j in range(n)
        ]
        for i in range(n)
    ]
    lower = _matrix(factor)
    return _matrix((lower * lower.T).tolist())


def diagonalizable(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.ImmutableMatrix:
    """Draw an integer matrix P·D·P⁻¹ with chosen integer eigenvalues and unimodular P.

    Args:
        rng: The instance's generator.
        *args: ``n, lo, hi`` — n distinct eigenvalues drawn from lo..hi (default −4, 4) — unless
            ``eigenvalues=`` is given.
        **kwargs: ``eigenvalues=[...]`` the exact eigenvalues (integers, any multiplicity);
            ``size=`` the bound of P's triangular factors (1 … 2, default 1).

    Returns:
        An ImmutableMatrix with integer entries whose eigenvalues are the ones chosen.

    Raises:
        SamplerError: Bad arguments.
    """
    given = kwargs.pop("eigenvalues", None)
    size = _int(kwargs.pop("size", 1), "size")
    _no_more("diagonalizable", list(args), 3, kwargs)
    if not 1 <= size <= 2:
        raise SamplerError("diagonalizable(): size must be 1 or 2")
    if given is not None:
        eigenvalues = [_int(v, "an eigenvalue") for v in _items(given, "eigenvalues")]
        if not 1 <= len(eigenvalues) <= MAX_DIMENSION:
            raise SamplerError(f"diagonalizable(): give 1 to {MAX_DIMENSION} eigenvalues")
        if args and _dimension(args[0], "n") != len(eigenvalues):
            raise SamplerError("diagonalizable(): n differs from the number of eigenvalues")
        if any(abs(v) > 1000 for v in eigenvalues):
            raise SamplerError("diagonalizable(): eigenvalues must stay within ±1000")
        # Shuffle so the eigenvalue order on the diagonal is not always the one written.
        order = permutation(rng, len(eigenvalues)).items
        eigenvalues = [eigenvalues[int(i)] for i in order]
    else:
        if not args:
            raise SamplerError("diagonalizable() needs n or eigenvalues=[...]")
        n = _dimension(args[0], "n")
        low, high = _bounds(list(args[1:]), "diagonalizable", (-4, 4))
        pool = list(range(low, high + 1))
        if len(pool) < n:
            raise SamplerError(f"diagonalizable(): {low}..{high} has fewer than {n} values")
        eigenvalues = []
        for _ in range(n):
            eigenvalues.append(pool.pop(_draw(rng, 0, len(pool) - 1)))
    n = len(eigenvalues)
    diagonal = sympy.diag(*eigenvalues)
    result = diagonal
    for _ in range(50):
        p = _unimodular(rng, n, size)
        result = p * diagonal * p.inv()
        # A triangular result shows its eigenvalues on the diagonal: draw another P. (With all
        # eigenvalues equal the matrix is λI whatever P is, and is returned as such.)
        if n == 1 or len(set(eigenvalues)) == 1 or not (result.is_upper or result.is_lower):
            break
    return _matrix(result.tolist())


def rank_k(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.ImmutableMatrix:
    """Draw an m×n integer matrix of rank exactly k, as a product U·V of small factors.

    Args:
        rng: The instance's generator.
        *args: ``m, n, k, lo, hi`` — the factors' entries lie in lo..hi (default −2, 2).
        **kwargs: None accepted.

    Returns:
        An ImmutableMatrix of rank k.

    Raises:
        SamplerError: Bad arguments, or k larger than min(m, n).
    """
    _no_more("rank_k", list(args), 5, kwargs)
    if len(args) < 3:
        raise SamplerError("rank_k() needs m, n and k: rank_k(m, n, k, lo, hi)")
    rows, cols = _dimension(args[0], "m"), _dimension(args[1], "n")
    rank = _int(args[2], "k")
    if not 0 <= rank <= min(rows, cols):
        raise SamplerError(f"rank_k(): k must be between 0 and {min(rows, cols)}")
    low, high = _bounds(list(args[3:]), "rank_k", (-2, 2))
    if rank == 0:
        return sympy.ImmutableMatrix.zeros(rows, cols)
    for _ in range(MAX_TRIES):
        left = _grid(rng, rows, rank, low, high)
        right = _grid(rng, rank, cols, low, high)
        product = [
            [sum(left[i][t] * right[t][j] for t in range(rank)) for j in range(cols)]
            for i in range(rows)
        ]
        if _integer_rank(product) == rank:
            return _matrix(product)
    raise SamplerError(f"rank_k(): no rank-{rank} matrix found with factors in {low}..{high}")


def _integer_rank(rows: list[list[int]]) -> int:
    """The exact rank of an integer matrix (fraction-free elimination on Python ints).

    sympy's ``Matrix.rank`` gives the same number but costs about a millisecond for a 3×4
    matrix; this is what ``rank_k`` redraws on.
    """
    work = [list(row) for row in rows]
    rank = 0
    width = len(work[0]) if work else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(work)) if work[r][col] != 0), None)
        if pivot is None:
            continue
        work[rank], work[pivot] = work[pivot], work[rank]
        top = work[rank]
        for r in range(rank + 1, len(work)):
            factor = work[r][col]
            if factor:
                work[r] = [top[col] * a - factor * b for a, b in zip(work[r], top, strict=True)]
        rank += 1
    return rank


def stochastic(rng: np.random.Generator, *args: Any, **kwargs: Any) -> sympy.ImmutableMatrix:
    """Draw a row-stochastic n×n matrix whose entries are multiples of 1/den.

    Args:
        rng: The instance's generator.
        *args: ``n`` and the flags ``column`` (columns sum to 1 instead) and ``positive``
            (no zero entries).
        **kwargs: ``den=`` the common denominator (default 4, at most 100).

    Returns:
        An ImmutableMatrix of nonnegative Rationals with rows (or columns) summing to 1.

    Raises:
        SamplerError: Bad arguments (``positive`` needs den ≥ n).
    """
    positional, flags = _split_flags(args, "stochastic", {"column", "positive"})
    den = _int(kwargs.pop("den", 4), "den")
    _no_more("stochastic", positional, 1, kwargs)
    if len(positional) != 1:
        raise SamplerError("stochastic() needs its size: stochastic(n)")
    n = _dimension(positional[0], "n")
    if not 1 <= den <= 100:
        raise SamplerError("stochastic(): den must be between 1 and 100")
    positive = "positive" in flags
    if positive and den < n:
        raise SamplerError(f"stochastic(): positive entries need den ≥ n ({n})")
    rows = []
    for _ in range(n):
        # Split den into n parts by n-1 cut points (stars and bars); with `positive`, split
        # den-n and add one to every part.
        total = den - n if positive else den
        cuts = sorted(_draw(rng, 0, total) for _ in range(n - 1))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        rows.append([sympy.Rational(part + (1 if positive else 0), den) for part in parts])
    result = _matrix(rows)
    return _matrix(result.T.tolist()) if "column" in flags else result


SAMPLERS: dict[str, Sampler] = {
    s.name: s
    for s in (
        Sampler(
            "integer",
            "integer(lo, hi, nonzero, exclude=[...])",
            "an integer from lo to hi inclusive",
            integer,
            frozenset({"nonzero"}),
        ),
        Sampler("choice", "choice(a, b, ...)", "one of the options, uniformly", choice),
        Sampler("sign", "sign()", "−1 or 1", sign),
        Sampler(
            "rational",
            "rational(lo, hi, den=6, nonzero, noninteger)",
            "a fraction p/q in [lo, hi] with q ≤ den",
            rational,
            frozenset({"nonzero", "noninteger"}),
        ),
        Sampler(
            "decimal",
            "decimal(lo, hi, places, nonzero)",
            "a decimal with the given number of places in [lo, hi]",
            decimal,
            frozenset({"nonzero"}),
        ),
        Sampler(
            "probability",
            "probability(denominators=[2, 3, 4, 5, 6, 8, 10])",
            "a nice fraction strictly between 0 and 1",
            probability,
        ),
        Sampler("permutation", "permutation(n)", "an ordering of 0 … n−1", permutation),
        Sampler(
            "vector",
            "vector(n, lo, hi, nonzero)",
            "an integer column vector",
            vector,
            frozenset({"nonzero"}),
        ),
        Sampler(
            "matrix",
            "matrix(m, n, lo, hi, nonzero)",
            "an integer matrix",
            matrix,
            frozenset({"nonzero"}),
        ),
        Sampler("symmetric", "symmetric(n, lo, hi)", "a symmetric integer matrix", symmetric),
        Sampler(
            "invertible", "invertible(n, lo, hi)", "an integer matrix with det ≠ 0", invertible
        ),
        Sampler(
            "unimodular",
            "unimodular(n, size)",
            "an integer matrix with det 1 and an integer inverse",
            unimodular,
        ),
        Sampler(
            "orthogonal",
            "orthogonal(n, integer=false)",
            "an orthogonal matrix with rational entries",
            orthogonal,
        ),
        Sampler(
            "positive_definite",
            "positive_definite(n, lo, hi)",
            "a symmetric positive definite integer matrix L·Lᵀ",
            positive_definite,
        ),
        Sampler(
            "diagonalizable",
            "diagonalizable(n, lo, hi, eigenvalues=[...], size=1)",
            "an integer matrix P·D·P⁻¹ with chosen integer eigenvalues",
            diagonalizable,
        ),
        Sampler("rank_k", "rank_k(m, n, k, lo, hi)", "an integer matrix of rank exactly k", rank_k),
        Sampler(
            "stochastic",
            "stochastic(n, den=4, column, positive)",
            "a (row-)stochastic matrix of nice fractions",
            stochastic,
            frozenset({"column", "positive"}),
        ),
    )
}
"""Every sampler a deck may call, by name."""


def bind(rng: np.random.Generator) -> dict[str, Callable[..., MathValue]]:
    """Return the samplers as plain callables drawing from ``rng``.

    Args:
        rng: The instance's generator.

    Returns:
        ``{name: callable(*args, **kwargs)}`` ready to hand to the math language's function
        table; each raises :class:`SamplerError` on bad arguments.
    """

    def bound(sampler: Sampler) -> Callable[..., MathValue]:
        def call(*args: Any, **kwargs: Any) -> MathValue:
            return sampler.draw(rng, *args, **dict(kwargs))

        call.__name__ = sampler.name
        return call

    return {name: bound(sampler) for name, sampler in SAMPLERS.items()}
