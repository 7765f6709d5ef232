"""Fixtures for the statistics tests: real SQLite files with hand-built histories."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.storage import CardUpdate, Database, Review, open_database

DECK_YAML = """\
deck: {deck}
title: {title}
templates:
{templates}
"""

TEMPLATE_YAML = """\
  - id: {id}
    title: {title}
    tags: [{tags}]
    params:
      a: integer(2, 9)
    prompt: What is {{a}} + 1?
    answer:
      kind: number
      value: a + 1
    mistakes:
      - id: {mistake}
        value: a
        feedback: You forgot to add one to {{a}}.
"""


def write_deck(folder: Path, deck: str, title: str, templates: list[tuple[str, str, str]]) -> Path:
    """Write a small valid deck file; templates are (id, title, comma-separated tags)."""
    body = "".join(
        TEMPLATE_YAML.format(id=t, title=ti, tags=tags, mistake=f"{t}-slip")
        for t, ti, tags in templates
    )
    path = folder / f"{deck}.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(DECK_YAML.format(deck=deck, title=title, templates=body), encoding="utf-8")
    return path


class History:
    """Writes reviews through the public Database API, moving card state as asked."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.seed = 0

    def card(self, deck: str, template: str, at: datetime) -> int:
        self.db.ensure_cards([(deck, template)], at)
        card = self.db.card(deck, template)
        assert card is not None
        return card.id

    def review(
        self,
        card_id: int,
        at: datetime,
        *,
        kind: str = "review",
        correct: bool = True,
        interval: int | None = 1,
        seconds: float | None = 10.0,
        mistake: str | None = None,
        ef: float = 2.5,
        lapses: int = 0,
        leech: bool = False,
        due: datetime | None = None,
    ) -> None:
        self.seed += 1
        record = Review(
            card_id=card_id,
            reviewed_at=at,
            kind=kind,
            seed=self.seed,
            fingerprint="sha256:test",
            answer="x",
            status="correct" if correct else "wrong",
            correct=correct,
            quality=4 if correct else 1,
            mistake=mistake,
            seconds=seconds,
        )
        state = None
        if interval is not None and kind in ("learn", "review"):
            state = CardUpdate(
                repetitions=1 if correct else 0,
                easiness=ef,
                interval=interval,
                due=due if due is not None else at + timedelta(days=interval),
                lapses=lapses,
                last_review=at,
                leech=leech,
            )
        self.db.record_review(record, state)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "data" / "mathdrill.db"))
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def history(db: Database) -> History:
    return History(db)


@pytest.fixture
def deck_writer():
    """Return :func:`write_deck` (tests cannot import conftest under importlib mode)."""
    return write_deck
