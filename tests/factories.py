"""The one place tests make their data: review records, scheduled cards, histories, deck files.

Two ways to fill a database, for two purposes:

* :class:`Recorder` writes through the public :class:`~mathdrill.storage.Database` API (what
  the drill does), for tests of what is computed from stored reviews;
* :class:`TableHistory` rows are written straight into the tables with SQLAlchemy Core, so a
  test controls every field, including the ones the drill derives (E-Factors before and after),
  and an export under test is not also the writer of its own input.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, insert

from mathdrill.storage import Card, CardUpdate, Database, Review, open_database, resolve_database
from mathdrill.storage.tables import cards, reviews

#: The default 'now' of the factories.
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# -- review records and scheduled cards, through the API ---------------------------------------


def make_review(card_id: int, at: datetime = NOW, **fields: Any) -> Review:
    """Return a plausible, correct review record; keyword arguments replace fields."""
    values: dict[str, Any] = {
        "card_id": card_id,
        "reviewed_at": at,
        "kind": "review",
        "seed": 12345,
        "fingerprint": "sha256:abc",
        "answer": "2*x*cos(x**2)",
        "status": "correct",
        "correct": True,
        "quality": 4,
        "read_as": "2·x·cos(x²)",
        "hints": 0,
        "seconds": 12.5,
        "session_id": "s1",
    }
    values.update(fields)
    return Review(**values)


def schedule(
    db: Database,
    key: tuple[str, str],
    due: datetime,
    *,
    at: datetime = NOW,
    interval: int = 1,
    kind: str = "review",
) -> Card:
    """Give an existing card a schedule through a real review, and return it re-read."""
    card = db.card(*key)
    assert card is not None, key
    db.record_review(
        make_review(card.id, at, kind=kind), CardUpdate(1, 2.5, interval, due, 0, last_review=at)
    )
    after = db.card(*key)
    assert after is not None
    return after


class Recorder:
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
        record = make_review(
            card_id,
            at,
            kind=kind,
            seed=self.seed,
            fingerprint="sha256:test",
            answer="x",
            read_as=None,
            status="correct" if correct else "wrong",
            correct=correct,
            quality=4 if correct else 1,
            mistake=mistake,
            seconds=seconds,
            session_id=None,
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


# -- histories as table rows ---------------------------------------------------------------------


KINDS = ("learn", "review", "repeat", "cram")


@dataclass
class CardSpec:
    """A row of the cards table (defaults: a new card created long ago)."""

    deck: str
    template: str
    repetitions: int = 0
    easiness_x100: int = 250
    interval_days: int = 0
    due: datetime | None = None
    lapses: int = 0
    suspended: bool = False
    leech: bool = False
    created: datetime = NOW - timedelta(days=400)
    last_review: datetime | None = None
    learner_id: int = 1  # the learner ``default``


@dataclass
class ReviewSpec:
    """A row of the reviews table; ``card`` indexes the history's cards."""

    card: int  # index into the cards list
    reviewed_at: datetime
    kind: str = "review"
    seed: int = 1
    fingerprint: str = "sha256:abc"
    answer: str = "2*x"
    read_as: str | None = "2·x"
    status: str = "correct"
    correct: bool = True
    mistake: str | None = None
    hints: int = 0
    seconds: float | None = 12.5
    quality: int | None = 4
    easiness_before_x100: int = 250
    easiness_after_x100: int = 250
    interval_before: int = 0
    interval_after: int = 1
    session_id: str | None = "s1"


@dataclass
class TableHistory:
    """Cards and reviews as table rows (see :func:`write_history`)."""

    cards: list[CardSpec] = field(default_factory=list)
    reviews: list[ReviewSpec] = field(default_factory=list)


Where = TypeVar("Where", Path, str)


def write_history(where: Where, history: TableHistory) -> Where:
    """Create a mathdrill database (through the API) and insert the history.

    Args:
        where: An SQLite file path, or the URL of a database (``db_url``).
        history: The rows.

    Returns:
        ``where``, for chaining.
    """
    url = resolve_database(str(where), {})
    open_database(url).close()
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            ids = []
            for spec in history.cards:
                values = {k: getattr(spec, k) for k in spec.__dataclass_fields__}
                ids.append(conn.execute(insert(cards).values(**values)).inserted_primary_key[0])
            rows: list[dict[str, Any]] = []
            for spec in history.reviews:
                values = {k: getattr(spec, k) for k in spec.__dataclass_fields__ if k != "card"}
                values["card_id"] = ids[spec.card]
                values["learner_id"] = history.cards[spec.card].learner_id
                rows.append(values)
            for start in range(0, len(rows), 5000):
                conn.execute(insert(reviews), rows[start : start + 5000])
    finally:
        engine.dispose()
    return where


def random_history(
    n_cards: int, n_reviews: int, seed: int = 7, decks: Sequence[str] = ("d1", "d2")
) -> TableHistory:
    """A plausible random history: cards spread over decks, reviews in time order."""
    rng = random.Random(seed)
    history = TableHistory()
    for i in range(n_cards):
        scheduled = rng.random() < 0.8
        history.cards.append(
            CardSpec(
                deck=decks[i % len(decks)],
                template=f"t{i:05d}",
                repetitions=rng.randint(0, 6) if scheduled else 0,
                easiness_x100=rng.randint(130, 320) if scheduled else 250,
                interval_days=rng.randint(1, 300) if scheduled else 0,
                due=NOW + timedelta(hours=rng.randint(-500, 5000)) if scheduled else None,
                lapses=rng.randint(0, 3),
                suspended=rng.random() < 0.05,
                leech=rng.random() < 0.05,
                last_review=NOW - timedelta(hours=rng.randint(1, 5000)) if scheduled else None,
            )
        )
    start = NOW - timedelta(days=300)
    offsets = sorted(rng.randrange(300 * 86400 * 1000) for _ in range(n_reviews))
    for k, offset in enumerate(offsets):
        quality = rng.choice([None, 0, 1, 2, 3, 4, 5])
        history.reviews.append(
            ReviewSpec(
                card=rng.randrange(n_cards),
                reviewed_at=start
                + timedelta(milliseconds=offset, microseconds=rng.randrange(1000)),
                kind=rng.choice(KINDS),
                seed=rng.randrange(2**63),
                answer=rng.choice(["2*x", 'say "hi", then\nleave', "√2/2", "", "nul\x00cut"]),
                read_as=rng.choice([None, "2·x", "a,b"]),
                status="correct" if quality and quality >= 3 else "wrong",
                correct=bool(quality and quality >= 3),
                mistake=rng.choice([None, None, "dropped-inner", "sign"]),
                hints=rng.randint(0, 2),
                seconds=rng.choice([None, rng.uniform(0.5, 200.0), 20.0]),
                quality=quality,
                easiness_before_x100=rng.randint(130, 300),
                easiness_after_x100=rng.randint(130, 300),
                interval_before=rng.randint(0, 100),
                interval_after=rng.randint(0, 100),
                session_id=rng.choice([None, f"s{k // 20}"]),
            )
        )
    return history


# -- deck files ----------------------------------------------------------------------------------


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
