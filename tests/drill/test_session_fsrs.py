"""DrillSession with ``scheduler="fsrs"``: each stored due is FSRS's, folded over the card's log.

In process, on a real SQLite file and the fixture deck (as ``tests/drill/test_session.py``); the
expected dates come from the ``fsrs`` package's own scheduler, driven here by hand.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs

from mathdrill.decks.catalog import read_catalog
from mathdrill.scheduling.fsrs_scheduler import RATING_OF_QUALITY
from mathdrill.scheduling.queue import SchedulingSettings, next_due
from mathdrill.storage import open_database
from mathdrill.usecases.drill import DrillOptions, DrillSession
from mathdrill.usecases.problems import skills_from_catalog
from tests.drill.drillkit import ARITH, LocalProblems, solve


def _session(db, now: datetime, seed: int) -> DrillSession:
    return DrillSession(
        db=db,
        skills=skills_from_catalog(read_catalog([ARITH])),
        problems=LocalProblems(),
        settings=SchedulingSettings(tz=UTC, rollover_hour=4),
        options=DrillOptions(scheduler="fsrs"),
        clock=lambda: now,
        rng=random.Random(seed),
    )


def _expected_due(rows: list[tuple[str, str, int]]) -> datetime:
    """FSRS's due after these (reviewed_at, kind, quality) rows, learn/review only."""
    scheduler = fsrs.Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    card = fsrs.Card(card_id=0)
    last = None
    for at, kind, quality in rows:
        if kind not in ("learn", "review"):
            continue
        moment = datetime.fromisoformat(at).replace(tzinfo=UTC)
        day = (moment - timedelta(hours=4)).date()
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        card, _ = scheduler.review_card(
            card, fsrs.Rating(RATING_OF_QUALITY[quality]), review_datetime=midnight
        )
        last = moment
    assert last is not None
    return next_due(last, (card.due - card.last_review).days, 4, UTC)


def test_two_sessions_store_the_fsrs_due_of_each_card(tmp_path: Path) -> None:
    path = tmp_path / "drill.db"
    first = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    with open_database(str(path)) as db:
        drill = _session(db, first, seed=1)
        while (problem := drill.next_problem()) is not None:
            right, _ = solve(problem.view.prompt)
            drill.submit(str(right), seconds=5.0)
        later = first + timedelta(days=10)
        drill = _session(db, later, seed=2)
        wrong_once = True
        while (problem := drill.next_problem()) is not None:
            right, wrong = solve(problem.view.prompt)
            drill.submit(str(wrong if wrong_once else right), seconds=5.0)
            wrong_once = False
    with sqlite3.connect(path) as conn:
        stored = dict(
            conn.execute("SELECT template, due FROM cards WHERE deck = 'arith'").fetchall()
        )
        rows = conn.execute(
            "SELECT c.template, r.reviewed_at, r.kind, r.quality FROM reviews r "
            "JOIN cards c ON c.id = r.card_id ORDER BY r.id"
        ).fetchall()
    kinds = {kind for _t, _a, kind, _q in rows}
    assert {"learn", "review", "repeat"} <= kinds, rows
    for template, due in stored.items():
        history = [(a, k, q) for t, a, k, q in rows if t == template]
        expected = _expected_due(history)
        assert due == expected.strftime("%Y-%m-%d %H:%M:%S.%f"), template
    # FSRS, not SM-2: SM-2 would have given 1 day to the failed card, 6 to the passed one.
    sm2_dues = {next_due(later, days, 4, UTC).strftime("%Y-%m-%d %H:%M:%S.%f") for days in (1, 6)}
    assert not set(stored.values()) <= sm2_dues
