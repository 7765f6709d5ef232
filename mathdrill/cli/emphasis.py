"""Markdown emphasis in deck texts (``*odds*``, ``**not**``) rendered for the terminal.

Deck authors mark emphasis as in Markdown (docs/decks.md); printed as is, the asterisks reach
the learner. Only emphasis is rendered: a pair of ``*`` (italic) or ``**`` (bold) around text
that starts and ends with a non-space, not inside a word — so ``2*x*3`` and ``a * b * c`` stay
as written. Everything else is literal text: no rich markup is read from a deck.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

_EMPHASIS = re.compile(r"(?<![\w*])(\*\*?)(?=[^\s*])([^*\n]+?)(?<=[^\s*])\1(?![\w*])")


def split_emphasis(text: str) -> list[tuple[str, str]]:
    """Split a deck text into ``(text, style)`` runs; style is "", "italic" or "bold".

    Args:
        text: A deck text (prompt, hint, feedback, title …).

    Returns:
        The runs in order, markers removed from the emphasised ones.
    """
    runs: list[tuple[str, str]] = []
    end = 0
    for match in _EMPHASIS.finditer(text):
        if match.start() > end:
            runs.append((text[end : match.start()], ""))
        runs.append((match.group(2), "bold" if match.group(1) == "**" else "italic"))
        end = match.end()
    if end < len(text):
        runs.append((text[end:], ""))
    return runs


def rich_text(text: str, style: str = "") -> Text:
    """Return a deck text as a rich :class:`~rich.text.Text` with its emphasis styled.

    Args:
        text: A deck text.
        style: The style of the whole text.

    Returns:
        The text; rich drops the styles where the output is not a terminal.
    """
    from rich.text import Text

    result = Text(style=style)
    for run, run_style in split_emphasis(text):
        result.append(run, style=run_style or None)
    return result
