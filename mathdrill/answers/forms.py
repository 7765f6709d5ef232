"""Readers for answer forms that are not formulas: shapes, booleans, choices, intervals, pairs.

These texts are read here rather than by the math parser because the parser would misread them
(``3x4`` is 3·x4 to it, ``[0, 1)`` is unbalanced). Endpoints, eigenvalues and eigenvectors are
still read by ``mathdrill.mathlang`` through the ``read_math`` callable the caller passes in, so
the same safety limits apply. Every reader raises :class:`~mathdrill.errors.MathSyntaxError` with
the input and a caret span on bad text, and never anything else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy

from mathdrill.errors import MathSyntaxError

#: Longest text the readers here accept (the math parser has its own, larger limit).
MAX_FORM_LENGTH = 2000

ERROR_WORDS = frozenset(
    {
        "error",
        "err",
        "raises",
        "raise",
        "exception",
        "valueerror",
        "value error",
        "broadcast error",
        "broadcasting error",
        "incompatible",
        "fails",
        "not broadcastable",
        "undefined",
        "none",
    }
)
TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "correct", "right"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "incorrect", "wrong"})


def normalize_words(text: str) -> str:
    """Return ``text`` case-folded, NFKC-normalised, with runs of whitespace made single spaces.

    Args:
        text: Any text.

    Returns:
        The normalised text, stripped.
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _too_long(text: str) -> None:
    if len(text) > MAX_FORM_LENGTH:
        raise MathSyntaxError(
            f"answer too long ({len(text)} characters; at most {MAX_FORM_LENGTH})",
            text,
            MAX_FORM_LENGTH,
            len(text),
        )


def read_boolean(text: str) -> bool:
    """Read yes/no, true/false, y/n, t/f, 1/0 (any case).

    Args:
        text: The learner's text.

    Returns:
        The truth value.

    Raises:
        MathSyntaxError: When the text is none of those words.
    """
    _too_long(text)
    word = normalize_words(text).rstrip(".!")
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise MathSyntaxError("answer yes or no (or true/false)", text, 0, max(1, len(text)))


_SHAPE_SPLIT = re.compile(r"\s*(?:,|x|×|\*|by)\s*")


@dataclass(frozen=True)
class ShapeValue:
    """An array shape, or the statement that the operation is an error.

    Attributes:
        dims: The dimensions, ``()`` for a scalar; None when ``error`` is True.
        error: True for "this raises an error" (broadcasting drills).
    """

    dims: tuple[int, ...] | None
    error: bool = False

    def render(self) -> str:
        """Return the shape as Python writes it: ``(3, 4)``, ``(3,)``, ``()`` or ``error``."""
        if self.error or self.dims is None:
            return "error"
        if len(self.dims) == 1:
            return f"({self.dims[0]},)"
        return "(" + ", ".join(str(d) for d in self.dims) + ")"


def read_shape(text: str) -> ShapeValue:
    """Read a shape: ``(3, 4)``, ``3x4``, ``3×4``, ``[3,4]``, ``3, 4``, ``(3,)``, ``()``, ``error``.

    Args:
        text: The learner's (or author's) text.

    Returns:
        The shape.

    Raises:
        MathSyntaxError: With a caret at the first part that is not a whole number.
    """
    _too_long(text)
    words = normalize_words(text).rstrip(".")
    if words in ERROR_WORDS:
        return ShapeValue(None, error=True)
    if words in {"()", "[]", "scalar", "0-d", "0d", "( )"}:
        return ShapeValue(())
    body = text.strip()
    offset = len(text) - len(text.lstrip())
    if body[:1] in "([" and body[-1:] in ")]":
        if (body[0] == "(") != (body[-1] == ")"):
            raise MathSyntaxError("brackets do not match", text, offset, offset + len(body))
        body = body[1:-1]
        offset += 1
    if not body.strip():
        return ShapeValue(())
    dims: list[int] = []
    position = 0
    parts = _SHAPE_SPLIT.split(body.casefold())
    # A trailing comma, as in Python's (3,), leaves one empty last part.
    if len(parts) > 1 and parts[-1].strip() == "":
        parts = parts[:-1]
    for part in parts:
        start = body.casefold().find(part, position) if part else position
        stripped = part.strip()
        if not stripped.isdigit() or not stripped.isascii():
            begin = offset + max(start, 0)
            raise MathSyntaxError(
                "a shape is whole numbers separated by commas or x, e.g. (3, 4) or 3x4, or"
                " the word error",
                text,
                begin,
                begin + max(1, len(part)),
            )
        if len(stripped) > 9:
            raise MathSyntaxError("dimension too large", text, offset + start, offset + start + 9)
        dims.append(int(stripped))
        position = max(start, 0) + len(part)
    return ShapeValue(tuple(dims))


def letter_index(text: str) -> int | None:
    """Return the option index of a letter answer ``b``, ``B)``, ``(b)``, ``b.``; None otherwise.

    Args:
        text: The learner's text.

    Returns:
        0 for a, 1 for b …, or None when the text is not a lone letter.
    """
    match = re.fullmatch(r"\s*\(?\s*([A-Za-z])\s*[).:]?\s*", text)
    if match is None:
        return None
    return ord(match.group(1).lower()) - ord("a")


def read_choice(text: str, choices: tuple[str, ...]) -> int | str:
    """Read a choice answer: an option's text, or its letter.

    Args:
        text: The learner's text.
        choices: The option texts (may be empty: then the normalised text itself is the answer).

    Returns:
        The option index, or (without choices) the normalised text.

    Raises:
        MathSyntaxError: When the text names no option.
    """
    _too_long(text)
    words = normalize_words(text)
    normalized = [normalize_words(c) for c in choices]
    if not choices:
        if not words:
            raise MathSyntaxError("type the option's letter or text", text, 0, 1)
        return words
    if words in normalized:
        return normalized.index(words)
    stripped = words.rstrip(".")
    if stripped in normalized:
        return normalized.index(stripped)
    index = letter_index(text)
    if index is not None and 0 <= index < len(choices):
        return index
    last = chr(ord("a") + len(choices) - 1)
    raise MathSyntaxError(
        f"not one of the options: answer with a letter a–{last} or the option's text",
        text,
        0,
        max(1, len(text)),
    )


#: Infinite endpoints are sympy's own infinities (never confused with the numbers ±1).
POS_INF = sympy.oo
NEG_INF = -sympy.oo

INFINITY_WORDS = {
    "oo": POS_INF,
    "+oo": POS_INF,
    "inf": POS_INF,
    "+inf": POS_INF,
    "infinity": POS_INF,
    "+infinity": POS_INF,
    "∞": POS_INF,
    "+∞": POS_INF,
    "-oo": NEG_INF,
    "-inf": NEG_INF,
    "-infinity": NEG_INF,
    "-∞": NEG_INF,
    "−∞": NEG_INF,
    "−oo": NEG_INF,
    "−inf": NEG_INF,
}


@dataclass(frozen=True)
class Piece:
    """One interval: endpoints (sympy values, or +1/-1 infinity markers) and closedness.

    Attributes:
        lo: Left endpoint (sympy expression, ``-sympy.oo`` for −∞).
        hi: Right endpoint (sympy expression, ``sympy.oo`` for +∞).
        lo_closed: True for ``[``; always False at an infinite end.
        hi_closed: True for ``]``; always False at an infinite end.
        lo_text: The left endpoint as typed (for messages and rendering).
        hi_text: The right endpoint as typed.
        numbers: Number literals of both endpoints (for the decimal allowance).
    """

    lo: Any
    hi: Any
    lo_closed: bool
    hi_closed: bool
    lo_text: str = ""
    hi_text: str = ""
    numbers: tuple[Any, ...] = ()


@dataclass(frozen=True)
class IntervalValue:
    """A union of intervals (possibly empty), as typed.

    Attributes:
        pieces: The intervals in the order typed.
    """

    pieces: tuple[Piece, ...]


_UNION = re.compile(r"\s*(?:∪|\bU\b|\bu\b|\bunion\b|\bor\b)\s*")
_EMPTY = frozenset({"{}", "∅", "empty", "empty set", "none", "no solution"})
_REALS = frozenset({"r", "ℝ", "reals", "all reals", "all real numbers", "(-oo, oo)"})


def _top_level_comma(body: str) -> int:
    depth = 0
    found = -1
    for index, char in enumerate(body):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char in ",;" and depth == 0:
            if found >= 0:
                return -2
            found = index
    return found


def read_interval(
    text: str, read_math: Callable[[str], tuple[Any, tuple[Any, ...]]]
) -> IntervalValue:
    """Read ``[0, 1)``, ``(-oo, 2]``, ``(-inf, 2]``, ``[0, ∞)``, ``]0, 1]``, unions with ∪ or U.

    Also ``∅``/``empty`` and ``R``/``ℝ``. Endpoints are read with ``read_math``; an infinite
    endpoint is always open (``[0, oo]`` is read as ``[0, oo)``).

    Args:
        text: The text to read.
        read_math: Reads one endpoint's text and returns (sympy value, number literals); raises
            MathSyntaxError on bad text (positions relative to the endpoint's text).

    Returns:
        The intervals typed.

    Raises:
        MathSyntaxError: With a caret at the bad part.
    """
    _too_long(text)
    words = normalize_words(text)
    if words in _EMPTY:
        return IntervalValue(())
    if words in _REALS:
        return IntervalValue((Piece(NEG_INF, POS_INF, False, False, "-∞", "∞"),))
    pieces: list[Piece] = []
    position = 0
    for match in [*_UNION.finditer(text), None]:
        end = match.start() if match is not None else len(text)
        if _INEQUALITY_SIGN.search(text[position:end]):
            pieces.append(_read_inequality(text, position, end, read_math))
        else:
            pieces.append(_read_piece(text, position, end, read_math))
        if match is not None:
            position = match.end()
    return IntervalValue(tuple(pieces))


_INEQUALITY_SIGN = re.compile(r"<=|>=|<|>|≤|≥")
_INEQUALITY = re.compile(
    r"^\s*(?:(?P<lo>[^<>≤≥]+?)\s*(?P<op1><=|<|≤)\s*)?(?P<name>[A-Za-zα-ωΑ-Ω_]\w*)"
    r"\s*(?P<op2><=|<|≤|>=|>|≥)\s*(?P<hi>[^<>≤≥]+?)\s*$"
)


def _read_inequality(
    text: str, start: int, end: int, read_math: Callable[[str], tuple[Any, tuple[Any, ...]]]
) -> Piece:
    """Read ``0 <= x < 1``, ``x > 2``, ``x ≤ 3`` (one variable) in ``text[start:end]``."""
    match = _INEQUALITY.match(text[start:end])
    if match is None or (match.group("lo") is not None and match.group("op2") not in "<=≤"):
        raise MathSyntaxError(
            "write an interval such as [0, 1) or an inequality such as 0 <= x < 1",
            text,
            start,
            max(start + 1, end),
        )
    lo_text, op1, op2, bound = (
        match.group("lo"),
        match.group("op1"),
        match.group("op2"),
        match.group("hi"),
    )
    bound_value, bound_numbers = _endpoint(text, start + match.start("hi"), bound, read_math)
    if lo_text is not None:
        lo_value, lo_numbers = _endpoint(text, start + match.start("lo"), lo_text, read_math)
        return Piece(
            lo_value,
            bound_value,
            op1 != "<" and lo_value != NEG_INF,
            op2 != "<" and bound_value != POS_INF,
            lo_text.strip(),
            bound.strip(),
            tuple(lo_numbers) + tuple(bound_numbers),
        )
    closed = op2 in ("<=", ">=", "≤", "≥")
    if op2 in ("<", "<=", "≤"):
        return Piece(NEG_INF, bound_value, False, closed, "-∞", bound.strip(), tuple(bound_numbers))
    return Piece(bound_value, POS_INF, closed, False, bound.strip(), "∞", tuple(bound_numbers))


def _read_piece(
    text: str, start: int, end: int, read_math: Callable[[str], tuple[Any, tuple[Any, ...]]]
) -> Piece:
    raw = text[start:end]
    body = raw.strip()
    begin = start + (len(raw) - len(raw.lstrip()))
    if len(body) < 2 or body[0] not in "[(]" or body[-1] not in "])[":
        raise MathSyntaxError(
            "an interval starts with [ or ( and ends with ] or ), e.g. [0, 1)",
            text,
            begin,
            begin + max(1, len(body)),
        )
    lo_closed = body[0] == "["
    hi_closed = body[-1] == "]"
    inner = body[1:-1]
    comma = _top_level_comma(inner)
    if comma < 0:
        raise MathSyntaxError(
            "an interval needs two endpoints separated by one comma, e.g. [0, 1)",
            text,
            begin,
            begin + len(body),
        )
    lo_raw, hi_raw = inner[:comma], inner[comma + 1 :]
    lo, lo_numbers = _endpoint(text, begin + 1, lo_raw, read_math)
    hi, hi_numbers = _endpoint(text, begin + 2 + comma, hi_raw, read_math)
    if lo == POS_INF or hi == NEG_INF:
        raise MathSyntaxError(
            "the left end cannot be +∞ and the right end cannot be −∞",
            text,
            begin,
            begin + len(body),
        )
    return Piece(
        lo,
        hi,
        lo_closed and lo != NEG_INF,
        hi_closed and hi != POS_INF,
        lo_raw.strip(),
        hi_raw.strip(),
        tuple(lo_numbers) + tuple(hi_numbers),
    )


def _endpoint(
    text: str,
    offset: int,
    raw: str,
    read_math: Callable[[str], tuple[Any, tuple[Any, ...]]],
) -> tuple[Any, tuple[Any, ...]]:
    word = raw.strip().replace(" ", "").casefold()
    if word in INFINITY_WORDS:
        return INFINITY_WORDS[word], ()
    if not raw.strip():
        raise MathSyntaxError("missing endpoint", text, offset, offset + max(1, len(raw)))
    lead = len(raw) - len(raw.lstrip())
    try:
        return read_math(raw.strip())
    except MathSyntaxError as error:
        raise MathSyntaxError(
            error.message,
            text,
            offset + lead + error.start,
            offset + lead + error.end,
        ) from None


_PAIR_ARROW = re.compile(r"\s*(?::|->|→|=>|↦)\s*")
_LAMBDA_PREFIX = re.compile(r"^\s*(?:λ|lambda|lam|l|eigenvalue)\s*_?\d*\s*=\s*", re.IGNORECASE)


@dataclass(frozen=True)
class PairText:
    """One ``value: vector(s)`` chunk of an eigenpairs answer, located in the whole text."""

    value_text: str
    value_start: int
    vectors_text: str
    vectors_start: int


_VECTOR_PREFIX = re.compile(r"^\s*(?:v|x|u|w|e|vec)\s*_?\d*\s*=\s*", re.IGNORECASE)


def _top_level_parts(chunk: str) -> list[tuple[str, int]]:
    """Split at commas outside brackets: [(part, offset in chunk)]."""
    parts: list[tuple[str, int]] = []
    depth = 0
    begin = 0
    for index, char in enumerate(chunk):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append((chunk[begin:index], begin))
            begin = index + 1
    parts.append((chunk[begin:], begin))
    return parts


def split_pairs(text: str) -> list[PairText] | None:
    """Split an eigenpairs answer into ``value: vector(s)`` pairs located in the text.

    Accepted: pairs separated by ``;``, new lines or commas — ``2: [1, 1]; 3: [1, -2]``,
    ``2 -> (1, 1), 3 -> (1, -2)``, ``λ=2 → [1, 1]`` — several vectors for one value
    (``1: [1, 0], [0, 1]``), and ``λ1 = 2, v1 = (1, 1); λ2 = 3, v2 = (1, -2)``.

    Args:
        text: The learner's eigenpairs text.

    Returns:
        The pairs, or None when the text names no pair at all (no ``:``/``->``/``λ =``): the
        caller then reads it as a list of ``(value, vector)`` tuples.

    Raises:
        MathSyntaxError: When a vector comes before any eigenvalue, or a value has no vector.
    """
    _too_long(text)
    chunks: list[tuple[str, int]] = []
    position = 0
    for match in [*re.finditer(r"[;\n]", text), None]:
        end = match.start() if match is not None else len(text)
        if text[position:end].strip():
            chunks.append((text[position:end], position))
        if match is not None:
            position = match.end()
    # Each open pair: [value_text, value_start, vectors_start or None, vectors_end].
    open_pairs: list[list[Any]] = []
    named = False
    for chunk, chunk_start in chunks:
        for part, offset in _top_level_parts(chunk):
            start = chunk_start + offset
            arrow = _PAIR_ARROW.search(part)
            prefix = _LAMBDA_PREFIX.match(part)
            if arrow is not None:
                named = True
                left = part[: arrow.start()]
                lam = _LAMBDA_PREFIX.match(left)
                skip = lam.end() if lam else 0
                open_pairs.append(
                    [left[skip:], start + skip, start + arrow.end(), start + len(part)]
                )
            elif prefix is not None:
                named = True
                open_pairs.append([part[prefix.end() :], start + prefix.end(), None, None])
            elif not part.strip():
                continue
            else:
                vector = _VECTOR_PREFIX.match(part)
                skip = vector.end() if vector else 0
                if not open_pairs:
                    if not named and len(chunks) == 1:
                        return None
                    raise MathSyntaxError(
                        "write each pair as eigenvalue: eigenvector, e.g. 2: [1, 1]; 3: [1, -2]",
                        text,
                        start,
                        start + max(1, len(part)),
                    )
                current = open_pairs[-1]
                if current[2] is None:
                    current[2] = start + skip
                current[3] = start + len(part)
    if not named:
        return None
    pairs: list[PairText] = []
    for value_text, value_start, vectors_start, vectors_end in open_pairs:
        if vectors_start is None:
            raise MathSyntaxError(
                "this eigenvalue has no eigenvector; write e.g. 2: [1, 1]",
                text,
                value_start,
                value_start + max(1, len(value_text)),
            )
        pairs.append(
            PairText(value_text, value_start, text[vectors_start:vectors_end], vectors_start)
        )
    return pairs
