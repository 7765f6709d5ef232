"""Tokenizers: plain text and a LaTeX subset → one token list with spans in the original text.

Both produce the same token kinds, so the rewrite (implicit multiplication, function application
without parentheses, ``n!``, ``√``, ``|x|``) and the walker are shared. Number literals are read
here, digit by digit, into :class:`~mathdrill.mathlang.values.NumberLiteral` values: Python never
sees a numeric literal, so ``1e999999`` or a 10 000-digit integer cannot reach its parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sympy

from mathdrill.errors import LimitExceededError, MathSyntaxError
from mathdrill.mathlang.limits import Limits
from mathdrill.mathlang.values import NumberLiteral

#: Greek letters typed as characters → the ASCII name they stand for.
GREEK: dict[str, str] = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "µ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi",
    "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta",
    "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}  # fmt: skip

GREEK_NAMES = frozenset(GREEK.values())

_SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8",
    "⁹": "9", "⁻": "-", "⁺": "+",
}  # fmt: skip

# Multi-character operators first so "**" is not read as two "*".
_OPERATORS = [
    ("**", "**"), ("==", "=="), ("!=", "!="), ("<=", "<="), (">=", ">="),
    ("^", "**"), ("+", "+"), ("-", "-"), ("−", "-"), ("–", "-"), ("*", "*"), ("·", "*"),
    ("⋅", "*"), ("×", "*"), ("∗", "*"), ("/", "/"), ("÷", "/"), ("<", "<"), (">", ">"),
    ("≤", "<="), ("≥", ">="), ("≠", "!="), ("=", "="), ("!", "!"),
]  # fmt: skip
_BRACKETS = "()[]{},|"
#: The operators by their first character, in the order above (only those can match there).
_OPERATORS_BY_FIRST: dict[str, list[tuple[str, str]]] = {}
for _src, _op in _OPERATORS:
    _OPERATORS_BY_FIRST.setdefault(_src[0], []).append((_src, _op))
del _src, _op

_DIGITS = frozenset("0123456789")
_NUMBER = re.compile(r"([0-9]+\.?[0-9]*|\.[0-9]+)(?:([eE])([+-]?[0-9]+))?(%?)")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Characters that are clearly code, with the reason given to the user.
_CODE_CHARS = {
    '"': "strings are not accepted",
    "'": "strings are not accepted (write f' as diff(f, x))",
    ":": "':' is not part of the math language",
    ";": "';' is not part of the math language",
    "@": "'@' is not part of the math language (use * for products)",
    "#": "'#' is not part of the math language",
    "\\": "'\\' starts a LaTeX command",
    "`": "'`' is not part of the math language",
    "$": "'$' is not part of the math language (type the formula without $ signs)",
    "&": "'&' is only used inside a LaTeX matrix",
    "~": "'~' is not part of the math language",
}


@dataclass(slots=True)
class Tok:
    """One token.

    Attributes:
        kind: ``num``, ``name``, ``op``, ``sqrt``, ``absopen``/``absclose`` after bar matching,
            one of ``( ) [ ] { } , |``, or (after name resolution) ``sym``, ``const``, ``value``,
            ``func``, ``kw``, ``kwarg``.
        text: Normalized text: the Python operator, or the name (Greek letters spelled out).
        start: Start of the span in the original input.
        end: End of the span in the original input.
        data: The :class:`NumberLiteral` of a ``num``, the symbol of a ``sym``, the value of a
            ``const`` (bound values and functions are looked up when the tree is walked).
        synthetic: True for tokens the rewrite inserted (implicit ``*``, parentheses).
    """

    kind: str
    text: str
    start: int
    end: int
    data: Any = None
    synthetic: bool = False


def _limit(message: str, text: str, start: int, end: int) -> LimitExceededError:
    return LimitExceededError(message, text, start, end)


def number_literal(lit: str, start: int, text: str, limits: Limits) -> NumberLiteral:
    """Read a decimal literal (``12``, ``0.330``, ``2e-3``, ``15%``) exactly.

    Args:
        lit: The literal text, matching ``digits[.digits][e±digits][%]``.
        start: Its index in ``text``.
        text: The whole input (for error spans).
        limits: Digit and exponent limits.

    Returns:
        The literal with exact value, significant figures and last-digit unit.

    Raises:
        LimitExceededError: Too many digits or too large an exponent.
        MathSyntaxError: The literal is malformed.
    """
    m = _NUMBER.fullmatch(lit)
    if m is None:
        raise MathSyntaxError(f"'{lit}' is not a number", text, start, start + len(lit))
    mantissa, e_mark, exp_text, percent = m.groups()
    end = start + len(lit)
    int_part, _, frac_part = mantissa.partition(".")
    has_point = "." in mantissa
    digits = int_part + frac_part
    if len(digits) > limits.max_int_digits:
        raise _limit(
            f"number with {len(digits)} digits is too long (limit {limits.max_int_digits} digits)",
            text,
            start,
            end,
        )
    exponent = 0
    if e_mark:
        if len(exp_text.lstrip("+-")) > 6:
            raise _limit(
                f"exponent of {lit} is too large (limit ±{limits.max_decimal_exponent})",
                text,
                start,
                end,
            )
        exponent = int(exp_text)
        if abs(exponent) > limits.max_decimal_exponent:
            raise _limit(
                f"exponent of {lit} is too large (limit ±{limits.max_decimal_exponent})",
                text,
                start,
                end,
            )
    scale = exponent - len(frac_part) - (2 if percent else 0)
    mant = int(digits)
    value = sympy.Rational(mant * 10**scale) if scale >= 0 else sympy.Rational(mant, 10**-scale)
    unit = sympy.Rational(10**scale) if scale >= 0 else sympy.Rational(1, 10**-scale)
    stripped = digits.lstrip("0")
    if not stripped:
        sig = max(1, len(frac_part))
    elif has_point:
        sig = len(stripped)
    else:
        # "1200" is ambiguous; its trailing zeros are not counted ("1200." counts them).
        sig = len(stripped.rstrip("0"))
    if not has_point and not stripped and not frac_part:
        sig = 1
    return NumberLiteral(
        text=lit,
        start=start,
        value=value,
        significant_figures=sig,
        last_digit_unit=unit,
        is_decimal=bool(has_point or e_mark or percent),
    )


def lex_plain(text: str, limits: Limits, lo: int = 0, hi: int | None = None) -> list[Tok]:
    """Split plain (non-LaTeX) input into tokens.

    Args:
        text: The input.
        limits: Literal limits.
        lo: Where to start (the LaTeX reader lexes runs of plain text inside LaTeX).
        hi: Where to stop (default: the end).

    Returns:
        Tokens with spans in ``text``.

    Raises:
        MathSyntaxError: A character that is not part of the language.
        LimitExceededError: A literal is too large.
    """
    toks: list[Tok] = []
    i = lo
    n = len(text) if hi is None else hi
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            m = _NUMBER.match(text, i, n)
            assert m is not None  # a digit or ".digit" always matches
            lit = m.group(0)
            toks.append(Tok("num", lit, i, m.end(), number_literal(lit, i, text, limits)))
            i = m.end()
            if i < n and text[i] == ".":
                raise MathSyntaxError("a number can have only one decimal point", text, i, i + 1)
            continue
        if c == ".":
            raise MathSyntaxError(
                "'.' is only accepted inside a number (attributes like x.y are not allowed)",
                text,
                i,
                i + 1,
            )
        if c.isascii() and (c.isalpha() or c == "_"):
            m = _IDENT.match(text, i, n)
            assert m is not None
            i = _name_with_subscript(text, m.group(0), i, m.end(), n, toks)
            continue
        if c in GREEK:
            i = _name_with_subscript(text, GREEK[c], i, i + 1, n, toks)
            continue
        if c == "∞":
            toks.append(Tok("name", "oo", i, i + 1))
            i += 1
            continue
        if c == "√":
            toks.append(Tok("sqrt", "sqrt", i, i + 1))
            i += 1
            continue
        if c in _SUPERSCRIPTS:
            j = i
            while j < n and text[j] in _SUPERSCRIPTS:
                j += 1
            toks.extend(superscript_tokens(text, i, j, limits))
            i = j
            continue
        if c == "%":
            raise MathSyntaxError("'%' is only accepted right after a number, as in 15%", text, i)
        if c in _BRACKETS:
            toks.append(Tok(c, c, i, i + 1))
            i += 1
            continue
        for src, op in _OPERATORS_BY_FIRST.get(c, ()):
            if text.startswith(src, i):
                toks.append(Tok("op", op, i, i + len(src)))
                i += len(src)
                break
        else:
            reason = _CODE_CHARS.get(c, f"unexpected character {c!r}")
            raise MathSyntaxError(reason, text, i, i + 1)
    return toks


_SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7",
               "₈": "8", "₉": "9"}  # fmt: skip


def _name_with_subscript(text: str, name: str, i: int, j: int, n: int, toks: list[Tok]) -> int:
    """Append a name token; subscript digits right after it join the name (``x₁`` → ``x_1``)."""
    k = j
    while k < n and text[k] in _SUBSCRIPTS:
        k += 1
    if k > j:
        name = name + "_" + "".join(_SUBSCRIPTS[ch] for ch in text[j:k])
    toks.append(Tok("name", name, i, k))
    return k


def superscript_tokens(text: str, i: int, j: int, limits: Limits) -> list[Tok]:
    """Turn a run of superscript characters ``text[i:j]`` (``²``, ``⁻¹``) into ``** ( n )``.

    Args:
        text: The input.
        i: Start of the run.
        j: End of the run.
        limits: Literal limits.

    Returns:
        Synthetic tokens spanning the run.

    Raises:
        MathSyntaxError: A sign without digits (``x⁻``).
    """
    plain = "".join(_SUPERSCRIPTS[ch] for ch in text[i:j])
    sign = ""
    body = plain
    while body[:1] in ("-", "+"):
        sign = "-" if (body[0] == "-") != (sign == "-") else ""
        body = body[1:]
    if not body.isdigit():
        raise MathSyntaxError("a superscript needs digits, as in x² or x⁻¹", text, i, j)
    lit = number_literal(body, i, text, limits)
    out = [Tok("op", "**", i, j, synthetic=True), Tok("(", "(", i, j, synthetic=True)]
    if sign:
        out.append(Tok("op", "-", i, j, synthetic=True))
    # Superscript digits are exponents, not typed number literals: kept out of Parsed.numbers.
    out.append(Tok("num", body, i, j, lit, synthetic=True))
    out.append(Tok(")", ")", i, j, synthetic=True))
    return out
