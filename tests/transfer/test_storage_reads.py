"""Streaming reads of ``mathdrill.storage.bulk`` against independent Python computations."""

from __future__ import annotations

import csv
import io
import random
import statistics
from collections import Counter
from datetime import timedelta

import pytest

from mathdrill.storage import bulk as store
from mathdrill.storage import open_database
from mathdrill.usecases.transfer import CARD_COLUMNS, CSV_CELLS, REVIEW_COLUMNS, csv_seconds, iso
from tests.factories import NOW, TableHistory, random_history, write_history


class _Row(dict):
    """A streamed tuple read by column name."""

    def __init__(self, pairs) -> None:
        super().__init__(pairs)
        self.__dict__ = self


def _key(history: TableHistory, index: int) -> tuple[str, str]:
    card = history.cards[index]
    return (card.deck, card.template)


@pytest.fixture
def filled(db_url: str) -> tuple[str, TableHistory]:
    history = random_history(40, 1500)
    return write_history(db_url, history), history


def test_reviews_come_in_time_order_with_every_field(filled) -> None:
    path, history = filled
    with open_database(str(path), create=False) as db:
        got = [_Row(zip(REVIEW_COLUMNS, row, strict=False)) for row in store.iter_reviews(db)]
    expected = sorted(range(len(history.reviews)), key=lambda i: history.reviews[i].reviewed_at)
    assert len(got) == len(history.reviews)
    for row, index in zip(got, expected, strict=True):
        spec = history.reviews[index]
        assert (row.deck, row.template) == _key(history, spec.card)
        assert row.reviewed_at == iso(spec.reviewed_at)
        assert (row.kind, row.seed, row.answer, row.read_as) == (
            spec.kind,
            spec.seed,
            spec.answer,
            spec.read_as,
        )
        assert (row.seconds, row.quality, row.mistake, row.session_id) == (
            spec.seconds,
            spec.quality,
            spec.mistake,
            spec.session_id,
        )
        assert (row.easiness_before_x100, row.easiness_after_x100) == (
            spec.easiness_before_x100,
            spec.easiness_after_x100,
        )


def test_since_and_deck_filters_select_exactly_the_matching_reviews(filled) -> None:
    path, history = filled
    since = NOW - timedelta(days=100)
    with open_database(str(path), create=False) as db:
        got = [(r[0], r[2]) for r in store.iter_reviews(db, since=since, decks=["d2"])]
        counted = store.count_reviews(db, since=since, decks=["d2"])
    expected = sorted(
        (_key(history, s.card)[0], iso(s.reviewed_at))
        for s in history.reviews
        if s.reviewed_at >= since and _key(history, s.card)[0] == "d2"
    )
    assert got == [e for e in expected]
    assert counted == len(expected) > 0
    assert len(expected) < len(history.reviews) / 2


def test_cards_are_ordered_by_key_and_filtered_by_deck(filled) -> None:
    path, history = filled
    with open_database(str(path), create=False) as db:
        every = [_Row(zip(CARD_COLUMNS, row, strict=True)) for row in store.iter_cards(db)]
        d1 = [
            _Row(zip(CARD_COLUMNS, row, strict=True)) for row in store.iter_cards(db, decks=["d1"])
        ]
        assert store.count_cards(db, decks=["d1"]) == len(d1)
    assert [(c.deck, c.template) for c in every] == sorted(
        (c.deck, c.template) for c in history.cards
    )
    assert {c.deck for c in d1} == {"d1"}
    by_key = {(c.deck, c.template): c for c in history.cards}
    for row in every:
        spec = by_key[(row.deck, row.template)]
        assert (row.easiness_x100, row.interval_days, row.due, row.last_review) == (
            spec.easiness_x100,
            spec.interval_days,
            iso(spec.due),
            iso(spec.last_review),
        )
        assert (row.suspended, row.leech) == (spec.suspended, spec.leech)


def test_skill_aggregates_match_a_python_computation(filled) -> None:
    path, history = filled
    since = NOW - timedelta(days=150)
    with open_database(str(path), create=False) as db:
        rows = {(r.deck, r.template): r for r in store.iter_skill_stats(db, since=since)}
    assert len(rows) == len(history.cards)
    for index, card in enumerate(history.cards):
        mine = [s for s in history.reviews if s.card == index and s.reviewed_at >= since]
        row = rows[(card.deck, card.template)]
        first = [s for s in mine if s.kind in ("learn", "review")]
        assert row.reviews == len(mine)
        assert row.first_try == len(first)
        assert row.first_try_correct == sum(s.correct for s in first)
        timed = [s.seconds for s in mine if s.seconds is not None]
        if timed:
            assert row.median_seconds == pytest.approx(statistics.median(timed))
        else:
            assert row.median_seconds is None
        assert row.last_reviewed == iso(max((s.reviewed_at for s in mine), default=None))
        mistakes = Counter(s.mistake for s in mine if s.mistake is not None)
        if mistakes:
            top = max(mistakes.values())
            assert row.top_mistake == min(m for m, n in mistakes.items() if n == top)
            assert row.top_mistake_count == top
        else:
            assert (row.top_mistake, row.top_mistake_count) == (None, 0)
        assert (row.repetitions, row.easiness_x100, row.lapses) == (
            card.repetitions,
            card.easiness_x100,
            card.lapses,
        )


def test_csv_cells_quote_text_and_keep_null_apart_from_empty() -> None:
    review = dict.fromkeys(REVIEW_COLUMNS, 0)
    review.update(
        deck="a",
        template="t",
        reviewed_at="2026-03-01T23:30:00.000000Z",
        kind="review",
        status="correct",
        session_id="s",
        answer='say "hi", then\nleave',
        read_as="",
        mistake=None,
        correct=True,
        fingerprint="cut\0here",
        seconds=None,
        quality=None,
    )
    cells = [cell(value) for cell, value in zip(CSV_CELLS["review"], review.values(), strict=True)]
    line = ",".join(cells) + "\n"
    parsed = dict(zip(REVIEW_COLUMNS, next(csv.reader(io.StringIO(line, newline=""))), strict=True))
    assert cells[REVIEW_COLUMNS.index("answer")] == '"say ""hi"", then\nleave"'
    assert (parsed["deck"], parsed["answer"]) == ("a", 'say "hi", then\nleave')
    assert cells[REVIEW_COLUMNS.index("read_as")] == '""'  # empty text
    assert cells[REVIEW_COLUMNS.index("mistake")] == ""  # null
    assert (parsed["correct"], parsed["fingerprint"], parsed["quality"]) == ("true", "cut", "")
    assert csv_seconds(1.0005) == "1.001"
    assert csv_seconds(20.0) == "20.000"
    assert csv_seconds(None) == ""


def test_naive_since_is_refused(filled) -> None:
    path, _ = filled
    with open_database(str(path), create=False) as db, pytest.raises(ValueError, match="aware"):
        list(store.iter_reviews(db, since=NOW.replace(tzinfo=None)))


def test_reviews_come_in_time_order_even_when_ids_are_not(db_url: str) -> None:
    history = random_history(10, 300, seed=3, decks=("d1", 'd"q,2'))
    # An import appends old reviews after newer ones: storage order is not time order.
    random.Random(5).shuffle(history.reviews)
    for i, review in enumerate(history.reviews[:40]):
        review.reviewed_at = history.reviews[0].reviewed_at  # ties in time: id order decides
        review.seed = i
    write_history(db_url, history)
    with open_database(str(db_url), create=False) as db:
        got = [(row[2], row[4]) for row in store.iter_reviews(db)]
    # Ids follow the order written, so among equal times the order written decides.
    expected = sorted(
        ((iso(r.reviewed_at), r.seed, i) for i, r in enumerate(history.reviews)),
        key=lambda item: (item[0], item[2]),
    )
    assert got == [(at, seed) for at, seed, _ in expected]
