"""A separate process that records reviews, for the storage concurrency test.

Usage: ``python review_worker.py DB TAG COUNT``. Prints ``ready``, waits for a line on stdin so
that every worker starts writing at the same moment, then records COUNT reviews (each read-then-
write, moving the card's schedule) and prints ``done FIRST LAST`` with the UTC times of its first
and last review. Any exception is printed and exits non-zero.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from mathdrill.storage import CardUpdate, open_database
from tests.factories import make_review


def main(path: str, tag: str, count: int) -> int:
    """Record ``count`` reviews tagged ``tag`` into the database at ``path``."""
    keys = [("deck", f"t{i}") for i in range(20)]
    with open_database(path) as db:
        db.ensure_cards(keys, datetime.now(UTC))
        # Each worker reviews its own half of the cards: the schedule update is computed from a
        # read before the write, so two sessions on the SAME card would be last-writer-wins.
        own = slice(0, 10) if tag == "alpha" else slice(10, 20)
        ids = [card.id for card in db.cards("deck")][own]
        print("ready", flush=True)
        sys.stdin.readline()
        first = datetime.now(UTC)
        for i in range(count):
            now = datetime.now(UTC)
            db.count_due(now)
            card = next(c for c in db.cards("deck") if c.id == ids[i % len(ids)])
            assert card is not None
            record = make_review(card.id, now, seed=i, answer=f"{tag}-{i}", session_id=tag)
            state = CardUpdate(
                card.repetitions + 1, 2.5, 1, now + timedelta(days=1), 0, last_review=now
            )
            db.record_review(record, state)
        print("done", first.isoformat(), datetime.now(UTC).isoformat(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
