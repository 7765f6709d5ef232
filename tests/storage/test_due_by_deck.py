"""Database.due_by_deck: per-deck counts in one query, checked against a direct count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mathdrill.storage import open_database
from tests.factories import schedule

NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)


def test_counts_match_a_direct_count(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "c.db"))
    keys = [("alpha", f"t{i}") for i in range(6)] + [("beta", f"t{i}") for i in range(3)]
    db.ensure_cards(keys, NOW)
    schedule(db, ("alpha", "t0"), NOW - timedelta(days=2), at=NOW, kind="learn")  # overdue
    schedule(db, ("alpha", "t1"), NOW + timedelta(hours=3), at=NOW, kind="learn")  # later today
    schedule(
        db, ("alpha", "t2"), NOW + timedelta(days=1, hours=1), at=NOW, kind="learn"
    )  # tomorrow
    schedule(db, ("alpha", "t3"), NOW + timedelta(days=5), at=NOW, kind="learn")
    schedule(db, ("beta", "t0"), NOW, at=NOW, kind="learn")  # due exactly now
    db.set_suspended("alpha", "t3", True)
    db.set_suspended("beta", "t1", True)
    edges = [NOW + timedelta(hours=19), NOW + timedelta(days=1, hours=19)]
    counts = db.due_by_deck(NOW, edges)
    assert set(counts) == {"alpha", "beta"}
    alpha, beta = counts["alpha"], counts["beta"]
    assert (alpha.total, alpha.due_now, alpha.new, alpha.suspended) == (6, 1, 2, 1)
    assert alpha.due_before == (2, 3)  # suspended t3 is not counted anywhere but `suspended`
    assert (beta.total, beta.due_now, beta.new, beta.suspended) == (3, 1, 1, 1)
    assert beta.due_before == (1, 1)
    direct = sum(1 for c in db.cards() if not c.suspended and c.due is not None and c.due <= NOW)
    assert direct == sum(c.due_now for c in counts.values()) == db.count_due(NOW)
    db.close()
