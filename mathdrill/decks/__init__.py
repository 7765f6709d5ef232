"""Deck files → validated templates → reproducible problem instances (DESIGN.md, "Deck files").

Pure layer: no printing, no clock, no global randomness; files are read only when a path is
handed in. The public entry points are re-exported here.
"""

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
