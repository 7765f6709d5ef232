"""Rendering values back to text: one-line unicode, 2-D unicode, plain ASCII, LaTeX.

``to_plain`` is the inverse of :func:`mathdrill.mathlang.parse`: its output parses back to an
equivalent value (with the same symbols declared). The printers never evaluate anything.
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.pretty_symbology import center_pad, vobj
from sympy.printing.pretty.stringpict import prettyForm, stringPict
from sympy.printing.str import StrPrinter

from mathdrill.mathlang.lexer import GREEK, GREEK_NAMES
from mathdrill.mathlang.values import Sequence, SetLiteral
from mathdrill.memo import remember

_GREEK_CHAR = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "omicron": "ο", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ",
    "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ",
    "Omega": "Ω",
}  # fmt: skip
_SUPER = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class _PlainPrinter(StrPrinter):
    """sympy's str printer, with the spellings the math language reads back."""

    def _print_Symbol(self, expr: Any) -> str:
        # ASCII only: a symbol declared as "λ" prints as "lambda", which parse() maps back.
        return "".join(GREEK.get(ch, ch) for ch in expr.name)

    def _print_Exp1(self, expr: Any) -> str:
        return "E"

    def _print_Relational(self, expr: Any) -> str:
        op = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[expr.rel_op]
        lhs = self.parenthesize(expr.lhs, PRECEDENCE["Relational"] + 1)
        rhs = self.parenthesize(expr.rhs, PRECEDENCE["Relational"] + 1)
        return f"{lhs} {op} {rhs}"

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "True"

    def _print_BooleanFalse(self, expr: Any) -> str:
        return "False"


class _UnicodePrinter(StrPrinter):
    """One-line unicode: superscripts, √, π, ∞, |x|; products joined later with ``·``."""

    def _print_Symbol(self, expr: Any) -> str:
        name = expr.name
        base, _, sub = name.partition("_")
        base = _GREEK_CHAR.get(base, base)
        if sub.isdigit():
            return base + sub.translate(_SUB)
        return base + ("_" + sub if sub else "")

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Pi(self, expr: Any) -> str:
        return "π"

    def _print_Infinity(self, expr: Any) -> str:
        return "∞"

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return "-∞"

    def _print_ComplexInfinity(self, expr: Any) -> str:
        return "complex ∞"

    def _print_ImaginaryUnit(self, expr: Any) -> str:
        return "i"

    def _print_Abs(self, expr: Any) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_Float(self, expr: Any) -> str:
        # An echo shows a decimal the way people write it (0.5, 3.14159), not 15 digits.
        text = format(float(expr), ".10g")
        return text if "e" not in text else text.replace("e", "·10^").replace("+", "")

    def _print_Max(self, expr: Any) -> str:
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr: Any) -> str:
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_log(self, expr: Any) -> str:
        return f"ln({self._print(expr.args[0])})"

    def _print_factorial(self, expr: Any) -> str:
        return self._atom(expr.args[0]) + "!"

    def _print_binomial(self, expr: Any) -> str:
        return f"C({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Relational(self, expr: Any) -> str:
        op = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}[expr.rel_op]
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _atom(self, expr: Any) -> str:
        """Print ``expr`` bare when it is one symbol or a non-negative integer, else in ()."""
        text = self._print(expr)
        if expr.is_Symbol or (expr.is_Integer and expr >= 0) or expr in (sympy.pi, sympy.E):
            return text
        if expr.is_Function and not isinstance(expr, (sympy.Abs, sympy.factorial)):
            return text
        return f"({text})"

    def _print_exp(self, expr: Any) -> str:
        arg = expr.args[0]
        if arg.is_Symbol or (arg.is_Integer and arg >= 0):
            return f"e^{self._print(arg)}"
        return f"e^({self._print(arg)})"

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        base, exp = expr.base, expr.exp
        prec = precedence(expr)
        if exp is sympy.S.Half:  # noqa: TID251 - the constant, not a call that sympifies text
            return "√" + self._atom(base)
        if exp == sympy.Rational(-1, 2):
            return "1/√" + self._atom(base)
        if exp is sympy.S.NegativeOne:  # noqa: TID251
            return "1/" + self.parenthesize(base, prec, strict=False)
        if base is sympy.E:
            return self._print_exp(sympy.exp(exp, evaluate=False))
        b = self.parenthesize(base, prec, strict=True)
        if (base.is_Rational and not base.is_Integer) or (base.is_Integer and base < 0):
            b = f"({self._print(base)})"
        if exp.is_Integer and abs(exp) < 1000:
            return b + str(int(exp)).translate(_SUPER)
        if exp.is_Symbol or (exp.is_Integer and exp >= 0):
            return f"{b}^{self._print(exp)}"
        return f"{b}^({self._print(exp)})"


def _seq_text(items: Any, left: str, right: str, item: Any) -> str:
    return left + ", ".join(item(v) for v in items) + right


def _collection(value: Any, item: Any, top: bool = True) -> str | None:
    """Text of a Sequence/SetLiteral/Matrix/list with ``item`` printing each element.

    Only the outermost list may be bare (``1, 2``); a bare list inside another is printed in
    parentheses so the text reads back with the same nesting.
    """
    if isinstance(value, Sequence):
        bracket = value.bracket if (value.bracket or top) else "("

        def inner(v: Any) -> str:
            nested = _collection(v, item, top=False)
            return nested if nested is not None else item(v)

        if len(value.items) == 1 and bracket in ("(", ""):
            return f"({inner(value.items[0])},)" if bracket else f"{inner(value.items[0])},"
        left, right = {"[": ("[", "]"), "(": ("(", ")"), "": ("", "")}[bracket]
        return _seq_text(value.items, left, right, inner)
    if isinstance(value, SetLiteral):
        return _seq_text(value.items, "{", "}", item)
    if isinstance(value, sympy.MatrixBase):
        # tolist(), not row(i): a row is a new matrix, built by sympy's domain machinery.
        rows = [_seq_text(row, "[", "]", item) for row in value.tolist()]
        return "[" + ", ".join(rows) + "]"
    if isinstance(value, (list, tuple)):
        return _seq_text(value, "[", "]" if isinstance(value, list) else ")", item)
    return None


#: Texts of sympy values by (printer, type, value). Kept for ``deck check`` ≤ 90 s in CI: a
#: deck prints the same values again and again (in a prompt, its hints and solution, the
#: reference typed and shown, the parameters drawn again by later seeds).
_TEXTS: dict[tuple[Any, type, Any], str] = {}
_TEXTS_SIZE = 20_000


def _text(printer: Any, value: Any) -> str:
    """``printer.doprint(value)``, remembered for a sympy value."""
    if not isinstance(value, sympy.Basic):
        return str(printer.doprint(value))
    key = (printer, type(value), value)
    try:
        text = _TEXTS.get(key)
    except TypeError:  # an unhashable (mutable) matrix
        return str(printer.doprint(value))
    if text is None:
        text = remember(_TEXTS, key, str(printer.doprint(value)), _TEXTS_SIZE)
    return text


def _scalar_text(value: Any, printer: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    return _text(printer, value)


_PLAIN = _PlainPrinter()
_UNICODE = _UnicodePrinter()


def to_plain(value: Any) -> str:
    """ASCII text that :func:`mathdrill.mathlang.parse` reads back to an equivalent value.

    Args:
        value: A sympy object, Sequence, SetLiteral, sympy Matrix, Python int/bool/str.

    Returns:
        e.g. ``x**2*sin(x)``, ``sqrt(2)/2``, ``[[1, 2], [3, 4]]``, ``{1, 3}``.
    """
    coll = _collection(value, to_plain)
    if coll is not None:
        return coll
    return _scalar_text(value, _PLAIN)


def to_unicode(value: Any) -> str:
    """One line of unicode for "read as" echoes: ``x²·sin(x)``, ``√2/2``, ``e^(−x)``.

    Args:
        value: A sympy object, Sequence, SetLiteral, sympy Matrix, Python int/bool/str.

    Returns:
        The value on one line.
    """
    coll = _collection(value, to_unicode)
    if coll is not None:
        return coll
    if isinstance(value, str):
        return value
    return _unicode_line(value)


def _unicode_line(value: Any) -> str:
    """The one-line unicode text of a scalar (``**`` → ``^``, ``*`` → ``·``, ``-`` → ``−``)."""
    text = _scalar_text(value, _UNICODE)
    return text.replace("**", "^").replace("*", "·").replace("-", "−")


_LATEX = LatexPrinter()


class _Pretty(PrettyPrinter):
    def seq(self, items: Any, left: str, right: str) -> Any:
        return self._print_seq([_pretty_item(v) for v in items], left, right)

    def _print_MatrixBase(self, e: Any, lparens: str = "[", rparens: str = "]") -> Any:
        """Lay out sympy's matrix grid with string operations.

        sympy builds the grid by gluing pictures pairwise (a new picture per cell, per spacer
        and per row, each re-measured and re-centred), which costs several times the printing
        of the entries. This lays out the same grid directly: every column as wide as its
        widest entry, each entry centred in it (the extra space on the right), entries of a
        row aligned on their baselines, two spaces between columns, one blank line between
        rows, and brackets as tall as the grid with the baseline in the middle. A cell whose
        baseline lies outside its picture, or an empty matrix, goes to sympy's own layout.
        """
        if e.rows == 0 or e.cols == 0:
            return super()._print_MatrixBase(e, lparens, rparens)
        cells = [[self._cell(v) for v in row] for row in e.tolist()]
        if any(not 0 <= c[1] < len(c[0]) for row in cells for c in row):
            return super()._print_MatrixBase(e, lparens, rparens)
        widths = [max(row[j][2] for row in cells) for j in range(e.cols)]
        total = sum(widths) + 2 * (e.cols - 1)
        lines: list[str] = []
        for i, row in enumerate(cells):
            if i:
                lines.append(" " * total)
            top = max(c[1] for c in row)
            height = top + max(len(c[0]) - c[1] for c in row)
            columns = []
            for (picture, baseline, cell_width), width in zip(row, widths, strict=True):
                left, right = center_pad(cell_width, width)
                blank = " " * width
                above = top - baseline
                columns.append(
                    [blank] * above
                    + [left + line + right for line in picture]
                    + [blank] * (height - above - len(picture))
                )
            lines.extend("  ".join(parts) for parts in zip(*columns, strict=True))
        height, baseline = len(lines), len(lines) // 2
        for paren, at_left in ((lparens, True), (rparens, False)):
            if not paren:
                continue
            bracket = stringPict(vobj(paren, height), baseline=baseline)
            if len(bracket.picture) != height or bracket.baseline != baseline:
                return super()._print_MatrixBase(e, lparens, rparens)
            pieces = zip(bracket.picture, lines, strict=True)
            lines = [p + line if at_left else line + p for p, line in pieces]
        return prettyForm("\n".join(lines), baseline)

    def _cell(self, value: Any) -> tuple[tuple[str, ...], int, int]:
        """The picture (lines), baseline and width of one matrix entry."""
        form = self._print(value)
        return tuple(form.picture), form.baseline, form.width()


def _pretty_item(v: Any) -> Any:
    if isinstance(v, (Sequence, SetLiteral)):
        # A nested collection inside a 2-D layout is shown as a 1-line symbol.
        return sympy.Symbol(to_unicode(v))
    if isinstance(v, bool):
        return sympy.true if v else sympy.false
    if isinstance(v, int):
        return sympy.Integer(v)
    return v


def _is_grid(value: Any) -> bool:
    return (
        isinstance(value, Sequence)
        and bool(value.items)
        and all(isinstance(r, Sequence) for r in value.items)
        and len({len(r.items) for r in value.items}) == 1
        and all(not isinstance(v, (Sequence, SetLiteral)) for r in value.items for v in r.items)
        and len(value.items[0].items) > 0
    )


def to_pretty(value: Any) -> str:
    """Multi-line 2-D unicode (sympy's pretty printer); matrices as aligned grids.

    Args:
        value: A sympy object, Sequence, SetLiteral, sympy Matrix, Python int/bool/str.

    Returns:
        Possibly several lines.
    """
    if isinstance(value, str):
        return value
    printer = _Pretty({"use_unicode": True})
    if _is_grid(value):
        rows = [[_pretty_item(v) for v in r.items] for r in value.items]
        return printer.doprint(sympy.Matrix(rows))
    if isinstance(value, Sequence):
        left, right = {"[": ("[", "]"), "(": ("(", ")"), "": ("", "")}[value.bracket]
        return str(printer.seq(value.items, left, right))
    if isinstance(value, SetLiteral):
        return str(printer.seq(value.items, "{", "}"))
    return printer.doprint(_pretty_item(value))


def to_latex(value: Any) -> str:
    """LaTeX: sympy's, with ``bmatrix`` for matrices and list-of-rows values.

    Args:
        value: A sympy object, Sequence, SetLiteral, sympy Matrix, Python int/bool/str.

    Returns:
        LaTeX source (no surrounding ``$``).
    """
    if isinstance(value, str):
        return r"\text{" + value.replace("\\", "").replace("{", "").replace("}", "") + "}"
    if isinstance(value, bool):
        return r"\text{True}" if value else r"\text{False}"
    if isinstance(value, int):
        return str(value)
    if _is_grid(value):
        rows = [" & ".join(to_latex(v) for v in r.items) for r in value.items]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    if isinstance(value, sympy.MatrixBase):
        rows = [" & ".join(to_latex(v) for v in row) for row in value.tolist()]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    if isinstance(value, Sequence):
        inner = ", ".join(to_latex(v) for v in value.items)
        if value.bracket == "[":
            return r"\left[ " + inner + r" \right]"
        if value.bracket == "(":
            return r"\left( " + inner + r" \right)"
        return inner
    if isinstance(value, SetLiteral):
        return r"\left\{ " + ", ".join(to_latex(v) for v in value.items) + r" \right\}"
    return _text(_LATEX, value)


__all__ = ["GREEK_NAMES", "to_latex", "to_plain", "to_pretty", "to_unicode"]
