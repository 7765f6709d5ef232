"""Storage: the SQLite/SQLAlchemy database of cards and reviews.

The only package that imports SQLAlchemy. It returns plain frozen dataclasses and raises
:class:`~mathdrill.errors.StorageError`; nothing SQLAlchemy-shaped ever leaves it.

Public API (imported lazily, so ``import mathdrill.storage`` does not load SQLAlchemy until a
name that needs it is used)::

    resolve_database(db, env) -> str          # --db, MATHDRILL_DB, MATHDRILL_HOME, platformdirs
    open_database(url, *, create=True) -> Database
    Database: ensure_cards, card, cards, count_due, due_by_deck, next_due, record_review,
              set_suspended, reset_card, history, count_reviews, counts_since, solve_seconds,
              review_days, orphaned, prune_orphans, add_flag, flags, clear_flag,
              integrity_check, schema_version, setting, put_setting, path, backup_path, close;
              for the storage modules: read, write, snapshot, backup
    Card, Review, Flag (the card, review and flag records), CardUpdate (a card's new schedule)
    bulk: iter_cards, iter_reviews, iter_skill_stats, count_cards, count_reviews,
          merge_import; SkillRow, MergeResult
    aggregates: the reads behind ``mathdrill stats``

See ``docs/data.md`` for the tables, migrations and concurrency rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mathdrill.lazyexports import lazy_getattr

if TYPE_CHECKING:
    from mathdrill.storage.bulk import MergeResult, SkillRow
    from mathdrill.storage.database import Database, open_database
    from mathdrill.storage.location import resolve_data_dir, resolve_database
    from mathdrill.storage.records import (
        Card,
        CardUpdate,
        Flag,
        Review,
        easiness_to_x100,
    )
    from mathdrill.storage.tables import SCHEMA_VERSION

_EXPORTS = {
    "Database": "mathdrill.storage.database",
    "open_database": "mathdrill.storage.database",
    "resolve_database": "mathdrill.storage.location",
    "resolve_data_dir": "mathdrill.storage.location",
    "Card": "mathdrill.storage.records",
    "CardUpdate": "mathdrill.storage.records",
    "DeckCounts": "mathdrill.storage.records",
    "Flag": "mathdrill.storage.records",
    "Review": "mathdrill.storage.records",
    "easiness_to_x100": "mathdrill.storage.records",
    "SCHEMA_VERSION": "mathdrill.storage.tables",
    "SkillRow": "mathdrill.storage.bulk",
    "MergeResult": "mathdrill.storage.bulk",
}

__all__ = [
    "SCHEMA_VERSION",
    "Card",
    "CardUpdate",
    "Database",
    "DeckCounts",
    "Flag",
    "MergeResult",
    "Review",
    "SkillRow",
    "easiness_to_x100",
    "open_database",
    "resolve_data_dir",
    "resolve_database",
]


__getattr__ = lazy_getattr("mathdrill.storage", _EXPORTS, globals())
