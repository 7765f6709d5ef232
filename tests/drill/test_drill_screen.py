"""The drill at 80×24 as a terminal shows it: a pty, its output read by a terminal emulator."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pexpect
import pyte
import pytest

from tests.drill.drillkit import ADD, TIMES, drill_argv, reviews, solve

pytestmark = pytest.mark.slow

PROMPT = "\x1b[?2004h"  # prompt_toolkit is reading a line (see test_drill_pty.py)


class Terminal:
    """A drill in a pty of ``rows``×80 whose output feeds a pyte screen of the same size."""

    def __init__(self, md_env: dict[str, str], now: str, *extra: str, rows: int = 24) -> None:
        env = dict(md_env)
        env.pop("NO_COLOR", None)
        env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="80", LINES=str(rows))
        self.screen = pyte.Screen(80, rows)
        self._stream = pyte.Stream(self.screen)
        argv = drill_argv(now, *extra)
        self.child = pexpect.spawn(
            argv[0], argv[1:], env=env, encoding="utf-8", timeout=60, dimensions=(rows, 80)
        )
        self.child.logfile_read = self  # every byte read goes through the emulator

    def write(self, text: str) -> None:
        """Feed what the drill wrote to the emulated screen (pexpect's logfile interface)."""
        self._stream.feed(text)

    def flush(self) -> None:
        """Nothing is buffered."""

    def text(self) -> str:
        """The emulated screen, one line per row, trailing blanks removed."""
        return "\n".join(line.rstrip() for line in self.screen.display)

    def problem(self) -> tuple[int, int]:
        """Wait for a problem and its prompt; return (the answer, the mistake's value)."""
        self.child.expect([ADD, TIMES])
        answer, mistake = solve(self.child.after)
        self.child.expect_exact(PROMPT)
        return answer, mistake

    def finish(self) -> None:
        """Wait for the summary and a clean exit."""
        self.child.expect_exact("Session over")
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus == 0


def test_a_wrong_answer_stays_on_screen_until_a_key_is_pressed(md_env, home: Path) -> None:
    term = Terminal(md_env, "2026-11-21T09:00", "--seed", "5")
    _, mistake = term.problem()
    term.child.sendline(str(mistake))
    term.child.expect_exact("Enter: next · q: quit")
    screen = term.text()
    assert "✗ not correct" in screen
    assert re.search(r"^answer: −?\d+$", screen, re.MULTILINE), screen
    assert "You subtracted" in screen or "You added" in screen
    assert "worked solution" in screen
    assert not re.search(r"╰─+ 2/\d", screen), "the next problem waits for the key"
    with pytest.raises(pexpect.TIMEOUT):
        term.child.expect([ADD, TIMES], timeout=2)
    term.child.sendline("")
    term.problem()
    assert re.search(r"╰─+ 2/\d", term.text()), "Enter brings the next problem"
    term.child.sendline("q")
    term.finish()
    assert len(reviews(home)) == 1


def test_the_solution_waits_behind_w_when_it_would_not_fit(md_env, home: Path) -> None:
    term = Terminal(md_env, "2026-11-21T09:00", "--seed", "5", rows=8)
    _, mistake = term.problem()
    term.child.sendline(str(mistake))
    term.child.expect_exact("Enter: next · w: worked solution · q: quit")
    screen = term.text()
    assert "✗ not correct" in screen
    assert "worked solution" not in screen.replace("w: worked solution", "")
    term.child.sendline("w")
    term.child.expect_exact("Enter: next · q: quit")
    assert "╭─ worked solution" in term.text()
    term.child.sendline("q")
    term.finish()


def test_self_grade_shows_the_verdict_first_and_refuses_a_high_grade_when_wrong(
    md_env, home: Path
) -> None:
    term = Terminal(md_env, "2026-11-21T09:00", "--seed", "5", "--self-grade")
    _, mistake = term.problem()
    term.child.sendline(str(mistake))
    term.child.expect_exact("Your grade 0–5 [2]")
    screen = term.text()
    rows = screen.splitlines()
    asked = max(i for i, row in enumerate(rows) if row.startswith("Your grade"))
    verdict = [i for i, row in enumerate(rows) if row.startswith("✗ not correct")]
    reference = [i for i, row in enumerate(rows) if row.startswith("answer: ")]
    feedback = [i for i, row in enumerate(rows) if "You subtracted" in row or "You added" in row]
    assert verdict, screen
    assert reference, screen
    assert feedback, screen
    assert max(verdict + reference + feedback) < asked, "verdict, reference, feedback come first"
    term.child.sendline("5")
    term.child.expect_exact("judged wrong")
    term.child.expect_exact("Your grade 0–5 [2]")
    term.child.sendline("1")
    term.child.expect_exact("grade 1/5 (your own grade)")
    term.child.expect_exact("Enter: next")
    assert term.text().count("✗ not correct") == 1, "the verdict is not shown twice"
    term.child.sendline("q")
    term.finish()
    saved = reviews(home)
    assert [r["quality"] for r in saved] == [1]


def test_the_panel_names_the_card_and_the_seed(md_env, home: Path) -> None:
    term = Terminal(md_env, "2026-11-21T09:00", "--seed", "3")
    answer, _ = term.problem()
    match = re.search(r"│ (arith/\w+) · seed (\d+) +│", term.text())
    assert match, term.text()
    term.child.sendline(str(answer))
    term.child.expect_exact("Enter: next")
    term.child.sendline("q")
    term.finish()
    saved = reviews(home)[0]
    assert match[1] == f"arith/{saved['template']}"
    assert int(match[2]) == saved["seed"]


def test_flagging_confirms_in_one_line_and_the_same_problem_stays(md_env, home: Path) -> None:
    term = Terminal(md_env, "2026-11-21T09:00", "--seed", "3")
    answer, _ = term.problem()
    before = term.text()
    card = re.search(r"│ (arith/\w+ · seed \d+) +│", before)
    assert card, before
    term.child.sendline("f the numbers look odd")
    term.child.expect_exact("Flagged for a report")
    term.child.expect_exact(PROMPT)
    screen = term.text()
    rows = [row for row in screen.splitlines() if row.startswith("Flagged for a report")]
    assert len(rows) == 1, screen
    assert "mathdrill flags" in rows[0]
    assert card[1] in screen, "the flagged problem is still on screen"
    assert screen.count(" · seed ") == 1, "no new problem was drawn"
    assert "✓" not in screen, "a flag is not an answer"
    assert "✗" not in screen, "a flag is not an answer"
    term.child.sendline(str(answer))
    term.child.expect_exact("✓ correct")
    term.child.expect_exact("Enter: next")
    term.child.sendline("q")
    term.finish()
    (review,) = reviews(home)
    with sqlite3.connect(home / "mathdrill.db") as conn:
        flags = conn.execute("SELECT seed, comment, answer FROM flags").fetchall()
    assert flags == [(review["seed"], "the numbers look odd", None)]
    assert card[1].endswith(f"seed {review['seed']}")


def test_f_while_the_verdict_is_shown_flags_the_answered_problem(md_env, home: Path) -> None:
    term = Terminal(md_env, "2026-11-21T09:00", "--seed", "5")
    _, mistake = term.problem()
    term.child.sendline(str(mistake))
    term.child.expect_exact("q: quit · f: flag")
    term.child.sendline("f I think this is right")
    term.child.expect_exact("Flagged for a report with your answer")
    term.child.expect_exact("q: quit · f: flag")
    screen = term.text()
    assert "✗ not correct" in screen, "the verdict stays on screen"
    assert not re.search(r"╰─+ 2/\d", screen), "the next problem still waits for Enter"
    term.child.sendline("")
    term.problem()
    term.child.sendline("q")
    term.finish()
    (review,) = reviews(home)
    with sqlite3.connect(home / "mathdrill.db") as conn:
        flags = conn.execute("SELECT seed, comment, answer FROM flags").fetchall()
    assert flags == [(review["seed"], "I think this is right", str(mistake))]


def test_u_undoes_the_last_answer_and_the_database_is_as_before_it(md_env, home: Path) -> None:
    import sqlite3

    def dump() -> list[str]:
        with sqlite3.connect(home / "mathdrill.db") as conn:
            return list(conn.iterdump())

    term = Terminal(md_env, "2026-11-21T09:00", "--seed", "5")
    _, mistake = term.problem()
    first = re.search(r"│ (arith/\w+) · seed (\d+) +│", term.text())
    assert first, term.text()
    before = dump()
    term.child.sendline(str(mistake))
    term.child.expect_exact("Enter: next · q: quit")
    term.child.sendline("")
    term.problem()
    assert dump() != before
    term.child.sendline("u")
    term.child.expect_exact("Undone:")
    term.problem()
    screen = term.text()
    assert f"({first[1]}, graded 2/5)" in screen.replace("\n", " "), screen
    panels = re.findall(r"│ (arith/\w+) · seed (\d+) +│", screen)
    assert panels, screen
    again = panels[-1]  # the newest panel, at the bottom
    assert again[0] == first[1], "the undone skill comes again"
    assert again[1] != first[2], "with a fresh problem"
    assert re.findall(r"╰─+ (\d+)/\d", screen)[-1] == "1", "in the undone answer's place"
    assert dump() == before
    term.child.sendline("q")
    term.finish()
    assert reviews(home) == []
