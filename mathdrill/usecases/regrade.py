"""Use-case behind ``mathdrill regrade``: every stored answer judged again, schedules healed.

Each logged answer (its text, seed and template) is judged again with today's checker and
decks, in the problem worker (the main process never imports sympy; each check is capped like
the drill's). A verdict that changed — correct, status or recognised mistake — gets the quality
the drill would derive for it now (``scheduling/grading.py``: the hints and seconds logged with
it), and every card with a changed review is rebuilt from its log (``usecases/rebuild.py``), so
a fixed checker or deck heals the schedules it had bent.

Pinned behaviour:

* Given-up and blank answers are not judged again (nothing was typed to judge).
* An answer whose template no loaded deck defines any more is reported, not changed; so is one
  the checker cannot decide now (a timeout, unreadable by today's reader) or whose problem the
  template cannot make again.
* Why a verdict changed: "deck" when the template's text changed since the answer (its
  fingerprint differs), otherwise "checker".
* A verdict that did not change keeps its quality, even one the learner gave with
  ``--self-grade``; a changed one gets the derived quality (the learner graded a verdict that
  was wrong).
* ``dry_run`` reads only; the real run backs the database up and writes the changed reviews and
  the rebuilt cards in ONE transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mathdrill.scheduling.grading import derive_quality

if TYPE_CHECKING:
    from mathdrill.config import Environment
    from mathdrill.scheduling.queue import SchedulingSettings
    from mathdrill.storage import Database
    from mathdrill.storage.cardlog import RebuildResult
    from mathdrill.usecases.problems import ProblemSource, Skill


@dataclass(frozen=True)
class Change:
    """One stored answer whose verdict changes.

    Attributes:
        review_id: The review.
        card: ``deck/template``.
        reviewed_at: When it was answered.
        answer: What the learner typed.
        why: ``"deck"`` (the template changed since) or ``"checker"``.
        before: ``(status, mistake, quality)`` as stored.
        after: ``(status, mistake, quality)`` now.
    """

    review_id: int
    card: str
    reviewed_at: datetime
    answer: str
    why: str
    before: tuple[str, str | None, int | None]
    after: tuple[str, str | None, int]


@dataclass(frozen=True)
class RegradeReport:
    """What a regrade found (and, unless a dry run, did).

    Attributes:
        judged: Answers judged again.
        changes: Answers whose verdict changes, in log order.
        missing: ``deck/template`` → answers kept because no loaded deck defines it.
        undecided: Answers kept because today's checker could not decide them
            (``deck/template``, review id, reason).
        not_judged: Given-up and blank answers (not judged again).
        dry_run: Nothing was written.
        rebuilt: What the rebuild wrote (None for a dry run or when nothing changed).
    """

    judged: int
    changes: tuple[Change, ...]
    missing: dict[str, int]
    undecided: tuple[tuple[str, int, str], ...]
    not_judged: int
    dry_run: bool
    rebuilt: RebuildResult | None = None

    @property
    def backup(self) -> Path | None:
        """The backup made before writing, if any."""
        return self.rebuilt.backup if self.rebuilt is not None else None


def regrade(
    db: Database,
    skills: Iterable[Skill],
    problems: ProblemSource,
    *,
    settings: SchedulingSettings,
    now: datetime,
    dry_run: bool,
    on_judged: Callable[[int, int], None] | None = None,
) -> RegradeReport:
    """Judge every stored answer again; unless ``dry_run``, write what changed and rebuild.

    Args:
        db: The open database.
        skills: Every loaded template (catalogue order).
        problems: Makes instances and judges answers (the worker, capped per check).
        settings: Zone and rollover hour (``SchedulingSettings``), for the rebuild.
        now: Time stamped on the backup's name (aware).
        dry_run: Only report.
        on_judged: Called with ``(answers judged so far, answers to judge)``.

    Returns:
        The report.
    """
    from mathdrill.storage.cardlog import answers, rebuild
    from mathdrill.usecases.problems import SkillBroken
    from mathdrill.usecases.rebuild import rebuild_fold

    known = {skill.key: skill for skill in skills}
    stored = answers(db)
    changes: list[Change] = []
    missing: dict[str, int] = {}
    undecided: list[tuple[str, int, str]] = []
    not_judged = judged = 0
    affected: set[int] = set()
    updates: list[dict[str, Any]] = []
    for done, row in enumerate(stored, start=1):
        if on_judged is not None:
            on_judged(done, len(stored))
        key = f"{row.deck}/{row.template}"
        if row.status == "gave_up":
            not_judged += 1
            continue
        skill = known.get(key)
        if skill is None:
            missing[key] = missing.get(key, 0) + 1
            continue
        try:
            verdict = problems.check(skill, row.seed, row.answer)
        except SkillBroken as error:
            undecided.append((key, row.id, error.problem))
            continue
        judged += 1
        if verdict.status in ("unreadable", "undecided"):
            undecided.append((key, row.id, verdict.error or verdict.reason))
            continue
        if (verdict.status, verdict.correct, verdict.mistake) == (
            row.status,
            row.correct,
            row.mistake,
        ):
            continue
        quality = derive_quality(
            correct=verdict.correct,
            first_try=True,
            hints_used=row.hints,
            solution_shown=False,
            matched_mistake=verdict.mistake is not None,
            near_miss=verdict.near_miss is not None,
            gave_up=False,
            blank=False,
            seconds=row.seconds if row.seconds is not None else skill.expected_seconds,
            expected_seconds=skill.expected_seconds,
        )
        changes.append(
            Change(
                review_id=row.id,
                card=key,
                reviewed_at=row.reviewed_at,
                answer=row.answer,
                why="deck" if row.fingerprint != skill.fingerprint else "checker",
                before=(row.status, row.mistake, row.quality),
                after=(verdict.status, verdict.mistake, quality),
            )
        )
        affected.add(row.card_id)
        # What the drill stores for a verdict (usecases/drill.py, DrillSession._save).
        updates.append(
            {
                "id": row.id,
                "status": verdict.status,
                "correct": verdict.correct,
                "mistake": verdict.mistake,
                "read_as": verdict.read_as_plain,
                "quality": quality,
            }
        )
    rebuilt = None
    if updates and not dry_run:
        rebuilt = rebuild(
            db,
            affected,
            rebuild_fold(settings),
            now=now,
            backup=True,
            review_changes=updates,
        )
    return RegradeReport(
        judged=judged,
        changes=tuple(changes),
        missing=missing,
        undecided=tuple(undecided),
        not_judged=not_judged,
        dry_run=dry_run,
        rebuilt=rebuilt,
    )


def run_regrade(
    environment: Environment,
    *,
    dry_run: bool,
    extra_decks: Iterable[Path] = (),
    problems: ProblemSource | None = None,
    on_judged: Callable[[int, int], None] | None = None,
) -> RegradeReport:
    """Open the decks, the database and a problem worker, and regrade (see :func:`regrade`).

    Args:
        environment: Clock, zone, data directory and database.
        dry_run: Only report.
        extra_decks: Files or folders given with ``--decks``.
        problems: Where answers are judged (None: a new worker process, closed at the end).
        on_judged: Progress, as for :func:`regrade`.

    Returns:
        The report.

    Raises:
        StorageError: The database cannot be opened or written.
        DeckError: A ``--decks`` path does not exist, or no deck file can be used.
    """
    from mathdrill.usecases.collection import open_collection
    from mathdrill.usecases.drill import load_skills
    from mathdrill.usecases.problems import WorkerProblems
    from mathdrill.usecases.rebuild import settings_of

    skills, _problems = load_skills(environment, extra_decks)
    source = problems if problems is not None else WorkerProblems()
    try:
        with open_collection(environment, create=False) as db:
            return regrade(
                db,
                skills,
                source,
                settings=settings_of(environment),
                now=environment.now(),
                dry_run=dry_run,
                on_judged=on_judged,
            )
    finally:
        if problems is None:
            source.close()
