"""Token rewrite: resolve names, then turn the token list into Python expression source.

The rewrite is where informal notation becomes explicit:

* names resolve through explicit tables only (declared symbols, author bindings, constants,
  functions); an unknown run of letters is split into declared symbols (``xy`` → ``x·y``) or
  refused;
* ``|x|`` → ``abs(x)``, ``√a`` → ``sqrt(a)``, ``n!`` → ``factorial(n)``;
* a function written without parentheses takes the implicit product after it as its argument:
  ``sin 2x`` → ``sin(2x)``, ``sin x^2`` → ``sin(x^2)``, ``2 sin x cos x`` → ``2·sin(x)·cos(x)``;
  ``sin^2 x`` → ``sin(x)^2``;
* implicit multiplication becomes ``*``.

Every name and number becomes a placeholder ``_t<k>`` whose token (with its span in the original
text) the walker looks up, so Python's parser only ever sees placeholders, operators and brackets,
and every node maps back to a span of the original input.
"""

from __future__ import annotations

import keyword
import numbers
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy

from mathdrill.errors import LimitExceededError, MathSyntaxError
from mathdrill.mathlang.lexer import Tok
from mathdrill.mathlang.limits import Limits
from mathdrill.mathlang.values import MathValue, Sequence

_OPERAND_END = frozenset({"num", "sym", "const", "value", ")", "]", "}", "absclose"})
_OPERAND_START = frozenset({"num", "sym", "const", "value", "func", "(", "absopen", "sqrt"})
_ATOMS = frozenset({"num", "sym", "const", "value"})
_OPENERS = {"(": ")", "[": "]", "{": "}", "absopen": "absclose"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
_SHOWN = {"absopen": "|", "absclose": "|"}
_BINARY_ONLY = frozenset({"*", "/", "**", "==", "!=", "<", "<=", ">", ">=", "="})
_NO_SPLIT = frozenset({"oo", "inf", "infinity"})


@dataclass
class Context:
    """What names mean in one parse.

    Attributes:
        text: The original input.
        author: True for the author table (comparisons, logic, indexing, keyword arguments).
        allow_imaginary: Whether ``i``/``j``/``I`` mean the imaginary unit.
        limits: The limits in force.
        symbols: Normalized symbol name → sympy Symbol (``lambda`` and ``λ`` share a key).
        names: Author bindings (deck parameters and ``let`` values).
        functions: Function name → FuncSpec.
        constants: Constant name → sympy value.
        notes: Notes gathered while reading (``Parsed.notes``).
    """

    text: str
    author: bool
    allow_imaginary: bool
    limits: Limits
    symbols: Mapping[str, Any]
    names: Mapping[str, Any]
    functions: Mapping[str, Any]
    constants: Mapping[str, Any]
    notes: list[str] = field(default_factory=list)

    def error(self, message: str, start: int, end: int | None = None) -> MathSyntaxError:
        """Build a syntax error pointing into the original text."""
        return MathSyntaxError(message, self.text, start, end)

    def add_note(self, note: str) -> None:
        """Record a note once."""
        if note not in self.notes:
            self.notes.append(note)


def coerce(value: Any) -> MathValue:
    """Plain Python values bound by a deck → the values the walker computes with.

    Integers and fractions (Python or numpy) → sympy numbers, floats → ``sympy.Float``,
    ``bool`` → sympy booleans, ``list``/``tuple`` → :class:`Sequence`; anything else (sympy
    objects, flags for deck functions) is passed through unchanged.
    """
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool):
        return sympy.true if value else sympy.false
    # numbers.Integral/Rational/Real also cover numpy scalars (np.int64, np.float64).
    if isinstance(value, numbers.Integral):
        return sympy.Integer(int(value))
    if isinstance(value, numbers.Rational):
        return sympy.Rational(int(value.numerator), int(value.denominator))
    if isinstance(value, numbers.Real):
        return sympy.Float(float(value))
    if isinstance(value, (list, tuple)):
        return Sequence(tuple(coerce(v) for v in value), "[" if isinstance(value, list) else "(")
    return value


def _split_name(name: str, pieces: Mapping[str, Any]) -> list[str] | None:
    """Split ``name`` into the fewest known pieces, or None when it cannot be split.

    Dynamic programming with back-pointers: linear in ``len(name)`` times the number of pieces.
    """
    n = len(name)
    count: list[int | None] = [None] * (n + 1)
    back: list[str] = [""] * (n + 1)
    count[0] = 0
    for i in range(n):
        cur = count[i]
        if cur is None:
            continue
        for piece in pieces:
            if piece and name.startswith(piece, i):
                j = i + len(piece)
                if count[j] is None or cur + 1 < count[j]:  # type: ignore[operator]
                    count[j] = cur + 1
                    back[j] = piece
    if count[n] is None or count[n] < 2:  # type: ignore[operator]
        return None
    out: list[str] = []
    j = n
    while j > 0:
        out.append(back[j])
        j -= len(back[j])
    return out[::-1]


def resolve(toks: list[Tok], ctx: Context) -> list[Tok]:
    """Give every ``name`` token a meaning, splitting ``xy`` into declared symbols.

    Args:
        toks: Tokens from a lexer.
        ctx: The name tables.

    Returns:
        A new token list without ``name`` tokens.

    Raises:
        MathSyntaxError: Unknown or refused names.
    """
    out: list[Tok] = []
    for idx, t in enumerate(toks):
        if t.kind != "name":
            out.append(t)
            continue
        key = t.text
        nxt = toks[idx + 1] if idx + 1 < len(toks) else None
        if key.startswith("_") or "__" in key:
            raise ctx.error(f"names starting with '_' are not allowed ('{key}')", t.start, t.end)
        if ctx.author and nxt is not None and nxt.kind == "op" and nxt.text == "=":
            if keyword.iskeyword(key) or not key.isascii():
                raise ctx.error(f"'{key}' cannot be a keyword argument", t.start, t.end)
            out.append(Tok("kwarg", key, t.start, t.end))
            continue
        if key in ("and", "or", "not"):
            if not ctx.author:
                raise ctx.error(
                    f"'{key}' is not accepted in an answer (logic is for deck files)",
                    t.start,
                    t.end,
                )
            out.append(Tok("kw", key, t.start, t.end))
            continue
        if key in ctx.names:
            out.append(Tok("value", key, t.start, t.end))
            continue
        if key in ctx.symbols:
            out.append(Tok("sym", key, t.start, t.end, ctx.symbols[key]))
            continue
        if key in ctx.constants:
            out.append(Tok("const", key, t.start, t.end, ctx.constants[key]))
            continue
        if key in ("i", "j", "I") and not ctx.allow_imaginary:
            raise ctx.error(f"{key} (the imaginary unit) is not accepted here", t.start, t.end)
        if key in ctx.functions:
            out.append(Tok("func", key, t.start, t.end))
            continue
        if keyword.iskeyword(key):
            raise ctx.error(
                f"'{key}' is not allowed: only mathematical expressions are accepted",
                t.start,
                t.end,
            )
        pieces = {k: v for k, v in {**ctx.constants, **ctx.symbols}.items() if k not in _NO_SPLIT}
        split = _split_name(key, pieces) if key.isalpha() and key.isascii() else None
        if split is not None:
            pos = t.start
            for piece in split:
                kind = "sym" if piece in ctx.symbols else "const"
                out.append(Tok(kind, piece, pos, pos + len(piece), pieces[piece]))
                pos += len(piece)
            ctx.add_note(f"{key} was read as {'·'.join(split)}")
            continue
        for fname in sorted(ctx.functions, key=len, reverse=True):
            rest = key[len(fname) :]
            glued = len(fname) > 1 and key.startswith(fname) and bool(rest)
            if glued and (rest in pieces or rest.isdigit() or _split_name(rest, pieces)):
                raise ctx.error(
                    f"unknown name '{key}': write {fname}({rest}) or {fname} {rest}",
                    t.start,
                    t.end,
                )
        if nxt is not None and nxt.kind == "(":
            raise ctx.error(f"unknown function '{key}'", t.start, t.end)
        known = sorted(ctx.symbols)
        hint = f" (variables here: {', '.join(known)})" if known and not ctx.author else ""
        raise ctx.error(f"unknown name '{key}'{hint}", t.start, t.end)
    return out


def match_bars(toks: list[Tok], ctx: Context) -> None:
    """Decide which ``|`` open and which close an absolute value, in place.

    A bar closes when one is open and the token before it ends an operand; otherwise it opens.

    Raises:
        MathSyntaxError: A bar that is never closed.
    """
    stack: list[Tok] = []
    prev: Tok | None = None
    for t in toks:
        if t.kind == "|":
            if stack and prev is not None and prev.kind in _OPERAND_END:
                t.kind = "absclose"
                stack.pop()
            else:
                t.kind = "absopen"
                stack.append(t)
        prev = t
    if stack:
        t = stack[0]
        raise ctx.error("this '|' is never closed: write |x| for an absolute value", t.start, t.end)


def match_brackets(toks: list[Tok], ctx: Context) -> list[int]:
    """Pair every bracket, checking balance and nesting depth.

    Returns:
        ``match[i]`` = index of the partner of bracket ``i`` (-1 for other tokens).

    Raises:
        MathSyntaxError: Unbalanced or mismatched brackets.
        LimitExceededError: Nesting deeper than the limit.
    """
    match = [-1] * len(toks)
    stack: list[int] = []
    for i, t in enumerate(toks):
        if t.kind in _OPENERS:
            stack.append(i)
            if len(stack) > ctx.limits.max_depth:
                raise LimitExceededError(
                    f"brackets nested more than {ctx.limits.max_depth} deep (nesting limit)",
                    ctx.text,
                    t.start,
                    t.end,
                )
        elif t.kind in _CLOSERS:
            shown = _SHOWN.get(t.kind, t.kind)
            if not stack:
                raise ctx.error(f"unmatched '{shown}': there is no opening bracket for it", t.start)
            o = stack.pop()
            if toks[o].kind != _CLOSERS[t.kind]:
                opener = _SHOWN.get(toks[o].kind, toks[o].kind)
                raise ctx.error(
                    f"'{opener}' is closed by '{shown}'",
                    toks[o].start,
                    t.end,
                )
            match[o] = i
            match[i] = o
    if stack:
        t = toks[stack[-1]]
        shown = _SHOWN.get(t.kind, t.kind)
        raise ctx.error(f"'{shown}' is never closed", t.start, t.end)
    return match


class _Converter:
    """Turns resolved tokens into the final token list (see the module docstring)."""

    def __init__(self, toks: list[Tok], ctx: Context) -> None:
        self.toks = toks
        self.ctx = ctx
        self.match = match_brackets(toks, ctx)
        self.depth = 0

    # -- extents ---------------------------------------------------------------------------
    def atom_extent(self, j: int, hi: int) -> int:
        """End of one atom starting at ``j`` (``j`` itself when there is none)."""
        if j >= hi:
            return j
        t = self.toks[j]
        if t.kind in _ATOMS:
            return j + 1
        if t.kind in ("(", "absopen", "[", "{"):
            return self.match[j] + 1
        if t.kind == "sqrt":
            self.nest(j)
            try:
                return self.atom_extent(j + 1, hi)
            finally:
                self.depth -= 1
        if t.kind == "func":
            return self.func_extent(j, hi)
        return j

    def _skip_signs(self, j: int, hi: int) -> int:
        while j < hi and self.toks[j].kind == "op" and self.toks[j].text in ("+", "-"):
            j += 1
        return j

    def func_extent(self, k: int, hi: int) -> int:
        """End of a function with its optional power and its argument."""
        self.nest(k)
        try:
            return self._func_extent(k, hi)
        finally:
            self.depth -= 1

    def nest(self, k: int) -> None:
        """Count one level of parenthesis-free nesting (``ln ln ln x``), refusing too many."""
        self.depth += 1
        if self.depth > self.ctx.limits.max_depth:
            t = self.toks[k]
            raise LimitExceededError(
                f"functions nested more than {self.ctx.limits.max_depth} deep (nesting limit)",
                self.ctx.text,
                t.start,
                t.end,
            )

    def _func_extent(self, k: int, hi: int) -> int:
        j = k + 1
        if j < hi and self.toks[j].kind == "op" and self.toks[j].text == "**":
            j = self.atom_extent(self._skip_signs(j + 1, hi), hi)
        if j < hi and self.toks[j].kind == "(":
            return self.match[j] + 1
        return self.chunk_end(j, hi)

    def chunk_end(self, j: int, hi: int) -> int:
        """End of the implicit product that a parenthesis-free function takes as argument."""
        k = self._skip_signs(j, hi)
        start = k
        first = True
        while k < hi:
            t = self.toks[k]
            if t.kind == "func":
                if not first:
                    break
                k = self.func_extent(k, hi)
                first = False
                continue
            if t.kind in _OPERAND_START:
                k = self.atom_extent(k, hi)
                first = False
                while k < hi and self.toks[k].kind == "op" and self.toks[k].text in ("!", "**"):
                    if self.toks[k].text == "!":
                        k += 1
                        continue
                    e = self.atom_extent(self._skip_signs(k + 1, hi), hi)
                    if e == self._skip_signs(k + 1, hi):
                        return k
                    k = e
                continue
            break
        return j if k == start else k

    # -- conversion ------------------------------------------------------------------------
    def synth(self, kind: str, text: str, at: Tok, data: Any = None) -> Tok:
        """A synthetic token whose span is the span of ``at``."""
        return Tok(kind, text, at.start, at.end, data, synthetic=True)

    def implicit(self, out: list[Tok], i: int, hi: int) -> None:
        """Insert ``*`` before token ``i`` when it starts an operand right after another."""
        if not out or out[-1].kind not in _OPERAND_END:
            return
        t = self.toks[i]
        prev = out[-1]
        if prev.kind == "num" and t.kind == "num" and not t.synthetic:
            raise self.ctx.error(
                "two numbers in a row: put an operator between them, or commas between entries",
                prev.start,
                t.end,
            )
        if prev.kind == "value" and t.kind == "(" and prev.end == t.start:
            raise self.ctx.error(
                f"'{prev.text}' is a value, not a function: write {prev.text}*(...) to multiply "
                f"or subs({prev.text}, x, ...) to substitute",
                prev.start,
                t.end,
            )
        if not self.ctx.author and prev.kind == "num" and prev.end == t.start:
            self.ambiguous_power(out, i, hi)
        if len(out) >= 2 and out[-2].kind == "op" and out[-2].text == "/" and prev.kind in _ATOMS:
            text = self.ctx.text
            num = out[-3] if len(out) >= 3 and out[-3].kind in _ATOMS else None
            end = self.toks[self.atom_extent(i, hi) - 1].end
            rest = text[t.start : end]
            den = text[prev.start : prev.end]
            if num is not None:
                numer = text[num.start : num.end]
                self.ctx.add_note(
                    f"{numer}/{den}{rest} was read as ({numer}/{den})·{rest}; "
                    f"write {numer}/({den}{rest}) for the other reading"
                )
            else:
                self.ctx.add_note(
                    f"/{den}{rest} divides by {den} only, then multiplies by {rest}; "
                    f"write /({den}{rest}) to divide by the product"
                )
        out.append(Tok("op", "*", prev.end, max(t.start, prev.end + 1), synthetic=True))

    def ambiguous_power(self, out: list[Tok], i: int, hi: int) -> None:
        """Refuse a learner's product glued to a signed exponent, or to a number exponent of e.

        ``e^-3x`` is e^(-3x) to most people and x·e^(-3) by precedence (so is ``e^2x``); no
        reading is guessed, the learner is asked for parentheses (``x^2y`` stays x²·y).
        """
        signed = (
            len(out) >= 3
            and out[-2].kind == "op"
            and out[-2].text in ("-", "+")
            and out[-3].kind == "op"
            and out[-3].text == "**"
        )
        of_e = (
            len(out) >= 3
            and out[-2].kind == "op"
            and out[-2].text == "**"
            and out[-3].kind == "const"
            and out[-3].text in ("e", "E")
        )
        if not (signed or of_e):
            return
        text = self.ctx.text
        power = out[-3] if signed else out[-2]
        exponent = text[(out[-2] if signed else out[-1]).start : out[-1].end]
        rest = text[self.toks[i].start : self.toks[self.atom_extent(i, hi) - 1].end]
        raise self.ctx.error(
            f"^{exponent}{rest} is ambiguous: write ^({exponent}{rest}) for a power of "
            f"{exponent}{rest}, or ^({exponent})·{rest} to multiply by {rest}",
            power.start,
            self.toks[self.atom_extent(i, hi) - 1].end,
        )

    def convert(self, lo: int, hi: int, out: list[Tok]) -> None:
        """Convert tokens ``lo:hi`` onto ``out``."""
        toks = self.toks
        last_start: int | None = None
        i = lo
        while i < hi:
            t = toks[i]
            # "2[1, 2]" scales a list; after a name or bracket, "[" indexes (author table).
            scaled = t.kind == "[" and bool(out) and out[-1].kind == "num"
            if t.kind in _OPERAND_START or scaled:
                self.implicit(out, i, hi)
                last_start = len(out)
            if t.kind == "func":
                i = self.convert_func(i, hi, out)
            elif t.kind == "sqrt":
                j = self.atom_extent(i + 1, hi)
                if j == i + 1:
                    raise self.ctx.error("√ needs something after it, as in √2 or √(x+1)", t.start)
                out.append(self.synth("func", "sqrt", t))
                out.append(self.synth("(", "(", t))
                self.nest(i)
                self.convert(i + 1, j, out)
                self.depth -= 1
                out.append(self.synth(")", ")", toks[j - 1]))
                i = j
            elif t.kind in _OPENERS:
                j = self.match[i]
                if t.kind == "absopen":
                    out.append(self.synth("func", "abs", t))
                    out.append(Tok("(", "(", t.start, t.end))
                else:
                    out.append(t)
                self.convert(i + 1, j, out)
                close = toks[j]
                if close.kind == "absclose":
                    out.append(Tok(")", ")", close.start, close.end))
                else:
                    out.append(close)
                i = j + 1
            elif t.kind == "op" and t.text == "!":
                if last_start is None or not out or out[-1].kind not in _OPERAND_END:
                    raise self.ctx.error("'!' needs a number before it, as in 5!", t.start)
                fact = self.synth("func", "factorial", t)
                out[last_start:last_start] = [fact, self.synth("(", "(", t)]
                out.append(self.synth(")", ")", t))
                i += 1
            else:
                out.append(t)
                i += 1

    def convert_func(self, i: int, hi: int, out: list[Tok]) -> int:
        """Convert a function at ``i`` with its power and argument; return the next index."""
        self.nest(i)
        try:
            return self._convert_func(i, hi, out)
        finally:
            self.depth -= 1

    def _convert_func(self, i: int, hi: int, out: list[Tok]) -> int:
        toks = self.toks
        f = toks[i]
        j = i + 1
        power: tuple[int, int, int] | None = None
        if j < hi and toks[j].kind == "op" and toks[j].text == "**":
            e_start = j + 1
            e_end = self.atom_extent(self._skip_signs(e_start, hi), hi)
            if e_end == self._skip_signs(e_start, hi):
                raise self.ctx.error(f"'^' after {f.text} needs an exponent", toks[j].start)
            ex = [x for x in toks[e_start:e_end] if x.kind not in ("(", ")")]
            if (
                len(ex) == 2
                and ex[0].kind == "op"
                and ex[0].text == "-"
                and ex[1].kind == "num"
                and ex[1].data.value == 1
            ):
                raise self.ctx.error(
                    f"{f.text}^-1 is ambiguous: write a{f.text}(x) for the inverse function or "
                    f"1/{f.text}(x) for the reciprocal",
                    f.start,
                    toks[e_end - 1].end,
                )
            power = (j, e_start, e_end)
            j = e_end
        out.append(f)
        if j < hi and toks[j].kind == "(":
            close = self.match[j]
            out.append(toks[j])
            self.convert(j + 1, close, out)
            out.append(toks[close])
            j = close + 1
        else:
            a_end = self.chunk_end(j, hi)
            if a_end == j:
                raise self.ctx.error(
                    f"{f.text} needs an argument, as in {f.text}(x)", f.start, f.end
                )
            out.append(self.synth("(", "(", f))
            self.convert(j, a_end, out)
            out.append(self.synth(")", ")", toks[a_end - 1]))
            j = a_end
        if power is not None:
            op_i, e_start, e_end = power
            out.append(toks[op_i])
            out.append(self.synth("(", "(", toks[op_i]))
            self.convert(e_start, e_end, out)
            out.append(self.synth(")", ")", toks[e_end - 1]))
        return j


def _shown(ctx: Context, t: Tok) -> str:
    return ctx.text[t.start : t.end] if not t.synthetic else t.text


def validate(out: list[Tok], ctx: Context) -> None:
    """Refuse dangling operators and empty brackets with precise messages.

    Raises:
        MathSyntaxError: The first problem found.
    """
    n = len(out)
    # Every placeholder becomes exactly one node: refuse oversized input before Python parses it.
    names = sum(1 for t in out if t.kind in ("num", "sym", "const", "value", "func"))
    if names > ctx.limits.max_nodes:
        raise LimitExceededError(
            f"expression too large: more than {ctx.limits.max_nodes} parts (size limit)",
            ctx.text,
            0,
            len(ctx.text),
        )
    depth = 0
    for t in out:
        if t.kind in ("(", "[", "{"):
            depth += 1
            if depth > ctx.limits.max_depth:
                raise LimitExceededError(
                    f"expression nested more than {ctx.limits.max_depth} deep (nesting limit)",
                    ctx.text,
                    t.start,
                    t.end,
                )
        elif t.kind in (")", "]", "}"):
            depth -= 1
    calls: list[bool] = []  # for each open bracket: is it a call's "("?
    for p, t in enumerate(out):
        prev = out[p - 1] if p > 0 else None
        nxt = out[p + 1] if p + 1 < n else None
        if t.kind in ("(", "[", "{"):
            calls.append(t.kind == "(" and prev is not None and prev.kind == "func")
        elif t.kind in (")", "]", "}") and calls:
            calls.pop()
        elif t.kind == "kwarg" and not (calls and calls[-1]):
            raise ctx.error(
                "'=' only names a keyword argument, as in f(x, n=2); use == to compare",
                t.start,
                t.end + 1,
            )
        if t.kind == "op":
            src = _shown(ctx, t)
            if nxt is None or nxt.kind in (")", "]", "}", ","):
                raise ctx.error(f"'{src}' needs something after it", t.start, t.end)
            if t.text in _BINARY_ONLY and (
                prev is None or prev.kind in ("(", "[", "{", ",", "op", "kw")
            ):
                if prev is not None and prev.kind == "op":
                    raise ctx.error(f"'{src}' cannot follow '{_shown(ctx, prev)}'", t.start, t.end)
                raise ctx.error(f"'{src}' needs something before it", t.start, t.end)
            if t.text == "=" and not ctx.author:
                raise ctx.error(
                    "'=' is not accepted: type only the expression (no 'y =')", t.start, t.end
                )
            if t.text == "=" and (prev is None or prev.kind != "kwarg"):
                raise ctx.error(
                    "'=' only names a keyword argument, as in f(x, n=2); use == to compare",
                    t.start,
                    t.end,
                )
        elif t.kind == "kw":
            if nxt is None or (nxt.kind in (")", "]", "}", ",", "op") and nxt.text not in "+-"):
                raise ctx.error(f"'{t.text}' needs something after it", t.start, t.end)
            if t.text != "not" and (prev is None or prev.kind in ("(", "[", "{", ",", "op", "kw")):
                raise ctx.error(f"'{t.text}' needs something before it", t.start, t.end)
        elif t.kind == "(" and nxt is not None and nxt.kind == ")":
            if prev is None or prev.kind != "func":
                raise ctx.error("empty parentheses", t.start, nxt.end)
        elif t.kind == "," and (prev is None or prev.kind in ("(", "[", "{", ",")):
            raise ctx.error("missing an entry before ','", t.start, t.end)


@dataclass
class Emitted:
    """Python source for the rewritten input and the maps back to the original text.

    Attributes:
        source: ASCII Python expression source.
        refs: Tokens referred to by placeholders ``_t<k>``.
        py_starts: Start offset in ``source`` of every emitted token (sorted).
        toks: The emitted tokens, parallel to ``py_starts``.
    """

    source: str
    refs: list[Tok]
    py_starts: list[int]
    py_ends: list[int]
    toks: list[Tok]

    def span(self, col: int, end_col: int) -> tuple[int, int]:
        """Map a source range to the smallest original span covering its tokens."""
        lo = max(0, bisect_right(self.py_starts, col) - 1)
        hi = bisect_right(self.py_starts, max(col, end_col - 1))
        starts = []
        ends = []
        for k in range(lo, max(hi, lo + 1)):
            if k < len(self.toks) and self.py_ends[k] > col:
                starts.append(self.toks[k].start)
                ends.append(self.toks[k].end)
        if not starts:
            k = min(lo, len(self.toks) - 1)
            return self.toks[k].start, self.toks[k].end
        return min(starts), max(ends)


def emit(out: list[Tok]) -> Emitted:
    """Write tokens as Python source with placeholders for names and numbers.

    Args:
        out: Converted, validated tokens.

    Returns:
        The source and its maps.
    """
    parts: list[str] = []
    refs: list[Tok] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for t in out:
        if t.kind in ("num", "sym", "const", "value", "func"):
            piece = f"_t{len(refs)}"
            refs.append(t)
        elif t.kind in ("kwarg", "kw", "op"):
            piece = t.text
        else:
            piece = t.kind if t.kind in "()[]{}," else t.text
        starts.append(pos)
        ends.append(pos + len(piece))
        parts.append(piece)
        pos += len(piece) + 1
    return Emitted(" ".join(parts), refs, starts, ends, list(out))


def rewrite(toks: list[Tok], ctx: Context) -> Emitted:
    """Resolve, convert, validate and emit.

    Args:
        toks: Lexer output.
        ctx: The name tables.

    Returns:
        Python source with maps back to the original text.

    Raises:
        MathSyntaxError: The input cannot be read.
    """
    toks = resolve(toks, ctx)
    match_bars(toks, ctx)
    conv = _Converter(toks, ctx)
    out: list[Tok] = []
    conv.convert(0, len(toks), out)
    validate(out, ctx)
    return emit(out)
