"""How well each scheduler would have predicted a learner's recalls, by replaying the log (pure).

Each card's log is replayed in time order (learn/review answers with a quality, as the folds
read them: :data:`~mathdrill.scheduling.fsrs_scheduler.FOLDED_KINDS`). Before every
``review``-kind answer of a card that has been answered before, each predictor gives the
probability that the learner recalls it; the outcome is *recalled* when ``quality ≥ 3`` (a pass
in SM-2, not Again in FSRS). Then the answer is applied to every predictor's state.

Predictors:

* ``sm2`` — SM-2 states no probability. Its stand-in, an assumption: SM-2's interval ``I`` is
  read as the point where recall has fallen to 90 %, on an exponential forgetting curve, so
  after ``t`` study days ``R = 0.9^(t / I)``, with ``I`` the SM-2 interval the replay holds.
* ``fsrs`` — FSRS's retrievability at the answer's study day, with the default parameters;
  ``fsrs-fitted`` the same with the learner's fitted parameters, when there are some (fitted
  on this same log: an in-sample figure, flattering to it).

The graph scheduler (``scheduling/graph.py``) is SM-2 plus credits along ``requires``; the log
holds no credits yet, so replaying it would give ``sm2``'s figures: it is left out.

Figures per predictor (:class:`Calibration`):

* ``log_loss`` — mean of ``−(y ln p + (1 − y) ln(1 − p))``, ``y`` 1 for recalled, with ``p``
  clipped to ``[CLIP, 1 − CLIP]`` so one certain miss cannot make it infinite.
* ``rmse_bins`` — predictions put in :data:`BINS` equal bins of ``p`` (``[0, 0.05)``, …,
  ``[0.95, 1]``); in each bin the mean prediction is compared with the share recalled, and the
  root of the count-weighted mean squared difference is reported:
  ``sqrt(Σ n_b (p̄_b − ȳ_b)² / Σ n_b)``. 0 is perfect calibration. (The open srs-benchmark
  reports an RMSE over bins too, but bins reviews by their history, not by prediction.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from mathdrill.scheduling import fsrs_scheduler
from mathdrill.scheduling.fsrs_scheduler import LogEntry
from mathdrill.scheduling.queue import SchedulingSettings, study_day
from mathdrill.scheduling.sm2 import PASS_QUALITY, SM2State, review

if TYPE_CHECKING:
    import fsrs

#: Equal-width bins of predicted probability for ``rmse_bins``.
BINS = 20
#: Predictions are clipped to ``[CLIP, 1 − CLIP]`` for the log loss.
CLIP = 1e-4
#: The recall probability SM-2's interval is read as (the stand-in's assumption).
SM2_INTERVAL_RECALL = 0.9


@dataclass(frozen=True)
class Calibration:
    """One predictor's figures over the replayed log.

    Attributes:
        scheduler: ``sm2``, ``fsrs`` or ``fsrs-fitted``.
        predictions: How many review answers it predicted.
        log_loss: Mean log loss (None without predictions).
        rmse_bins: RMSE over bins of prediction (None without predictions).
    """

    scheduler: str
    predictions: int
    log_loss: float | None
    rmse_bins: float | None


def sm2_recall(interval: int, elapsed_days: int) -> float:
    """Return the SM-2 stand-in's recall probability ``0.9^(elapsed / interval)``."""
    return SM2_INTERVAL_RECALL ** (max(0, elapsed_days) / max(1, interval))


def score(scheduler: str, pairs: Sequence[tuple[float, bool]]) -> Calibration:
    """Return log loss and RMSE over bins of ``(prediction, recalled)`` pairs."""
    if not pairs:
        return Calibration(scheduler, 0, None, None)
    loss = 0.0
    sums: dict[int, list[float]] = {}
    for p, recalled in pairs:
        q = min(1 - CLIP, max(CLIP, p))
        loss -= math.log(q) if recalled else math.log(1 - q)
        cell = sums.setdefault(min(BINS - 1, int(p * BINS)), [0.0, 0.0, 0.0])
        cell[0] += 1
        cell[1] += p
        cell[2] += float(recalled)
    squares = sum((s_p - s_y) ** 2 / n for n, s_p, s_y in sums.values())
    return Calibration(scheduler, len(pairs), loss / len(pairs), math.sqrt(squares / len(pairs)))


def calibrate(
    logs: Iterable[Sequence[LogEntry]],
    settings: SchedulingSettings,
    fitted: Sequence[float] | None = None,
) -> list[Calibration]:
    """Replay every card's log and score each predictor (see the module docstring).

    Args:
        logs: One sequence of entries per card.
        settings: Time zone and rollover hour (study days).
        fitted: The learner's fitted FSRS parameters, or None.

    Returns:
        ``sm2``, ``fsrs`` and, with ``fitted``, ``fsrs-fitted``, in that order.
    """
    fsrs_names = {"fsrs": fsrs_scheduler.make_scheduler()}
    if fitted is not None:
        fsrs_names["fsrs-fitted"] = fsrs_scheduler.make_scheduler(fitted)
    pairs: dict[str, list[tuple[float, bool]]] = {"sm2": [], **{n: [] for n in fsrs_names}}
    for log in logs:
        _replay(fsrs_scheduler.graded(log), settings, fsrs_names, pairs)
    return [score(name, found) for name, found in pairs.items()]


def _replay(
    entries: Sequence[LogEntry],
    settings: SchedulingSettings,
    schedulers: Mapping[str, fsrs.Scheduler],
    pairs: dict[str, list[tuple[float, bool]]],
) -> None:
    sm2 = SM2State()
    cards: dict[str, fsrs.Card | None] = dict.fromkeys(schedulers)
    last: date | None = None
    for entry in entries:
        quality = entry.quality
        assert quality is not None  # graded() keeps only those
        day = study_day(entry.reviewed_at, settings.rollover_hour, settings.tz)
        if entry.kind == "review" and last is not None:
            recalled = quality >= PASS_QUALITY
            pairs["sm2"].append((sm2_recall(sm2.interval, (day - last).days), recalled))
            for name, scheduler in schedulers.items():
                card = cards[name]
                assert card is not None  # answered before
                p = fsrs_scheduler.retrievability(scheduler, card, day)
                pairs[name].append((p, recalled))
        sm2 = review(sm2, quality)
        for name, scheduler in schedulers.items():
            cards[name] = fsrs_scheduler.step(scheduler, cards[name], quality, day)
        last = day
