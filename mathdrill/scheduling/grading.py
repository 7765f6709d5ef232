"""The SM-2 quality of a review, derived from what the learner did (docs/architecture.md).

The learner does not grade themselves (that stays available as an option in the drill); the
quality follows from the attempt:

=====  ==================================================================================
 q     when
=====  ==================================================================================
 5     correct on the first try, no hint, fast (``seconds ≤ FAST_FACTOR × expected``)
 4     correct on the first try, no hint, neither fast nor slow
 3     correct but slow (``seconds > SLOW_FACTOR × expected``), or with exactly one hint,
       or only on a later try (the first readable answer was wrong)
 2     correct with two or more hints, or correct only after the solution was shown;
       wrong but a recognised mistake or a near miss
 1     wrong
 0     gave up, or submitted nothing
=====  ==================================================================================

Pinned decisions, and why:

* ``FAST_FACTOR = 1.0``: a template's ``expected_seconds`` is "how long a fluent learner takes",
  so meeting it is fluency, the one thing that earns a 5.
* ``SLOW_FACTOR = 2.5``: typing mathematics has overhead (reading a matrix, entering brackets)
  that varies a lot between people and terminals; up to 2.5× the fluent time still looks like
  recall. Beyond that the learner was reconstructing the method, which is a 3.
* Two or more hints → 2, not 3: decks give at most a few hints and the second usually names the
  method outright, so the learner was led to the answer much as if the solution had been shown.
  A 2 is a fail, so the card restarts and comes back in the session (step 7), which is what a
  skill that needed that much help should do.
* A later try → 3: the first readable answer was wrong. Unreadable input that the learner
  retypes is not a try (answer kinds report it without penalty); the caller decides ``first_try``
  on that basis. A 3 also brings the card back in the session, since step 7 repeats below 4.
* Degradations do not stack below 3: slow *and* one hint is still a 3 — the answer was produced
  by the learner, which is what separates a pass from a fail.
* ``correct`` together with ``gave_up`` or ``blank`` is a contradiction in the caller and is
  refused. Giving up ends an attempt without a correct answer; a learner who then types the
  shown solution reports ``correct=True, solution_shown=True`` (→ 2), not ``gave_up``.
* For a wrong answer, ``gave_up``/``blank`` wins over a recognised mistake: the attempt ended
  with the learner saying they could not do it.
"""

from __future__ import annotations

import math

from mathdrill.errors import UsageError

#: Answers taking at most this multiple of ``expected_seconds`` are fast (eligible for a 5).
FAST_FACTOR = 1.0
#: Answers taking more than this multiple of ``expected_seconds`` are slow (at best a 3).
SLOW_FACTOR = 2.5
#: From this many hints on, a correct answer counts as led to the solution (a 2).
MANY_HINTS = 2

QUALITY_PERFECT = 5
QUALITY_CORRECT = 4
QUALITY_HESITANT = 3
QUALITY_ALMOST = 2
QUALITY_WRONG = 1
QUALITY_BLACKOUT = 0


def _check_flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"derive_quality: {name} must be True or False, got {value!r}.")
    return value


def _check_seconds(name: str, value: object, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UsageError(f"derive_quality: {name} must be a finite number, got {value!r}.")
    if value < 0 or (positive and value == 0):
        bound = "> 0" if positive else "≥ 0"
        raise UsageError(f"derive_quality: {name} must be {bound}, got {value!r}.")
    return float(value)


def derive_quality(
    *,
    correct: bool,
    first_try: bool,
    hints_used: int,
    solution_shown: bool,
    matched_mistake: bool,
    near_miss: bool,
    gave_up: bool,
    blank: bool,
    seconds: float,
    expected_seconds: float,
) -> int:
    """Return the SM-2 quality (0–5) of one attempt, following the table in the module docstring.

    Args:
        correct: The final answer was judged correct.
        first_try: The first readable answer was the correct one.
        hints_used: Hints revealed before the final answer (≥ 0).
        solution_shown: The worked solution was shown before the final answer.
        matched_mistake: The final (wrong) answer matched a listed mistake of the template.
        near_miss: The final (wrong) answer was close (e.g. a sign or rounding slip).
        gave_up: The learner ended the attempt without a correct answer.
        blank: Nothing was submitted.
        seconds: Time from showing the problem to the final answer (≥ 0).
        expected_seconds: The template's ``expected_seconds`` (> 0).

    Returns:
        The quality, an ``int`` from 0 to 5.

    Raises:
        UsageError: If an argument has the wrong type or range, or the flags contradict each
            other (``correct`` with ``gave_up`` or ``blank``).
    """
    flags = {
        "correct": correct,
        "first_try": first_try,
        "solution_shown": solution_shown,
        "matched_mistake": matched_mistake,
        "near_miss": near_miss,
        "gave_up": gave_up,
        "blank": blank,
    }
    for name, value in flags.items():
        _check_flag(name, value)
    if isinstance(hints_used, bool) or not isinstance(hints_used, int) or hints_used < 0:
        raise UsageError(
            f"derive_quality: hints_used must be a whole number ≥ 0, got {hints_used!r}."
        )
    seconds = _check_seconds("seconds", seconds, positive=False)
    expected_seconds = _check_seconds("expected_seconds", expected_seconds, positive=True)

    if not correct:
        if gave_up or blank:
            return QUALITY_BLACKOUT
        if matched_mistake or near_miss:
            return QUALITY_ALMOST
        return QUALITY_WRONG

    if gave_up or blank:
        raise UsageError(
            "derive_quality: an attempt cannot be both correct and given up or blank; "
            "report a correct answer typed after the solution as solution_shown=True."
        )
    if solution_shown or hints_used >= MANY_HINTS:
        return QUALITY_ALMOST
    slow = seconds > SLOW_FACTOR * expected_seconds
    if slow or hints_used == 1 or not first_try:
        return QUALITY_HESITANT
    if seconds <= FAST_FACTOR * expected_seconds:
        return QUALITY_PERFECT
    return QUALITY_CORRECT
