"""The registry of answer kinds, :data:`KINDS`, and :func:`judge`.

One kind per name of :data:`mathdrill.vocabulary.ANSWER_KINDS` (the list the deck format checks
against). :func:`judge` is pure and has no time cap; :class:`mathdrill.answers.worker.Judge` runs
it in a killable worker process under a cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from mathdrill.answers.answer_kind import UNDECIDED_REASON, AnswerKind, Expected
from mathdrill.answers.arrays import DirectionKind, MatrixKind, VectorKind
from mathdrill.answers.display import STYLES
from mathdrill.answers.eigenpairs import EigenpairsKind
from mathdrill.answers.intervals import IntervalKind
from mathdrill.answers.numeric import Outcome
from mathdrill.answers.scalars import ExpressionKind, NumberKind
from mathdrill.answers.sets import MultisetKind, SetKind
from mathdrill.answers.verdict import CANNOT_PREVIEW, AnswerSpec, Preview, Verdict
from mathdrill.answers.words import BooleanKind, ChoiceKind, ShapeKind
from mathdrill.errors import CheckTimeoutError, MathSyntaxError, UsageError
from mathdrill.mathlang.deadline import cpu_deadline

#: CPU seconds one preview may take (reading and rendering; nothing is compared). A preview
#: shares the drill's worker with the verdicts, so this bounds how long a verdict asked for
#: while a preview runs can wait for it (verdict after Enter, bench/README.md).
PREVIEW_CPU_SECONDS = 0.1

KINDS: Mapping[str, AnswerKind] = {
    kind.name: kind
    for kind in (
        NumberKind(),
        ExpressionKind(),
        VectorKind(),
        MatrixKind(),
        SetKind(),
        MultisetKind(),
        DirectionKind(),
        EigenpairsKind(),
        ChoiceKind(),
        BooleanKind(),
        ShapeKind(),
        IntervalKind(),
    )
}
"""Every answer kind by name, in the order of :data:`mathdrill.vocabulary.ANSWER_KINDS`."""


class _Read(TypedDict):
    """The fields of a verdict that say how the answer was read."""

    read_as: str
    read_as_plain: str
    notes: tuple[str, ...]


def get_kind(name: str) -> AnswerKind:
    """Return the kind called ``name``.

    Args:
        name: A kind name.

    Returns:
        The kind.

    Raises:
        UsageError: When no kind has that name.
    """
    try:
        return KINDS[name]
    except KeyError:
        raise UsageError(f"unknown answer kind {name!r}; known kinds: {', '.join(KINDS)}") from None


def judge(spec: AnswerSpec, text: str, *, explain: bool = True) -> Verdict:
    """Judge a learner's text against a spec. Pure, in-process, no time cap.

    Never raises because of the learner's text: unreadable text gives ``status="unreadable"``
    with the message and caret echo in ``error``; a comparison that fails unexpectedly gives
    ``status="undecided"``. Not for concurrent use from several threads of one process: mpmath's
    working precision is process-wide (``Judge`` runs each check in its own process).

    Authored mistakes are only *decided* (:meth:`AnswerKind.decide`): the first one equal to
    the answer is named, as :meth:`AnswerKind.compare` would find it.

    Args:
        spec: What the answer should be.
        text: The learner's answer as typed.
        explain: False when only the status and the mistake matter (``deck check``): the
            reference is then decided too, a wrong verdict's reason is a short one without a
            near miss, and ``read_as``/``read_as_plain`` are left empty. Status, mistake and
            feedback are the same.

    Returns:
        The verdict.

    Raises:
        UsageError: When ``spec.kind`` is not a known kind (an author/programming error).
    """
    kind = get_kind(spec.kind)
    if not isinstance(text, str) or not text.strip():
        return Verdict(
            "unreadable",
            "no answer given",
            error=f"type {kind.describe_form(spec)}",
        )
    try:
        reading = kind.read(spec, text)
        if explain:
            # Rendered here, so a value the printers cannot show is "could not read" as ever.
            base: _Read = {
                "read_as": reading.read_as,
                "read_as_plain": reading.read_as_plain,
                "notes": tuple(reading.notes),
            }
        else:
            base = {"read_as": "", "read_as_plain": "", "notes": tuple(reading.notes)}
    except MathSyntaxError as error:
        return Verdict("unreadable", error.message, error=error.describe())
    except RecursionError:
        return Verdict("unreadable", "too deeply nested to read", error="too deeply nested to read")
    except Exception:
        return Verdict(
            "unreadable", "could not read this answer", error="could not read this answer"
        )
    try:
        if explain:
            outcome = kind.compare(spec, spec.expected, reading)
        else:
            decided = kind.decide(spec, spec.expected, reading)
            outcome = Outcome(decided, _DECIDED_REASONS[decided])
    except Exception:
        outcome = Outcome(None, UNDECIDED_REASON)
    if outcome.equal is True:
        return Verdict("correct", outcome.reason, **base)
    if outcome.equal is None:
        return Verdict("undecided", outcome.reason, **base)
    for mistake in spec.mistakes:
        try:
            matched = kind.matches(spec, mistake.value, reading)
        except Exception:
            matched = False
        if matched:
            return Verdict(
                "wrong",
                outcome.reason,
                mistake=mistake.name,
                feedback=mistake.feedback,
                near_miss=outcome.near_miss,
                **base,
            )
    return Verdict("wrong", outcome.reason, near_miss=outcome.near_miss, **base)


def preview(spec: AnswerSpec, text: str, *, cpu_seconds: float = PREVIEW_CPU_SECONDS) -> Preview:
    """Say how ``text`` would be read for ``spec``, without judging it (the live "read as").

    The reading is the verdict's (:func:`judge` renders the same ``read_as``); nothing is
    compared, so a preview is cheap. Never raises because of the learner's text. The work is
    bounded by ``cpu_seconds`` of CPU time where a CPU deadline can be armed (the main thread
    of a worker); a preview over it is ``status="unknown"`` with :data:`CANNOT_PREVIEW`.

    Args:
        spec: What the answer should be (its kind, variables and options matter).
        text: The learner's text as typed so far.
        cpu_seconds: The CPU-time budget.

    Returns:
        The preview: ``empty`` for blank text, ``read`` with the renderings, ``unreadable`` with
        the message and its span, or ``unknown``.

    Raises:
        UsageError: When ``spec.kind`` is not a known kind.
    """
    kind = get_kind(spec.kind)
    if not isinstance(text, str) or not text.strip():
        return Preview()
    try:
        with cpu_deadline(cpu_seconds, _preview_over_budget):
            return _read_preview(kind, spec, text)
    except CheckTimeoutError:
        return Preview("unknown", error=CANNOT_PREVIEW)


def _preview_over_budget(seconds: float) -> CheckTimeoutError:
    return CheckTimeoutError(f"no preview within {seconds:g} s of CPU time")


def _read_preview(kind: AnswerKind, spec: AnswerSpec, text: str) -> Preview:
    """The body of :func:`preview`: read and render, every failure of the text a preview."""
    try:
        reading = kind.read(spec, text)
        return Preview(
            "read",
            read_as=reading.read_as,
            read_as_plain=reading.read_as_plain,
            notes=tuple(reading.notes),
        )
    except MathSyntaxError as error:
        return Preview("unreadable", error=error.message, start=error.start, end=error.end)
    except RecursionError:
        return Preview("unreadable", error="too deeply nested to read")
    except MemoryError:
        return Preview("unknown", error=CANNOT_PREVIEW)
    except Exception:
        return Preview("unreadable", error="could not read this answer")


_DECIDED_REASONS = {
    True: "equal to the reference",
    False: "not equal to the reference",
    None: UNDECIDED_REASON,
}


def canonical_answer(spec: AnswerSpec, value: Any = None) -> str:
    """Return the canonical text of the spec's reference (or of ``value``).

    Answers the kind judges equal get equal texts (:meth:`AnswerKind.canonical`); ``deck
    check`` counts a template's distinct answers with it.

    Args:
        spec: The spec.
        value: A value in the reference's form; default the reference.

    Returns:
        The text.

    Raises:
        UsageError: When ``spec.kind`` is not a known kind.
    """
    return get_kind(spec.kind).canonical(spec, spec.expected if value is None else value)


def parse_expected(
    kind: str, text: str, variables: Mapping[str, tuple[float, float]] | None = None
) -> Expected:
    """Read an author's reference text (e.g. ``mathdrill check --expected``) for ``kind``.

    Formulas are read with ``parse_author`` (the deck table: ``diff``, ``Matrix``, ``eigenvals`` …);
    shapes, booleans, intervals and choices with this layer's own readers.

    Args:
        kind: A kind name.
        text: The author's text.
        variables: Declared variables (names → intervals; only the names matter here).

    Returns:
        A value fit for ``AnswerSpec.expected``.

    Raises:
        UsageError: When the kind is unknown.
        MathSyntaxError: When the text cannot be read (with the caret echo).
        InputError: When the value does not fit the kind.
    """
    answer_kind = get_kind(kind)
    return answer_kind.parse_expected(text, dict(variables or {}))


def render_reference(spec: AnswerSpec, style: str = "unicode") -> str:
    """Render the spec's reference answer for the learner (solution, "the answer was …").

    Args:
        spec: The spec.
        style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

    Returns:
        The text.

    Raises:
        UsageError: When the kind or the style is unknown.
    """
    return render_reference_value(spec, spec.expected, style)


def render_reference_value(spec: AnswerSpec, value: Any, style: str = "unicode") -> str:
    """Render a reference-like value (the reference or a mistake's value) as the spec's kind.

    The same as :func:`render_reference` of the spec with ``expected=value``, without building
    that spec (a generated instance renders its reference and every mistake this way).

    Args:
        spec: The spec (its kind, and its options for ``choice``).
        value: The value, in the form ``spec.expected`` would hold it.
        style: ``unicode``, ``plain``, ``latex`` or ``pretty``.

    Returns:
        The text.

    Raises:
        UsageError: When the kind or the style is unknown.
    """
    if style not in STYLES:
        raise UsageError(f"unknown style {style!r}; known: {', '.join(STYLES)}")
    return get_kind(spec.kind).render(spec, value, style)
