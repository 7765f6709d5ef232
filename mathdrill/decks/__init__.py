"""Deck files → validated templates → reproducible problem instances (DESIGN.md, "Deck files").

Pure layer: no printing, no clock, no global randomness; files are read only when a path is
handed in. The public entry points are re-exported here, imported lazily: the loader and the
samplers bring sympy and numpy (about half a second), and commands that only need to find deck
files or read their metadata (``decks.catalog`` for ``mathdrill stats``) must not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mathdrill.lazyexports import lazy_getattr

if TYPE_CHECKING:
    from mathdrill.decks.loader import (
        DECK_SUFFIXES,
        DeckReadError,
        load_deck,
        load_deck_file,
        parse_deck,
        read_bytes,
    )
    from mathdrill.decks.model import AnswerDef, Deck, Expr, MistakeDef, Problem, Template, Text
    from mathdrill.decks.samplers import SAMPLERS

_EXPORTS = {
    "DECK_SUFFIXES": "mathdrill.decks.loader",
    "DeckReadError": "mathdrill.decks.loader",
    "load_deck": "mathdrill.decks.loader",
    "load_deck_file": "mathdrill.decks.loader",
    "parse_deck": "mathdrill.decks.loader",
    "read_bytes": "mathdrill.decks.loader",
    "AnswerDef": "mathdrill.decks.model",
    "Deck": "mathdrill.decks.model",
    "Expr": "mathdrill.decks.model",
    "MistakeDef": "mathdrill.decks.model",
    "Problem": "mathdrill.decks.model",
    "Template": "mathdrill.decks.model",
    "Text": "mathdrill.decks.model",
    "SAMPLERS": "mathdrill.decks.samplers",
}

__all__ = [
    "DECK_SUFFIXES",
    "SAMPLERS",
    "AnswerDef",
    "Deck",
    "DeckReadError",
    "Expr",
    "MistakeDef",
    "Problem",
    "Template",
    "Text",
    "load_deck",
    "load_deck_file",
    "parse_deck",
    "read_bytes",
]


__getattr__ = lazy_getattr("mathdrill.decks", _EXPORTS, globals())
