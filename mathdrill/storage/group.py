"""The reads behind ``mathdrill group``: every learner of one database, side by side.

Plain SQL aggregates (``docs/data.md``, "The group's view"). Reviews are first aggregated per
card over the period, which the ``(reviewed_at)`` index bounds, and only those per-card rows are
joined to the cards, so a server holding millions of reviews reads the period once. On
PostgreSQL with row-level security a learner's role sees only its own rows here, and the
``mathdrill_teacher`` role sees everyone's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, String, and_, case, false, func, select, type_coerce

from mathdrill.storage.database import Database
from mathdrill.storage.tables import cards, learners, reviews
from mathdrill.vocabulary import SCHEDULING_KINDS


@dataclass(frozen=True)
class LearnerRow:
    """One learner's totals.

    Attributes:
        name: The learner's name.
        created: When the learner was added (aware, UTC).
        cards: Cards the learner has (one per skill met).
        learned: Of those, cards scheduled at least once.
        due_now: Unsuspended cards due at ``now``.
        reviews: Reviews logged, every kind, all time.
        last_review: The latest review (aware, UTC), or None.
    """

    name: str
    created: datetime
    cards: int
    learned: int
    due_now: int
    reviews: int
    last_review: datetime | None


@dataclass(frozen=True)
class SkillRow:
    """One skill across the group, over the period.

    Attributes:
        deck: Deck id.
        template: Template id.
        learners: Learners who answered it at least once in the period.
        first_try: ``learn`` and ``review`` answers.
        first_try_correct: Of those, correct.
        recalls: ``review`` answers (a scheduled recall after an interval).
        recalls_correct: Of those, correct.
    """

    deck: str
    template: str
    learners: int
    first_try: int
    first_try_correct: int
    recalls: int
    recalls_correct: int


@dataclass(frozen=True)
class MistakeRow:
    """A named mistake across the group, over the period.

    Attributes:
        deck: Deck id.
        template: Template id.
        mistake: The mistake's id.
        count: Answers that matched it.
        learners: Learners who made it.
    """

    deck: str
    template: str
    mistake: str
    count: int
    learners: int


def _aware(value: Any) -> datetime:
    """Return a timestamp read by a driver as an aware UTC datetime (SQLite gives text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def learner_rows(db: Database, now: datetime) -> list[LearnerRow]:
    """Return every learner's totals, ordered by name.

    Args:
        db: The open database.
        now: The current time (aware), for the due counts.

    Returns:
        One row per learner (a learner without cards has zeros).

    Raises:
        StorageError: If the database cannot be read.
    """
    scheduled = cards.c.due.is_not(None)
    due = and_(scheduled, cards.c.suspended == false(), cards.c.due <= now)
    per_cards = (
        select(
            cards.c.learner_id,
            func.count().label("n"),
            func.sum(type_coerce(case((scheduled, 1), else_=0), Integer)).label("learned"),
            func.sum(type_coerce(case((due, 1), else_=0), Integer)).label("due"),
        )
        .group_by(cards.c.learner_id)
        .subquery("per_cards")
    )
    per_reviews = (
        select(
            reviews.c.learner_id,
            func.count().label("n"),
            func.max(reviews.c.reviewed_at).label("last"),
        )
        .group_by(reviews.c.learner_id)
        .subquery("per_reviews")
    )
    query = (
        select(
            learners.c.name,
            learners.c.created,
            func.coalesce(per_cards.c.n, 0),
            func.coalesce(per_cards.c.learned, 0),
            func.coalesce(per_cards.c.due, 0),
            func.coalesce(per_reviews.c.n, 0),
            per_reviews.c.last,
        )
        .outerjoin(per_cards, per_cards.c.learner_id == learners.c.id)
        .outerjoin(per_reviews, per_reviews.c.learner_id == learners.c.id)
        .order_by(learners.c.name)
    )
    with db.read("reading the group's learners") as conn:
        return [
            LearnerRow(
                name=name,
                created=created,
                cards=int(n_cards),
                learned=int(learned),
                due_now=int(due_now),
                reviews=int(n_reviews),
                last_review=None if last is None else _aware(last),
            )
            for name, created, n_cards, learned, due_now, n_reviews, last in conn.execute(query)
        ]


def review_hours(db: Database, since: datetime) -> list[tuple[str, datetime, int]]:
    """Count each learner's reviews per UTC hour since ``since`` (study days are made from it).

    Args:
        db: The open database.
        since: Start of the period (aware).

    Returns:
        ``(learner name, start of the hour (aware, UTC), reviews)``, by learner then hour.

    Raises:
        StorageError: If the database cannot be read.
    """
    if db.is_sqlite:
        # The stored text is fixed-width UTC: its first 13 characters are the hour.
        hour: Any = func.substr(type_coerce(reviews.c.reviewed_at, String), 1, 13)
    else:
        hour = func.date_trunc("hour", reviews.c.reviewed_at)
    query = (
        select(learners.c.name, hour.label("hour"), func.count())
        .select_from(reviews.join(learners, learners.c.id == reviews.c.learner_id))
        .where(reviews.c.reviewed_at >= since)
        .group_by(learners.c.name, hour)
        .order_by(learners.c.name, hour)
    )
    with db.read("reading the group's activity") as conn:
        rows = conn.execute(query).all()
    result: list[tuple[str, datetime, int]] = []
    for name, start, n in rows:
        moment = (
            datetime.strptime(start, "%Y-%m-%d %H").replace(tzinfo=UTC)
            if isinstance(start, str)
            else _aware(start)
        )
        result.append((name, moment, int(n)))
    return result


def _per_card(since: datetime) -> Any:
    first_try = reviews.c.kind.in_(sorted(SCHEDULING_KINDS))
    recall = reviews.c.kind == "review"
    right = reviews.c.correct.is_(True)
    return (
        select(
            reviews.c.card_id,
            func.count().label("n"),
            func.sum(case((first_try, 1), else_=0)).label("first"),
            func.sum(case((and_(first_try, right), 1), else_=0)).label("first_ok"),
            func.sum(case((recall, 1), else_=0)).label("recalls"),
            func.sum(case((and_(recall, right), 1), else_=0)).label("recalls_ok"),
        )
        .where(reviews.c.reviewed_at >= since)
        .group_by(reviews.c.card_id)
        .subquery("per_card")
    )


def skill_rows(db: Database, since: datetime) -> list[SkillRow]:
    """Return every skill answered in the period, across the group, by deck and template.

    Args:
        db: The open database.
        since: Start of the period (aware).

    Returns:
        One row per skill with at least one answer in the period.

    Raises:
        StorageError: If the database cannot be read.
    """
    per_card = _per_card(since)
    query = (
        select(
            cards.c.deck,
            cards.c.template,
            func.count(func.distinct(cards.c.learner_id)),
            func.sum(per_card.c.first),
            func.sum(per_card.c.first_ok),
            func.sum(per_card.c.recalls),
            func.sum(per_card.c.recalls_ok),
        )
        .select_from(per_card.join(cards, cards.c.id == per_card.c.card_id))
        .group_by(cards.c.deck, cards.c.template)
        .order_by(cards.c.deck, cards.c.template)
    )
    with db.read("reading the group's skills") as conn:
        return [
            SkillRow(deck, template, *(int(value or 0) for value in numbers))
            for deck, template, *numbers in conn.execute(query)
        ]


def mistake_rows(db: Database, since: datetime, limit: int) -> list[MistakeRow]:
    """Return the named mistakes made most often in the period, across the group.

    Args:
        db: The open database.
        since: Start of the period (aware).
        limit: At most this many.

    Returns:
        The mistakes, most frequent first (ties: deck, template, mistake).

    Raises:
        StorageError: If the database cannot be read.
    """
    count = func.count().label("n")
    query = (
        select(
            cards.c.deck,
            cards.c.template,
            reviews.c.mistake,
            count,
            func.count(func.distinct(reviews.c.learner_id)),
        )
        .select_from(reviews.join(cards, cards.c.id == reviews.c.card_id))
        .where(reviews.c.reviewed_at >= since, reviews.c.mistake.is_not(None))
        .group_by(cards.c.deck, cards.c.template, reviews.c.mistake)
        .order_by(count.desc(), cards.c.deck, cards.c.template, reviews.c.mistake)
        .limit(max(0, limit))
    )
    with db.read("reading the group's mistakes") as conn:
        return [
            MistakeRow(deck, template, mistake, int(n), int(who))
            for deck, template, mistake, n, who in conn.execute(query)
        ]
