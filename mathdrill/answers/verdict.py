"""The plain data an answer check takes and gives: :class:`AnswerSpec` in, :class:`Verdict` out.

A :class:`Verdict` holds only strings and booleans, so it crosses process boundaries as JSON
(the capped :class:`~mathdrill.answers.worker.Judge` sends it that way) and is stored as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["correct", "wrong", "unreadable", "undecided"]
STATUSES: tuple[str, ...] = ("correct", "wrong", "unreadable", "undecided")

#: Sampling interval for a declared variable when the template gives none. Symmetric about 0 so
#: sign mistakes (|x| for x, x² for x·|x|) show; points where the reference is undefined (log x
#: for x < 0) are skipped, and enough points remain for the usual one-sided functions.
DEFAULT_INTERVAL: tuple[float, float] = (-2.0, 2.0)


@dataclass(frozen=True)
class Mistake:
    """A wrong answer worth a specific message (STACK/WeBWorK style).

    Attributes:
        name: Short identifier of the mistake, e.g. ``"dropped-inner-derivative"``.
        value: The wrong answer as a value of the kind (a sympy expression, matrix …).
        feedback: What to tell the learner when their answer matches ``value``.
    """

    name: str
    value: Any
    feedback: str


@dataclass(frozen=True)
class AnswerSpec:
    """Everything needed to judge one answer.

    Attributes:
        kind: Name of an answer kind in :data:`mathdrill.answers.KINDS`.
        expected: The reference: a sympy value, ``Sequence``, ``SetLiteral``, sympy ``Matrix``,
            ``bool``, shape tuple, or option text, depending on the kind.
        variables: Symbols the learner may use, each with the interval random test points are
            drawn from (default :data:`DEFAULT_INTERVAL`, i.e. (-2, 2)).
        rtol: Relative tolerance that replaces the kind's default comparison when set.
        atol: Absolute tolerance that replaces the kind's default comparison when set.
        up_to_constant: For ``expression``: accept answers that differ by a constant
            (antiderivatives).
        allow_imaginary: Let the learner use ``I`` and compare complex values.
        choices: For ``choice``: the option texts, answered by letter (a, b, …) or by text.
        mistakes: Authored wrong answers, tried in order when the answer is not correct.
    """

    kind: str
    expected: Any
    variables: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    rtol: float | None = None
    atol: float | None = None
    up_to_constant: bool = False
    allow_imaginary: bool = False
    choices: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The outcome of judging one answer; plain strings and booleans only.

    Attributes:
        status: ``"correct"``, ``"wrong"``, ``"unreadable"`` (could not be read: the learner may
            retype without penalty) or ``"undecided"`` (the checker could not decide, e.g. the
            time cap was hit).
        reason: The decision in words ("equal to the reference", "differs at x = 0.713").
        read_as: The answer as it was read, rendered in one line of unicode.
        read_as_plain: The same in plain ASCII that the parser reads back.
        mistake: Name of the authored mistake the answer matched, if any.
        feedback: That mistake's feedback.
        near_miss: A recognised near miss in words ("off by a sign", "off by a constant factor",
            "close but not within tolerance", "give at least 3 significant figures").
        error: For ``unreadable``: the message and the input echoed with a caret.
        notes: How ambiguous spellings were read ("1/2x read as (1/2)·x").
    """

    status: Status
    reason: str
    read_as: str | None = None
    read_as_plain: str | None = None
    mistake: str | None = None
    feedback: str | None = None
    near_miss: str | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def correct(self) -> bool:
        """Return True when the answer was judged correct."""
        return self.status == "correct"

    def to_dict(self) -> dict[str, Any]:
        """Return the verdict as JSON-safe data (strings, booleans, None and a list of strings).

        Returns:
            A dict with every field plus ``correct``; :meth:`from_dict` reads it back.
        """
        return {
            "status": self.status,
            "correct": self.correct,
            "reason": self.reason,
            "read_as": self.read_as,
            "read_as_plain": self.read_as_plain,
            "mistake": self.mistake,
            "feedback": self.feedback,
            "near_miss": self.near_miss,
            "error": self.error,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        """Build a verdict from :meth:`to_dict` output, checking every field's type.

        Args:
            data: A mapping as produced by :meth:`to_dict` (``correct`` is ignored: it is
                derived from ``status``).

        Returns:
            The verdict.

        Raises:
            ValueError: When a field is missing or has the wrong type.
        """
        status = data.get("status")
        if status not in STATUSES:
            raise ValueError(f"verdict status must be one of {', '.join(STATUSES)}, not {status!r}")
        reason = data.get("reason")
        if not isinstance(reason, str):
            raise ValueError("verdict reason must be a string")
        optional: dict[str, str | None] = {}
        for name in ("read_as", "read_as_plain", "mistake", "feedback", "near_miss", "error"):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"verdict field {name!r} must be a string or null")
            optional[name] = value
        notes = data.get("notes", [])
        if not isinstance(notes, list | tuple) or not all(isinstance(n, str) for n in notes):
            raise ValueError("verdict notes must be a list of strings")
        return cls(status=status, reason=reason, notes=tuple(notes), **optional)


PreviewStatus = Literal["empty", "read", "unreadable", "unknown"]
PREVIEW_STATUSES: tuple[str, ...] = ("empty", "read", "unreadable", "unknown")

#: What a preview says when it could not be made in time (or the worker failed): Enter still
#: checks the answer under the check's own cap.
CANNOT_PREVIEW = "cannot preview this answer — Enter checks it"


@dataclass(frozen=True)
class Preview:
    """How a learner's text is read, before it is graded (the drill's live "read as" line).

    The same reading as the verdict's (:attr:`Verdict.read_as`), without the comparison: a
    notation surprise shows while typing and costs nothing. Plain strings only, like
    :class:`Verdict`, so it crosses the worker boundary as JSON.

    Attributes:
        status: ``"empty"`` (blank text: nothing to show), ``"read"``, ``"unreadable"`` (the
            verdict would be unreadable too) or ``"unknown"`` (no preview: over its time cap,
            or the worker failed).
        read_as: For ``read``: one-line unicode rendering, as the verdict shows it.
        read_as_plain: For ``read``: plain ASCII that the parser reads back.
        error: For ``unreadable`` and ``unknown``: the message in one line (no caret echo).
        start: For ``unreadable``: where the bad span starts in the text (0-based), if known.
        end: One past the bad span, if known.
        notes: How ambiguous spellings were read ("1/2x read as (1/2)·x").
    """

    status: PreviewStatus = "empty"
    read_as: str | None = None
    read_as_plain: str | None = None
    error: str | None = None
    start: int | None = None
    end: int | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the preview as JSON-safe data; :meth:`from_dict` reads it back."""
        return {
            "status": self.status,
            "read_as": self.read_as,
            "read_as_plain": self.read_as_plain,
            "error": self.error,
            "start": self.start,
            "end": self.end,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preview:
        """Build a preview from :meth:`to_dict` output, checking every field's type.

        Args:
            data: A mapping as produced by :meth:`to_dict`.

        Returns:
            The preview.

        Raises:
            ValueError: When a field is missing or has the wrong type.
        """
        status = data.get("status")
        if status not in PREVIEW_STATUSES:
            raise ValueError(f"preview status must be one of {PREVIEW_STATUSES}, not {status!r}")
        texts: dict[str, str | None] = {}
        for name in ("read_as", "read_as_plain", "error"):
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"preview field {name!r} must be a string or null")
            texts[name] = value
        span: dict[str, int | None] = {}
        for name in ("start", "end"):
            value = data.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"preview field {name!r} must be an integer or null")
            span[name] = value
        notes = data.get("notes", [])
        if not isinstance(notes, list | tuple) or not all(isinstance(n, str) for n in notes):
            raise ValueError("preview notes must be a list of strings")
        return cls(
            status=status,
            read_as=texts["read_as"],
            read_as_plain=texts["read_as_plain"],
            error=texts["error"],
            start=span["start"],
            end=span["end"],
            notes=tuple(notes),
        )
