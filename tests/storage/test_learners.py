"""Several learners in one database: each sees, changes and exports only their own progress."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tests.factories import NOW, Recorder, make_review
from mathdrill.errors import NotFoundError
from mathdrill.storage import bulk, open_database

KEY = ("derivatives", "chain-rule")


def _open(path: Path, learner: str, **options: object):
    return open_database(str(path), learner=learner, now=NOW, **options)  # type: ignore[arg-type]


def test_a_fresh_database_serves_the_default_learner(tmp_path: Path) -> None:
    with open_database(str(tmp_path / "m.db")) as db:
        assert db.learner.name == "default"
        assert db.learner.id == 1


def test_learners_have_separate_cards_and_reviews(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with _open(path, "alice", add_learner=True) as alice:
        Recorder(alice).review(Recorder(alice).card(*KEY, NOW), NOW, correct=False)
        alice_card = alice.card(*KEY)
    with _open(path, "bob", add_learner=True) as bob:
        assert bob.card(*KEY) is None
        assert bob.cards() == []
        assert bob.count_reviews() == 0
        assert bob.ensure_cards([KEY], NOW) == 1  # the same skill, a card of bob's own
        bob_card = bob.card(*KEY)
        assert bob_card is not None and alice_card is not None
        assert bob_card.id != alice_card.id
        assert bob_card.is_new
        assert bob.count_due(NOW + timedelta(days=30)) == 0
        # A card id of another learner is not one of bob's: nothing is written.
        with pytest.raises(NotFoundError):
            bob.record_review(make_review(alice_card.id))
        assert bob.history(alice_card.id) == []
    with _open(path, "alice") as alice:
        assert alice.count_reviews() == 1
        assert [c.id for c in alice.cards()] == [alice_card.id]
        assert alice.count_due(NOW + timedelta(days=30)) == 1
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT l.name, c.deck, c.template FROM cards c JOIN learners l ON l.id = c.learner_id "
            "ORDER BY l.name"
        ).fetchall()
        owners = conn.execute(
            "SELECT r.learner_id = c.learner_id FROM reviews r JOIN cards c ON c.id = r.card_id"
        ).fetchall()
    assert rows == [("alice", *KEY), ("bob", *KEY)]
    assert owners == [(1,)]


def test_an_unknown_learner_is_added_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    _open(path, "alice", add_learner=True).close()
    with pytest.raises(NotFoundError, match="alcie") as caught:
        _open(path, "alcie")
    assert "alice" in str(caught.value) and "default" in str(caught.value)
    with sqlite3.connect(path) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM learners ORDER BY name")]
    assert names == ["alice", "default"]


@pytest.mark.parametrize("name", ["", "Alice", "1st", "a b", "a-b", "x" * 64, "robert'); --"])
def test_a_learner_name_is_checked(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="learner name"):
        open_database(str(tmp_path / "m.db"), learner=name)
    assert not (tmp_path / "m.db").exists()


def test_export_and_import_move_one_learners_progress(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with _open(path, "alice", add_learner=True) as alice:
        recorder = Recorder(alice)
        card = recorder.card(*KEY, NOW)
        recorder.review(card, NOW, kind="learn")
        recorder.review(card, NOW + timedelta(days=1))
        exported_cards = alice.cards()
        exported_reviews = alice.history(card)
        assert bulk.count_reviews(alice) == 2 == len(list(bulk.iter_reviews(alice)))
    with _open(path, "bob", add_learner=True) as bob:
        assert list(bulk.iter_cards(bob)) == []
        done = bulk.merge_import(bob, [*exported_cards, *exported_reviews], now=NOW)
        assert (done.cards_added, done.reviews_added) == (1, 2)
        again = bulk.merge_import(bob, [*exported_cards, *exported_reviews], now=NOW)
        assert (again.cards_added, again.reviews_added, again.reviews_present) == (0, 0, 2)
        assert bob.count_reviews() == 2
        bob_card = bob.card(*KEY)
        assert bob_card is not None and bob_card.id != card
    with _open(path, "alice") as alice:
        assert alice.count_reviews() == 2  # untouched by bob's import
