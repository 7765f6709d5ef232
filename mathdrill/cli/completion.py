"""Shell completion of deck ids and card ids (``mathdrill --install-completion``).

typer completes commands and options by itself; these callbacks add the values of ``--deck``
and of the ``DECK``, ``DECK/TEMPLATE`` arguments. They read the deck catalogue through its cache
(``mathdrill/decks/catalog.py``), the drill's fast path: no deck is loaded, no problem drawn and
the database is not opened, so a Tab press answers at once and imports neither sympy nor
SQLAlchemy. Decks given with ``--decks PATH`` are not offered (the option may not be typed yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mathdrill.cli.root import RootOptions
from mathdrill.errors import MathdrillError

if TYPE_CHECKING:
    from mathdrill.decks.catalog import Catalog


def _catalog() -> Catalog | None:
    """The catalogue of the built-in and the learner's decks; None when it cannot be read."""
    from mathdrill.decks.catalog import catalog_files, read_catalog

    try:
        data_dir = RootOptions().environment().data_dir
        return read_catalog(
            catalog_files(data_dir / "decks"), cache=data_dir / "cache" / "catalog.json"
        )
    except (MathdrillError, OSError):
        return None  # a completion offers nothing rather than an error in the shell


def deck_ids(incomplete: str) -> list[tuple[str, str]]:
    """Deck ids starting with ``incomplete``, each with its title."""
    catalog = _catalog()
    if catalog is None:
        return []
    return [
        (deck.id, deck.title)
        for deck in sorted(catalog.decks.values(), key=lambda d: d.id)
        if deck.id.startswith(incomplete)
    ]


def card_ids(incomplete: str) -> list[tuple[str, str]]:
    """Card ids (``deck/template``) starting with ``incomplete``, each with its title."""
    catalog = _catalog()
    if catalog is None:
        return []
    return [
        (f"{deck.id}/{template.id}", template.title)
        for deck in sorted(catalog.decks.values(), key=lambda d: d.id)
        for template in deck.templates.values()
        if f"{deck.id}/{template.id}".startswith(incomplete)
    ]


def deck_or_card_ids(incomplete: str) -> list[tuple[str, str]]:
    """Deck ids, then card ids, starting with ``incomplete`` (``deck preview``)."""
    return deck_ids(incomplete) + card_ids(incomplete)
