"""``stats --calibration``, ``fsrs fit`` and ``drill --scheduler fsrs`` on real SQLite files.

In process (the ``md`` fixture). ``stats`` never writes the database: the file is byte-identical
afterwards; ``fsrs fit`` writes only its ``meta`` row.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import fsrs

from mathdrill.scheduling import fsrs_scheduler
from mathdrill.scheduling.queue import next_due
from mathdrill.storage import open_database
from tests.drill.drillkit import drill_args, reviews, solve
from tests.factories import make_review

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _fill(path: Path, cards: int, answers: int, seed: int) -> int:
    """Write a learn answer and ``answers`` reviews per card (plus repeats); return reviews."""
    rng = random.Random(seed)
    with open_database(str(path)) as db:
        db.ensure_cards([("d", f"t{i}") for i in range(cards)], NOW - timedelta(days=400))
        predicted = 0
        for card in db.cards():
            at = NOW - timedelta(days=300, hours=rng.randint(0, 20))
            db.record_review(make_review(card.id, at, kind="learn", quality=4))
            for _ in range(answers):
                at += timedelta(days=rng.randint(1, 20))
                quality = rng.choice([1, 3, 4, 4, 5])
                db.record_review(make_review(card.id, at, kind="review", quality=quality))
                predicted += 1
                if quality < 3:
                    repeat = at + timedelta(minutes=5)
                    db.record_review(make_review(card.id, repeat, kind="repeat", quality=4))
    return predicted


def test_calibration_reports_each_scheduler_and_never_writes(md, tmp_path: Path) -> None:
    path = tmp_path / "home" / "mathdrill.db"
    path.parent.mkdir()
    predicted = _fill(path, 6, 5, seed=1)
    before = path.read_bytes()
    shown = md("--now", NOW.isoformat(), "stats", "--calibration", "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["answers"] == 6 * 6
    rows = {row["scheduler"]: row for row in report["schedulers"]}
    assert list(rows) == ["sm2", "fsrs"]
    for row in rows.values():
        assert row["predictions"] == predicted
        assert row["log_loss"] > 0
        assert 0 <= row["rmse_bins"] <= 1
    screen = md("--now", NOW.isoformat(), "stats", "--calibration")
    assert screen.returncode == 0, screen.stderr
    assert "RMSE (bins)" in screen.stdout
    assert f"{rows['fsrs']['log_loss']:.4f}" in screen.stdout
    assert path.read_bytes() == before


def test_calibration_of_an_empty_log_has_no_figures(md, tmp_path: Path) -> None:
    path = tmp_path / "home" / "mathdrill.db"
    path.parent.mkdir()
    with open_database(str(path)):
        pass
    shown = md("stats", "--calibration", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {
        "answers": 0,
        "schedulers": [
            {"scheduler": name, "predictions": 0, "log_loss": None, "rmse_bins": None}
            for name in ("sm2", "fsrs")
        ],
    }


def test_fit_needs_enough_history_then_stores_parameters(md, tmp_path: Path) -> None:
    path = tmp_path / "home" / "mathdrill.db"
    path.parent.mkdir()
    _fill(path, 10, 9, seed=2)  # 100 graded answers
    before = path.read_bytes()
    refused = md("--now", NOW.isoformat(), "fsrs", "fit", "--json")
    assert refused.returncode == 1, refused.stderr
    assert json.loads(refused.stdout) == {
        "fitted": False,
        "answers": 100,
        "needed": fsrs_scheduler.MIN_FIT_REVIEWS,
        "parameters": None,
    }
    assert path.read_bytes() == before
    plain = md("fsrs", "fit")
    assert plain.returncode == 1
    assert "100 graded answers, 400 needed" in plain.stdout
    _fill(path, 40, 9, seed=3)  # +400 on new cards
    fitted = md("--now", NOW.isoformat(), "fsrs", "fit", "--json")
    assert fitted.returncode == 0, fitted.stderr
    result = json.loads(fitted.stdout)
    assert result["fitted"]
    assert result["answers"] == 500
    with sqlite3.connect(path) as conn:
        (raw,) = conn.execute("SELECT value FROM meta WHERE key = 'fsrs_parameters'").fetchone()
    stored = json.loads(raw)
    assert stored["parameters"] == result["parameters"]
    assert stored["answers"] == 500
    assert stored["fitted_at"] == NOW.isoformat()
    shown = md("stats", "--calibration", "--json")
    names = [row["scheduler"] for row in json.loads(shown.stdout)["schedulers"]]
    assert names == ["sm2", "fsrs", "fsrs-fitted"]


def test_a_damaged_parameter_row_is_named(md, tmp_path: Path) -> None:
    path = tmp_path / "home" / "mathdrill.db"
    path.parent.mkdir()
    _fill(path, 1, 2, seed=4)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO meta VALUES ('fsrs_parameters', '{\"parameters\": [1, 2]}')")
    shown = md("stats", "--calibration")
    assert shown.returncode == 2
    assert "fsrs fit" in shown.stderr
    assert "Traceback" not in shown.stderr


def _fsrs_due(days: list[date], ratings: list[fsrs.Rating], now: datetime) -> datetime:
    """The due date FSRS itself gives after these answers, as a study-day start (UTC zone)."""
    scheduler = fsrs.Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    card = fsrs.Card(card_id=0)
    for day, rating in zip(days, ratings, strict=True):
        at = datetime(day.year, day.month, day.day, tzinfo=UTC)
        card, _ = scheduler.review_card(card, rating, review_datetime=at)
    assert card.last_review is not None
    return next_due(now, (card.due - card.last_review).days)


def _due_of(home: Path, template: str) -> tuple[str, int]:
    with sqlite3.connect(home / "mathdrill.db") as conn:
        return conn.execute(
            "SELECT due, interval_days FROM cards WHERE template = ?", (template,)
        ).fetchone()


def _stored(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def test_drill_with_fsrs_stores_fsrs_due(md, md_env, tmp_path: Path) -> None:
    md_env["TZ"] = "UTC"
    home = tmp_path / "home"
    first = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    args = drill_args(first.isoformat(), "--json", "--scheduler", "fsrs", "--seed", "4")
    # A --seed session shows the same problems again: read the first, then answer it right.
    shown = md(*args, stdin="q\n")
    problem = next(e for e in map(json.loads, shown.stdout.splitlines()) if e["event"] == "problem")
    answer, _ = solve(problem["prompt"])
    done = md(*args, stdin=f"{answer}\nq\n")
    assert done.returncode == 0, done.stderr
    (learned,) = reviews(home)
    assert learned["kind"] == "learn"
    assert learned["quality"] >= 4
    rating = fsrs.Rating(fsrs_scheduler.RATING_OF_QUALITY[learned["quality"]])
    due1 = _fsrs_due([first.date()], [rating], first)
    template = learned["template"]
    assert _due_of(home, template) == (_stored(due1), (due1 - first).days + 1)
    assert due1 != next_due(first, 1), "SM-2 would have said tomorrow"


def test_an_unknown_scheduler_is_a_usage_error(md, md_env) -> None:
    md_env["MATHDRILL_SCHEDULER"] = "sm3"
    done = md(*drill_args("2026-11-21T09:00+00:00", "--json"), stdin="q\n")
    assert done.returncode == 2
    assert "sm2 or fsrs" in done.stderr
    assert "Traceback" not in done.stderr


def test_calibration_refuses_filters_it_would_ignore(md, tmp_path: Path) -> None:
    for extra in (["--deck", "d"], ["--tag", "x"], ["--plot", str(tmp_path / "f.png")]):
        done = md("stats", "--calibration", *extra)
        assert done.returncode == 2, extra
        assert "--calibration replays the whole log" in done.stderr
