"""The live "read as" line at 80×24, as a terminal shows it: a pty read by a terminal emulator.

The line appears under the answer while the learner types (no Enter), and is gone once the
verdict is on the screen.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pexpect
import pyte
import pytest

from tests.drill.drillkit import reviews
from tests.drill.test_read_as import calculus_args

pytestmark = pytest.mark.slow

PROMPT = "\x1b[?2004h"  # prompt_toolkit is reading a line (see test_drill_pty.py)
CHAIN = re.compile(r"Differentiate sin\((\d+)·x²\)")
#: Polls of the screen before giving up on a line (each waits up to 0.2 s for output).
POLLS = 150


class Terminal:
    """A drill of the calculus deck in an 80×24 pty whose output feeds a pyte screen."""

    def __init__(self, md_env: dict[str, str]) -> None:
        env = dict(md_env)
        env.pop("NO_COLOR", None)
        env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="80", LINES="24")
        self.screen = pyte.Screen(80, 24)
        self._stream = pyte.Stream(self.screen)
        argv = [sys.executable, "-m", "mathdrill", *calculus_args("--seed", "5")]
        self.child = pexpect.spawn(
            argv[0], argv[1:], env=env, encoding="utf-8", timeout=60, dimensions=(24, 80)
        )
        self.child.delaybeforesend = None
        self.child.logfile_read = self

    def write(self, text: str) -> None:
        """Feed what the drill wrote to the emulated screen (pexpect's logfile interface)."""
        self._stream.feed(text)

    def flush(self) -> None:
        """Nothing is buffered."""

    def rows(self) -> list[str]:
        """The emulated screen's rows, trailing blanks removed."""
        return [line.rstrip() for line in self.screen.display]

    def problem(self) -> int:
        """Wait for the problem and its prompt; return its ``a`` (the answer is 2a·x·cos(a·x²))."""
        self.child.expect(CHAIN)
        a = int(self.child.match[1])
        self.child.expect_exact(PROMPT)
        return a

    def until(self, seen: Callable[[list[str]], bool]) -> list[str]:
        """Read the drill's output until ``seen`` holds for the screen; return its rows."""
        for _ in range(POLLS):
            if seen(self.rows()):
                return self.rows()
            with contextlib.suppress(pexpect.TIMEOUT):
                self.child.expect(r"\A(?!)", timeout=0.2)  # never matches: just read output
        pytest.fail("the screen never showed it:\n" + "\n".join(self.rows()))

    def finish(self) -> None:
        """Empty the input, quit and wait for a clean exit."""
        self.child.send("\x15")
        self.child.sendline("q")
        self.child.expect_exact("Session over")
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus == 0


def under_input(rows: list[str], typed: str) -> str | None:
    """The row right under the input line ``› typed``, or None when that line is not shown."""
    for i, row in enumerate(rows[:-1]):
        if row == f"› {typed}":
            return rows[i + 1]
    return None


def test_the_reading_shows_under_the_answer_before_enter(md_env, home: Path) -> None:
    term = Terminal(md_env)
    a = term.problem()
    typed = f"{2 * a}x cos({a}x^2)"
    term.child.send(typed)
    rows = term.until(lambda rows: (under_input(rows, typed) or "").startswith("read as:"))
    assert under_input(rows, typed) == f"read as: {2 * a}·x·cos({a}·x²)"
    assert reviews(home) == [], "nothing is graded before Enter"
    term.child.send("\r")
    term.child.expect_exact("Enter: next")
    rows = term.until(lambda rows: any(row.startswith("✓ correct") for row in rows))
    # The verdict's own "read as" line follows the answer; the live one left nothing behind.
    assert under_input(rows, typed) == f"read as: {2 * a}·x·cos({a}·x²)"
    start = rows.index(f"› {typed}")
    assert rows[start + 2] == "✓ correct"
    assert sum(row.startswith("read as:") for row in rows) == 1
    term.finish()
    assert [r["correct"] for r in reviews(home)] == [1]


def test_unreadable_text_shows_a_quiet_hint_and_an_empty_input_no_line(md_env, home) -> None:
    term = Terminal(md_env)
    term.problem()
    term.child.send("sinx")
    rows = term.until(lambda rows: "not readable" in (under_input(rows, "sinx") or ""))
    hint = under_input(rows, "sinx") or ""
    assert hint.startswith("not readable: unknown name 'sinx'")
    term.child.send("\x15")  # Ctrl-U empties the input: the line goes
    rows = term.until(lambda rows: "›" in rows and not any("not readable" in r for r in rows))
    assert rows[rows.index("›") + 1] == ""
    term.child.send("sin x^2")
    rows = term.until(lambda rows: (under_input(rows, "sin x^2") or "").startswith("read as:"))
    assert under_input(rows, "sin x^2") == "read as: sin(x²)", "the other reading, at once"
    term.finish()
    assert reviews(home) == []
