"""The live "read as" line under the drill's answer while the learner types (``TerminalUI``).

Why: a notation surprise (``sin x^2``, ``1/2x``, ``sinx``) should cost nothing, so the learner
sees how the text is read *before* Enter grades it. Reading needs sympy, which the drill's main
process never imports: each preview is a request to the problem worker
(``DrillSession.preview`` → ``WorkerProblems.preview``, ungraded, capped), made

* after a pause in typing (:data:`PAUSE_SECONDS` after the last keystroke), so a typist sends
  one request per pause, not one per key;
* in a daemon thread, so typing never waits for the worker, and the line is redrawn when the
  reply arrives (``Application.invalidate``);
* one at a time: a request waits for the one in flight, so requests never queue up in front
  of the verdict's check;
* only while the answer prompt is open: a reply that arrives after Enter, or for a text that
  has changed since, is dropped. A preview still in flight at Enter holds the worker until it
  ends — it is bounded by its own cap — and then the verdict's check runs.

The line sits directly under the input (a window added to the prompt's layout, below which the
input no longer stretches) and is hidden when the prompt is done, so nothing is left on the
screen after Enter.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.formatted_text import StyleAndTextTuples

    from mathdrill.answers.verdict import Preview

#: Seconds after the last keystroke before the text is previewed.
PAUSE_SECONDS = 0.15
#: Rows the line may wrap to (a long reading); the verdict after Enter shows it whole.
MAX_ROWS = 3
#: Prompt commands (``run_loop`` handles them before any reading): no line for them.
COMMANDS = frozenset({"?", "!", "s", "q", "quit", "exit", "help", "h"})
QUIET = "fg:ansibrightblack"


def line_for(preview: Preview) -> StyleAndTextTuples:
    """The line for a preview: the reading, a quiet hint for unreadable text, or nothing.

    Args:
        preview: The worker's preview.

    Returns:
        prompt_toolkit formatted text (empty: no line).
    """
    if preview.status == "read" and preview.read_as:
        line: StyleAndTextTuples = [(QUIET, "read as: "), ("", preview.read_as)]
        if preview.notes:
            line.append((QUIET, f"  ({preview.notes[0]})"))
        return line
    if preview.status == "unreadable" and preview.error:
        return [(QUIET, f"not readable: {preview.error}")]
    if preview.status == "unknown" and preview.error:
        return [(QUIET, f"({preview.error})")]
    return []


class LivePreview:
    """The state of the line, the pause before a request, and the request's thread.

    Args:
        preview: Reads a text for the problem on screen (``DrillSession.preview``); called in
            a background thread. Anything it raises is a quiet "cannot preview".
    """

    def __init__(self, preview: Callable[[str], Preview]) -> None:
        self._preview = preview
        self._lock = threading.Lock()
        self._active = False
        self._round = 0  # bumped by every open and close: a reply of an older round is dropped
        self._task: asyncio.Task[None] | None = None
        # The request in flight: one at a time, so requests never queue up in front of the
        # verdict's check (a worker still starting, a learner typing on).
        self._flight: asyncio.Future[Preview] | None = None
        self.line: StyleAndTextTuples = []

    # -- the prompt's life ----------------------------------------------------------------------

    def open(self) -> None:
        """The answer prompt opens: start from an empty line."""
        with self._lock:
            self._round += 1
            self._active = True
            self.line = []
            self._flight = None  # a future of the last prompt's event loop, now closed

    def close(self) -> None:
        """The answer prompt is done (Enter, Ctrl-C, Ctrl-D): drop the line and late replies."""
        with self._lock:
            self._round += 1
            self._active = False
            self.line = []
        self._cancel()

    def _cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()

    # -- typing ---------------------------------------------------------------------------------

    def text_changed(self, buffer: Buffer) -> None:
        """The input changed (called in the prompt's event loop): preview it after a pause."""
        from prompt_toolkit.application import get_app

        if not self._active:
            return
        self._cancel()
        text = buffer.text
        if not text.strip() or text.strip().lower() in COMMANDS:
            with self._lock:
                self.line = []
            get_app().invalidate()
            return
        app = get_app()
        self._task = app.create_background_task(self._after_pause(buffer, text))

    async def _after_pause(self, buffer: Buffer, text: str) -> None:
        from prompt_toolkit.application import get_app

        await asyncio.sleep(PAUSE_SECONDS)
        while self._flight is not None and not self._flight.done():
            await asyncio.wait({self._flight})  # cancelling this task leaves the flight alone
        with self._lock:
            round_ = self._round
        flight = self._flight = self._in_thread(text)
        preview = await asyncio.shield(flight)
        try:
            line = line_for(preview)
        except Exception:  # an exception here would stop the prompt with a message
            line = []
        with self._lock:
            if round_ != self._round or not self._active or buffer.text != text:
                return
            self.line = line
        get_app().invalidate()

    def _in_thread(self, text: str) -> asyncio.Future[Preview]:
        """Run the preview in a daemon thread (never joined: exiting never waits for it)."""
        from mathdrill.answers.verdict import CANNOT_PREVIEW, Preview

        loop = asyncio.get_running_loop()
        future: asyncio.Future[Preview] = loop.create_future()

        def settle(result: Preview) -> None:
            if not future.done():
                future.set_result(result)

        def work() -> None:
            try:
                result = self._preview(text)
            except Exception:  # a courtesy line must never print a traceback
                result = Preview("unknown", error=CANNOT_PREVIEW)
            with contextlib.suppress(RuntimeError):  # the prompt's loop is closed: dropped
                loop.call_soon_threadsafe(settle, result)

        threading.Thread(target=work, name="mathdrill-read-as", daemon=True).start()
        return future

    # -- the layout -----------------------------------------------------------------------------

    def attach(self, session: Any) -> bool:
        """Put the line directly under the input of a ``PromptSession``; follow its buffer.

        The prompt's input window stretches to the bottom of the terminal when it knows the
        rows below the cursor (that is where a ``bottom_toolbar`` goes); it is told not to, so
        the line stays under the answer.

        Args:
            session: The prompt session.

        Returns:
            False (and nothing changed) when the session's layout is not the one expected.
        """
        from prompt_toolkit.filters import Condition, is_done, to_filter
        from prompt_toolkit.layout import ConditionalContainer, HSplit, Window
        from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
        from prompt_toolkit.layout.dimension import Dimension

        root = session.layout.container
        inputs = {
            id(window): window
            for window in session.layout.walk()
            if isinstance(window, Window)
            and isinstance(window.content, BufferControl)
            and window.content.buffer is session.default_buffer
        }
        if not isinstance(root, HSplit) or len(inputs) != 1:
            return False
        (window,) = inputs.values()
        window.dont_extend_height = to_filter(True)
        shown = Window(
            FormattedTextControl(lambda: self.line),
            height=Dimension(min=1, max=MAX_ROWS),
            dont_extend_height=True,
            wrap_lines=True,
        )
        root.children.insert(1, ConditionalContainer(shown, ~is_done & Condition(self._shows)))
        session.default_buffer.on_text_changed += self.text_changed
        return True

    def _shows(self) -> bool:
        return self._active and bool(self.line)
