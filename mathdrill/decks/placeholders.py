"""``{name}`` placeholders in prompts, hints, solutions, feedback and choice options.

Only ``{identifier}`` and ``{identifier:form}`` are placeholders; any other brace text (a set such
as ``{1, 2}``) is literal, and ``{{`` / ``}}`` write a literal brace where it would otherwise read
as a placeholder. Forms:

- ``{a}`` — unicode math on one line; a multi-line value (a matrix grid) goes on its own lines.
- ``{a:latex}`` — LaTeX source.
- ``{a:plain}`` — plain ASCII, exactly what a learner could type.
- ``{a:pretty}`` — the multi-line form even inside a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable

FORMATS: tuple[str, ...] = ("unicode", "latex", "plain", "pretty")
"""Placeholder forms; ``{name}`` is ``{name:unicode}``."""

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?\}")


def placeholders(text: str) -> list[tuple[str, str]]:
    """List the placeholders of a text.

    Args:
        text: A prompt, hint, solution, feedback or option text.

    Returns:
        ``(name, form)`` pairs in order; form is ``"unicode"`` when none is written.
    """
    found = []
    for match in _TOKEN.finditer(text):
        if match.group(1) is not None:
            found.append((match.group(1), match.group(2) or "unicode"))
    return found


def render(text: str, value_of: Callable[[str, str], str]) -> str:
    """Replace the placeholders of ``text`` with rendered values.

    A value whose rendering spans several lines (a matrix grid) is put on lines of its own,
    indented by two spaces, with the sentence continuing on the line after it.

    Args:
        text: The text with placeholders.
        value_of: ``value_of(name, form)`` returns the rendered value; it raises ``KeyError``
            for an unknown name.

    Returns:
        The rendered text.
    """
    pieces: list[str] = []
    position = 0
    # Punctuation and spaces skipped after a grid hold no brace, so the next token always starts
    # at or after the point reached.
    for match in _TOKEN.finditer(text):
        pieces.append(text[position : match.start()])
        position = match.end()
        name = match.group(1)
        if name is None:  # an escaped brace, {{ or }}
            pieces.append(match.group(0)[0])
            continue
        rendered = value_of(name, match.group(2) or "unicode")
        if "\n" in rendered:
            before = "".join(pieces).rstrip(" ")
            pieces = [before, "\n" if before and not before.endswith("\n") else ""]
            rows = ["  " + row for row in rendered.splitlines()]
            rest = text[position:]
            # Punctuation right after a grid ("… = {A}.") stays on the grid's last line.
            punctuation = _PUNCTUATION.match(rest)
            if punctuation:
                rows[-1] += punctuation.group(0)
                position += punctuation.end()
                rest = text[position:]
            pieces.append("\n".join(rows))
            stripped = rest.lstrip(" ")
            if stripped and not stripped.startswith("\n"):
                pieces.append("\n")
            position += len(rest) - len(stripped)
            continue
        pieces.append(rendered)
    pieces.append(text[position:])
    return "".join(pieces)


_PUNCTUATION = re.compile(r"[.,;:!?)\]]+(?=\s|$)")
