"""``mathdrill group``: a teacher's or a study group's view of every learner in one database.

``group learners`` lists the learners with their streaks and due counts; ``group stats`` shows,
per skill, how many learners studied it, the group's first-try accuracy and retention, the
named mistakes made most often, the weakest skills and the activity per study day. Both read
across learners (``--learner`` does not narrow them) and never write. The reads are in
:mod:`mathdrill.storage.group`; the figures are defined in ``docs/data.md``, "The group's view".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mathdrill.config import Environment
from mathdrill.scheduling.queue import day_start, study_day
from mathdrill.usecases.collection import open_collection
from mathdrill.usecases.progress import streaks

#: A skill needs this many first tries in the period to be ranked among the weakest.
WEAKEST_MIN_TRIES = 5

#: How far back ``group learners`` looks for a learner's streak.
STREAK_LOOKBACK_DAYS = 366


@dataclass(frozen=True)
class LearnerSummary:
    """One learner in ``group learners``.

    Attributes:
        name: The learner's name.
        cards: Skills met.
        learned: Skills scheduled at least once.
        due_now: Skills due now.
        reviews: Problems answered, all time.
        last_review: The latest answer, or None.
        streak: Study days in a row with an answer, ending today (or yesterday).
        today: Problems answered today.
    """

    name: str
    cards: int
    learned: int
    due_now: int
    reviews: int
    last_review: datetime | None
    streak: int
    today: int


@dataclass(frozen=True)
class SkillSummary:
    """One skill in ``group stats``.

    Attributes:
        card: ``deck/template``.
        learners: Learners who answered it in the period.
        first_try: First tries (``learn``/``review`` answers).
        accuracy: Correct first tries / first tries, or None without any.
        recalls: Scheduled recalls (``review`` answers).
        retention: Correct recalls / recalls, or None without any.
    """

    card: str
    learners: int
    first_try: int
    accuracy: float | None
    recalls: int
    retention: float | None


@dataclass(frozen=True)
class MistakeSummary:
    """A named mistake in ``group stats``.

    Attributes:
        card: ``deck/template``.
        mistake: The mistake's id.
        count: Answers that matched it.
        learners: Learners who made it.
    """

    card: str
    mistake: str
    count: int
    learners: int


@dataclass(frozen=True)
class DayActivity:
    """One study day of the period.

    Attributes:
        day: The study day.
        reviews: Problems answered by the group.
        learners: Learners who answered at least one.
    """

    day: date
    reviews: int
    learners: int


@dataclass(frozen=True)
class GroupReport:
    """Everything ``group stats`` shows.

    Attributes:
        days: Length of the period in study days (today included).
        since: The first study day of the period.
        learners: Learners in the database.
        active: Learners with an answer in the period.
        skills: Every skill answered in the period, by card id.
        weakest: The skills with the lowest first-try accuracy (at least
            :data:`WEAKEST_MIN_TRIES` first tries), lowest first.
        mistakes: The named mistakes made most often, most frequent first.
        activity: Every study day of the period, oldest first.
    """

    days: int
    since: date
    learners: int
    active: int
    skills: list[SkillSummary]
    weakest: list[SkillSummary]
    mistakes: list[MistakeSummary]
    activity: list[DayActivity]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _days_by_learner(
    hours: list[tuple[str, datetime, int]], environment: Environment
) -> dict[str, dict[date, int]]:
    """Fold UTC hours of reviews into each learner's study days (zone and rollover applied)."""
    per: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for name, hour, n in hours:
        per[name][study_day(hour, environment.rollover_hour, environment.zone)] += n
    return per


def group_learners(environment: Environment) -> list[LearnerSummary]:
    """List every learner of the database with streak, due count and totals.

    Args:
        environment: Clock, zone, rollover hour and database.

    Returns:
        The learners, by name.

    Raises:
        StorageError: If the database cannot be read.
    """
    from mathdrill.storage import group

    now = environment.now()
    today = study_day(now, environment.rollover_hour, environment.zone)
    since = day_start(
        today - timedelta(days=STREAK_LOOKBACK_DAYS), environment.rollover_hour, environment.zone
    )
    with open_collection(environment, create=False) as db:
        rows = group.learner_rows(db, now)
        per_day = _days_by_learner(group.review_hours(db, since), environment)
    result = []
    for row in rows:
        days = per_day.get(row.name, {})
        result.append(
            LearnerSummary(
                name=row.name,
                cards=row.cards,
                learned=row.learned,
                due_now=row.due_now,
                reviews=row.reviews,
                last_review=row.last_review,
                streak=streaks(sorted(days), today)[0],
                today=days.get(today, 0),
            )
        )
    return result


def group_stats(environment: Environment, *, days: int = 30, limit: int = 10) -> GroupReport:
    """Compute the group's figures over the last ``days`` study days.

    Args:
        environment: Clock, zone, rollover hour and database.
        days: Length of the period in study days, today included.
        limit: Skills in the weakest list and mistakes in the mistakes list.

    Returns:
        The report.

    Raises:
        StorageError: If the database cannot be read.
    """
    from mathdrill.storage import group

    now = environment.now()
    today = study_day(now, environment.rollover_hour, environment.zone)
    first = today - timedelta(days=days - 1)
    since = day_start(first, environment.rollover_hour, environment.zone)
    with open_collection(environment, create=False) as db:
        learners = group.learner_rows(db, now)
        skills_read = group.skill_rows(db, since)
        mistakes_read = group.mistake_rows(db, since, limit)
        per_day = _days_by_learner(group.review_hours(db, since), environment)
    skills = [
        SkillSummary(
            card=f"{row.deck}/{row.template}",
            learners=row.learners,
            first_try=row.first_try,
            accuracy=_rate(row.first_try_correct, row.first_try),
            recalls=row.recalls,
            retention=_rate(row.recalls_correct, row.recalls),
        )
        for row in skills_read
    ]
    ranked = [s for s in skills if s.first_try >= WEAKEST_MIN_TRIES and s.accuracy is not None]
    ranked.sort(key=lambda s: (s.accuracy, -s.first_try, s.card))
    activity = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        counts = [by_day[day] for by_day in per_day.values() if by_day.get(day)]
        activity.append(DayActivity(day=day, reviews=sum(counts), learners=len(counts)))
    return GroupReport(
        days=days,
        since=first,
        learners=len(learners),
        active=sum(1 for by_day in per_day.values() if by_day),
        skills=skills,
        weakest=ranked[:limit],
        mistakes=[
            MistakeSummary(f"{m.deck}/{m.template}", m.mistake, m.count, m.learners)
            for m in mistakes_read
        ],
        activity=activity,
    )


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _skill_json(skill: SkillSummary) -> dict[str, Any]:
    return {
        "card": skill.card,
        "learners": skill.learners,
        "first_try": skill.first_try,
        "accuracy": _number(skill.accuracy),
        "recalls": skill.recalls,
        "retention": _number(skill.retention),
    }


def report_to_json(report: GroupReport) -> dict[str, Any]:
    """Return ``group stats --json`` (keys documented in ``docs/data.md``)."""
    return {
        "days": report.days,
        "since": report.since.isoformat(),
        "learners": report.learners,
        "active": report.active,
        "skills": [_skill_json(s) for s in report.skills],
        "weakest": [_skill_json(s) for s in report.weakest],
        "mistakes": [
            {"card": m.card, "mistake": m.mistake, "count": m.count, "learners": m.learners}
            for m in report.mistakes
        ],
        "activity": [
            {"day": a.day.isoformat(), "reviews": a.reviews, "learners": a.learners}
            for a in report.activity
        ],
    }


def learners_to_json(rows: list[LearnerSummary]) -> list[dict[str, Any]]:
    """Return ``group learners --json`` (keys documented in ``docs/data.md``)."""
    return [
        {
            "name": r.name,
            "cards": r.cards,
            "learned": r.learned,
            "due_now": r.due_now,
            "reviews": r.reviews,
            "last_review": None if r.last_review is None else r.last_review.isoformat(),
            "streak": r.streak,
            "today": r.today,
        }
        for r in rows
    ]
