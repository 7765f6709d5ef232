"""FSRS in mathdrill: the quality→rating mapping, the fold, the dispatch and the calibration.

The golden tests drive the ``fsrs`` package's own ``Scheduler`` by hand (ratings and study days
written out here) and compare with mathdrill's fold, so they check mathdrill's mapping and
choices (which entries, which instants), not FSRS's numbers.
"""

from __future__ import annotations

import math
import random
import sys
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import fsrs
import pytest

from mathdrill.errors import UsageError
from mathdrill.scheduling import fsrs_scheduler
from mathdrill.scheduling.calibration import calibrate, score, sm2_recall
from mathdrill.scheduling.fsrs_scheduler import RATING_OF_QUALITY, LogEntry, fold
from mathdrill.scheduling.queue import CardInfo, SchedulingSettings, next_due, schedule_after
from mathdrill.scheduling.schedulers import check_scheduler, schedule
from mathdrill.scheduling.sm2 import SM2State, review

BERLIN = ZoneInfo("Europe/Berlin")
SETTINGS = SchedulingSettings(tz=BERLIN, rollover_hour=4)


def plain_scheduler(parameters=None) -> fsrs.Scheduler:
    kwargs = {} if parameters is None else {"parameters": parameters}
    return fsrs.Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False, **kwargs)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def test_quality_to_rating_is_the_documented_table() -> None:
    again, hard, good, easy = (
        fsrs.Rating.Again,
        fsrs.Rating.Hard,
        fsrs.Rating.Good,
        fsrs.Rating.Easy,
    )
    expected = {0: again, 1: again, 2: again, 3: hard, 4: good, 5: easy}
    assert {q: fsrs.Rating(r) for q, r in RATING_OF_QUALITY.items()} == expected
    for quality, rating in expected.items():
        assert fsrs_scheduler.rating_of(quality) == int(rating)
    for bad in (-1, 6, True, 2.0):
        with pytest.raises(UsageError):
            fsrs_scheduler.rating_of(bad)  # type: ignore[arg-type]


def test_fold_matches_the_fsrs_scheduler_driven_by_hand() -> None:
    log = [
        LogEntry(datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN), "learn", 4),
        LogEntry(datetime(2026, 3, 2, 10, 5, tzinfo=BERLIN), "repeat", 1),  # left out
        # 01:30 on 5 March is still the study day of 4 March.
        LogEntry(datetime(2026, 3, 5, 1, 30, tzinfo=BERLIN), "review", 3),
        LogEntry(datetime(2026, 3, 6, 18, 0, tzinfo=BERLIN), "cram", 0),  # left out
        LogEntry(datetime(2026, 3, 12, 9, 0, tzinfo=BERLIN), "review", 2),
        LogEntry(datetime(2026, 3, 12, 9, 1, tzinfo=BERLIN), "review", None),  # no grade
        # Across the spring-forward night of 29 March: still whole study days.
        LogEntry(datetime(2026, 3, 30, 8, 0, tzinfo=BERLIN), "review", 5),
    ]
    scheduler = plain_scheduler()
    card = fsrs.Card(card_id=0)
    for rating, day in [
        (fsrs.Rating.Good, date(2026, 3, 2)),
        (fsrs.Rating.Hard, date(2026, 3, 4)),
        (fsrs.Rating.Again, date(2026, 3, 12)),
        (fsrs.Rating.Easy, date(2026, 3, 30)),
    ]:
        card, _ = scheduler.review_card(card, rating, review_datetime=midnight(day))
    folded = fold(reversed(log), SETTINGS)  # any order: the fold sorts by time
    assert folded is not None
    assert (folded.stability, folded.difficulty) == (card.stability, card.difficulty)
    assert (folded.due, folded.last_review) == (card.due, card.last_review)
    assert fsrs_scheduler.interval_days(folded) == (card.due - card.last_review).days


def test_fold_of_a_log_without_graded_answers_is_none() -> None:
    at = datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN)
    assert fold([LogEntry(at, "repeat", 4), LogEntry(at, "cram", 5)], SETTINGS) is None


def test_fold_uses_the_parameters_given() -> None:
    params = list(fsrs_scheduler.default_parameters())
    params[2] = 5.0  # the initial stability of Good
    at = datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN)
    expected, _ = plain_scheduler(params).review_card(
        fsrs.Card(card_id=0), fsrs.Rating.Good, review_datetime=midnight(date(2026, 3, 2))
    )
    folded = fold([LogEntry(at, "learn", 4)], SETTINGS, params)
    assert folded is not None
    assert folded.stability == expected.stability == 5.0


def test_fsrs_scheduler_moves_sm2_columns_as_sm2_and_due_as_fsrs() -> None:
    first = datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN)
    now = datetime(2026, 3, 4, 20, 0, tzinfo=BERLIN)
    after_first = schedule_after(CardInfo(1, "d", "t"), 4, first, "learn", SETTINGS)
    card = CardInfo(
        1,
        "d",
        "t",
        repetitions=after_first.repetitions,
        easiness=after_first.easiness,
        interval=after_first.interval,
        due=after_first.due,
        last_review=first,
    )
    history = [LogEntry(first, "learn", 4), LogEntry(first, "repeat", 2)]
    update = schedule("fsrs", card, 5, now, "review", SETTINGS, history=lambda: history)
    sm2 = schedule_after(card, 5, now, "review", SETTINGS)
    assert (update.repetitions, update.easiness, update.lapses, update.leech) == (
        sm2.repetitions,
        sm2.easiness,
        sm2.lapses,
        sm2.leech,
    )
    scheduler = plain_scheduler()
    expected, _ = scheduler.review_card(
        fsrs.Card(card_id=0), fsrs.Rating.Good, review_datetime=midnight(date(2026, 3, 2))
    )
    expected, _ = scheduler.review_card(
        expected, fsrs.Rating.Easy, review_datetime=midnight(date(2026, 3, 4))
    )
    days = (expected.due - expected.last_review).days
    assert update.interval == days != sm2.interval
    assert update.due == next_due(now, days, 4, BERLIN)
    assert update.last_review == now
    assert update.moved


def test_repeat_and_cram_move_nothing_under_fsrs_either() -> None:
    at = datetime(2026, 3, 4, 20, 0, tzinfo=BERLIN)
    card = CardInfo(1, "d", "t", repetitions=1, interval=1, due=at, last_review=at)

    def history() -> list[LogEntry]:
        raise AssertionError("a repeat reads no log")

    for kind in ("repeat", "cram"):
        update = schedule("fsrs", card, 5, at, kind, SETTINGS, history=history)
        assert update == schedule_after(card, 5, at, kind, SETTINGS)


def test_unknown_scheduler_is_refused_with_the_choices() -> None:
    with pytest.raises(UsageError, match="sm2 or fsrs"):
        check_scheduler("graph")
    assert check_scheduler("fsrs") == "fsrs"


# -- calibration ------------------------------------------------------------------------------


def test_score_by_the_written_definitions() -> None:
    pairs = [(0.9, True), (0.9, False), (0.5, True)]
    result = score("x", pairs)
    assert result.predictions == 3
    assert result.log_loss == pytest.approx(-(math.log(0.9) + math.log(0.1) + math.log(0.5)) / 3)
    # Bins: 0.9 → [0.9, 0.95): 2 predictions, mean 0.9, half recalled; 0.5 → mean 0.5, all.
    assert result.rmse_bins == pytest.approx(math.sqrt((2 * 0.4**2 + 1 * 0.5**2) / 3))
    assert score("x", []).log_loss is None
    assert score("x", [(1.0, False)]).log_loss == pytest.approx(-math.log(1e-4))


def _sm2_truth_logs(rng: random.Random, cards: int, answers: int) -> list[list[LogEntry]]:
    """Logs whose recalls are drawn with the SM-2 stand-in's own probability."""
    logs = []
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for _ in range(cards):
        at, state, log = start, SM2State(), [LogEntry(start, "learn", 4)]
        state = review(state, 4)
        for _ in range(answers):
            elapsed = rng.randint(1, 3 * state.interval)
            at += timedelta(days=elapsed)
            recalled = rng.random() < sm2_recall(state.interval, elapsed)
            quality = 4 if recalled else 1
            log.append(LogEntry(at, "review", quality))
            state = review(state, quality)
        logs.append(log)
    return logs


def _fsrs_truth_logs(rng: random.Random, cards: int, answers: int) -> list[list[LogEntry]]:
    """Logs whose recalls are drawn with FSRS's own retrievability (default parameters)."""
    scheduler = plain_scheduler()
    logs = []
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for _ in range(cards):
        at = start
        card, _ = scheduler.review_card(
            fsrs.Card(card_id=0), fsrs.Rating.Good, review_datetime=midnight(at.date())
        )
        log = [LogEntry(at, "learn", 4)]
        for _ in range(answers):
            at += timedelta(days=rng.randint(1, 3 * max(1, round(card.stability))))
            when = midnight(at.date())
            recalled = rng.random() < scheduler.get_card_retrievability(card, when)
            rating = fsrs.Rating.Good if recalled else fsrs.Rating.Again
            log.append(LogEntry(at, "review", 4 if recalled else 1))
            card, _ = scheduler.review_card(card, rating, review_datetime=when)
        logs.append(log)
    return logs


def test_calibration_prefers_the_predictor_the_log_was_drawn_from() -> None:
    utc = SchedulingSettings()
    by_sm2 = {c.scheduler: c for c in calibrate(_sm2_truth_logs(random.Random(1), 60, 12), utc)}
    by_fsrs = {c.scheduler: c for c in calibrate(_fsrs_truth_logs(random.Random(2), 60, 12), utc)}
    assert by_sm2["sm2"].predictions == by_sm2["fsrs"].predictions == 60 * 12
    assert by_sm2["sm2"].log_loss < by_sm2["fsrs"].log_loss
    assert by_sm2["sm2"].rmse_bins < by_sm2["fsrs"].rmse_bins
    assert by_fsrs["fsrs"].log_loss < by_fsrs["sm2"].log_loss
    assert by_fsrs["fsrs"].rmse_bins < by_fsrs["sm2"].rmse_bins
    assert "fsrs-fitted" not in by_sm2


def test_calibration_predicts_only_reviews_after_a_first_answer() -> None:
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    log = [
        LogEntry(at, "review", 4),  # no earlier answer: nothing to predict from
        LogEntry(at + timedelta(days=1), "review", 4),
        LogEntry(at + timedelta(days=1, hours=1), "repeat", 1),
        LogEntry(at + timedelta(days=2), "cram", 1),
        LogEntry(at + timedelta(days=7), "learn", 1),  # a learn answer is not predicted
        LogEntry(at + timedelta(days=9), "review", 1),
    ]
    sm2, fsrs_row = calibrate([log], SchedulingSettings())
    assert sm2.predictions == fsrs_row.predictions == 2
    # Interval 1 after the first pass, one day later: 0.9, recalled. The fail on day 7 sets the
    # interval to 1, two days later: 0.9², forgotten.
    assert sm2.log_loss == pytest.approx(-(math.log(0.9) + math.log(1 - 0.9**2)) / 2)


# -- fitting ----------------------------------------------------------------------------------


def test_fitting_needs_the_optimizer_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "fsrs_rs_python", None)
    with pytest.raises(UsageError, match=r"mathdrill\[fsrs-optimizer\]"):
        fsrs_scheduler.fit_parameters([[(3, 0), (3, 2)]])


def test_training_histories_count_study_days() -> None:
    log = [
        LogEntry(datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN), "learn", 4),
        LogEntry(datetime(2026, 3, 5, 1, 30, tzinfo=BERLIN), "review", 1),
        LogEntry(datetime(2026, 3, 5, 1, 40, tzinfo=BERLIN), "repeat", 4),
        LogEntry(datetime(2026, 3, 9, 12, 0, tzinfo=BERLIN), "review", 5),
    ]
    assert fsrs_scheduler.training_histories([log, []], SETTINGS) == [[(3, 0), (1, 2), (4, 5)]]


def test_fitted_parameters_move_away_from_the_defaults() -> None:
    logs = _fsrs_truth_logs(random.Random(3), 50, 10)
    histories = fsrs_scheduler.training_histories(logs, SchedulingSettings())
    fitted = fsrs_scheduler.fit_parameters(histories)
    assert len(fitted) == fsrs_scheduler.PARAMETER_COUNT
    assert fitted != fsrs_scheduler.default_parameters()
    assert fsrs_scheduler.check_parameters(list(fitted)) == fitted
