"""The cards table is a fold over the log: after any history, rebuilding changes nothing.

A random history on a real SQLite file mixes what changes a card today: drill answers of every
kind (as the drill saves them), ``card reset``, ``card suspend``/``unsuspend``, the drill's
undo, imports of another machine's ``export all`` (full or ``--since``) and regrades (a stored
verdict corrected). Then every card's log must fold to its row. ``doctor`` and ``doctor
--rebuild`` are tested on a row changed behind mathdrill's back, and the schema-4 backfill on a
reset made by an older version.
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathdrill.scheduling.queue import SchedulingSettings, schedule_after
from mathdrill.storage import CardUpdate, Review, open_database
from mathdrill.storage.cardlog import rebuild
from mathdrill.usecases.drill import card_info
from mathdrill.usecases.rebuild import check_schedules, fold_log, undo_review
from mathdrill.usecases.transfer import ExportFilters, export, import_file

SETTINGS = SchedulingSettings(tz=UTC, rollover_hour=4)
START = datetime(2026, 3, 1, 9, tzinfo=UTC)
KEYS = [("d", "a"), ("d", "b"), ("e", "c")]


def answer(db, key, quality: int, what: str, at: datetime, seed: int) -> None:
    """Save one answer as the drill does (usecases/drill.py, DrillSession._save)."""
    card = card_info(db.card(*key))
    kind = what if what != "first" else ("learn" if card.is_new else "review")
    update = schedule_after(card, quality, at, kind, SETTINGS)
    db.record_review(
        Review(
            card_id=card.card_id,
            reviewed_at=at,
            kind=kind,
            seed=seed,
            fingerprint="f",
            answer="x",
            status="correct" if quality >= 3 else "wrong",
            correct=quality >= 3,
            quality=quality,
            seconds=1.0,
        ),
        CardUpdate(
            repetitions=update.repetitions,
            easiness=update.easiness,
            interval=update.interval,
            due=update.due,
            lapses=update.lapses,
            last_review=update.last_review,
            leech=update.leech,
        ),
    )


answers = st.tuples(
    st.just("answer"),
    st.integers(0, 2),
    st.integers(0, 5),
    st.sampled_from(["first", "first", "first", "repeat", "cram"]),
)
operation = st.one_of(
    answers,
    answers,
    answers,
    st.tuples(st.just("reset"), st.integers(0, 2)),
    st.tuples(st.just("suspend"), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("undo")),
    st.tuples(st.just("regrade"), st.integers(0, 10_000), st.integers(0, 5)),
    st.tuples(st.just("import"), st.lists(answers, max_size=6), st.booleans()),
)
step = st.tuples(operation, st.sampled_from([0, 0, 1, 5, 30, 26 * 60]))


def run(folder: Path, history) -> Path:
    path = folder / "main.db"
    now = START
    with open_database(str(path)) as db:
        db.ensure_cards(KEYS, START)
    for seed, ((op, *args), minutes) in enumerate(history, start=1):
        now += timedelta(minutes=minutes)
        with open_database(str(path)) as db:
            if op == "answer":
                card, quality, what = args
                answer(db, KEYS[card], quality, what, now, seed)
            elif op == "reset":
                db.reset_card(*KEYS[args[0]], now=now)
            elif op == "suspend":
                db.set_suspended(*KEYS[args[0]], args[1], now=now)
            elif op == "undo":
                newest = [r for c in db.cards() for r in db.history(c.id, limit=1)]
                if newest:
                    last = max(newest, key=lambda r: r.id)
                    undo_review(db, last.id, last.card_id, SETTINGS)
            elif op == "regrade":
                logged = [r for c in db.cards() for r in db.history(c.id, limit=1000)]
                if logged:
                    target = logged[args[0] % len(logged)]
                    change = {
                        "id": target.id,
                        "status": "checked",
                        "correct": args[1] >= 3,
                        "mistake": None,
                        "read_as": None,
                        "quality": args[1],
                    }
                    rebuild(
                        db,
                        [target.card_id],
                        lambda log: fold_log(log, SETTINGS),
                        review_changes=[change],
                    )
        if op == "import":
            other_answers, partial = args
            other = folder / f"other-{seed}.db"
            when = now - timedelta(hours=3)  # another machine, a little behind
            with open_database(str(other)) as db:
                db.ensure_cards(KEYS, START)
                for n, (_, card, quality, what) in enumerate(other_answers):
                    answer(db, KEYS[card], quality, what, when + timedelta(minutes=n), 10**6 + n)
                out = io.StringIO(newline="")
                filters = ExportFilters(since=when) if partial else ExportFilters()
                export(db, "all", "jsonl", out, now=now, filters=filters)
            file = folder / f"other-{seed}.jsonl"
            file.write_text(out.getvalue(), encoding="utf-8")
            import_file(lambda: open_database(str(path)), file, now=now, settings=SETTINGS)
    return path


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(step, max_size=18))
def test_rebuilding_from_the_log_reproduces_the_cards_table(history) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = run(Path(folder), history)
        with open_database(str(path)) as db:
            assert check_schedules(db, SETTINGS, None) == []
            before = sqlite3.connect(path).execute("SELECT * FROM cards ORDER BY id").fetchall()
            result = rebuild(db, None, lambda log: fold_log(log, SETTINGS))
            assert result.changed == ()
            if not any(op == "import" for (op, *_), _ in history):
                # Imported reviews keep the before/after columns another machine gave them.
                assert result.reviews_rewritten == 0
        after = sqlite3.connect(path).execute("SELECT * FROM cards ORDER BY id").fetchall()
        assert after == before


def test_a_frozen_clock_keeps_answer_reset_answer_in_order(tmp_path: Path) -> None:
    # All at one instant: the reset must fall between the two answers.
    path = run(
        tmp_path,
        [(("answer", 0, 1, "first"), 0), (("reset", 0), 0), (("answer", 0, 5, "first"), 0)],
    )
    with open_database(str(path)) as db:
        card = db.card(*KEYS[0])
        assert (card.lapses, card.easiness_x100, card.interval_days) == (0, 260, 1)
        assert check_schedules(db, SETTINGS, None) == []


# -- doctor ------------------------------------------------------------------------------------


def _home_db(md_env) -> Path:
    home = Path(md_env["MATHDRILL_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    return home / "mathdrill.db"


def test_doctor_reports_a_row_that_disagrees_and_rebuild_heals_it(md, md_env) -> None:
    path = _home_db(md_env)
    run(
        path.parent,
        [(("answer", 0, 4, "first"), 0), (("answer", 0, 5, "first"), 26 * 60)],
    )
    (path.parent / "main.db").rename(path)
    healthy = md("--now", "2026-03-05T09:00", "doctor", "--json")
    report = json.loads(healthy.stdout)
    assert report["schedules_checked"] == len(KEYS)
    assert report["schedules_disagree"] == []
    assert "schedules" not in report["problems"]  # (its cards are orphans: no deck has them)
    # Someone edits the table by hand: the interval no longer follows from the log.
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE cards SET interval_days = 40 WHERE template = 'a'")
    sick = md("--now", "2026-03-05T09:00", "doctor")
    assert sick.returncode == 1
    assert "schedules that disagree with the review log" in sick.stdout
    assert "d/a: interval_days" in sick.stdout
    assert "doctor --rebuild" in sick.stdout
    healed = md("--now", "2026-03-05T09:00", "doctor", "--rebuild", "--json")
    result = json.loads(healed.stdout)
    assert "schedules" not in result["problems"]
    assert result["rebuilt"]["cards_changed"] == ["d/a"]
    assert Path(result["rebuilt"]["backup"]).exists()
    assert result["schedules_disagree"] == []
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT interval_days FROM cards WHERE template = 'a'").fetchone() == (
            6,
        )


def test_card_reset_and_suspend_are_logged_so_doctor_agrees(md, md_env, tmp_path) -> None:
    deck = tmp_path / "decks" / "arith.yaml"
    deck.parent.mkdir()
    deck.write_text(
        (Path(__file__).parent.parent / "drill" / "fixtures" / "arith.yaml").read_text("utf-8"),
        encoding="utf-8",
    )
    path = _home_db(md_env)
    with open_database(str(path)) as db:
        db.ensure_cards([("arith", "add"), ("arith", "times")], START)
        answer(db, ("arith", "add"), 5, "first", START, 1)
    md_env["MATHDRILL_HOME"] = str(path.parent)
    (path.parent / "decks").mkdir(exist_ok=True)
    (path.parent / "decks" / "arith.yaml").write_text(deck.read_text("utf-8"), encoding="utf-8")
    assert md("--now", "2026-03-02T09:00", "card", "reset", "arith/add").returncode == 0
    assert md("--now", "2026-03-02T09:00", "card", "suspend", "arith/times").returncode == 0
    report = json.loads(md("--now", "2026-03-02T10:00", "doctor", "--json").stdout)
    assert report["schedules_disagree"] == []
    with sqlite3.connect(path) as conn:
        kinds = [row[0] for row in conn.execute("SELECT kind FROM card_events ORDER BY id")]
    assert kinds == ["reset", "suspend"]


def test_card_events_recover_resets_and_suspensions_of_older_versions(tmp_path: Path) -> None:
    # A schema-5 database (before card events): card a learned, reset (no trace then),
    # learned again; b suspended.
    path = tmp_path / "old.db"
    with open_database(str(path)) as db:
        db.ensure_cards(KEYS, START)
        answer(db, KEYS[0], 1, "first", START, 1)
        answer(db, KEYS[1], 4, "first", START, 2)
    with sqlite3.connect(path) as conn:
        # What schema 3 stored for a reset, then a new first showing; b suspended; c learned
        # then reset and never shown again.
        conn.execute(
            "UPDATE cards SET repetitions=0, easiness_x100=250, interval_days=0, due=NULL, "
            "lapses=0, leech=0 WHERE template='a'"
        )
        conn.execute("UPDATE cards SET suspended=1 WHERE template='b'")
        conn.execute("DROP TABLE card_events")
        conn.execute("UPDATE meta SET value='5' WHERE key='schema_version'")
    with open_database(str(path)) as db:
        answer(db, KEYS[0], 4, "first", START + timedelta(days=1), 3)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE card_events")
        conn.execute("UPDATE meta SET value='5' WHERE key='schema_version'")
    with open_database(str(path), now=START + timedelta(days=2)) as db:
        assert db.schema_version() >= 4
        assert check_schedules(db, SETTINGS, None) == []
        card = db.card(*KEYS[0])
        assert (card.easiness_x100, card.lapses) == (250, 0)
