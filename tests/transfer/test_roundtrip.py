"""Round trip, property-tested: export all → import into an empty database → export all.

"Identical" means the two export files are equal byte for byte (same ``--now``), and the two
databases hold the same cards and the same reviews in the same order, field by field; only the
database ids may differ (they are renumbered on import and never exported).
"""

from __future__ import annotations

import io
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathdrill.storage import open_database
from mathdrill.usecases.transfer import export, import_file
from tests.factories import KINDS, CardSpec, ReviewSpec, TableHistory, write_history

LATER = datetime(2026, 4, 1, tzinfo=UTC)

moments = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)
# A few shared instants and seeds make ties and repeated natural keys likely.
tied = st.sampled_from([datetime(2026, 3, 1, 9, 0, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)])
ids = st.text(min_size=1, max_size=12)
text = st.text(max_size=30)
small = st.integers(min_value=0, max_value=2000)


@st.composite
def histories(draw: st.DrawFn) -> TableHistory:
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(["calc", "linalg", "ø-π"]), ids),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    cards = [
        CardSpec(
            deck,
            template,
            repetitions=draw(small),
            easiness_x100=draw(st.integers(min_value=130, max_value=2000)),
            interval_days=draw(small),
            due=draw(st.none() | moments),
            lapses=draw(small),
            suspended=draw(st.booleans()),
            leech=draw(st.booleans()),
            created=draw(moments),
            last_review=draw(st.none() | moments),
        )
        for deck, template in keys
    ]
    reviews = [
        ReviewSpec(
            card=draw(st.integers(min_value=0, max_value=len(cards) - 1)),
            reviewed_at=draw(tied | moments),
            kind=draw(st.sampled_from(KINDS)),
            seed=draw(st.integers(min_value=0, max_value=2) | st.integers(0, 2**63 - 1)),
            fingerprint=draw(st.text(max_size=128)),
            answer=draw(text),
            read_as=draw(st.none() | text),
            status=draw(st.text(min_size=1, max_size=32)),
            correct=draw(st.booleans()),
            mistake=draw(st.none() | st.text(max_size=40)),
            hints=draw(st.integers(min_value=0, max_value=9)),
            seconds=draw(
                st.none()
                | st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
            ),
            quality=draw(st.none() | st.integers(min_value=0, max_value=5)),
            easiness_before_x100=draw(st.integers(min_value=130, max_value=2000)),
            easiness_after_x100=draw(st.integers(min_value=130, max_value=2000)),
            interval_before=draw(small),
            interval_after=draw(small),
            session_id=draw(st.none() | st.text(max_size=64)),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=25)))
    ]
    return TableHistory(cards, reviews)


def _export_all(path: Path, fmt: str) -> str:
    out = io.StringIO(newline="")
    with open_database(str(path), create=False) as db:
        export(db, "all", fmt, out, now=LATER)
    return out.getvalue()


def _content(path: Path) -> tuple[list[tuple], list[tuple]]:
    con = sqlite3.connect(path)
    try:
        card_rows = con.execute(
            "SELECT deck, template, repetitions, easiness_x100, interval_days, due, lapses, "
            "suspended, leech, created, last_review FROM cards ORDER BY deck, template"
        ).fetchall()
        review_rows = con.execute(
            "SELECT c.deck, c.template, r.reviewed_at, r.kind, r.seed, r.fingerprint, r.answer, "
            "r.read_as, r.status, r.correct, r.mistake, r.hints, r.seconds, r.quality, "
            "r.easiness_before_x100, r.easiness_after_x100, r.interval_before, r.interval_after, "
            "r.session_id FROM reviews r JOIN cards c ON c.id = r.card_id "
            "ORDER BY r.reviewed_at, r.id"
        ).fetchall()
    finally:
        con.close()
    return card_rows, review_rows


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), fmt=st.sampled_from(["json", "jsonl"]))
def test_export_import_export_is_identical(history: TableHistory, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = write_history(Path(folder) / "source.db", history)
        first = _export_all(source, fmt)
        file = Path(folder) / f"all.{fmt}"
        file.write_text(first, encoding="utf-8", newline="")
        copy = Path(folder) / "copy" / "mathdrill.db"
        result = import_file(lambda: open_database(str(copy)), file, now=LATER)
        assert result.merge.cards_added == len(history.cards)
        assert result.merge.reviews_added == len(history.reviews)
        assert _export_all(copy, fmt) == first
        assert _content(copy) == _content(source)
        again = import_file(lambda: open_database(str(copy)), file, now=LATER)
        assert (again.merge.cards_added, again.merge.reviews_added) == (0, 0)
        assert _content(copy) == _content(source)
