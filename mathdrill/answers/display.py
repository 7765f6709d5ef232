"""How answer values are shown, and the rows of matrix-like values.

Values render in four styles (``unicode``, ``plain``, ``latex``, ``pretty``) with the math
language's printers; a learner's typed decimals are shown as typed (``0.333``, not
``333/1000``). Matrices, lists of rows and vectors are read as rows of scalars here, for
rendering and for the kinds that compare them entry by entry.
"""

from __future__ import annotations

from typing import Any, TypeGuard

import sympy
from sympy.matrices import MatrixBase

from mathdrill.mathlang import Sequence, SetLiteral, to_latex, to_plain, to_pretty, to_unicode

STYLES = ("unicode", "plain", "latex", "pretty")


def is_scalar(value: object) -> TypeGuard[sympy.Expr]:
    """Return True for a sympy scalar expression (not a matrix, set, boolean or container)."""
    return isinstance(value, sympy.Expr) and not isinstance(value, MatrixBase)


def display_scalar(value: Any, numbers: tuple[Any, ...], style: str) -> str:
    """Render a learner's scalar, showing a typed decimal as typed (0.333, not 333/1000).

    Args:
        value: The sympy value read.
        numbers: The number literals typed in the answer.
        style: ``unicode`` or ``plain`` (``latex``/``pretty`` fall back to :func:`render_scalar`).

    Returns:
        The text.
    """
    if isinstance(value, sympy.Rational) and style in ("unicode", "plain"):
        for literal in numbers:
            if getattr(literal, "is_decimal", False) and literal.value == abs(value):
                sign = ("−" if style == "unicode" else "-") if value < 0 else ""
                return sign + literal.text
    return render_scalar(value, style)


def display_value(value: Any, numbers: tuple[Any, ...], style: str) -> str:
    """Like :func:`render_value` for a learner's value, with decimals shown as typed."""
    if not numbers:
        return render_value(value, style)
    if is_scalar(value):
        return display_scalar(value, numbers, style)
    if isinstance(value, Sequence):
        rows = as_rows(value)
        if rows is not None and len(rows) > 1 and all(isinstance(i, Sequence) for i in value.items):
            inner = ", ".join(
                "[" + ", ".join(display_scalar(v, numbers, style) for v in row) + "]"
                for row in rows
            )
            return f"[{inner}]"
        open_, close = ("(", ")") if value.bracket == "(" else ("[", "]")
        return open_ + ", ".join(display_value(v, numbers, style) for v in value.items) + close
    if isinstance(value, SetLiteral):
        return "{" + ", ".join(display_value(v, numbers, style) for v in value.items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(display_value(v, numbers, style) for v in value) + "]"
    return render_value(value, style)


def render_scalar(value: Any, style: str) -> str:
    """Render one sympy scalar in ``style`` with the math language's renderers.

    Args:
        value: A sympy expression.
        style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

    Returns:
        The text.
    """
    renderer = {"unicode": to_unicode, "plain": to_plain, "latex": to_latex, "pretty": to_pretty}
    return renderer[style](value)


def _render_list(items: list[Any], style: str, open_: str = "[", close: str = "]") -> str:
    inner_style = "unicode" if style == "pretty" else style
    parts = [render_value(item, inner_style) for item in items]
    if style == "latex":
        if open_ == "{":
            return r"\{" + ", ".join(parts) + r"\}"
        return r"\left" + open_ + ", ".join(parts) + r"\right" + close
    return open_ + ", ".join(parts) + close


def render_rows(rows: list[list[Any]], style: str) -> str:
    """Render a matrix given as rows.

    Args:
        rows: Lists of sympy scalars.
        style: A style name.

    Returns:
        ``[[1, 2], [3, 4]]`` (plain/unicode), a ``bmatrix`` (latex) or aligned rows (pretty).
    """
    if style == "latex":
        body = r" \\ ".join(" & ".join(render_scalar(v, "latex") for v in row) for row in rows)
        return r"\begin{bmatrix}" + body + r"\end{bmatrix}"
    if style == "pretty":
        cells = [[render_scalar(v, "unicode") for v in row] for row in rows]
        widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))] if cells else []
        lines = []
        for i, row in enumerate(cells):
            left, right = ("[", "]") if len(cells) == 1 else _bracket_pair(i, len(cells))
            lines.append(
                left + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + right
            )
        return "\n".join(lines)
    return (
        "["
        + ", ".join("[" + ", ".join(render_value(v, style) for v in row) + "]" for row in rows)
        + "]"
    )


def _bracket_pair(index: int, count: int) -> tuple[str, str]:
    if index == 0:
        return "⎡", "⎤"
    if index == count - 1:
        return "⎣", "⎦"
    return "⎢", "⎥"


def render_value(value: Any, style: str) -> str:
    """Render any value a kind uses: scalars, sequences, sets, matrices, booleans.

    Args:
        value: The value.
        style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

    Returns:
        The text.
    """
    if isinstance(value, MatrixBase):
        return render_rows(value.tolist(), style)
    if isinstance(value, Sequence):
        rows = as_rows(value)
        if rows is not None and len(rows) > 1 and all(isinstance(i, Sequence) for i in value.items):
            return render_rows(rows, style)
        open_, close = ("(", ")") if value.bracket == "(" else ("[", "]")
        return _render_list(list(value.items), style, open_, close)
    if isinstance(value, SetLiteral):
        return _render_list(list(value.items), style, "{", "}")
    if isinstance(value, list | tuple):
        return _render_list(list(value), style)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if is_scalar(value):
        return render_scalar(value, style)
    if isinstance(value, sympy.Basic):
        return render_scalar(value, style)
    return str(value)


def as_rows(value: Any) -> list[list[sympy.Expr]] | None:
    """Return a matrix-like value as rows of scalars; None when it is not matrix-like.

    A flat sequence is one row; a scalar is a 1×1 matrix; ragged rows give None.

    Args:
        value: A sympy Matrix, a (nested) ``Sequence``, or a scalar.

    Returns:
        The rows, or None.
    """
    if isinstance(value, MatrixBase):
        return [list(row) for row in value.tolist()]
    if is_scalar(value):
        return [[value]]
    if isinstance(value, Sequence | list | tuple):
        items = list(value.items if isinstance(value, Sequence) else value)
        if not items:
            return None
        if all(isinstance(i, Sequence | list | tuple | MatrixBase) for i in items):
            rows = []
            for item in items:
                inner = as_rows(item)
                if inner is None:
                    return None
                if len(inner) == 1:
                    rows.append(inner[0])
                elif all(len(r) == 1 for r in inner):
                    rows.append([r[0] for r in inner])
                else:
                    return None
            if any(len(r) != len(rows[0]) for r in rows) or not all(
                is_scalar(v) for r in rows for v in r
            ):
                return None
            return rows
        if all(is_scalar(i) for i in items):
            return [items]
    return None


def as_vector(value: Any) -> list[sympy.Expr] | None:
    """Return a row or column vector as a flat list of scalars; None for anything else."""
    rows = as_rows(value)
    if rows is None:
        return None
    if len(rows) == 1:
        return rows[0]
    if all(len(r) == 1 for r in rows):
        return [r[0] for r in rows]
    return None


def shape_words(rows: list[list[Any]] | None) -> str:
    """Say what a value is, as rows: "a 2×3 matrix" or "something that is not a matrix"."""
    if rows is None:
        return "something that is not a matrix"
    return f"a {len(rows)}×{len(rows[0])} matrix"
