"""The in-session repeat rule, SM-2 step 7 (docs/architecture.md, "Scheduling").

Within one session every card graded below 4 comes back later with a *fresh* instance until it
scores 4 or more. Pinned details:

* A card comes back after ``gap`` (default 3) other items, or at the end of the queue when
  fewer remain (immediately, when nothing else remains — the instance is fresh anyway).
* At most ``max_repeats`` (default 3) repeats per card per session, so a session with ``k``
  cards shows at most ``k × (1 + max_repeats)`` items and always ends.
* Repeats are marked ``kind="repeat"`` with their number (1, 2, 3). They are logged by the
  caller but never move the schedule; only the first showing (kind ``"learn"`` or
  ``"review"``) does. A first showing of kind ``"cram"`` never moves it either, but a cram
  card graded below 4 is still repeated: the point of step 7 is to leave the session knowing it.
* Everything is deterministic: the same inputs and grades give the same order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from mathdrill.errors import UsageError
from mathdrill.scheduling.sm2 import check_quality
from mathdrill.vocabulary import FIRST_KINDS, ReviewKind

#: Grades at or above this end the repeats of a card (SM-2 step 7).
REPEAT_BELOW = 4
#: Default number of other items shown before a failed card comes back.
DEFAULT_GAP = 3
#: Default cap on repeats of one card in one session.
DEFAULT_MAX_REPEATS = 3


@dataclass(frozen=True)
class QueueItem:
    """One showing of a card in a session.

    Attributes:
        card_id: The card (template) to draw a fresh instance of.
        kind: ``"learn"``, ``"review"`` or ``"cram"`` for the first showing, ``"repeat"`` after.
        repeat: 0 for the first showing, 1..max_repeats for repeats.
    """

    card_id: int
    kind: ReviewKind
    repeat: int = 0

    @property
    def is_repeat(self) -> bool:
        """Whether this showing is a step-7 repeat."""
        return self.kind == "repeat"


class SessionQueue:
    """The ordered queue of one drill session with the step-7 repeat rule.

    Use: ``item = q.next()``; show it; ``q.record(item.card_id, quality)``; repeat until
    ``next()`` returns ``None``. Each item handed out must be recorded before the next one.

    Args:
        items: ``(card_id, kind)`` pairs in showing order; ``kind`` is ``"learn"``, ``"review"``
            or ``"cram"``. A card may appear only once.
        gap: How many other items come between a failed card and its repeat (≥ 0).
        max_repeats: The most repeats a card gets in this session (≥ 0).

    Raises:
        UsageError: On a duplicate card, an unknown kind or a negative ``gap``/``max_repeats``.
    """

    def __init__(
        self,
        items: Iterable[tuple[int, ReviewKind]],
        *,
        gap: int = DEFAULT_GAP,
        max_repeats: int = DEFAULT_MAX_REPEATS,
    ) -> None:
        for name, value in (("gap", gap), ("max_repeats", max_repeats)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise UsageError(f"SessionQueue: {name} must be a whole number ≥ 0, got {value!r}.")
        self._gap = gap
        self._max_repeats = max_repeats
        self._pending: deque[QueueItem] = deque()
        self._repeats: dict[int, int] = {}
        for card_id, kind in items:
            if kind not in FIRST_KINDS:
                raise UsageError(
                    f"SessionQueue: card {card_id} has kind {kind!r}; a first showing is "
                    "'learn', 'review' or 'cram'."
                )
            if card_id in self._repeats:
                raise UsageError(f"SessionQueue: card {card_id} is listed twice in one session.")
            self._repeats[card_id] = 0
            self._pending.append(QueueItem(card_id=card_id, kind=kind))
        self._current: QueueItem | None = None
        self._shown = 0

    @property
    def remaining(self) -> int:
        """Items still waiting, not counting the one handed out and not yet recorded."""
        return len(self._pending)

    @property
    def shown(self) -> int:
        """Items handed out so far."""
        return self._shown

    @property
    def current(self) -> QueueItem | None:
        """The item handed out and not yet recorded, if any."""
        return self._current

    def next(self) -> QueueItem | None:
        """Hand out the next item.

        Returns:
            The next item, or ``None`` when the session is over.

        Raises:
            UsageError: If the previous item has not been recorded yet.
        """
        if self._current is not None:
            raise UsageError(
                f"SessionQueue: record the grade of card {self._current.card_id} before "
                "asking for the next item."
            )
        if not self._pending:
            return None
        self._current = self._pending.popleft()
        self._shown += 1
        return self._current

    def peek(self) -> QueueItem | None:
        """Return the item :meth:`next` would hand out now, without handing it out.

        A grade recorded before that call may still queue a repeat in front of it (when fewer
        than ``gap`` items remain), so this is a forecast, not a promise.

        Returns:
            The next waiting item, or ``None`` when none is waiting.
        """
        return self._pending[0] if self._pending else None

    def skip(self, card_id: int) -> None:
        """Drop the item last handed out without a grade: no repeat is queued for it.

        The drill's ``s`` command uses this: a skipped problem is not logged and does not
        come back in this session (it stays due for the next one).

        Args:
            card_id: The card of the item handed out by :meth:`next` (checked, to catch
                mix-ups).

        Raises:
            UsageError: If no item is outstanding or ``card_id`` is not that item's card.
        """
        self._take(card_id, "skip")

    def record(self, card_id: int, quality: int) -> QueueItem | None:
        """Record the grade of the item last handed out and queue a repeat if step 7 asks.

        Args:
            card_id: The card of the item handed out by :meth:`next` (checked, to catch
                mix-ups).
            quality: Its grade, 0–5.

        Returns:
            The repeat that was queued, or ``None`` (grade ≥ 4, or no repeats left).

        Raises:
            UsageError: If no item is outstanding, ``card_id`` is not that item's card, or the
                quality is not an int in 0–5.
        """
        check_quality(quality)
        self._take(card_id, "record")
        if quality >= REPEAT_BELOW or self._repeats[card_id] >= self._max_repeats:
            return None
        self._repeats[card_id] += 1
        repeat = QueueItem(card_id=card_id, kind="repeat", repeat=self._repeats[card_id])
        # deque.insert clamps an index past the end to the end: "at the end if fewer remain".
        self._pending.insert(min(self._gap, len(self._pending)), repeat)
        return repeat

    def _take(self, card_id: int, verb: str) -> QueueItem:
        """Close the item handed out by :meth:`next`, checking it is ``card_id``'s."""
        current = self._current
        if current is None:
            raise UsageError(f"SessionQueue: there is no item to {verb}; call next() first.")
        if current.card_id != card_id:
            raise UsageError(
                f"SessionQueue: the item shown was card {current.card_id}, not card {card_id}."
            )
        self._current = None
        return current
