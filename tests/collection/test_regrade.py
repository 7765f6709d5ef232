"""``regrade``: a checker or deck bug fixed, every stored answer judged again, schedules healed.

Histories are recorded the way the drill records an answer (the real checker through the
worker's own code, derived quality, ``schedule_after``, one ``record_review``), from a script,
so that a history recorded with a bug and one recorded without it hold the same answers.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.answers import serve
from mathdrill.answers.verdict import Verdict
from mathdrill.decks.catalog import read_catalog
from mathdrill.scheduling.grading import derive_quality
from mathdrill.scheduling.queue import SchedulingSettings, schedule_after
from mathdrill.storage import CardUpdate, Review, open_database
from mathdrill.usecases.drill import card_info
from mathdrill.usecases.problems import Skill, skills_from_catalog
from mathdrill.usecases.rebuild import check_schedules
from mathdrill.usecases.regrade import regrade
from tests.drill.drillkit import ARITH, LocalProblems, solve

SETTINGS = SchedulingSettings(tz=UTC, rollover_hour=4)
START = datetime(2026, 11, 21, 9, tzinfo=UTC)
#: (day, template, seed): the learner answers each correctly.
SCRIPT = [
    (day, template, 100 * day + n)
    for day in range(8)
    for n, template in enumerate(("add", "times"))
]


def record(db, problems, skill: Skill, seed: int, at: datetime) -> None:
    """Answer one problem correctly and save it as the drill does (usecases/drill.py, _save)."""
    view = problems.generate(skill, seed)
    text = str(solve(view.prompt)[0])
    verdict = problems.check(skill, seed, text)
    quality = derive_quality(
        correct=verdict.correct,
        first_try=True,
        hints_used=0,
        solution_shown=False,
        matched_mistake=verdict.mistake is not None,
        near_miss=verdict.near_miss is not None,
        gave_up=False,
        blank=False,
        seconds=5.0,
        expected_seconds=view.expected_seconds,
    )
    card = card_info(db.card(skill.deck, skill.id))
    update = schedule_after(card, quality, at, "learn" if card.is_new else "review", SETTINGS)
    db.record_review(
        Review(
            card_id=card.card_id,
            reviewed_at=at,
            kind="learn" if card.is_new else "review",
            seed=seed,
            fingerprint=view.fingerprint,
            answer=text,
            status=verdict.status,
            correct=verdict.correct,
            quality=quality,
            read_as=verdict.read_as_plain,
            mistake=verdict.mistake,
            hints=0,
            seconds=5.0,
            session_id="s",
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


def record_script(path: Path, deck: Path) -> list[Skill]:
    skills = {s.id: s for s in skills_from_catalog(read_catalog([deck]))}
    problems = LocalProblems()
    with open_database(str(path)) as db:
        db.ensure_cards([(s.deck, s.id) for s in skills.values()], START)
        for day, template, seed in SCRIPT:
            record(
                db, problems, skills[template], seed, START + timedelta(days=day, minutes=seed % 7)
            )
    return list(skills.values())


def big_numbers_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inject a checker bug at the checker's entry point: a right number above 60 is wrong."""
    real = serve.judge_safely

    def buggy(spec, text):
        verdict = real(spec, text)
        if spec.kind == "number" and verdict.correct and float(text) > 60:
            return Verdict("wrong", "not correct")
        return verdict

    monkeypatch.setattr(serve, "judge_safely", buggy)


def table(path: Path) -> tuple[list, list]:
    """The cards' schedules and the reviews' verdicts and before/after columns."""
    with open_database(str(path)) as db:
        cards = [
            (
                c.deck,
                c.template,
                c.repetitions,
                c.easiness_x100,
                c.interval_days,
                c.due,
                c.lapses,
                c.leech,
                c.last_review,
            )
            for c in db.cards()
        ]
        logs = [
            (
                r.reviewed_at,
                r.kind,
                r.seed,
                r.answer,
                r.status,
                r.correct,
                r.mistake,
                r.quality,
                r.read_as,
                r.easiness_before_x100,
                r.easiness_after_x100,
                r.interval_before,
                r.interval_after,
            )
            for c in db.cards()
            for r in db.history(c.id, limit=1000)
        ]
    return cards, logs


def test_a_fixed_checker_bug_heals_qualities_and_schedules(tmp_path, monkeypatch) -> None:
    with monkeypatch.context() as patch:
        big_numbers_refused(patch)
        skills = record_script(tmp_path / "buggy.db", ARITH)
    record_script(tmp_path / "right.db", ARITH)
    buggy, right = table(tmp_path / "buggy.db"), table(tmp_path / "right.db")
    wrongly_failed = sum(1 for row in buggy[1] if not row[5])
    assert wrongly_failed >= 2, "the script must meet the bug"
    assert buggy[0] != right[0], "the bug bent the schedules"
    with open_database(str(tmp_path / "buggy.db")) as db:
        report = regrade(
            db,
            skills,
            LocalProblems(),
            settings=SETTINGS,
            now=START + timedelta(days=30),
            dry_run=False,
        )
        assert check_schedules(db, SETTINGS, None) == []
    assert len(report.changes) == wrongly_failed
    assert {c.why for c in report.changes} == {"checker"}
    assert all(c.before[0] == "wrong" and c.after[0] == "correct" for c in report.changes)
    assert report.backup is not None
    assert report.backup.exists()
    assert table(tmp_path / "buggy.db") == right


def test_dry_run_lists_the_changes_and_leaves_the_file_byte_identical(
    tmp_path, monkeypatch
) -> None:
    with monkeypatch.context() as patch:
        big_numbers_refused(patch)
        skills = record_script(tmp_path / "buggy.db", ARITH)
    before = (tmp_path / "buggy.db").read_bytes()
    with open_database(str(tmp_path / "buggy.db")) as db:
        report = regrade(db, skills, LocalProblems(), settings=SETTINGS, now=START, dry_run=True)
    assert report.changes
    assert report.rebuilt is None
    assert (tmp_path / "buggy.db").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["buggy.db"]


def fixed_deck(folder: Path, *, broken: bool) -> Path:
    """The arith deck, with (``broken``) or without a deck bug: the sum's reference is off by 1."""
    folder.mkdir(exist_ok=True)
    path = folder / "arith.yaml"
    text = ARITH.read_text(encoding="utf-8")
    if broken:
        text = text.replace("      value: a + b\n", "      value: a + b + 1\n", 1)
        assert "a + b + 1" in text
    path.write_text(text, encoding="utf-8")
    return path


def test_regrade_command_after_a_deck_fix(md, md_env, tmp_path: Path) -> None:
    home = Path(md_env["MATHDRILL_HOME"])
    decks = tmp_path / "decks"
    home.mkdir(parents=True, exist_ok=True)
    record_script(home / "mathdrill.db", fixed_deck(decks, broken=True))
    fixed_deck(decks, broken=False)
    files = sorted(p.name for p in home.glob("mathdrill.db*"))
    before = (home / "mathdrill.db").read_bytes()
    dry = md("--now", "2026-12-01T09:00", "regrade", "--dry-run", "--decks", str(decks))
    assert dry.returncode == 0, dry.stderr
    assert "[deck fix]" in dry.stdout
    assert "dry run: nothing was changed" in dry.stdout
    assert (home / "mathdrill.db").read_bytes() == before
    assert sorted(p.name for p in home.glob("mathdrill.db*")) == files, "no backup either"
    done = md("--now", "2026-12-01T09:00", "regrade", "--decks", str(decks), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["changes"]
    assert {c["why"] for c in report["changes"]} == {"deck"}
    assert {c["card"] for c in report["changes"]} == {"arith/add"}
    assert all(c["after"]["status"] == "correct" for c in report["changes"])
    assert report["backup"]
    assert Path(report["backup"]).exists()
    assert report["cards_rebuilt"] == ["arith/add"]
    again = md("--now", "2026-12-01T09:00", "regrade", "--decks", str(decks))
    assert "no verdict changes" in again.stdout


def test_answers_to_a_deleted_template_are_reported_not_changed(tmp_path) -> None:
    skills = record_script(tmp_path / "db.db", ARITH)
    shutil.copy(tmp_path / "db.db", tmp_path / "copy.db")
    before = table(tmp_path / "db.db")
    remaining = [s for s in skills if s.id != "times"]
    with open_database(str(tmp_path / "db.db")) as db:
        report = regrade(
            db, remaining, LocalProblems(), settings=SETTINGS, now=START, dry_run=False
        )
    assert report.missing == {"arith/times": len(SCRIPT) // 2}
    assert report.changes == ()
    assert table(tmp_path / "db.db") == before
