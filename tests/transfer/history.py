"""Known histories written into real SQLite files, for the export/import tests.

Histories are written straight into the tables with SQLAlchemy Core (the schema of
``mathdrill.storage.tables``), so a test controls every field — including the ones the drill
derives, such as E-Factors before and after — and the export under test is not also the
writer of its own input.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert

from mathdrill.storage import open_database
from mathdrill.storage.tables import cards, reviews

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KINDS = ("learn", "review", "repeat", "cram")


@dataclass
class CardSpec:
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


@dataclass
class ReviewSpec:
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
class History:
    cards: list[CardSpec] = field(default_factory=list)
    reviews: list[ReviewSpec] = field(default_factory=list)


def write_history(path: Path, history: History) -> Path:
    """Create a mathdrill database at ``path`` (through the API) and insert the history."""
    open_database(str(path)).close()
    engine = create_engine(f"sqlite:///{path}")
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
                rows.append(values)
            for start in range(0, len(rows), 5000):
                conn.execute(insert(reviews), rows[start : start + 5000])
    finally:
        engine.dispose()
    return path


def random_history(
    n_cards: int, n_reviews: int, seed: int = 7, decks: Sequence[str] = ("d1", "d2")
) -> History:
    """A plausible random history: cards spread over decks, reviews in time order."""
    rng = random.Random(seed)
    history = History()
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
