"""SM-2 (Woźniak, 1990) with the readings pinned in docs/architecture.md, "Scheduling".

The published algorithm, step by step, and how each ambiguous step is read here:

1. Every item starts with E-Factor ``EF = 2.5``.
2. Intervals: ``I(1) = 1``, ``I(2) = 6``, ``I(n) = I(n-1) × EF`` for ``n > 2``. The text rounds
   "up"; we take ``ceil`` of the exact product, using the EF the card had *before* this review
   (the published worked numbers do the same).
3. Each review is graded with a quality ``q`` in 0–5 (here derived by
   :mod:`mathdrill.scheduling.grading`, not self-reported).
4. After *every* graded review ``EF' = max(1.3, EF + 0.1 − (5−q)(0.08 + 0.02(5−q)))``. Failures
   (``q < 3``) lower EF too.
5. (The 1.3 floor is the ``max`` above.)
6. ``q < 3``: start the repetitions from the beginning "without changing the E-Factor". We read
   that as *not resetting EF to 2.5*; EF still takes the step-4 update. So ``n = 0`` and the next
   interval is 1 day.
7. Repeating items graded below 4 within the same session is the session's business
   (:mod:`mathdrill.scheduling.session`); those repeats never call :func:`review`.

EF only ever moves in steps of 0.01 (every term of the step-4 formula is a whole number of
hundredths), so it is kept as an exact integer number of hundredths and the interval's ``ceil``
is computed in integers. A naive float gives 421 instead of 420 for the sixth straight 5
(``140 × 3.0000000000000004``); this module gives 1, 6, 17, 48, 140, 420.

Invariants (tested with hypothesis in ``tests/scheduling/test_sm2.py``):

* ``EF ≥ 1.3`` and ``EF`` is a whole number of hundredths after any review.
* After any review ``interval ≥ 1``.
* A fail (``q < 3``) always gives ``repetitions = 0, interval = 1``.
* A pass from a state with ``repetitions ≥ 2`` strictly lengthens the interval
  (``ceil(I × EF) > I`` because ``EF ≥ 1.3`` and ``I ≥ 1``) until it reaches
  :data:`MAX_INTERVAL_DAYS`, where it stays; along any sequence of reviews from
  the initial state a pass never shortens the interval (``0 or 1 → 1``, ``1 → 6``, then growth).
  Only a hand-built state such as ``repetitions = 1, interval = 30`` can shrink on a pass
  (to 6), because step 2 fixes ``I(2) = 6``.

Lapses: the caller counts them with :func:`is_lapse` (a fail of a card that had been learned).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mathdrill.errors import InputError, UsageError
from mathdrill.vocabulary import MAX_INTERVAL_DAYS

#: EF of a card that has never been reviewed (SM-2 step 1).
INITIAL_EASINESS = 2.5
#: The EF floor of SM-2 step 5, in hundredths.
MIN_EASINESS_HUNDREDTHS = 130
#: The lowest quality that counts as a pass (SM-2 step 6).
PASS_QUALITY = 3
#: Qualities run from 0 (blackout) to 5 (perfect).
MAX_QUALITY = 5

# A float EF is accepted when it lies this close to a whole number of hundredths. Floats such as
# 2.6 are not exactly 2.6, but they are within ~1e-15 of it; anything further off was not
# produced by SM-2 and is refused rather than silently rounded.
_HUNDREDTH_TOLERANCE = 1e-6


def check_quality(quality: object) -> int:
    """Return ``quality`` if it is a valid SM-2 grade, else raise.

    Args:
        quality: The value to check.

    Returns:
        The quality, an ``int`` in 0–5.

    Raises:
        UsageError: If ``quality`` is not an ``int`` (``bool`` excluded) in 0–5.
    """
    if isinstance(quality, bool) or not isinstance(quality, int):
        raise UsageError(
            f"A review quality must be a whole number from 0 to 5, got {quality!r} "
            f"({type(quality).__name__})."
        )
    if not 0 <= quality <= MAX_QUALITY:
        raise UsageError(f"A review quality must be from 0 to 5, got {quality}.")
    return quality


def _to_hundredths(easiness: object, error: type[UsageError] | type[InputError]) -> int:
    """Convert an EF given as a number to an exact count of hundredths, validating it."""
    if isinstance(easiness, bool) or not isinstance(easiness, int | float):
        raise error(f"An easiness factor must be a number, got {easiness!r}.")
    if not math.isfinite(easiness):
        raise error(f"An easiness factor must be finite, got {easiness!r}.")
    scaled = easiness * 100
    hundredths = round(scaled)
    if abs(scaled - hundredths) > _HUNDREDTH_TOLERANCE:
        raise error(
            f"An easiness factor moves in steps of 0.01, got {easiness!r}; "
            "this state was not produced by SM-2."
        )
    if hundredths < MIN_EASINESS_HUNDREDTHS:
        raise error(f"An easiness factor is at least 1.3 in SM-2, got {easiness!r}.")
    return hundredths


def _check_count(name: str, value: object, error: type[UsageError] | type[InputError]) -> int:
    """Check that ``value`` is a non-negative ``int`` (``bool`` excluded)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise error(f"SM-2 {name} must be a whole number ≥ 0, got {value!r}.")
    return value


@dataclass(frozen=True)
class SM2State:
    """The SM-2 state of one card.

    ``easiness`` is stored as the float nearest to a whole number of hundredths; arithmetic uses
    :attr:`easiness_hundredths`, which is exact.

    Attributes:
        repetitions: ``n``, successful reviews in a row since the last fail (0 for a new card).
        easiness: The E-Factor, ≥ 1.3, a multiple of 0.01.
        interval: Days until the next review (0 for a card never reviewed).

    Raises:
        UsageError: If a field is out of range: negative counts, EF below 1.3 or not a multiple
            of 0.01, or ``repetitions ≥ 1`` with ``interval < 1`` (SM-2 never produces that).
    """

    repetitions: int = 0
    easiness: float = INITIAL_EASINESS
    interval: int = 0

    def __post_init__(self) -> None:
        _check_count("repetitions", self.repetitions, UsageError)
        _check_count("interval", self.interval, UsageError)
        hundredths = _to_hundredths(self.easiness, UsageError)
        if self.repetitions >= 1 and self.interval < 1:
            raise UsageError(
                f"An SM-2 card with {self.repetitions} repetition(s) must have an interval of at "
                f"least 1 day, got {self.interval}."
            )
        # Canonical float: 2.6 always compares equal to 2.6, however it was computed.
        object.__setattr__(self, "easiness", hundredths / 100)

    @property
    def easiness_hundredths(self) -> int:
        """The E-Factor as an exact whole number of hundredths (``2.5`` → ``250``)."""
        return round(self.easiness * 100)

    def to_dict(self) -> dict[str, Any]:
        """Return the state as a JSON-safe dictionary.

        Returns:
            ``{"repetitions": int, "easiness": float, "interval": int}``.
        """
        return {
            "repetitions": self.repetitions,
            "easiness": self.easiness,
            "interval": self.interval,
        }

    @classmethod
    def from_dict(cls, data: object) -> SM2State:
        """Build a state from :meth:`to_dict` output (e.g. read back from JSON).

        Args:
            data: A mapping with exactly the keys ``repetitions``, ``easiness``, ``interval``.

        Returns:
            The state.

        Raises:
            InputError: If ``data`` is not such a mapping or a value is out of range.
        """
        if not isinstance(data, dict):
            raise InputError(f"An SM-2 state must be a JSON object, got {type(data).__name__}.")
        expected = {"repetitions", "easiness", "interval"}
        if set(data) != expected:
            raise InputError(
                "An SM-2 state needs exactly the keys easiness, interval, repetitions; "
                f"got {', '.join(sorted(map(str, data))) or 'none'}."
            )
        repetitions = _check_count("repetitions", data["repetitions"], InputError)
        interval = _check_count("interval", data["interval"], InputError)
        hundredths = _to_hundredths(data["easiness"], InputError)
        try:
            return cls(repetitions, hundredths / 100, interval)
        except UsageError as exc:
            raise InputError(exc.message) from exc


def next_easiness_hundredths(easiness_hundredths: int, quality: int) -> int:
    """Apply SM-2 step 4 exactly, in hundredths.

    ``0.1 − (5−q)(0.08 + 0.02(5−q))`` is ``10 − (5−q)(8 + 2(5−q))`` hundredths: +10 for q=5,
    0 for 4, −14 for 3, −32 for 2, −54 for 1, −80 for 0.

    Args:
        easiness_hundredths: EF before the review, in hundredths.
        quality: The grade, 0–5.

    Returns:
        EF after the review, in hundredths, never below 130.

    Raises:
        UsageError: If ``quality`` is not an int in 0–5.
    """
    d = MAX_QUALITY - check_quality(quality)
    return max(MIN_EASINESS_HUNDREDTHS, easiness_hundredths + 10 - d * (8 + 2 * d))


def review(state: SM2State, quality: int) -> SM2State:
    """Return the state after one graded review (SM-2 steps 2, 4, 5, 6).

    Args:
        state: The card's state before the review.
        quality: The grade, an ``int`` in 0–5.

    Returns:
        The new state. On a pass (``q ≥ 3``) ``repetitions`` grows by one and the interval is 1,
        6, then ``ceil(previous interval × EF before this review)``, at most
        :data:`MAX_INTERVAL_DAYS`; on a fail
        ``repetitions = 0`` and ``interval = 1``. EF takes the step-4 update either way.

    Raises:
        UsageError: If ``quality`` is not an int in 0–5.
    """
    check_quality(quality)
    ef_before = state.easiness_hundredths
    ef_after = next_easiness_hundredths(ef_before, quality)
    if quality < PASS_QUALITY:
        return SM2State(repetitions=0, easiness=ef_after / 100, interval=1)
    repetitions = state.repetitions + 1
    if repetitions == 1:
        interval = 1
    elif repetitions == 2:
        interval = 6
    else:
        # ceil(I × EF/100) in integers: -(-a // b) is the ceiling of a / b for b > 0.
        interval = min(MAX_INTERVAL_DAYS, -(-state.interval * ef_before // 100))
    return SM2State(repetitions=repetitions, easiness=ef_after / 100, interval=interval)


def is_lapse(state_before: SM2State, quality: int) -> bool:
    """Tell whether a review is a lapse: a fail of a card that had been learned.

    "Learned" means at least one pass since the last fail (``repetitions ≥ 1``). A fail of a new
    card, or a second fail in a row, is not a lapse: the card was not known, so it was not
    forgotten.

    Args:
        state_before: The card's state before the review.
        quality: The grade, an ``int`` in 0–5.

    Returns:
        ``True`` when ``quality < 3`` and ``state_before.repetitions ≥ 1``.

    Raises:
        UsageError: If ``quality`` is not an int in 0–5.
    """
    return check_quality(quality) < PASS_QUALITY and state_before.repetitions >= 1
