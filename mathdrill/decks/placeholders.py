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
from collections.abc import Callable, Mapping

from mathdrill.memo import remember

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
    for start, end, name, form in _tokens(text):
        pieces.append(text[position:start])
        position = end
        if name is None:  # an escaped brace, {{ or }}: form is the brace
            pieces.append(form)
            continue
        rendered = value_of(name, form)
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

#: The tokens of each text rendered so far. A deck's few hundred texts are rendered again for
#: every instance, and scanning a text costs more than putting its values in (8 µs vs 3 µs).
_TOKENS: dict[str, tuple[tuple[int, int, str | None, str], ...]] = {}
_TOKENS_SIZE = 4096


def _tokens(text: str) -> tuple[tuple[int, int, str | None, str], ...]:
    """``(start, end, name, form)`` of each token; name None and form the brace for ``{{``/``}}``.

    Punctuation and spaces skipped after a grid hold no brace, so the next token always starts
    at or after the point :func:`render` has reached.
    """
    tokens = _TOKENS.get(text)
    if tokens is None:
        tokens = tuple(
            (m.start(), m.end(), m.group(1), m.group(2) or "unicode")
            if m.group(1) is not None
            else (m.start(), m.end(), None, m.group(0)[0])
            for m in _TOKEN.finditer(text)
        )
        remember(_TOKENS, text, tokens, _TOKENS_SIZE)
    return tokens


def render_all(texts: Mapping[str, str], value_of: Callable[[str, str], str]) -> dict[str, str]:
    """Render several named texts with the same values.

    Args:
        texts: ``{field: text}``.
        value_of: See :func:`render`.

    Returns:
        ``{field: rendered}``.
    """
    return {key: render(text, value_of) for key, text in texts.items()}
