"""LaTeX subset → the same tokens as plain input (placeholder; full reader below)."""

from __future__ import annotations

from mathdrill.mathlang.lexer import Tok
from mathdrill.mathlang.limits import Limits


def is_latex(text: str) -> bool:
    """True when the input should be read as LaTeX (a backslash, or ``^{``/``_{`` groups)."""
    return "\\" in text or "^{" in text or "_{" in text


def lex_latex(text: str, limits: Limits) -> list[Tok]:
    """Tokenize LaTeX input."""
    raise NotImplementedError
