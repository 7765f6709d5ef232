"""``--learner`` and ``mathdrill group``: many learners in one database, and the group's view."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from mathdrill.storage import open_database
from tests.factories import NOW, Recorder

NOW_TEXT = NOW.isoformat()
CHAIN = ("derivatives", "chain-rule")
POWER = ("derivatives", "power-rule")


@pytest.fixture
def group_db(tmp_path: Path) -> Path:
    """alice: 6 answers on 3 days in a row, 2 with a mistake; bob: 1 answer today; carol: none."""
    path = tmp_path / "home" / "mathdrill.db"
    path.parent.mkdir(parents=True)
    with open_database(str(path), learner="alice", add_learner=True, now=NOW) as db:
        rec = Recorder(db)
        chain = rec.card(*CHAIN, NOW - timedelta(days=3))
        power = rec.card(*POWER, NOW - timedelta(days=3))
        rec.review(chain, NOW - timedelta(days=2), kind="learn", correct=False, mistake="drop")
        rec.review(chain, NOW - timedelta(days=1), correct=False, mistake="drop")
        rec.review(chain, NOW - timedelta(hours=1), correct=True)
        rec.review(power, NOW - timedelta(days=2), kind="learn")
        rec.review(power, NOW - timedelta(days=1))
        rec.review(power, NOW - timedelta(hours=2), kind="cram")
    with open_database(str(path), learner="bob", add_learner=True, now=NOW) as db:
        rec = Recorder(db)
        chain = rec.card(*CHAIN, NOW)
        rec.review(chain, NOW - timedelta(hours=3), kind="learn", correct=False, mistake="drop")
    open_database(str(path), learner="carol", add_learner=True, now=NOW).close()
    return path


def test_group_learners_lists_streaks_due_counts_and_totals(md, group_db: Path) -> None:
    done = md("--now", NOW_TEXT, "group", "learners", "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert list(rows) == ["alice", "bob", "carol", "default"]
    alice, bob, carol = rows["alice"], rows["bob"], rows["carol"]
    assert (alice["reviews"], alice["streak"], alice["cards"], alice["learned"]) == (6, 3, 2, 2)
    assert alice["today"] == 2
    assert (bob["reviews"], bob["streak"], bob["today"], bob["due_now"]) == (1, 1, 1, 0)
    assert (carol["reviews"], carol["streak"], carol["last_review"]) == (0, 0, None)
    screen = md("--now", NOW_TEXT, "group", "learners")
    assert screen.returncode == 0 and "alice" in screen.stdout and "carol" in screen.stdout


def test_group_stats_per_skill_mistakes_and_activity(md, group_db: Path) -> None:
    done = md("--now", NOW_TEXT, "group", "stats", "--days", "3", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["learners"], report["active"], report["days"]) == (4, 2, 3)
    skills = {s["card"]: s for s in report["skills"]}
    chain = skills["derivatives/chain-rule"]
    # alice: learn ✗, review ✗, review ✓; bob: learn ✗ → 1 of 4 first tries right.
    assert (chain["learners"], chain["first_try"], chain["accuracy"]) == (2, 4, 0.25)
    assert (chain["recalls"], chain["retention"]) == (2, 0.5)
    power = skills["derivatives/power-rule"]
    assert (power["learners"], power["first_try"], power["accuracy"]) == (1, 2, 1.0)
    assert report["mistakes"] == [
        {"card": "derivatives/chain-rule", "mistake": "drop", "count": 3, "learners": 2}
    ]
    assert report["weakest"] == []  # no skill has 5 first tries yet
    assert [a["reviews"] for a in report["activity"]] == [2, 2, 3]
    assert [a["learners"] for a in report["activity"]] == [1, 1, 2]


def test_group_stats_screen_and_plot(md, group_db: Path, tmp_path: Path) -> None:
    screen = md("--now", NOW_TEXT, "group", "stats")
    assert screen.returncode == 0, screen.stderr
    assert "4 learners, 2 active" in screen.stdout
    assert "drop" in screen.stdout
    figure = tmp_path / "group.png"
    done = md("--now", NOW_TEXT, "group", "stats", "--plot", str(figure))
    assert done.returncode == 0, done.stderr
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = md("group", "stats", "--plot", str(tmp_path / "group.txt"))
    assert bad.returncode == 2 and ".png" in bad.stderr


def test_learner_option_and_variable_choose_whose_progress(md, md_env, group_db: Path) -> None:
    alice = md("--now", NOW_TEXT, "--learner", "alice", "card", "show", "derivatives/chain-rule")
    assert alice.returncode == 0, alice.stderr
    md_env["MATHDRILL_LEARNER"] = "bob"
    bob = md("--now", NOW_TEXT, "card", "show", "derivatives/chain-rule", "--json")
    assert bob.returncode == 0, bob.stderr
    assert len(json.loads(bob.stdout)["history"]) == 1
    after = md("--now", NOW_TEXT, "due", "--learner", "alice", "--json")  # after the command
    assert after.returncode == 0, after.stderr


def test_an_unknown_or_malformed_learner_is_refused(md, group_db: Path) -> None:
    before = group_db.read_bytes()
    typo = md("--learner", "alcie", "stats")
    assert typo.returncode == 2
    assert "alcie" in typo.stderr and "alice" in typo.stderr and "Traceback" not in typo.stderr
    bad = md("--learner", "Bob Smith", "due")
    assert bad.returncode == 2
    assert "learner name" in bad.stderr and "Traceback" not in bad.stderr
    assert group_db.read_bytes() == before
