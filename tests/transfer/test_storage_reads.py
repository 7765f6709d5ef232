"""Streaming reads of ``mathdrill.storage.bulk`` against independent Python computations."""

from __future__ import annotations

import csv
import io
import random
import statistics
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from mathdrill.storage import bulk as store
from mathdrill.storage import csv_worker, open_database
from mathdrill.usecases.transfer import csv_line, csv_seconds, review_csv_line
from tests.transfer.history import NOW, History, random_history, write_history


def _key(history: History, index: int) -> tuple[str, str]:
    card = history.cards[index]
    return (card.deck, card.template)


@pytest.fixture
def filled(db_file: Path) -> tuple[Path, History]:
    history = random_history(40, 1500)
    return write_history(db_file, history), history


def test_reviews_come_in_time_order_with_every_field(filled) -> None:
    path, history = filled
    with open_database(str(path), create=False) as db:
        got = list(store.iter_reviews(db))
    expected = sorted(range(len(history.reviews)), key=lambda i: history.reviews[i].reviewed_at)
    assert len(got) == len(history.reviews)
    for row, index in zip(got, expected, strict=True):
        spec = history.reviews[index]
        assert (row.deck, row.template) == _key(history, spec.card)
        assert row.reviewed_at == spec.reviewed_at
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
        got = [(r.deck, r.reviewed_at) for r in store.iter_reviews(db, since=since, decks=["d2"])]
        counted = store.count_reviews(db, since=since, decks=["d2"])
    expected = sorted(
        (_key(history, s.card)[0], s.reviewed_at)
        for s in history.reviews
        if s.reviewed_at >= since and _key(history, s.card)[0] == "d2"
    )
    assert got == [e for e in expected]
    assert counted == len(expected) > 0
    assert len(expected) < len(history.reviews) / 2


def test_cards_are_ordered_by_key_and_filtered_by_deck(filled) -> None:
    path, history = filled
    with open_database(str(path), create=False) as db:
        every = list(store.iter_cards(db))
        d1 = list(store.iter_cards(db, decks=["d1"]))
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
            spec.due,
            spec.last_review,
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
        assert row.last_reviewed == max((s.reviewed_at for s in mine), default=None)
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


def _fast_csv(db, **kwargs) -> tuple[str, int, list[int]]:
    out = io.BytesIO()
    counts: list[int] = []
    n = store.write_reviews_csv(db, out, counted=counts.append, **kwargs)
    assert n is not None
    return out.getvalue().decode("utf-8"), n, counts


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_csv_fast_path_gives_the_text_of_the_generic_path(filled, monkeypatch, parts) -> None:
    path, _history = filled
    # Small enough that 1500 reviews are split into the requested number of parts.
    monkeypatch.setattr(store, "PARALLEL_MIN_ROWS", 200)
    since = NOW - timedelta(days=200)
    with open_database(str(path), create=False) as db:
        plan = store.review_csv_plan(db, since=since, decks=["d1", "d2"], parts=parts)
        assert plan is not None
        assert len(plan[1]) == parts
        text, n, counts = _fast_csv(db, since=since, decks=["d1", "d2"], parts=parts)
        generic = "".join(review_csv_line(r) for r in store.iter_reviews(db, since=since))
        total = store.count_reviews(db, since=since)
    assert text == generic
    assert n == total == sum(counts)


def test_csv_fast_path_keeps_time_order_and_odd_text_when_ids_are_not_in_time_order(
    db_file: Path, monkeypatch
) -> None:
    history = random_history(30, 1200, seed=3, decks=("d1", 'd"q,2'))
    # An import appends old reviews after newer ones: storage order is not time order.
    random.Random(5).shuffle(history.reviews)
    for i, review in enumerate(history.reviews[:50]):
        review.read_as = f'cut\x00here"{i}'
        review.mistake = 'mis"take\x00tail'
        review.session_id = "s\x00x"
        review.reviewed_at = history.reviews[0].reviewed_at  # ties in time: id order decides
    write_history(db_file, history)
    monkeypatch.setattr(store, "PARALLEL_MIN_ROWS", 100)
    with open_database(str(db_file), create=False) as db:
        generic = "".join(review_csv_line(r) for r in store.iter_reviews(db))
        for parts in (1, 2, 4):
            text, n, _ = _fast_csv(db, parts=parts)
            assert text == generic, parts
            assert n == 1200
        only = _fast_csv(db, decks=['d"q,2'], parts=2)[0]
        assert only == "".join(review_csv_line(r) for r in store.iter_reviews(db, decks=['d"q,2']))
        assert 0 < only.count("\n") < generic.count("\n")
    assert '"cut",' in generic  # the text stops at the NUL, the closing quote stays
    assert '"""d""q,2"""' not in generic
    assert '"d""q,2",' in generic


def test_a_failing_worker_is_reported_with_its_reason(db_file: Path) -> None:
    write_history(db_file, random_history(5, 50))
    good = csv_worker.Part("SELECT 'x' || char(10) FROM reviews", ())
    bad = csv_worker.Part("SELECT no_such_column FROM reviews", ())
    out = io.BytesIO()
    with pytest.raises(csv_worker.WorkerError, match="no_such_column"):
        csv_worker.write_parts(db_file, 1000, [good, bad], out)
    assert csv_worker.write_parts(db_file, 1000, [good, good], out) == 100


def test_without_a_worker_process_the_parts_are_formatted_here(filled, monkeypatch) -> None:
    path, _history = filled
    monkeypatch.setattr(store, "PARALLEL_MIN_ROWS", 200)
    with open_database(str(path), create=False) as db:
        generic = "".join(review_csv_line(r) for r in store.iter_reviews(db))
        # No interpreter to start (an embedded or sandboxed Python): same text, one process.
        monkeypatch.setattr(csv_worker.sys, "executable", str(path.parent / "no-python"))
        text, n, counts = _fast_csv(db, parts=3)
    assert text == generic
    assert n == sum(counts) == 1500


def test_a_failing_output_passes_through_and_stops_the_worker(db_file: Path, monkeypatch) -> None:
    write_history(db_file, random_history(20, 3000))
    monkeypatch.setattr(store, "PARALLEL_MIN_ROWS", 500)
    started: list[csv_worker._Worker] = []
    real = csv_worker._Worker

    def spy(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(csv_worker, "_Worker", spy)

    class Closed(io.BytesIO):
        # Takes the header, then the reader leaves (as `export reviews | head -0` would).
        def write(self, data: bytes) -> int:
            if self.tell():
                raise BrokenPipeError("the reader left")
            return super().write(data)

    with open_database(str(db_file), create=False) as db, pytest.raises(BrokenPipeError):
        store.write_reviews_csv(db, Closed(), header=b"h\n", parts=2)
    assert len(started) == 1
    assert started[0]._process.poll() is not None  # killed or finished, not left running


def test_csv_cells_quote_text_and_keep_null_apart_from_empty() -> None:
    line = csv_line(["a", 'say "hi", then\nleave', "", None, True, False, 3, 0.1])
    assert line == '"a","say ""hi"", then\nleave","",,true,false,3,0.1\n'
    assert next(csv.reader(io.StringIO(line, newline=""))) == [
        "a",
        'say "hi", then\nleave',
        "",
        "",
        "true",
        "false",
        "3",
        "0.1",
    ]
    assert csv_seconds(1.0005) == "1.001"
    assert csv_seconds(20.0) == "20.000"
    assert csv_seconds(None) is None


def test_naive_since_is_refused(filled) -> None:
    path, _ = filled
    with open_database(str(path), create=False) as db, pytest.raises(ValueError, match="aware"):
        list(store.iter_reviews(db, since=NOW.replace(tzinfo=None)))
