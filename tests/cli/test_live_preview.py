"""The live "read as" line's machinery in a real prompt_toolkit prompt fed through a pipe."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from mathdrill.answers.verdict import CANNOT_PREVIEW, Preview
from mathdrill.cli.live_preview import QUIET, LivePreview, line_for

#: Polls of the line before giving up (each 0.05 s): a bound, not a timing assertion.
POLLS = 200


def _text(line: list[tuple[str, str]]) -> str:
    return "".join(text for _style, text in line)


def run_prompt(
    preview: Callable[[str], Preview], typing: Callable[[LivePreview, object], Awaitable[None]]
) -> tuple[str, LivePreview]:
    """Run one answer prompt with the line attached while ``typing`` types into it."""
    live = LivePreview(preview)
    with create_pipe_input() as pipe:
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        assert live.attach(session)

        async def main() -> str:
            live.open()
            try:
                task = asyncio.ensure_future(typing(live, pipe))
                answer = await session.prompt_async("› ")
                await task
                return answer
            finally:
                live.close()

        return asyncio.run(main()), live


async def until(seen: Callable[[], bool]) -> None:
    for _ in range(POLLS):
        if seen():
            return
        await asyncio.sleep(0.05)
    pytest.fail("never happened")


def test_a_pause_in_typing_sends_one_request_and_draws_the_reading() -> None:
    asked: list[str] = []

    def preview(text: str) -> Preview:
        asked.append(text)
        return Preview("read", read_as=text.upper(), read_as_plain=text)

    async def typing(live: LivePreview, pipe) -> None:
        pipe.send_text("2x cos")  # one burst of keys: one request after the pause
        await until(lambda: bool(live.line))
        assert _text(live.line) == "read as: 2X COS"
        pipe.send_text("\r")

    answer, live = run_prompt(preview, typing)
    assert answer == "2x cos"
    assert asked == ["2x cos"]
    assert live.line == [], "the line is gone once the prompt is done"


def test_a_failing_preview_is_a_quiet_line_and_commands_get_none() -> None:
    def preview(text: str) -> Preview:
        raise RuntimeError("the worker is gone")

    async def typing(live: LivePreview, pipe) -> None:
        pipe.send_text("x")
        await until(lambda: bool(live.line))
        assert _text(live.line) == f"({CANNOT_PREVIEW})"
        pipe.send_text("\x15?")  # Ctrl-U, then the hint command: no line for it
        await until(lambda: not live.line)
        pipe.send_text("\r")

    answer, _ = run_prompt(preview, typing)
    assert answer == "?"


def test_a_reply_that_comes_after_enter_is_dropped() -> None:
    release = threading.Event()
    started = threading.Event()

    def preview(text: str) -> Preview:
        started.set()
        release.wait(30)
        return Preview("read", read_as="late", read_as_plain="late")

    async def typing(live: LivePreview, pipe) -> None:
        pipe.send_text("x")
        await until(started.is_set)
        pipe.send_text("\r")  # Enter while the preview is still in flight

    answer, live = run_prompt(preview, typing)
    assert answer == "x", "Enter does not wait for the preview"
    release.set()
    live.open()  # the next prompt opens: the late reply of the last one must not show
    for _ in range(10):
        assert live.line == []
        threading.Event().wait(0.02)


def test_one_request_at_a_time_however_the_learner_types_on() -> None:
    release = threading.Event()
    lock = threading.Lock()
    running: list[int] = []
    asked: list[str] = []

    def preview(text: str) -> Preview:
        with lock:
            running.append(1)
            concurrent = len(running)
            asked.append(text)
        release.wait(30)
        with lock:
            running.pop()
        assert concurrent == 1, "a second request while one is in flight"
        return Preview("read", read_as=text, read_as_plain=text)

    async def typing(live: LivePreview, pipe) -> None:
        pipe.send_text("1")
        await until(lambda: asked == ["1"])  # the first request hangs (a worker starting)
        for key in "234":  # pauses long enough to ask again, each time
            pipe.send_text(key)
            await asyncio.sleep(0.3)
        assert asked == ["1"], "the later texts wait for the one in flight"
        release.set()
        await until(lambda: _text(live.line) == "read as: 1234")
        pipe.send_text("\r")

    answer, _ = run_prompt(preview, typing)
    assert answer == "1234"
    assert asked == ["1", "1234"], "the waiting requests collapse into the latest text"


@pytest.mark.parametrize(
    ("preview", "shown"),
    [
        (Preview("read", read_as="sin(x²)", read_as_plain="sin(x**2)"), "read as: sin(x²)"),
        (
            Preview("read", read_as="x/2", read_as_plain="x/2", notes=("1/2x was read as …",)),
            "read as: x/2  (1/2x was read as …)",
        ),
        (Preview("unreadable", error="unknown name 'sinx'"), "not readable: unknown name 'sinx'"),
        (Preview("unknown", error=CANNOT_PREVIEW), f"({CANNOT_PREVIEW})"),
        (Preview(), ""),
    ],
)
def test_the_line_says_what_the_preview_says(preview: Preview, shown: str) -> None:
    line = line_for(preview)
    assert _text(line) == shown
    if line and preview.status != "read":
        assert all(style == QUIET for style, _ in line), "a hint is quiet"
